import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, sampleAlert, type TestServer } from '../server/server-harness.js';
import { ensureBuilt, startCli } from './cli-process.js';

/** `verdict triage` / `feedback` exit codes: 0 all done, 2 a user error named, 3 some records dead-lettered. */
const CLEAR_EXITS = [0, 2, 3];

/**
 * Issue 11, the fuzz acceptance: hostile input at every boundary — every HTTP route the server
 * publishes in /openapi.json, and every CLI input path (JSONL, JSON, CSV, stdin, feedback) — gets
 * a clear 4xx or a dead letter: never a 500, never a stack trace, never longer than 1 s per
 * request. Hostile means what an attacker or a careless export sends: nesting thousands deep,
 * U+0000, invalid UTF-8, megabyte strings, thousands of entities, wrong types.
 */

const STACK = /\n\s+at .+:\d+:\d+|\bat (async )?[\w.<>]+ \(/;

const deepArray = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Alert-shaped JSON texts with one hostile part each (and some plain garbage). */
const hostileAlert: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    deepArray(20_000),
    deepObject(20_000),
    JSON.stringify({ alerts: [JSON.parse(deepArray(60))] }),
    `{"alerts":[${deepObject(100)}]}`,
    JSON.stringify(sampleAlert('nul-id\u0000x')),
    JSON.stringify(sampleAlert('nul-title', { title: 'a\u0000b' })),
    JSON.stringify(sampleAlert('x'.repeat(200_000))),
    JSON.stringify(sampleAlert('long-rule', { ruleName: 'r'.repeat(100_000) })),
    JSON.stringify(sampleAlert('many-hosts', { entities: Array.from({ length: 3000 }, (_, index) => ({ kind: 'host', value: `ws${index}`, role: 'target' })) })),
    JSON.stringify(sampleAlert('long-url', { entities: [{ kind: 'url', value: `http://x.test/${'a'.repeat(300_000)}`, role: 'related' }] })),
    '{"id": 1e999, "title": null}',
    '\uFEFF{"id":"bom"}',
    '{"__proto__": {"polluted": true}, "id": "p"}',
  ),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .record({ id: fc.string(), title: fc.string(), ruleName: fc.string(), time: fc.string(), entities: fc.array(fc.anything(), { maxLength: 3 }) }, { requiredKeys: [] })
    .map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Bytes that are not UTF-8 at all (a lone continuation byte, an overlong form). */
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]);

/** Query, path and header values: numbers out of range, traversal, injection, NUL, huge, binary. */
const hostileParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('-1', '0', '1e999', 'NaN', '99999999999999999999', '../../etc/passwd', '%00', '\u0000', 'a'.repeat(10_000), "' OR 1=1 --", '2026-13-45T99:99:99Z', '[]', '{}', 'true'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

type Operation = { method: string; route: string; parameters: Array<{ in: string; name: string }> };

describe('fuzz: every HTTP route', () => {
  let harness: TestServer;
  let operations: Operation[];
  beforeAll(async () => {
    harness = await startTestServer({ rateLimit: { requestsPerSecond: 1e6, burst: 1e6 }, hookSecrets: { verdict: 'fuzz-secret' }, bodyLimitBytes: 2 * 1024 * 1024 });
    const spec = (await harness.request('GET', '/openapi.json')).json as { paths: Record<string, Record<string, { parameters?: Operation['parameters'] }>> };
    operations = Object.entries(spec.paths).flatMap(([route, byMethod]) =>
      Object.entries(byMethod).map(([method, operation]) => ({ method: method.toUpperCase(), route, parameters: operation.parameters ?? [] })),
    );
  });
  afterAll(async () => harness.close());

  const send = async (method: string, target: string, body: string | Buffer | undefined, token: string | undefined, headers: Record<string, string> = {}) => {
    const response = await fetch(`${harness.baseUrl}${target}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined && method !== 'GET' ? { body: body as BodyInit } : {}),
      // A request that takes longer than a second is a hang (a quadratic loop, a blocked event loop).
      signal: AbortSignal.timeout(1000),
    });
    const text = await response.text();
    const label = `${method} ${target.slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)} ${String(body).slice(0, 120)}`;
    expect(response.status, label).toBeLessThan(500);
    expect(text, label).not.toMatch(STACK);
    if (response.status >= 400 && response.status !== 431) expect(JSON.parse(text), label).toMatchObject({ status: response.status, detail: expect.any(String) });
    return response.status;
  };
  const pathOf = (operation: Operation, value = 'fuzz-id') => operation.route.replace(/\{[^}]+\}/g, encodeURIComponent(value));

  it('answers hostile bodies with a 2xx or a clear 4xx: no 500, no stack trace, within 1 s', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(8);
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.nat(operations.length - 1), hostileAlert, fc.constantFrom<'admin' | 'triage' | 'none'>('admin', 'triage', 'none'), async (index, body, holder) => {
        const operation = operations[index]!;
        statuses.push(await send(operation.method, pathOf(operation), body, holder === 'none' ? undefined : harness.tokens[holder]));
      }),
      { numRuns: 150 },
    );
    for (const operation of operations.filter((candidate) => candidate.method !== 'GET')) statuses.push(await send(operation.method, pathOf(operation), INVALID_UTF8, harness.tokens.admin));
    // The deep documents reach the parser: the limit is named.
    const deep = await fetch(`${harness.baseUrl}/v1/triage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.tokens.admin}` },
      body: deepArray(20_000),
    });
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { detail: string }).detail).toMatch(/deeper than 64 levels/);
    expect(statuses.some((status) => status === 200)).toBe(true);
  }, 60_000);

  it('answers hostile query, path and header parameters (every one the OpenAPI document names) the same way', async () => {
    const named = operations.filter((operation) => operation.parameters.length > 0);
    expect(named.length).toBeGreaterThanOrEqual(8);
    const statuses: number[] = [];
    await fc.assert(
      fc.asyncProperty(fc.nat(named.length - 1), fc.array(hostileParam, { minLength: 8, maxLength: 8 }), async (index, values) => {
        const operation = named[index]!;
        let target = operation.route;
        const query = new URLSearchParams();
        const headers: Record<string, string> = {};
        operation.parameters.forEach((parameter, position) => {
          const value = values[position % values.length]!;
          if (parameter.in === 'path') target = target.replace(`{${parameter.name}}`, encodeURIComponent(value));
          else if (parameter.in === 'query') query.set(parameter.name, value);
          // Header values travel as visible ASCII: anything else is refused by the client itself.
          else if (parameter.in === 'header')
            headers[parameter.name] = value
              .replace(/[^\x20-\x7e]/g, '?')
              .trim()
              .slice(0, 8000);
        });
        const body = operation.method === 'GET' ? undefined : JSON.stringify(sampleAlert(`param-${index}`));
        statuses.push(await send(operation.method, `${target}${query.size > 0 ? `?${query}` : ''}`, body, harness.tokens.admin, headers));
      }),
      { numRuns: 150 },
    );
    // The router's own refusals are problem details too (they were Fastify's bare JSON).
    expect(await send('GET', `/v1/verdicts/${'a'.repeat(600)}`, undefined, harness.tokens.admin)).toBe(414);
    expect(await send('GET', '/v1/verdicts/%E0%A4%A', undefined, harness.tokens.admin)).toBe(400);
    // The values reached the handlers: some were refused as invalid, some were answered.
    expect(statuses).toContain(400);
    expect(statuses.some((status) => status === 200 || status === 404)).toBe(true);
    console.info(`fuzz parameters: ${JSON.stringify(Object.fromEntries([...new Set(statuses)].map((status) => [status, statuses.filter((each) => each === status).length])))}`);
  }, 60_000);
});

describe('fuzz: every CLI input path', () => {
  let work: string;
  beforeAll(() => {
    ensureBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'verdict-fuzz-cli-'));
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** Runs the CLI on a file (or stdin); every record ends as a verdict or a dead letter. */
  const runCli = async (args: string[], input?: string) => {
    const cli = startCli(args, { cwd: work, env: { VERDICT_HOME: path.join(work, `home-${args[0]}-${Math.random().toString(36).slice(2)}`) }, ...(input !== undefined ? { input } : {}) });
    const timer = setTimeout(() => cli.child.kill('SIGKILL'), 30_000);
    const finished = await cli.done;
    clearTimeout(timer);
    expect(finished.signal, 'no hang').toBeNull();
    expect(finished.stderr).not.toMatch(STACK);
    expect(finished.stderr).not.toContain('This is a bug');
    return finished;
  };

  it('triage: JSONL, JSON, CSV and stdin with hostile records — each a verdict or a dead letter', async () => {
    const lines = fc.sample(
      hostileAlert.filter((line) => !line.includes('\n') && !line.includes('\r')),
      { numRuns: 40, seed: 11 },
    );
    const good = [sampleAlert('fuzz-good-1'), sampleAlert('fuzz-good-2')].map((alert) => JSON.stringify(alert));
    const jsonl = path.join(work, 'hostile.jsonl');
    writeFileSync(jsonl, [...good, ...lines].join('\n'));
    const counted = (stdout: string, stderr: string) => {
      const verdicts = stdout.split('\n').filter((line) => line.startsWith('{')).length;
      const deadLettered = Number(/(\d+) dead-lettered/.exec(stderr)?.[1] ?? Number.NaN);
      return { verdicts, deadLettered };
    };
    for (const args of [
      ['triage', jsonl, '--format', 'jsonl'],
      ['triage', '-', '--format', 'jsonl'],
    ]) {
      const finished = await runCli(args, args[1] === '-' ? [...good, ...lines].join('\n') : undefined);
      expect(finished.code, finished.stderr).toBe(3);
      const { verdicts, deadLettered } = counted(finished.stdout, finished.stderr);
      expect(verdicts).toBeGreaterThanOrEqual(2);
      // Nothing lost: every non-empty line is a verdict or a dead letter.
      expect(verdicts + deadLettered, finished.stderr).toBe([...good, ...lines].filter((line) => line.trim() !== '').length);
    }
    // A JSON document and a CSV export, both hostile: a clear answer either way (dead letters, or exit 2 naming the problem).
    const json = path.join(work, 'deep.json');
    writeFileSync(json, deepArray(30_000));
    const deep = await runCli(['triage', json]);
    expect([2, 3]).toContain(deep.code); // a named user error, or that record dead-lettered
    expect(deep.stderr).toMatch(/deeper than 64 levels/);
    const csv = path.join(work, 'hostile.csv');
    writeFileSync(csv, `id,title,ruleName,time\n"a\u0000b",t,r,2026-01-01T00:00:00Z\n${'x'.repeat(100_000)},t,r,nope\n"unterminated,t\n`);
    expect(CLEAR_EXITS).toContain((await runCli(['triage', csv])).code);
    const binary = path.join(work, 'binary.jsonl');
    writeFileSync(binary, Buffer.concat([INVALID_UTF8, Buffer.from('\n'), Buffer.from(good[0]!)]));
    expect((await runCli(['triage', binary, '--format', 'jsonl'])).code).toBe(3);
  }, 120_000);

  it('backtest, config files, field maps, ids and suppression arguments: a clear answer, never a hang', async () => {
    const labelled = path.join(work, 'labelled.jsonl');
    const hostile = fc.sample(
      hostileAlert.filter((line) => !line.includes('\n') && !line.includes('\r')),
      { numRuns: 20, seed: 7 },
    );
    writeFileSync(labelled, [JSON.stringify({ ...sampleAlert('bt-1'), label: 'true_positive' }), JSON.stringify({ ...sampleAlert('bt-2'), label: 'nonsense' }), ...hostile].join('\n'));
    expect(CLEAR_EXITS).toContain((await runCli(['backtest', labelled])).code);
    // Config files: deep YAML, an alias bomb, binary, a list, wrong types — exit 2 naming the file.
    const configs = [
      `${'a:\n'.repeat(1)}${Array.from({ length: 5000 }, (_, depth) => `${'  '.repeat(depth)}k:`).join('\n')} 1`,
      `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]`,
      INVALID_UTF8.toString('latin1'),
      '- 1\n- 2',
      'store: 5\nlimits: {maxEntitiesPerAlert: -1}',
      deepObject(20_000),
    ];
    for (const [index, text] of configs.entries()) {
      const file = path.join(work, `hostile-config-${index}.yaml`);
      writeFileSync(file, text);
      expect((await runCli(['triage', labelled, '--config', file])).code, text.slice(0, 80)).toBe(2);
    }
    // Deep JSON parses fine and then overflowed the walks after it (exit 70, "This is a bug").
    for (const [name, text] of [
      ['deep.json', deepObject(20_000)],
      ['deep-block.yaml', `${Array.from({ length: 5000 }, (_, depth) => `${'  '.repeat(depth)}k:`).join('\n')} 1`],
    ] as const) {
      const file = path.join(work, name);
      writeFileSync(file, text);
      const deep = await runCli(['triage', labelled, '--config', file]);
      expect(deep.code, deep.stderr).toBe(2);
      expect(deep.stderr).toMatch(/nests deeper than 64 levels \(the limit\)/);
    }
    expect((await runCli(['triage', labelled, '--map', 'no-such-map'])).code).toBe(2);
    expect(CLEAR_EXITS).toContain((await runCli(['explain', 'x'.repeat(100_000)])).code);
    expect(CLEAR_EXITS).toContain((await runCli(['explain', '../../etc/passwd'])).code);
    // A pattern that repeats a repeat would stall triage: refused when added.
    const redos = await runCli(['suppress', 'add', 'slow', '--owner', 'o', '--reason', 'r', '--pattern', '^(a+)+$']);
    expect(redos.code).toBe(2);
    expect(redos.stderr).toMatch(/repeats a group that itself repeats/);
    for (const args of [
      ['--entity', 'host'],
      ['--pattern', '('],
      ['--days', '1e999', '--rule', 'r'],
      ['--rule', 'r'.repeat(100_000)],
    ]) {
      expect(CLEAR_EXITS).toContain((await runCli(['suppress', 'add', `n${args[0]!.slice(2)}`, '--owner', 'o', '--reason', 'r', ...args])).code);
    }
  }, 180_000);

  it('feedback: hostile disposition files end with a clear answer', async () => {
    const file = path.join(work, 'feedback.jsonl');
    writeFileSync(
      file,
      [
        deepObject(10_000),
        '{"alertId":"a\u0000","verdict":"true_positive"}',
        '{"verdict":"nonsense"}',
        'not json',
        JSON.stringify({ alertId: 'x'.repeat(100_000), verdict: 'false_positive', analyst: 'a' }),
      ].join('\n'),
    );
    const finished = await runCli(['feedback', file]);
    expect(CLEAR_EXITS).toContain(finished.code);
  }, 60_000);
});
