import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createReasoner } from '../../core/reason/reasoner.js';
import { bitsadminAlert, offlineResult, THRESHOLDS } from './fixtures.js';
import { answer, reasonConfig, TEST_ENV, TEST_KEY, useOpenAIEmulator } from './harness.js';

describe('reasoner: failures fall back, never throw', () => {
  const emulator = useOpenAIEmulator();

  const alert = bitsadminAlert();
  const offline = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 });

  it('retries 429 and 5xx with back-off and then uses the answer', async () => {
    emulator.enqueue({ kind: 'error', status: 429, retryAfterMs: 5 }, { kind: 'error', status: 500, retryAfterMs: 5 }, answer({ verdict: 'true_positive', confidence: 0.9 }));
    const result = await createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV }).reason({ alert, result: offline });
    expect(emulator.completionRequests()).toHaveLength(3);
    expect(result.engine.mode).toBe('llm');
  });

  it('gives up after two retries and returns the offline verdict marked degraded', async () => {
    emulator.enqueue(...Array.from({ length: 4 }, () => ({ kind: 'error' as const, status: 503, retryAfterMs: 5 })));
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV });
    const result = await reasoner.reason({ alert, result: offline });
    expect(emulator.completionRequests()).toHaveLength(3);
    expect(result).toMatchObject({ verdict: 'inconclusive', probabilityMalicious: 0.45, engine: { mode: 'degraded', model: 'gpt-test', promptVersion: 'triage-v1', tokens: 0 } });
    expect(result.trace.at(-1)!.found).toContain('HTTP 503');
    expect(reasoner.ledger.entries()[0]).toMatchObject({ outcome: 'degraded', requests: [{ status: 503 }, { status: 503 }, { status: 503 }] });
  });

  it('treats a timeout like an outage', async () => {
    emulator.enqueue(...Array.from({ length: 2 }, () => ({ kind: 'delay' as const, ms: 1_000, then: answer({ verdict: 'true_positive', confidence: 0.9 }) })));
    const reasoner = createReasoner(reasonConfig(emulator, { provider: { model: 'gpt-test', timeoutMs: 150, maxRetries: 1 } }), { thresholds: THRESHOLDS, env: TEST_ENV });
    const result = await reasoner.reason({ alert, result: offline });
    expect(result.engine.mode).toBe('degraded');
    expect(result.trace.at(-1)!.found).toContain('timed out');
    expect(emulator.completionRequests()).toHaveLength(2);
  });

  it('survives a dropped connection and an endpoint that is down', async () => {
    emulator.enqueue({ kind: 'disconnect' }, { kind: 'disconnect' }, { kind: 'disconnect' });
    const dropped = await createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV }).reason({ alert, result: offline });
    expect(dropped.engine.mode).toBe('degraded');

    const port = await unusedPort();
    const down = createReasoner({ ...reasonConfig(emulator), provider: { baseURL: `http://127.0.0.1:${port}/v1`, model: 'gpt-test', maxRetries: 0 } }, { thresholds: THRESHOLDS, env: TEST_ENV });
    const result = await down.reason({ alert, result: offline });
    expect(result.engine.mode).toBe('degraded');
    expect(result.trace.at(-1)!.found).toContain('could not be reached');
  });

  it('names the fix for a refused key without echoing it', async () => {
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: { VERDICT_TEST_KEY: 'sk-wrong-key-000' } });
    const result = await reasoner.reason({ alert, result: offline });
    expect(result.engine.mode).toBe('degraded');
    expect(result.trace.at(-1)!.found).toContain('HTTP 401: check reason.provider.apiKey');
    expect(JSON.stringify(result)).not.toContain('sk-wrong-key-000');
    // 401 is not retryable.
    expect(emulator.requests).toHaveLength(1);
  });

  it('talks to Azure OpenAI through the deployment URL with the api-key header', async () => {
    emulator.enqueue(answer({ verdict: 'true_positive', confidence: 0.9 }));
    const config = reasonConfig(emulator, { provider: { baseURL: emulator.origin, model: 'gpt-4o', azure: { deployment: 'verdict-triage', apiVersion: '2024-10-21' } } });
    const result = await createReasoner(config, { thresholds: THRESHOLDS, env: TEST_ENV }).reason({ alert, result: offline });
    const [request] = emulator.completionRequests();
    expect(request).toMatchObject({ deployment: 'verdict-triage', query: { 'api-version': '2024-10-21' } });
    expect(request!.headers['api-key']).toBe(TEST_KEY);
    expect(result.engine).toMatchObject({ mode: 'llm', model: 'gpt-4o (azure:verdict-triage)' });
  });
});

function unusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
