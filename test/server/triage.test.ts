import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, startTestServer, type TestServer } from './server-harness.js';

describe('triage API over HTTP', () => {
  let harness: TestServer;
  beforeAll(async () => {
    harness = await startTestServer();
  });
  afterAll(async () => harness.close());

  it('triages one alert, an array and {"alerts": [...]}, and reads verdicts back', async () => {
    const single = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('one') });
    expect(single.status).toBe(200);
    expect(single.json.results).toHaveLength(1);
    expect(single.json.results[0].alertId).toBe('one');
    expect(['true_positive', 'benign_positive', 'false_positive', 'inconclusive']).toContain(single.json.results[0].verdict);
    expect(single.headers.get('x-request-id')).toBeTruthy();

    const array = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: [sampleAlert('two'), sampleAlert('three', { time: '2026-03-01T11:00:00.000Z' })] });
    expect(array.json.results.map((result: { alertId: string }) => result.alertId)).toEqual(['two', 'three']);
    const wrapped = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: { alerts: [sampleAlert('four', { time: '2026-03-01T12:00:00.000Z' })] } });
    expect(wrapped.json.results[0].alertId).toBe('four');

    const read = await harness.request('GET', '/v1/verdicts/four', { token: harness.tokens.triage });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(wrapped.json.results[0]);
    expect((await harness.request('GET', '/v1/verdicts/missing', { token: harness.tokens.triage })).status).toBe(404);

    const first = await harness.request('GET', '/v1/verdicts?limit=2&entity=host:WEB01', { token: harness.tokens.triage });
    expect(first.json.items.map((item: { alertId: string }) => item.alertId)).toEqual(['four', 'three']);
    const second = await harness.request('GET', `/v1/verdicts?limit=2&entity=host:WEB01&cursor=${first.json.nextCursor}`, { token: harness.tokens.triage });
    expect(second.json.items.map((item: { alertId: string }) => item.alertId).sort()).toEqual(['one', 'two']);
    const since = await harness.request('GET', '/v1/verdicts?since=2026-03-01T12:30:00%2B01:00', { token: harness.tokens.triage });
    expect(since.json.items.map((item: { alertId: string }) => item.alertId)).toEqual(['four']);
  });

  it('triages the good records of a batch and names the field of each bad one', async () => {
    const response = await harness.request('POST', '/v1/triage?platform=verdict', {
      token: harness.tokens.triage,
      body: [sampleAlert('good'), sampleAlert('bad', { time: 'yesterday' }), sampleAlert('worse', { entities: [{ kind: 'host', value: '' }] })],
    });
    expect(response.status).toBe(200);
    expect(response.json.results.map((result: { alertId: string }) => result.alertId)).toEqual(['good']);
    expect(response.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ index: 1, path: 'time' }), expect.objectContaining({ index: 2, path: 'entities[0].value' })]));
    const deadLetters = await harness.runtime.repository.listDeadLetters(10);
    expect(deadLetters.map((letter) => letter.source)).toContain('api:soar-playbook');
  });

  it('answers 400 naming the field when a lone alert is invalid', async () => {
    const response = await harness.request('POST', '/v1/triage?platform=verdict', { token: harness.tokens.triage, body: sampleAlert('lone', { severity: 'apocalyptic' }) });
    expect(response.status).toBe(400);
    expect(response.json.errors).toEqual([expect.objectContaining({ index: 0, path: 'severity' })]);
    expect(response.json.detail).toContain('severity');
  });

  it('answers 400 naming the query field, the platform or the field map', async () => {
    const badQuery = await harness.request('GET', '/v1/verdicts?limit=0&verdict=maybe', { token: harness.tokens.triage });
    expect(badQuery.status).toBe(400);
    expect(badQuery.json.errors.map((error: { path: string }) => error.path).sort()).toEqual(['limit', 'verdict']);
    const badCursor = await harness.request('GET', '/v1/verdicts?cursor=garbage', { token: harness.tokens.triage });
    expect(badCursor.json.errors[0].path).toBe('cursor');
    const unknownParameter = await harness.request('GET', '/v1/verdicts?rulez=x', { token: harness.tokens.triage });
    expect(unknownParameter.status).toBe(400);
    expect(unknownParameter.json.detail).toContain('rulez');
    const platform = await harness.request('POST', '/v1/triage?platform=qradar', { token: harness.tokens.triage, body: sampleAlert('p') });
    expect(platform.status).toBe(400);
    expect(platform.json.errors[0].path).toBe('platform');
    const map = await harness.request('POST', '/v1/triage?map=nope', { token: harness.tokens.triage, body: sampleAlert('m') });
    expect(map.json.errors[0].path).toBe('map');
    const notJson = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, rawBody: '{"id":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    const scalar = await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: 42 });
    expect(scalar.status).toBe(400);
  });

  it('records feedback, defaulting the analyst to the token holder, and names bad fields', async () => {
    await harness.request('POST', '/v1/triage', { token: harness.tokens.triage, body: sampleAlert('fb') });
    const ok = await harness.request('POST', '/v1/feedback', { token: harness.tokens.feedback, body: { alertId: 'fb', verdict: 'false_positive', note: 'patch testing' } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ recorded: 1, errors: [] });
    const stored = await harness.runtime.repository.listDispositions();
    expect(stored).toEqual([expect.objectContaining({ alertId: 'fb', analyst: 'splunk-feedback', verdict: 'false_positive' })]);
    const bad = await harness.request('POST', '/v1/feedback', { token: harness.tokens.feedback, body: { alertId: 'fb', verdict: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0].path).toBe('verdict');
    const batch = await harness.request('POST', '/v1/feedback', {
      token: harness.tokens.feedback,
      body: [
        { alertId: 'fb', verdict: 'true_positive', analyst: 'carol' },
        { alertId: 'unknown-alert', verdict: 'true_positive' },
      ],
    });
    expect(batch.json.recorded).toBe(1);
    expect(batch.json.errors).toEqual([expect.objectContaining({ index: 1, path: 'alertId' })]);
  });

  it('audits who triaged what', async () => {
    const entries = await harness.runtime.repository.listAudit(100);
    expect(entries).toContainEqual(expect.objectContaining({ actor: 'soar-playbook', action: 'triage', target: 'one' }));
    expect(entries).toContainEqual(expect.objectContaining({ actor: 'splunk-feedback', action: 'feedback' }));
  });
});
