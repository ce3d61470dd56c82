import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIEmulator, type OpenAIEmulator } from '../emulators/openai/openai-emulator.js';
import { answer, reasonConfig, TEST_ENV } from '../reason/harness.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

/** Weak evidence alone, so the offline engine abstains and the LLM stage is asked. */
const DISCOVERY_ALERT = {
  id: 'obs-llm-1',
  source: { platform: 'verdict', product: 'Sysmon' },
  title: 'Account discovery on a server',
  ruleName: 'Account discovery',
  severity: 'medium',
  time: '2026-03-01T10:00:00.000Z',
  entities: [
    { kind: 'host', value: 'app07', role: 'target' },
    { kind: 'user', value: 'svc_web', role: 'actor' },
    { kind: 'process', value: 'whoami /all', role: 'actor', properties: { image: 'C:\\Windows\\System32\\whoami.exe', commandLine: 'whoami /all', parentImage: 'C:\\Windows\\System32\\cmd.exe' } },
  ],
};

describe('metrics a platform team can use as they are', () => {
  let emulator: OpenAIEmulator;
  let harness: TestServer;
  beforeAll(async () => {
    emulator = await startOpenAIEmulator({ apiKey: TEST_ENV.VERDICT_TEST_KEY });
    process.env.VERDICT_TEST_KEY = TEST_ENV.VERDICT_TEST_KEY;
    harness = await startTestServer({}, { reason: reasonConfig(emulator, { maxLogitShift: 2 }) });
  });
  afterAll(async () => {
    await harness.close();
    await emulator.close();
    delete process.env.VERDICT_TEST_KEY;
  });

  it('exposes default process metrics unprefixed, verdict_build_info, triage latency histograms and LLM call/token counters', async () => {
    emulator.setHandler(() => answer({ verdict: 'true_positive', confidence: 0.9 }));
    const triaged = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: DISCOVERY_ALERT });
    expect(triaged.status).toBe(200);
    expect(triaged.json.results[0].engine.mode).toBe('llm');
    const text = (await harness.request('GET', '/metrics', { token: harness.tokens.triage })).text;
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).not.toContain('verdict_process_');
    expect(text).toMatch(new RegExp(`^verdict_build_info\\{version="[^"]+",node_version="${process.version}"\\} 1$`, 'm'));
    expect(text).toMatch(/^verdict_triage_duration_seconds_count\{mode="sync"\} 1$/m);
    expect(text).toMatch(/^verdict_triage_alert_duration_seconds_bucket\{le="60",mode="sync"\} 1$/m);
    expect(text).toMatch(/^verdict_llm_calls_total\{outcome="ok"\} 1$/m);
    const tokens = Number(/^verdict_llm_tokens_total (\d+)$/m.exec(text)?.[1]);
    expect(tokens).toBe(triaged.json.results[0].engine.tokens);
    expect(tokens).toBeGreaterThan(0);
  });

  it('counts a failed model call as degraded', async () => {
    emulator.setHandler(() => ({ kind: 'error', status: 500, message: 'upstream down' }));
    const triaged = await harness.request('POST', '/v1/triage', {
      token: harness.tokens.triage,
      body: {
        ...DISCOVERY_ALERT,
        id: 'obs-llm-2',
        // Another rule, host, user and day: nothing the first alert taught or raised as context applies, so the LLM stage is asked again.
        ruleName: 'Account discovery (domain)',
        time: '2026-03-02T15:00:00.000Z',
        entities: [{ kind: 'host', value: 'app09', role: 'target' }, { kind: 'user', value: 'svc_batch', role: 'actor' }, DISCOVERY_ALERT.entities[2]!],
      },
    });
    expect(triaged.json.results[0].engine.mode, JSON.stringify(triaged.json.results[0].trace.slice(-3))).toBe('degraded');
    const text = (await harness.request('GET', '/metrics', { token: harness.tokens.triage })).text;
    expect(text).toMatch(/^verdict_llm_calls_total\{outcome="degraded"\} 1$/m);
  });
});

describe('ECS request logs', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('carry event.outcome, client.ip and user_agent.original; a failed login is logged at warn without the token', async () => {
    await harness.request('GET', '/v1/verdicts', { token: harness.tokens.triage, headers: { 'user-agent': 'XSOAR-Verdict/1.0' } });
    const badBearer = 'vdt_notreal_secretpart0123456789';
    await harness.request('GET', '/v1/verdicts', { headers: { authorization: `Bearer ${badBearer}`, 'user-agent': 'curl/8.5' } });
    const lines = harness.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['url.path'] === '/v1/verdicts');
    const ok = lines.find((line) => line['http.response.status_code'] === 200)!;
    expect(ok).toMatchObject({ 'log.level': 'info', 'event.outcome': 'success', 'client.ip': '127.0.0.1', 'user_agent.original': 'XSOAR-Verdict/1.0', 'user.name': 'soar-playbook' });
    const failed = lines.find((line) => line['http.response.status_code'] === 401)!;
    expect(failed).toMatchObject({ 'log.level': 'warn', 'event.outcome': 'failure', 'event.category': ['web', 'authentication'], 'client.ip': '127.0.0.1', 'user_agent.original': 'curl/8.5' });
    expect(harness.logs.join('\n')).not.toContain('secretpart0123456789');
  });
});
