import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSplunkPlugin } from '../../plugins/splunk/splunk-plugin.js';
import type { SplunkWriteBack } from '../../plugins/splunk/splunk-render.js';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { loadAitNotables, loadSigmaNotables } from '../emulators/splunk/seed.js';
import { makeTriageResult } from './triage-result-fixture.js';

const noSleep = async (): Promise<void> => {};
const HEC_TOKEN = '11111111-2222-3333-4444-555555555555';
const API_TOKEN = 'eyJ.fake-jwt-token.for-tests';

describe('Splunk emulator driven by the real splunk-sdk client', () => {
  let emulator: SplunkEmulator;
  let ait: Row[];
  const sigma = loadSigmaNotables({ limit: 3 });

  beforeAll(async () => {
    ait = await loadAitNotables('russellmitchell', { distinct: true, limit: 12 });
    emulator = await startSplunkEmulator({
      users: { admin: 'changeme', verdict_svc: 's3cret-password' },
      tokens: { [API_TOKEN]: 'verdict_svc' },
      hecTokens: { [HEC_TOKEN]: { ack: true, index: 'verdict' } },
    });
    emulator.state.addNotables([...ait, ...sigma]);
  });
  afterAll(() => emulator.close());

  const plugin = (overrides: Record<string, unknown> = {}) =>
    createSplunkPlugin(
      {
        baseUrl: emulator.url,
        auth: { username: 'verdict_svc', password: 's3cret-password' },
        hecUrl: emulator.url,
        hecToken: HEC_TOKEN,
        hecUseAck: true,
        initialEarliest: '0',
        indexLagSeconds: 0,
        ...overrides,
      },
      { sleep: noSleep },
    );

  it('logs in with the SDK (session key) and reads server info', async () => {
    const require = createRequire(import.meta.url);
    const splunkjs = require('splunk-sdk') as { Service: new (options: object) => { login(): Promise<unknown>; sessionKey: string; version: string } };
    const url = new URL(emulator.url);
    const service = new splunkjs.Service({ scheme: 'http', host: url.hostname, port: Number(url.port), username: 'admin', password: 'changeme' });
    await service.login();
    expect(service.sessionKey).toMatch(/^[0-9a-f]{32}$/);
    expect(service.version).toBe('9.2.0');
    expect(emulator.requests.some((request) => request.path === '/services/auth/login' && request.status === 200)).toBe(true);
  });

  it('pulls every seeded notable exactly once, page by page, with a checkpoint', async () => {
    const splunk = plugin({ pageSize: 4 });
    const seen: string[] = [];
    let checkpoint: string | undefined;
    for (let page = 0; page < 20; page += 1) {
      const pulled = await splunk.pullAlerts!(checkpoint);
      checkpoint = pulled.checkpoint;
      if (pulled.alerts.length === 0) break;
      seen.push(...pulled.alerts.map((native) => splunk.normalizeAlert(native).id));
    }
    expect(seen).toHaveLength(ait.length + sigma.length);
    expect(new Set(seen).size).toBe(seen.length);
    const alert = splunk.normalizeAlert((await splunk.pullAlerts!(undefined)).alerts[0]);
    // Export JSON carries `_time` as ISO with offset; normalize reads it back to the same instant.
    expect(alert.time).toBe(new Date(Number(ait[0]!._time) * 1000).toISOString());
  });

  it('writes the verdict back (notable_update, HEC with ack, KV row) and a retry writes nothing twice', async () => {
    const splunk = plugin();
    const eventId = String(sigma[0]!.event_id);
    const result = makeTriageResult({ alertId: eventId });
    const output = splunk.renderResult(result);
    await splunk.deliverResult!(output, result);

    const notable = emulator.state.notableView().find((row) => row.event_id === eventId)!;
    expect(notable.disposition).toBe('disposition:1');
    expect(notable.disposition_label).toBe('True Positive - Suspicious Activity');
    expect(notable.comment).toContain('Verdict (AI triage): true positive');
    expect(notable.comment).toContain('Rule author: Michael Haag, FPT.EagleEye');
    expect(notable.status).toBe('1'); // closing is off by default
    const kvRow = emulator.state.collection('verdict_results')!.get(output.idempotencyKey)!;
    expect(kvRow).toMatchObject({ alert_id: eventId, verdict: 'true_positive' });
    const hec = emulator.state.hecEvents.filter((record) => (record.payload.event as { alert_id?: string }).alert_id === eventId);
    expect(hec).toHaveLength(1);
    expect(hec[0]!.payload).toMatchObject({ index: 'verdict', sourcetype: 'verdict:result' });
    expect(emulator.requests.filter((request) => request.path === '/services/collector/ack').length).toBeGreaterThanOrEqual(2);

    const reviewsBefore = emulator.state.reviews.length;
    const hecBefore = emulator.state.hecEvents.length;
    await splunk.deliverResult!(output, result);
    // A crash after notable_update but before the KV row: the comment marker stops a second comment.
    emulator.state.collection('verdict_results')!.delete(output.idempotencyKey);
    await splunk.deliverResult!(output, result);
    expect(emulator.state.reviews.length).toBe(reviewsBefore);
    expect(emulator.state.hecEvents.length).toBe(hecBefore + 1); // HEC is at-least-once (README known gap)
    expect(emulator.state.collection('verdict_results')!.has(output.idempotencyKey)).toBe(true);
  });

  it('closes benign notables only when closeOnBenign is set', async () => {
    const eventId = String(ait[1]!.event_id);
    const result = makeTriageResult({ alertId: eventId, verdict: 'benign_positive', probabilityMalicious: 0.05, ruleAuthor: undefined });
    const splunk = plugin({ closeOnBenign: true, auth: { token: API_TOKEN } });
    await splunk.deliverResult!(splunk.renderResult(result), result);
    const notable = emulator.state.notableView().find((row) => row.event_id === eventId)!;
    expect(notable).toMatchObject({ status: '5', disposition: 'disposition:2' });
    expect(emulator.requests.some((request) => request.authScheme === 'Bearer' && request.user === 'verdict_svc')).toBe(true);
  });

  it('reads analyst dispositions back, never Verdict’s own writes', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const eventId = String(ait[2]!.event_id);
    const result = makeTriageResult({ alertId: eventId, verdict: 'false_positive', probabilityMalicious: 0.1 });
    const splunk = plugin({ auth: { token: API_TOKEN } });
    await splunk.deliverResult!(splunk.renderResult(result), result);
    emulator.setDisposition(eventId, 'true_positive', { user: 'alice', comment: 'attacker host, escalate' });

    const dispositions = await splunk.readDispositions!(since);
    const forAlert = dispositions.filter((disposition) => disposition.alertId === eventId);
    expect(forAlert).toEqual([expect.objectContaining({ alertId: eventId, verdict: 'true_positive', analyst: 'alice', platform: 'splunk', note: 'attacker host, escalate' })]);
    expect(dispositions.every((disposition) => disposition.analyst !== 'verdict_svc')).toBe(true);
  });

  it('ES 8: pulls findings, updates the investigation and adds one note', async () => {
    const finding = emulator.state.addFinding({ rule_title: 'Excessive Failed Logins', risk_object: 'web01', risk_object_type: 'system', urgency: 'high', _time: '1700000000', src_ip: '203.0.113.7' });
    const splunk = plugin({ esVersion: 8 });
    const pulled = await splunk.pullAlerts!(undefined);
    const alert = splunk.normalizeAlert(pulled.alerts.find((native) => (native as { finding_id?: string }).finding_id === finding.finding_id));
    expect(alert).toMatchObject({ id: finding.finding_id, title: 'Excessive Failed Logins', severity: 'high' });
    expect(alert.entities).toEqual(
      expect.arrayContaining([
        { kind: 'host', value: 'web01', role: 'target' },
        { kind: 'ip', value: '203.0.113.7', role: 'source' },
      ]),
    );

    const result = makeTriageResult({ alertId: alert.id, verdict: 'inconclusive', probabilityMalicious: 0.5, confidence: 0.4 });
    const output = splunk.renderResult(result);
    expect((output.payload as SplunkWriteBack).finding?.notableTime).toBe('1700000000');
    await splunk.deliverResult!(output, result);
    emulator.state.collection('verdict_results')!.delete(output.idempotencyKey);
    await splunk.deliverResult!(output, result);
    const notes = emulator.state.notes.get(alert.id) ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]!.content).toContain('inconclusive');
    expect(emulator.state.findingView(emulator.state.findings.get(alert.id)!).disposition).toBe('disposition:6');
  });

  it('KV store: insert, conflict on a duplicate _key, read back by query', async () => {
    const url = `${emulator.url}/servicesNS/nobody/verdict_app/storage/collections/data/verdict_results`;
    const headers = { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' };
    const insert = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ _key: 'k1', verdict: 'false_positive' }) });
    expect(insert.status).toBe(201);
    expect((await fetch(url, { method: 'POST', headers, body: JSON.stringify({ _key: 'k1' }) })).status).toBe(409);
    const found = await (await fetch(`${url}?query=${encodeURIComponent(JSON.stringify({ verdict: 'false_positive' }))}`, { headers })).json();
    expect(found).toEqual(expect.arrayContaining([expect.objectContaining({ _key: 'k1' })]));
    expect((await fetch(url, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('HEC: concatenated events, token and channel checks', async () => {
    const url = `${emulator.url}/services/collector/event`;
    const body = `${JSON.stringify({ event: { a: 1 } })}${JSON.stringify({ event: 'two' })}`;
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { Authorization: 'Splunk nope' }, body })).status).toBe(403);
    const missingChannel = await fetch(url, { method: 'POST', headers: { Authorization: `Splunk ${HEC_TOKEN}` }, body });
    expect(await missingChannel.json()).toEqual({ text: 'Data channel is missing', code: 10 });
    const sent = await fetch(url, { method: 'POST', headers: { Authorization: `Splunk ${HEC_TOKEN}`, 'X-Splunk-Request-Channel': 'c-1' }, body });
    expect(await sent.json()).toMatchObject({ text: 'Success', code: 0, ackId: expect.any(Number) });
    for (const garbage of ['not json', '[{"event": 1}]', '{"event": 1}{"event": }']) {
      const rejected = await fetch(url, { method: 'POST', headers: { Authorization: `Splunk ${HEC_TOKEN}`, 'X-Splunk-Request-Channel': 'c-1' }, body: garbage });
      expect(await rejected.json(), garbage).toEqual({ text: 'Invalid data format', code: 6 });
    }
  });

  it('a 503 storm and a restart mid-run lose nothing and write nothing twice (checkpoint after write-back)', async () => {
    const fresh = await startSplunkEmulator({ users: { verdict_svc: 'pw' }, hecTokens: { [HEC_TOKEN]: {} } });
    try {
      const notables = await loadAitNotables('santos', { distinct: true, limit: 10 });
      fresh.state.addNotables(notables);
      const config = {
        baseUrl: fresh.url,
        auth: { username: 'verdict_svc', password: 'pw' },
        hecUrl: fresh.url,
        hecToken: HEC_TOKEN,
        initialEarliest: '0',
        indexLagSeconds: 0,
        pageSize: 3,
        maxRetries: 2,
      };
      let storedCheckpoint: string | undefined;
      const runConnector = async (): Promise<void> => {
        const splunk = createSplunkPlugin(config, { sleep: noSleep }); // a new process: only the stored checkpoint survives
        for (;;) {
          const page = await splunk.pullAlerts!(storedCheckpoint);
          if (page.alerts.length === 0) return;
          for (const native of page.alerts) {
            const alert = splunk.normalizeAlert(native);
            const result = makeTriageResult({ alertId: alert.id, ruleName: alert.ruleName, verdict: 'false_positive', probabilityMalicious: 0.1 });
            await splunk.deliverResult!(splunk.renderResult(result), result);
          }
          storedCheckpoint = page.checkpoint;
        }
      };
      // The KV write fails past maxRetries after the notable was already updated: the run dies mid-delivery.
      fresh.injectFaults({ status: 503, count: 3, match: /storage\/collections\/data/, method: 'POST' });
      await expect(runConnector()).rejects.toMatchObject({ statusCode: 503 });
      await runConnector(); // restart from the stored checkpoint
      for (const notable of notables) {
        const writes = fresh.state.reviews.filter((review) => review.rule_id === notable.event_id);
        expect(writes, String(notable.event_id)).toHaveLength(1);
      }
      expect(fresh.state.collection('verdict_results')!.size).toBe(notables.length);
    } finally {
      await fresh.close();
    }
  });
});
