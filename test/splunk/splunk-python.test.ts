import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';

/**
 * The app's Python forwarders, run with the system python3. The Verdict HTTP service
 * (core/server) is not built yet: a local stand-in answers POST /v1/triage with
 * {"results": [...], "errors": [...]} and records each request. Switch `serviceUrl` to the live
 * service once core/server exists. splunkd (conf + storage/passwords) is the Splunk emulator.
 */

const BIN = resolve(import.meta.dirname, '../../manifests/splunk/verdict_app/bin');
const API_TOKEN = 'verdict-api-token-7d1f';

interface Recorded {
  url: string;
  authorization: string | undefined;
  body: { alerts: Array<Record<string, string | string[]>> };
}

function startStandInService(recorded: Recorded[]): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Recorded['body'];
      recorded.push({ url: request.url ?? '', authorization: request.headers.authorization, body });
      if (request.method !== 'POST' || !request.url?.startsWith('/v1/triage')) return void response.writeHead(404).end();
      const results: unknown[] = [];
      const errors: unknown[] = [];
      body.alerts.forEach((alert, index) => {
        if (alert.fail === 'yes') return void errors.push({ index, path: 'rule_name', message: 'missing' }, { index, path: '_time', message: 'unreadable' });
        results.push({ alertId: `row-${index}`, verdict: index % 2 === 0 ? 'true_positive' : 'benign_positive', confidence: 0.8, probabilityMalicious: 0.75, summary: `Résumé ✓ für ${String(alert.user ?? 'nobody')}` });
      });
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ results, errors }));
    });
  });
  return new Promise((ready) => server.listen(0, '127.0.0.1', () => ready(server)));
}

function runPython(script: string, args: string[], stdin: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('python3', [join(BIN, script), ...args], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin.end(stdin);
  });
}

function chunk(metadata: unknown, body = ''): Buffer {
  const meta = Buffer.from(JSON.stringify(metadata), 'utf8');
  const data = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`chunked 1.0,${meta.length},${data.length}\n`, 'utf8'), meta, data]);
}

/** Splits a protocol-v2 byte stream into messages; throws unless the framing is byte-exact. */
function parseChunks(stream: Buffer): Array<{ metadata: Record<string, unknown>; body: string }> {
  const messages: Array<{ metadata: Record<string, unknown>; body: string }> = [];
  let offset = 0;
  while (offset < stream.length) {
    const newline = stream.indexOf(0x0a, offset);
    const header = stream.subarray(offset, newline + 1).toString('utf8');
    const match = header.match(/^chunked 1\.0,(\d+),(\d+)\n$/);
    if (!match) throw new Error(`bad header at byte ${offset}: ${JSON.stringify(header)}`);
    const metaEnd = newline + 1 + Number(match[1]);
    const bodyEnd = metaEnd + Number(match[2]);
    if (bodyEnd > stream.length) throw new Error('chunk longer than the stream');
    messages.push({ metadata: JSON.parse(stream.subarray(newline + 1, metaEnd).toString('utf8')) as Record<string, unknown>, body: stream.subarray(metaEnd, bodyEnd).toString('utf8') });
    offset = bodyEnd;
  }
  return messages;
}

function csv(rows: string[][]): string {
  return rows.map((row) => row.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',')).join('\r\n') + '\r\n';
}

function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') (cell += '"'), (index += 1);
      else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(cell), (cell = '');
    else if (char === '\n') row.push(cell.replace(/\r$/, '')), records.push(row), (row = []), (cell = '');
    else cell += char;
  }
  const [header = [], ...body] = records;
  return body.map((values) => Object.fromEntries(header.map((name, index) => [name, values[index] ?? ''])));
}

describe('Splunk app Python forwarders (python3)', () => {
  let emulator: SplunkEmulator;
  let service: Server;
  let serviceUrl: string;
  let sessionKey: string;
  const recorded: Recorded[] = [];
  const work = mkdtempSync(join(tmpdir(), 'verdict-py-'));

  beforeAll(async () => {
    emulator = await startSplunkEmulator({ users: { admin: 'changeme' } });
    service = await startStandInService(recorded);
    serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
    const login = await fetch(`${emulator.url}/services/auth/login?output_mode=json`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'changeme' }) });
    sessionKey = ((await login.json()) as { sessionKey: string }).sessionKey;
  });
  beforeEach(() => {
    recorded.length = 0;
    emulator.state.passwords.splice(0, emulator.state.passwords.length, { realm: 'verdict_app', username: 'verdict_api', clear_password: API_TOKEN });
    emulator.state.confs.set('verdict/service', { url: serviceUrl, verify_tls: 'true', timeout: '10' });
  });
  afterAll(async () => {
    await emulator.close();
    await new Promise((closed) => service.close(closed));
    rmSync(work, { recursive: true, force: true });
  });

  it('search command: getinfo, execute chunks, finished — byte-exact framing, UTF-8 fields', async () => {
    const searchinfo = { args: ['batch_size=2'], splunkd_uri: emulator.url, session_key: sessionKey, app: 'search', owner: 'admin', username: 'admin', sid: '1700000000.42', command: 'verdict', search: 'search%20%60notable%60%20%7C%20verdict' };
    const header = ['_time', 'dest', 'user', 'process', 'fail', '__mv_user'];
    const first = csv([header,
      ['1700000000', 'web01', 'Jürgen 漢字 🙂', 'powershell -enc "SQBFAFgA", -nop', '', ''],
      ['1700000001', 'db02', 'svc_backup', 'rundll32.exe a,b', '', ''],
      ['1700000002', 'ws03', 'ada\nlovelace', 'cmd /c whoami', '', '$ada$;$lovelace$']]);
    const second = csv([header, ['1700000003', 'ws04', 'eve', 'calc.exe', 'yes', ''], ['1700000004', 'ws05', 'Zoë', 'notepad.exe', '', '']]);
    const transcript = Buffer.concat([
      chunk({ action: 'getinfo', preview: false, searchinfo }),
      chunk({ action: 'execute', finished: false }, first),
      chunk({ action: 'execute', finished: true }, second),
    ]);
    const run = await runPython('verdict_command.py', [], transcript);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const messages = parseChunks(run.stdout);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toEqual({ metadata: { type: 'stateful', generating: false }, body: '' });
    expect(messages[1]!.metadata).toEqual({ finished: false });
    expect(messages[2]!.metadata).toEqual({ finished: true });
    const rows = [...parseCsv(messages[1]!.body), ...parseCsv(messages[2]!.body)];
    expect(rows.map((row) => row.verdict)).toEqual(['true_positive', 'benign_positive', 'true_positive', 'error', 'benign_positive']);
    expect(rows[0]).toMatchObject({ user: 'Jürgen 漢字 🙂', process: 'powershell -enc "SQBFAFgA", -nop', verdict_confidence: '0.8', verdict_probability: '0.75', verdict_summary: 'Résumé ✓ für Jürgen 漢字 🙂' });
    expect(rows[2]).toMatchObject({ user: 'ada\nlovelace', __mv_user: '$ada$;$lovelace$' });
    expect(rows[3]).toMatchObject({ verdict: 'error', verdict_summary: 'rule_name: missing; _time: unreadable' });
    expect(rows[4]).toMatchObject({ verdict_summary: 'Résumé ✓ für Zoë' });

    expect(recorded.map((request) => request.body.alerts.length)).toEqual([2, 1, 2]);
    for (const request of recorded) {
      expect(request.url).toBe('/v1/triage?platform=splunk');
      expect(request.authorization).toBe(`Bearer ${API_TOKEN}`);
    }
    expect(recorded[0]!.body.alerts[0]).toEqual({ _time: '1700000000', dest: 'web01', user: 'Jürgen 漢字 🙂', process: 'powershell -enc "SQBFAFgA", -nop' });
    expect(recorded[1]!.body.alerts[0]!.user).toEqual(['ada', 'lovelace']);
  });

  it('search command: reports a missing token as an ERROR and finishes', async () => {
    emulator.state.passwords.length = 0;
    const transcript = Buffer.concat([
      chunk({ action: 'getinfo', searchinfo: { splunkd_uri: emulator.url, session_key: sessionKey } }),
      chunk({ action: 'execute', finished: true }, csv([['dest'], ['web01']])),
    ]);
    const run = await runPython('verdict_command.py', [], transcript);
    const messages = parseChunks(run.stdout);
    expect(messages[1]!.metadata).toEqual({ finished: true, inspector: { messages: [['ERROR', expect.stringMatching(/no Verdict API token in storage\/passwords/)]] } });
    expect(run.stdout.toString('utf8')).not.toContain(sessionKey);
    expect(recorded).toHaveLength(0);
  });

  it('alert action: reads the payload on stdin and the gzipped results, posts them with the stored token', async () => {
    const resultsFile = join(work, 'results.csv.gz');
    writeFileSync(resultsFile, gzipSync(csv([['_time', 'dest', 'src_ip', '__mv_src_ip', 'user'], ['1700000000', 'web01', '10.0.0.1\n10.0.0.2', '$10.0.0.1$;$10.0.0.2$', 'Jürgen'], ['1700000001', 'web02', '', '', 'bob']])));
    const payload = { app: 'verdict_app', owner: 'admin', results_file: resultsFile, server_uri: emulator.url, session_key: sessionKey, search_name: 'Brute force', sid: 'scheduler_1', configuration: { max_results: '10' }, result: { dest: 'web01' } };
    const run = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload), 'utf8'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/INFO verdict_triage: sent 2 result\(s\) from Brute force; 2 verdict\(s\), 0 error\(s\)/);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ url: '/v1/triage?platform=splunk', authorization: `Bearer ${API_TOKEN}` });
    expect(recorded[0]!.body).toEqual({ alerts: [
      { _time: '1700000000', dest: 'web01', src_ip: ['10.0.0.1', '10.0.0.2'], user: 'Jürgen' },
      { _time: '1700000001', dest: 'web02', user: 'bob' },
    ] });
  });

  it('alert action: the service_url parameter overrides setup; failures exit 2 without secrets', async () => {
    emulator.state.confs.set('verdict/service', { url: 'http://127.0.0.1:1' });
    const payload = { server_uri: emulator.url, session_key: sessionKey, search_name: 'One row', configuration: { service_url: serviceUrl }, result: { dest: 'web09', user: 'mallory' } };
    const ok = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload)));
    expect(ok.code).toBe(0);
    expect(recorded[0]!.body.alerts).toEqual([{ dest: 'web09', user: 'mallory' }]);

    emulator.state.passwords.length = 0;
    const noToken = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload)));
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/ERROR verdict_triage: no Verdict API token .* run the Verdict setup page/);
    expect(noToken.stderr).not.toContain(sessionKey);

    const wrongMode = await runPython('verdict_triage.py', [], Buffer.from('{}'));
    expect(wrongMode.code).toBe(1);
    expect(wrongMode.stderr).toMatch(/expected --execute/);
  });
});
