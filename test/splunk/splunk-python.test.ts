import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VerdictSchema } from '../../core/spec/result.js';
import { createSplunkPlugin } from '../../plugins/splunk/index.js';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { loadSigmaNotables } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

/**
 * The app's Python forwarders, run with the system python3 against the live Verdict service
 * (core/server on a loopback port, with the Splunk plugin wired as `verdict serve` wires it).
 * splunkd (conf + storage/passwords) is the Splunk emulator. What the scripts sent is checked on
 * the service's side: its request log, its stored verdicts and the entity keys stored with them.
 */

const BIN = resolve(import.meta.dirname, '../../manifests/splunk/verdict_app/bin');

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

describe('Splunk app Python forwarders (python3) against the live service', () => {
  let emulator: SplunkEmulator;
  let service: TestServer;
  let apiToken: string;
  let sessionKey: string;
  const work = mkdtempSync(join(tmpdir(), 'verdict-py-'));

  /** POST /v1/triage requests the service completed since `from` (its ECS request log). */
  const triageRequests = (from = 0) =>
    service.logs
      .slice(from)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry['http.route'] === '/v1/triage');
  const storedVerdict = async (alertId: string) => {
    const answer = await service.request('GET', `/v1/verdicts/${encodeURIComponent(alertId)}`, { token: service.tokens.triage });
    expect(answer.status, alertId).toBe(200);
    return answer.json as { verdict: string; summary: string; confidence: number; probabilityMalicious: number; ruleName: string };
  };

  beforeAll(async () => {
    emulator = await startSplunkEmulator({ users: { admin: 'changeme' } });
    service = await startTestServer({}, {}, { plugins: [createSplunkPlugin()] });
    apiToken = service.tokens.triage;
    const login = await fetch(`${emulator.url}/services/auth/login?output_mode=json`, { method: 'POST', body: new URLSearchParams({ username: 'admin', password: 'changeme' }) });
    sessionKey = ((await login.json()) as { sessionKey: string }).sessionKey;
  });
  beforeEach(() => {
    emulator.state.passwords.splice(0, emulator.state.passwords.length, { realm: 'verdict_app', username: 'verdict_api', clear_password: apiToken });
    emulator.state.confs.set('verdict/service', { url: service.baseUrl, verify_tls: 'true', timeout: '10' });
  });
  afterAll(async () => {
    await emulator.close();
    await service.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('search command: getinfo, execute chunks, finished — byte-exact framing, UTF-8 fields', async () => {
    // Real notables (Sigma tests rendered by the eval's converter); one has a right-to-left
    // override (U+202E) in its image path, a real masquerading trick. The user of the first is a
    // framing probe with 2-, 3- and 4-byte UTF-8; the second's user is a multivalue field.
    const notables = loadSigmaNotables();
    const rtlo = notables.find((notable) => String(notable.process_path ?? '').includes('\u202e'))!;
    const [first, second, third, fourth] = notables.filter((notable) => notable !== rtlo);
    const picked: Row[] = [{ ...first!, user: 'Jürgen 漢字 🙂' }, { ...second!, user: 'ada\nlovelace', __mv_user: '$ada$;$lovelace$' }, rtlo, { ...third!, rule_name: '', _time: '' }, fourth!];
    const header = ['_time', 'event_id', 'rule_name', 'dest', 'user', 'process_path', 'process', '__mv_user'];
    const cells = (row: Row): string[] => header.map((field) => String(row[field] ?? ''));
    const searchinfo = {
      args: ['batch_size=2'],
      splunkd_uri: emulator.url,
      session_key: sessionKey,
      app: 'search',
      owner: 'admin',
      username: 'admin',
      sid: '1700000000.42',
      command: 'verdict',
      search: 'search%20%60notable%60%20%7C%20verdict',
    };
    const transcript = Buffer.concat([
      chunk({ action: 'getinfo', preview: false, searchinfo }),
      chunk({ action: 'execute', finished: false }, csv([header, ...picked.slice(0, 3).map(cells)])),
      chunk({ action: 'execute', finished: true }, csv([header, ...picked.slice(3).map(cells)])),
    ]);
    const logsBefore = service.logs.length;
    const run = await runPython('verdict_command.py', [], transcript);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const messages = parseChunks(run.stdout);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toEqual({ metadata: { type: 'stateful', generating: false }, body: '' });
    expect(messages[1]!.metadata).toEqual({ finished: false });
    // The last chunk holds the row without a time: its failure is also an inspector WARN.
    expect(messages[2]!.metadata).toEqual({ finished: true, inspector: { messages: [['WARN', expect.stringMatching(/^verdict: 1 of 2 rows got no verdict \(verdict=error\); the first: .*_time/)]] } });
    const rows = [...parseCsv(messages[1]!.body), ...parseCsv(messages[2]!.body)];
    expect(rows.map((row) => row.event_id)).toEqual(picked.map((row) => row.event_id));
    expect(rows[0]).toMatchObject({ user: 'Jürgen 漢字 🙂' });
    expect(rows[1]).toMatchObject({ user: 'ada\nlovelace', __mv_user: '$ada$;$lovelace$' });
    expect(rows[2]!.process_path).toBe(rtlo.process_path);
    expect(rows[3]!.verdict).toBe('error');
    expect(rows[3]!.verdict_summary).toMatch(/_time: missing or unreadable/);
    // A row without a rule is named after the search (finding 13), so only the time is missing.
    expect(rows[3]!.verdict_summary).not.toMatch(/rule_name/);

    // Every other row carries the verdict the service stored for that notable, text intact.
    for (const row of [rows[0]!, rows[1]!, rows[2]!, rows[4]!]) {
      const stored = await storedVerdict(row.event_id!);
      expect(VerdictSchema.safeParse(row.verdict).success, row.verdict).toBe(true);
      expect(row).toMatchObject({ verdict: stored.verdict, verdict_summary: stored.summary, verdict_confidence: String(stored.confidence), verdict_probability: String(stored.probabilityMalicious) });
      expect(stored.ruleName).toBe(row.rule_name);
    }
    // What arrived at the service: the UTF-8 user unchanged, the multivalue user as two users.
    expect(await service.runtime.repository.getEntityKeys(rows[0]!.event_id!)).toContain('user:jürgen 漢字 🙂'); // stored lower-cased
    expect(await service.runtime.repository.getEntityKeys(rows[1]!.event_id!)).toEqual(expect.arrayContaining(['user:ada', 'user:lovelace']));
    const requests = triageRequests(logsBefore);
    expect(requests.map((request) => request['http.response.status_code'])).toEqual([200, 200, 200]); // batches of 2, 1 and 2
    expect(requests.every((request) => request['user.name'] === 'soar-playbook')).toBe(true); // the stored token's holder
  });

  it('search command: a recorded protocol-v2 session (multi-byte rows, __mv_ fields) comes back framed byte-exact, every row with a verdict', async () => {
    // test/splunk/fixtures/make-command-session.ts wrote it in splunkd's framing; only getinfo's
    // splunkd_uri and session_key are filled in here (its length header is recomputed).
    const recorded = readFileSync(resolve(import.meta.dirname, 'fixtures/verdict-command-session.chunked'));
    const inputs = parseChunks(recorded);
    const getinfoLength = recorded.indexOf(0x0a) + 1 + Buffer.byteLength(JSON.stringify(inputs[0]!.metadata));
    const getinfo = JSON.parse(JSON.stringify(inputs[0]!.metadata).replace('__SPLUNKD_URI__', emulator.url).replace('__SESSION_KEY__', sessionKey)) as Record<string, unknown>;
    const session = Buffer.concat([chunk(getinfo), recorded.subarray(getinfoLength)]);
    const logsBefore = service.logs.length;
    const run = await runPython('verdict_command.py', [], session);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const replies = parseChunks(run.stdout); // throws unless every frame's byte lengths are exact
    expect(replies).toHaveLength(inputs.length);
    expect(replies[0]).toEqual({ metadata: { type: 'stateful', generating: false }, body: '' });
    let rowCount = 0;
    for (let index = 1; index < inputs.length; index += 1) {
      const sent = parseCsv(inputs[index]!.body);
      const answered = parseCsv(replies[index]!.body);
      expect(replies[index]!.metadata).toEqual({ finished: inputs[index]!.metadata.finished });
      expect(answered).toHaveLength(sent.length);
      answered.forEach((row, position) => {
        expect(row, `row ${position} of chunk ${index}`).toMatchObject(sent[position]!); // every field back unchanged, multi-byte and __mv_ included
        expect(VerdictSchema.safeParse(row.verdict).success, `${row.event_id}: ${row.verdict} ${row.verdict_summary}`).toBe(true);
        expect(Number(row.verdict_confidence)).toBeGreaterThan(0);
      });
      rowCount += answered.length;
    }
    expect(rowCount).toBe(15);
    // The multivalue users reached the service as separate users.
    const mvRow = parseCsv(inputs[1]!.body).find((row) => row.__mv_user)!;
    expect(await service.runtime.repository.getEntityKeys(mvRow.event_id!)).toEqual(expect.arrayContaining(['user:svc$backup']));
    expect(triageRequests(logsBefore).every((request) => request['http.response.status_code'] === 200)).toBe(true);
  });

  it('search command: rows that are not notables get verdicts, named by rule="..." or after the search', async () => {
    const header = ['_time', 'host', 'src_ip', 'user'];
    const rows = [
      ['1700000100', 'web01', '10.1.1.1', 'alice'],
      ['1700000101', 'web02', '10.1.1.2', 'bob'],
    ];
    const logsBefore = service.logs.length;
    const session = (args: string[], search: string) =>
      Buffer.concat([
        chunk({ action: 'getinfo', searchinfo: { args, splunkd_uri: emulator.url, session_key: sessionKey, search: encodeURIComponent(search) } }),
        chunk({ action: 'execute', finished: true }, csv([header, ...rows])),
      ]);
    const named = parseChunks((await runPython('verdict_command.py', [], session(['rule="Odd logins"'], 'search index=auth | verdict rule="Odd logins"'))).stdout);
    expect(named[1]!.metadata).toEqual({ finished: true });
    expect(parseCsv(named[1]!.body).map((row) => row.verdict)).not.toContain('error');
    expect((await service.runtime.repository.listResults({ limit: 10, rule: 'Odd logins' })).items).toHaveLength(2);
    const bySearch = parseChunks((await runPython('verdict_command.py', [], session([], 'search index=auth action=failure | verdict'))).stdout);
    expect(parseCsv(bySearch[1]!.body).map((row) => row.verdict)).not.toContain('error');
    expect((await service.runtime.repository.listResults({ limit: 10, rule: 'Search: search index=auth action=failure' })).items.length).toBeGreaterThan(0);
    expect(triageRequests(logsBefore).map((request) => request['http.response.status_code'])).toEqual([200, 200]);
  });

  it('search command: a 200 kB field, invalid UTF-8 and batch_size=abc end with a reply frame, never a traceback', async () => {
    const searchinfo = { splunkd_uri: emulator.url, session_key: sessionKey };
    const bigRow = csv([
      ['_time', 'event_id', 'rule_name', 'dest', '_raw'],
      ['1700000200', 'big-1', 'Big raw', 'web01', 'x'.repeat(200_000)],
    ]);
    const big = await runPython('verdict_command.py', [], Buffer.concat([chunk({ action: 'getinfo', searchinfo }), chunk({ action: 'execute', finished: true }, bigRow)]));
    expect(big.stderr).toBe('');
    const bigMessages = parseChunks(big.stdout);
    expect(bigMessages[1]!.metadata).toEqual({ finished: true });
    expect(parseCsv(bigMessages[1]!.body)[0]).toMatchObject({ event_id: 'big-1', _raw: 'x'.repeat(200_000) });

    const invalid = Buffer.concat([Buffer.from('_time,event_id,rule_name,dest\r\n1700000201,bad-utf8,Bad bytes,web', 'utf8'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\r\n', 'utf8')]);
    const meta = Buffer.from(JSON.stringify({ action: 'execute', finished: true }));
    const framed = Buffer.concat([chunk({ action: 'getinfo', searchinfo }), Buffer.from(`chunked 1.0,${meta.length},${invalid.length}\n`), meta, invalid]);
    const decoded = await runPython('verdict_command.py', [], framed);
    expect(decoded.stderr).toBe('');
    const decodedRows = parseCsv(parseChunks(decoded.stdout)[1]!.body);
    expect(decodedRows[0]!.dest).toBe('web\ufffd(\ufffd');
    expect(decodedRows[0]!.verdict).not.toBe('error');

    const wrongBatch = await runPython(
      'verdict_command.py',
      [],
      Buffer.concat([chunk({ action: 'getinfo', searchinfo: { ...searchinfo, args: ['batch_size=abc'] } }), chunk({ action: 'execute', finished: true }, csv([['dest'], ['web01']]))]),
    );
    expect(wrongBatch.stderr).toBe('');
    expect(parseChunks(wrongBatch.stdout)).toEqual([
      { metadata: { finished: true, inspector: { messages: [['ERROR', expect.stringMatching(/batch_size must be a whole number .* got 'abc'/)]] } }, body: '' },
    ]);

    const garbage = await runPython('verdict_command.py', [], Buffer.from('this is not the chunked protocol\n'));
    expect(garbage.stderr).toBe('');
    expect(parseChunks(garbage.stdout)[0]!.metadata).toMatchObject({ finished: true, inspector: { messages: [['ERROR', expect.stringMatching(/could not read the getinfo message/)]] } });
  });

  it('search command: a user without list_storage_passwords is told which capability to add', async () => {
    const strict = await startSplunkEmulator({ tokens: { 'eyJ.analyst-session': 'analyst' }, roles: { analyst: { capabilities: [] } } });
    try {
      strict.state.passwords.push({ realm: 'verdict_app', username: 'verdict_api', clear_password: apiToken });
      strict.state.confs.set('verdict/service', { url: service.baseUrl });
      const transcript = Buffer.concat([
        chunk({ action: 'getinfo', searchinfo: { splunkd_uri: strict.url, session_key: 'eyJ.analyst-session' } }),
        chunk({ action: 'execute', finished: true }, csv([['dest'], ['web01']])),
      ]);
      const run = await runPython('verdict_command.py', [], transcript);
      expect(run.stderr).toBe('');
      expect(parseChunks(run.stdout)[1]!.metadata).toEqual({ finished: true, inspector: { messages: [['ERROR', expect.stringMatching(/HTTP 403: .*list_storage_passwords capability/)]] } });
      expect(run.stdout.toString('utf8')).not.toContain(apiToken);
    } finally {
      await strict.close();
    }
  });

  it('search command: reports a missing token as an ERROR and finishes', async () => {
    emulator.state.passwords.length = 0;
    const logsBefore = service.logs.length;
    const transcript = Buffer.concat([
      chunk({ action: 'getinfo', searchinfo: { splunkd_uri: emulator.url, session_key: sessionKey } }),
      chunk({ action: 'execute', finished: true }, csv([['dest'], ['web01']])),
    ]);
    const run = await runPython('verdict_command.py', [], transcript);
    const messages = parseChunks(run.stdout);
    expect(messages[1]!.metadata).toEqual({ finished: true, inspector: { messages: [['ERROR', expect.stringMatching(/no Verdict API token in storage\/passwords/)]] } });
    expect(run.stdout.toString('utf8')).not.toContain(sessionKey);
    expect(triageRequests(logsBefore)).toHaveLength(0);
  });

  it('alert action: reads the payload on stdin and the gzipped results, posts them with the stored token', async () => {
    const resultsFile = join(work, 'results.csv.gz');
    writeFileSync(
      resultsFile,
      gzipSync(
        csv([
          ['_time', 'dest', 'src_ip', '__mv_src_ip', 'user'],
          ['1700000000', 'web01', '10.0.0.1\n10.0.0.2', '$10.0.0.1$;$10.0.0.2$', 'Jürgen'],
          ['1700000001', 'web02', '', '', 'bob'],
        ]),
      ),
    );
    const payload = {
      app: 'verdict_app',
      owner: 'admin',
      results_file: resultsFile,
      server_uri: emulator.url,
      session_key: sessionKey,
      search_name: 'Brute force',
      sid: 'scheduler_1',
      configuration: { max_results: '10' },
      result: { dest: 'web01' },
    };
    const logsBefore = service.logs.length;
    const run = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload), 'utf8'));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/INFO verdict_triage: sent 2 result\(s\) from Brute force; 2 verdict\(s\), 0 error\(s\)/);
    expect(triageRequests(logsBefore)).toEqual([expect.objectContaining({ 'http.response.status_code': 200, 'user.name': 'soar-playbook' })]);
    // Named after the search that fired (results carry no rule name); the multivalue src_ip arrived as two addresses.
    const stored = await service.runtime.repository.listResults({ limit: 10, rule: 'Brute force' });
    expect(stored.items).toHaveLength(2);
    const keys = await Promise.all(stored.items.map((result) => service.runtime.repository.getEntityKeys(result.alertId)));
    expect(keys.flat()).toEqual(expect.arrayContaining(['host:web01', 'ip:10.0.0.1', 'ip:10.0.0.2', 'user:jürgen', 'host:web02', 'user:bob']));
  });

  it('alert action: the service_url parameter overrides setup; failures exit 2 without secrets', async () => {
    emulator.state.confs.set('verdict/service', { url: 'http://127.0.0.1:1' });
    const payload = {
      server_uri: emulator.url,
      session_key: sessionKey,
      search_name: 'One row',
      configuration: { service_url: service.baseUrl },
      result: { _time: '1700000005', dest: 'web09', user: 'mallory' },
    };
    const ok = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload)));
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/sent 1 result\(s\) from One row; 1 verdict\(s\), 0 error\(s\)/);
    expect((await service.runtime.repository.listResults({ limit: 10, rule: 'One row' })).items).toHaveLength(1);

    emulator.state.passwords.length = 0;
    const noToken = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload)));
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/ERROR verdict_triage: no Verdict API token .* run the Verdict setup page/);
    expect(noToken.stderr).not.toContain(sessionKey);

    emulator.state.passwords.push({ realm: 'verdict_app', username: 'verdict_api', clear_password: `${apiToken}-revoked` });
    const refused = await runPython('verdict_triage.py', ['--execute'], Buffer.from(JSON.stringify(payload)));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Verdict service answered HTTP 401 for POST \/v1\/triage/);
    expect(refused.stderr).not.toContain(apiToken);

    const wrongMode = await runPython('verdict_triage.py', [], Buffer.from('{}'));
    expect(wrongMode.code).toBe(1);
    expect(wrongMode.stderr).toMatch(/expected --execute/);
  });
});
