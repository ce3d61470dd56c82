import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHookBody } from '../../core/server/hook-signature.js';
import { sampleAlert, startTestServer, type TestServer } from './server-harness.js';

const SECRET = 'test-hook-secret-0123456789';

describe('signed webhooks', () => {
  let harness: TestServer;
  let now = new Date('2026-03-01T12:00:00.000Z');
  const unix = () => Math.floor(now.getTime() / 1000);
  beforeAll(async () => {
    harness = await startTestServer({ clock: () => now, hookSecrets: { verdict: SECRET }, hookToleranceSeconds: 300 });
  });
  afterAll(async () => harness.close());

  function send(body: string, timestamp: number, signature = signHookBody(SECRET, timestamp, body), platform = 'verdict') {
    return harness.request('POST', `/v1/hooks/${platform}`, {
      rawBody: body,
      headers: { 'content-type': 'application/json', 'x-verdict-timestamp': String(timestamp), 'x-verdict-signature': signature },
    });
  }

  it('triages a correctly signed delivery without a bearer token', async () => {
    const response = await send(JSON.stringify(sampleAlert('hook-1')), unix());
    expect(response.status).toBe(200);
    expect(response.json.results[0].alertId).toBe('hook-1');
    const audit = await harness.runtime.repository.listAudit(10);
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'hook:verdict', action: 'triage', target: 'hook-1' }));
  });

  it('refuses a replay of the same delivery', async () => {
    const body = JSON.stringify(sampleAlert('hook-2'));
    const timestamp = unix();
    expect((await send(body, timestamp)).status).toBe(200);
    const replay = await send(body, timestamp);
    expect(replay.status).toBe(401);
    expect(replay.json.detail).toContain('replay');
  });

  it('refuses a delivery signed outside the timestamp window, even with a valid signature', async () => {
    const body = JSON.stringify(sampleAlert('hook-3'));
    const old = await send(body, unix() - 301);
    expect(old.status).toBe(401);
    expect(old.json.detail).toContain('300 s');
    expect((await send(body, unix() + 301)).status).toBe(401);
  });

  it('refuses a tampered body, a wrong secret and missing headers', async () => {
    const body = JSON.stringify(sampleAlert('hook-4'));
    const timestamp = unix();
    expect((await send(body.replace('hook-4', 'hook-5'), timestamp, signHookBody(SECRET, timestamp, body))).status).toBe(401);
    expect((await send(body, timestamp, signHookBody('wrong-secret', timestamp, body))).status).toBe(401);
    const unsigned = await harness.request('POST', '/v1/hooks/verdict', { body: sampleAlert('hook-6') });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.detail).toContain('x-verdict-timestamp');
  });

  it('answers 404 for a platform without a configured secret, and 400 for a signed non-JSON body', async () => {
    const timestamp = unix();
    const unknown = await send('{}', timestamp, signHookBody(SECRET, timestamp, '{}'), 'splunk');
    expect(unknown.status).toBe(404);
    expect(unknown.json.detail).toContain('VERDICT_HOOK_SECRET_SPLUNK');
    now = new Date(now.getTime() + 1000);
    const notJson = await send('not json', unix());
    expect(notJson.status).toBe(400);
  });
});
