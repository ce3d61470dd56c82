import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, startTestServer, type TestServer } from '../server/server-harness.js';

describe('errors are RFC 9457 problem details', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('names the type, title, status, detail and the failing field of an invalid alert', async () => {
    const response = await harness.request('POST', '/v1/triage?platform=verdict', { token: harness.tokens.triage, body: sampleAlert('bad-1', { severity: 'apocalyptic' }) });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.json).toMatchObject({ type: 'urn:verdict:problem:invalid-input', title: 'The request is invalid', status: 400, field: 'severity' });
    expect(response.json.detail).toContain('severity');
    expect(response.json.instance).toBe(`urn:verdict:request:${response.headers.get('x-request-id')}`);
    expect(response.json.errors[0]).toMatchObject({ index: 0, path: 'severity' });
  });

  it('answers every other failure in the same format: 401, 403, 404, 413, unparsable JSON', async () => {
    const cases = [
      [await harness.request('GET', '/v1/verdicts'), 401, 'unauthorized'],
      [await harness.request('POST', '/v1/feedback', { token: harness.tokens.triage, body: {} }), 403, 'forbidden'],
      [await harness.request('GET', '/v1/verdicts/nope', { token: harness.tokens.triage }), 404, 'not-found'],
      [await harness.request('GET', '/no/such/route'), 404, 'not-found'],
      [await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, rawBody: '{"id": ', headers: { 'content-type': 'application/json' } }), 400, 'invalid-input'],
    ] as const;
    for (const [response, status, slug] of cases) {
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.json).toMatchObject({ type: `urn:verdict:problem:${slug}`, status });
      expect(typeof response.json.title).toBe('string');
      expect(response.json.detail.length).toBeGreaterThan(5);
    }
  });
});
