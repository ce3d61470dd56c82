import { afterEach, describe, expect, it } from 'vitest';
import { sampleAlert, startTestServer, type TestServer } from './server-harness.js';

describe('limits', () => {
  let harness: TestServer | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('refuses a body over the size limit with 413', async () => {
    harness = await startTestServer({ bodyLimitBytes: 10_000 });
    const response = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('big', { description: 'x'.repeat(20_000) }) });
    expect(response.status).toBe(413);
    expect(response.json.detail).toContain('10000 bytes');
  });

  it('refuses a batch over the batch limit with 413, naming the limit', async () => {
    harness = await startTestServer({ maxBatch: 3 });
    const alerts = Array.from({ length: 4 }, (_, index) => sampleAlert(`b${index}`));
    const response = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: { alerts } });
    expect(response.status).toBe(413);
    expect(response.json.detail).toContain('at most 3');
    expect((await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: alerts.slice(0, 3) })).status).toBe(200);
  });

  it('limits each token on its own: 429 with Retry-After, other tokens unaffected', async () => {
    harness = await startTestServer({ rateLimit: { requestsPerSecond: 0.5, burst: 3 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await harness.request('GET', '/v1/verdicts', { token: harness.tokens.triage });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await harness.request('GET', '/v1/verdicts', { token: harness.tokens.admin })).status).toBe(200);
  });

  it('answers 404 with a hint for unknown routes and 415 for non-JSON bodies', async () => {
    harness = await startTestServer();
    const missing = await harness.request('GET', '/v2/nothing', { token: harness.tokens.triage });
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toContain('/openapi.json');
    const text = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, rawBody: 'id=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(text.status).toBe(415);
  });
});
