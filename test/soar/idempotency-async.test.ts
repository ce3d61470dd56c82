import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashRequestParts } from '../../core/server/request-records.js';
import { sampleAlert, startTestServer, type TestServer } from '../server/server-harness.js';

function verdictsCounted(metricsText: string): number {
  return [...metricsText.matchAll(/^verdict_verdicts_total\{verdict="\w+"\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function auditActions(harness: TestServer, action: string): Promise<number> {
  return (await harness.runtime.repository.listAudit(1000)).filter((entry) => entry.action === action).length;
}

describe('Idempotency-Key on POST /v1/triage and /v1/feedback', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('a retried triage returns the first answer byte for byte and counts once', async () => {
    const init = { token: harness.tokens.triage, body: sampleAlert('idem-1'), headers: { 'idempotency-key': 'step-7f3a' } };
    const first = await harness.request('POST', '/v1/triage', init);
    const retry = await harness.request('POST', '/v1/triage', init);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotency-replayed')).toBeNull();
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect(retry.text).toBe(first.text);
    expect(retry.json.results[0].duplicateOf).toBeUndefined();
    expect(await auditActions(harness, 'triage')).toBe(1);
    const metrics = await harness.request('GET', '/metrics', { token: harness.tokens.triage });
    expect(verdictsCounted(metrics.text)).toBe(1);
    // Without the key a re-post is a new request (and counts again).
    await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('idem-1') });
    expect(await auditActions(harness, 'triage')).toBe(2);
  });

  it('refuses the same key with a different body (422) and keys are per token', async () => {
    const headers = { 'idempotency-key': 'step-shared' };
    expect((await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('idem-2'), headers })).status).toBe(200);
    const other = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('idem-3'), headers });
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ type: 'urn:verdict:problem:idempotency-conflict', field: 'Idempotency-Key' });
    // Another token's same key is another request.
    const admin = await harness.request('POST', '/v1/triage', { token: harness.tokens.admin, body: sampleAlert('idem-3'), headers });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('idempotency-replayed')).toBeNull();
  });

  it('replays a client error too, and rejects a malformed key naming the header', async () => {
    const init = { token: harness.tokens.triage, body: sampleAlert('idem-bad', { severity: 'apocalyptic' }), headers: { 'idempotency-key': 'step-bad' } };
    const first = await harness.request('POST', '/v1/triage?platform=verdict', init);
    const retry = await harness.request('POST', '/v1/triage?platform=verdict', init);
    expect(first.status).toBe(400);
    expect(first.headers.get('content-type')).toMatch(/problem\+json/);
    expect(retry.status).toBe(400);
    expect(retry.headers.get('content-type')).toMatch(/problem\+json/);
    expect(retry.json).toEqual(first.json);
    const malformed = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('idem-4'), headers: { 'idempotency-key': 'has space' } });
    expect(malformed.status).toBe(400);
    expect(malformed.json.field).toBe('Idempotency-Key');
  });

  it('a retried feedback post records once', async () => {
    const disposition = { alertId: 'idem-1', verdict: 'false_positive', note: 'test account' };
    const init = { token: harness.tokens.feedback, body: disposition, headers: { 'idempotency-key': 'fb-1' } };
    const before = await auditActions(harness, 'feedback');
    const first = await harness.request('POST', '/v1/feedback', init);
    const retry = await harness.request('POST', '/v1/feedback', init);
    expect(first.status).toBe(200);
    expect(first.json.recorded).toBe(1);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.get('idempotency-replayed')).toBe('true');
    expect((await auditActions(harness, 'feedback')) - before).toBe(1);
  });
});

describe('a claim whose answer was never stored (the process died mid-request)', () => {
  let harness: TestServer;
  let now = new Date('2026-06-01T12:00:00.000Z');
  beforeAll(async () => {
    harness = await startTestServer({ clock: () => now });
  });
  afterAll(async () => harness.close());

  it('answers 409 with Retry-After while it may still run, then lets a retry run anew; a lost async job reads as failed', async () => {
    const body = sampleAlert('crashed-1');
    const tokenId = harness.tokens.triage.split('_')[1]!;
    // What the dead process left: the key claimed, no answer stored.
    await harness.runtime.repository.claimRequest({
      id: `idem:${tokenId}:triage:k-crash`,
      owner: tokenId,
      requestHash: hashRequestParts('POST', '/v1/triage', body),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 10 * 60_000).toISOString(),
    });
    const init = { token: harness.tokens.triage, body, headers: { 'idempotency-key': 'k-crash' } };
    const waiting = await harness.request('POST', '/v1/triage', init);
    expect(waiting.status).toBe(409);
    expect(waiting.headers.get('retry-after')).toBe('1');
    expect(waiting.json.type).toBe('urn:verdict:problem:conflict');
    now = new Date(now.getTime() + 11 * 60_000);
    const retried = await harness.request('POST', '/v1/triage', init);
    expect(retried.status).toBe(200);
    expect(retried.json.results[0].alertId).toBe('crashed-1');
    // An async job left pending by a dead process is reported failed once its claim expires.
    const job = 'lost-job-1';
    await harness.runtime.repository.claimRequest({ id: `job:${job}`, owner: tokenId, requestHash: 'h', createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3600_000).toISOString() });
    expect((await harness.request('GET', `/v1/jobs/${job}`, { token: harness.tokens.triage })).json.status).toBe('pending');
    now = new Date(now.getTime() + 3601_000);
    const lost = await harness.request('GET', `/v1/jobs/${job}`, { token: harness.tokens.triage });
    expect(lost.json).toMatchObject({ status: 'failed', statusCode: 503, problem: { type: 'urn:verdict:problem:unavailable' } });
    // Its answer is now kept for a day.
    now = new Date(now.getTime() + 22 * 3600_000);
    expect((await harness.request('POST', '/v1/triage', init)).headers.get('idempotency-replayed')).toBe('true');
  });
});

describe('asynchronous triage: 202, a status URL, a signed callback', () => {
  let harness: TestServer;
  let receiver: ReturnType<typeof createServer>;
  let receiverOrigin: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const secret = 'callback-secret-for-tests';

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(received.length === 1 ? 503 : 204).end(); // The first delivery fails: the server retries.
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    harness = await startTestServer({ callbackSecret: secret, callbackOrigins: [receiverOrigin] });
  });
  afterAll(async () => {
    await harness.close();
    await new Promise((resolve) => receiver.close(resolve));
  });

  async function poll(statusUrl: string, token: string) {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const job = await harness.request('GET', statusUrl, { token });
      if (job.json.status !== 'pending') return job;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('job never finished');
  }

  it('answers 202 with a Location to poll; the job then holds the same verdict a synchronous call gives', async () => {
    const accepted = await harness.request('POST', '/v1/triage?async=true', { token: harness.tokens.triage, body: sampleAlert('async-1') });
    expect(accepted.status).toBe(202);
    expect(accepted.json).toMatchObject({ status: 'pending', statusUrl: `/v1/jobs/${accepted.json.jobId}` });
    expect(accepted.headers.get('location')).toBe(accepted.json.statusUrl);
    const job = await poll(accepted.json.statusUrl, harness.tokens.triage);
    expect(job.json).toMatchObject({ status: 'succeeded', statusCode: 200 });
    const sync = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('async-1-sync') });
    expect(job.json.result.results[0]).toMatchObject({ alertId: 'async-1', verdict: sync.json.results[0].verdict, confidence: sync.json.results[0].confidence });
    // Only the creator (or an admin) sees the job.
    expect((await harness.request('GET', accepted.json.statusUrl, { token: harness.tokens.approver })).status).toBe(404);
    expect((await harness.request('GET', accepted.json.statusUrl, { token: harness.tokens.admin })).status).toBe(200);
  });

  it('Prefer: respond-async works too, a failing job holds the problem, and an idempotent retry gets the same job', async () => {
    const init = { token: harness.tokens.triage, body: sampleAlert('async-bad', { severity: 'apocalyptic' }), headers: { prefer: 'respond-async', 'idempotency-key': 'async-k1' } };
    const accepted = await harness.request('POST', '/v1/triage?platform=verdict', init);
    const retry = await harness.request('POST', '/v1/triage?platform=verdict', init);
    expect(accepted.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.json.jobId).toBe(accepted.json.jobId);
    expect(retry.headers.get('location')).toBe(accepted.json.statusUrl);
    const job = await poll(accepted.json.statusUrl, harness.tokens.triage);
    expect(job.json).toMatchObject({ status: 'failed', statusCode: 400, problem: { type: 'urn:verdict:problem:invalid-input', field: 'severity' } });
  });

  it('POSTs the finished job to the callback, HMAC-signed, retrying a 503', async () => {
    const callback = encodeURIComponent(`${receiverOrigin}/verdict-done`);
    const accepted = await harness.request('POST', `/v1/triage?async=true&callback=${callback}`, { token: harness.tokens.triage, body: sampleAlert('async-cb') });
    expect(accepted.status).toBe(202);
    for (let attempt = 0; attempt < 200 && received.length < 2; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(received).toHaveLength(2);
    const delivered = received[1]!;
    const timestamp = String(delivered.headers['x-verdict-timestamp']);
    const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivered.body}`).digest('hex')}`;
    expect(delivered.headers['x-verdict-signature']).toBe(expected);
    expect(JSON.parse(delivered.body)).toMatchObject({ jobId: accepted.json.jobId, status: 'succeeded', result: { results: [{ alertId: 'async-cb' }] } });
  });

  it('refuses a callback outside the allowed origins, or without async, naming the field', async () => {
    const outside = await harness.request('POST', `/v1/triage?async=true&callback=${encodeURIComponent('http://127.0.0.2:9/x')}`, { token: harness.tokens.triage, body: sampleAlert('async-x') });
    expect(outside.status).toBe(400);
    expect(outside.json).toMatchObject({ field: 'callback' });
    expect(outside.json.detail).toContain('VERDICT_CALLBACK_ORIGINS');
    const notAsync = await harness.request('POST', `/v1/triage?callback=${encodeURIComponent(`${receiverOrigin}/x`)}`, { token: harness.tokens.triage, body: sampleAlert('async-y') });
    expect(notAsync.status).toBe(400);
    expect(notAsync.json.field).toBe('callback');
  });
});
