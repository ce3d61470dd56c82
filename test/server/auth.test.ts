import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../core/server/tokens.js';
import { sampleAlert, startTestServer, type TestServer } from './server-harness.js';

describe('authentication and scopes', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('refuses every API route without a token (401 with WWW-Authenticate)', async () => {
    for (const [method, path] of [
      ['POST', '/v1/triage'],
      ['GET', '/v1/verdicts'],
      ['GET', '/v1/verdicts/x'],
      ['POST', '/v1/feedback'],
      ['GET', '/v1/approvals'],
      ['POST', '/v1/approvals/x/decision'],
      ['GET', '/metrics'],
    ] as const) {
      const response = await harness.request(method, path, method === 'POST' ? { body: sampleAlert('a') } : {});
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
      expect(response.json.detail).toContain('Authorization: Bearer');
    }
  });

  it('refuses malformed, unknown and tampered tokens alike', async () => {
    const good = harness.tokens.triage;
    const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    for (const token of ['nonsense', 'vdt_0123456789abcdef_' + 'x'.repeat(43), tampered]) {
      const response = await harness.request('GET', '/v1/verdicts', { token });
      expect(response.status).toBe(401);
    }
    const basic = await harness.request('GET', '/v1/verdicts', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
  });

  it('refuses a token without the route scope (403), and lets admin do everything', async () => {
    const wrongScope = await harness.request('POST', '/v1/triage', { token: harness.tokens.feedback, body: sampleAlert('a') });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.json.detail).toContain('triage');
    expect((await harness.request('POST', '/v1/feedback', { token: harness.tokens.triage, body: { alertId: 'a', verdict: 'true_positive' } })).status).toBe(403);
    expect((await harness.request('GET', '/v1/approvals', { token: harness.tokens.triage })).status).toBe(403);
    expect((await harness.request('POST', '/v1/triage', { token: harness.tokens.admin, body: sampleAlert('admin-1') })).status).toBe(200);
    expect((await harness.request('GET', '/v1/approvals', { token: harness.tokens.admin })).status).toBe(200);
  });

  it('refuses revoked and expired tokens', async () => {
    const revoked = issueToken({ name: 'leaver', scopes: ['triage'] });
    await harness.runtime.repository.createToken(revoked.token);
    await harness.runtime.repository.revokeToken(revoked.token.id, new Date().toISOString());
    const revokedAnswer = await harness.request('GET', '/v1/verdicts', { token: revoked.bearer });
    expect(revokedAnswer.status).toBe(401);
    expect(revokedAnswer.json.detail).toContain('revoked');
    const expired = issueToken({ name: 'temp', scopes: ['triage'], expiresAt: '2020-01-01T00:00:00.000Z' });
    await harness.runtime.repository.createToken(expired.token);
    expect((await harness.request('GET', '/v1/verdicts', { token: expired.bearer })).json.detail).toContain('expired');
  });

  it('stores only the hash of a token and records its last use', async () => {
    const tokens = await harness.runtime.repository.listTokens();
    const secret = harness.tokens.triage.slice('vdt_'.length + 17);
    expect(JSON.stringify(tokens)).not.toContain(secret);
    expect(tokens.find((token) => token.name === 'soar-playbook')?.lastUsedAt).toBeDefined();
  });

  it('serves health, readiness and the OpenAPI document without a token', async () => {
    expect((await harness.request('GET', '/healthz')).json).toEqual({ status: 'ok' });
    expect((await harness.request('GET', '/readyz')).json).toEqual({ status: 'ready' });
    expect((await harness.request('GET', '/openapi.json')).json.openapi).toBe('3.1.0');
  });

  it('never writes a token or its secret into the logs, and logs ECS fields with the request id', async () => {
    const response = await harness.request('GET', '/v1/verdicts', { token: harness.tokens.triage, headers: { 'x-request-id': 'req-42' } });
    expect(response.headers.get('x-request-id')).toBe('req-42');
    const all = harness.logs.join('');
    for (const token of Object.values(harness.tokens)) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.slice('vdt_'.length + 17));
    }
    const line = harness.logs.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry['http.request.id'] === 'req-42');
    expect(line).toMatchObject({
      'log.level': 'info',
      'ecs.version': expect.any(String),
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/v1/verdicts',
      'user.name': 'soar-playbook',
      message: 'request completed',
    });
    expect(line?.['@timestamp']).toEqual(expect.any(String));
  });
});
