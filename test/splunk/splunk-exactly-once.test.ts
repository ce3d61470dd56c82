import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSplunkPlugin } from '../../plugins/splunk/splunk-plugin.js';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { loadAitNotables } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { makeTriageResult } from './triage-result-fixture.js';

/**
 * Finding 8 of issue 11: a re-pulled notable was re-triaged with a different summary ("Duplicate
 * of …"), so its key changed and every write went out again; HEC was sent before the KV marker
 * with no check, so a crash between the two duplicated the event. Each case below is a crash point
 * or a re-triage, replayed against the emulator's state; Splunk's side is counted, never trusted.
 */
const HEC_TOKEN = '0f0e0d0c-exactly-once-hec';
const API_TOKEN = 'eyJ.exactly-once-token';

describe('Splunk write-back: nothing twice', () => {
  let emulator: SplunkEmulator;
  let notable: Row;
  beforeEach(async () => {
    emulator = await startSplunkEmulator({ tokens: { [API_TOKEN]: 'verdict_svc' }, hecTokens: { [HEC_TOKEN]: { index: 'verdict' } } });
    notable = (await loadAitNotables('russellmitchell', { distinct: true, limit: 1 }))[0]!;
    emulator.state.addNotables([notable!]);
  });
  afterEach(() => emulator.close());

  const plugin = () =>
    createSplunkPlugin(
      {
        baseUrl: emulator.url,
        auth: { token: API_TOKEN },
        hecUrl: emulator.url,
        hecToken: HEC_TOKEN,
        hecIndex: 'verdict',
        initialEarliest: '0',
        indexLagSeconds: 0,
      },
      { sleep: async () => {} },
    );
  const eventId = () => String(notable.event_id);
  const counts = () => ({
    comments: emulator.state.reviews.filter((review) => review.rule_id === eventId() && review.comment.includes('[verdict:')).length,
    hec: emulator.state.hecEvents.filter((record) => (record.payload.fields as Record<string, string>).alert_id === eventId()).length,
    kv: [...emulator.state.collection('verdict_results')!.values()].filter((row) => row.alert_id === eventId()).length,
  });
  const deliver = async (overrides: Parameters<typeof makeTriageResult>[0] = {}) => {
    const splunk = plugin();
    const result = makeTriageResult({ alertId: eventId(), ...overrides });
    await splunk.deliverResult!(splunk.renderResult(result), result);
  };

  it('a re-triaged notable (new summary and score, same revision) is not written again', async () => {
    await deliver();
    await deliver({ summary: 'Duplicate of an earlier alert of the same rule', probabilityMalicious: 0.61, verdict: 'inconclusive' });
    expect(counts()).toEqual({ comments: 1, hec: 1, kv: 1 });
    // A new revision of the verdict is a new write-back.
    await deliver({ revision: 2, verdict: 'benign_positive' });
    expect(counts()).toEqual({ comments: 2, hec: 2, kv: 2 });
  });

  it('a crash after the HEC send and before the KV row is done does not send HEC twice', async () => {
    await deliver();
    const [row] = [...emulator.state.collection('verdict_results')!.values()];
    row!.delivery_state = 'pending'; // as the crashed attempt left it
    await deliver();
    expect(counts()).toEqual({ comments: 1, hec: 1, kv: 1 });
    expect([...emulator.state.collection('verdict_results')!.values()][0]!.delivery_state).toBe('done');
  });

  it('a crash after the KV marker and before the HEC send still sends HEC once', async () => {
    await deliver();
    const [row] = [...emulator.state.collection('verdict_results')!.values()];
    row!.delivery_state = 'pending';
    emulator.state.hecEvents.splice(0); // the crashed attempt never reached HEC
    await deliver();
    expect(counts()).toEqual({ comments: 1, hec: 1, kv: 1 });
  });

  it('a crash after notable_update and before anything else adds no second comment', async () => {
    await deliver();
    emulator.state.hecEvents.splice(0);
    emulator.state.collection('verdict_results')!.clear();
    await deliver();
    expect(counts()).toEqual({ comments: 1, hec: 1, kv: 1 });
  });
});
