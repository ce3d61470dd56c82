import { afterEach, describe, expect, it } from 'vitest';
import { PlatformApiError } from '../../core/spec/errors.js';
import { createSplunkApi } from '../../plugins/splunk/splunk-api.js';
import { parseSplunkConfig } from '../../plugins/splunk/splunk-config.js';
import { createSplunkPlugin } from '../../plugins/splunk/splunk-plugin.js';
import { loadAitNotables } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { makeTriageResult } from './triage-result-fixture.js';

/**
 * Issue 11, finding 17: the emulator was kinder than Splunk, so the plugin never met Splunk's
 * real failures. Now, as Splunk does: notable_update refuses with {"success": false, "message"}
 * (not splunkd's messages[]), HEC refuses an index the token may not write (code 7), ES 8 pages
 * findings (limit/offset), and KV writes, conf writes and storage/passwords check the caller's
 * rights. The plugin must keep Splunk's words in its errors and read every page.
 */
const TOKEN = 'eyJ.strict-token';
const LIMITED = 'eyJ.limited-token';
const HEC_TOKEN = 'strict-hec-7c1d';

describe('Splunk emulator as strict as Splunk, and the plugin handling it', () => {
  let emulator: SplunkEmulator;
  afterEach(() => emulator.close());
  const start = async (hecIndexes?: string[]) => {
    emulator = await startSplunkEmulator({
      tokens: { [TOKEN]: 'verdict_svc', [LIMITED]: 'viewer' },
      roles: { viewer: { capabilities: [], canWriteApp: false } },
      hecTokens: { [HEC_TOKEN]: { index: 'main', ...(hecIndexes ? { indexes: hecIndexes } : {}) } },
    });
  };
  const config = (token = TOKEN, extra: Record<string, unknown> = {}) => ({
    baseUrl: emulator.url,
    auth: { token },
    hecUrl: emulator.url,
    hecToken: HEC_TOKEN,
    initialEarliest: '0',
    indexLagSeconds: 0,
    maxRetries: 1,
    maxRetryDelayMs: 10,
    ...extra,
  });
  const noSleep = { sleep: async () => {} };

  it('notable_update failures keep ES\'s message ({"success": false, "message"}) and are not retried', async () => {
    await start();
    const [notable] = await loadAitNotables('russellmitchell', { distinct: true, limit: 1 });
    emulator.state.addNotables([notable!]);
    const api = createSplunkApi(parseSplunkConfig(config()), noSleep);
    const error = await api.updateNotables({ ruleUIDs: [String(notable!.event_id)], disposition: 'disposition:9', comment: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlatformApiError);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((error as Error).message).toContain('Invalid disposition disposition:9');
    const limited = createSplunkApi(parseSplunkConfig(config(LIMITED)), noSleep);
    const refused = await limited.updateNotables({ ruleUIDs: [String(notable!.event_id)], disposition: 'disposition:1', comment: 'x' }).catch((caught: unknown) => caught);
    expect((refused as Error).message).toContain('edit_notable_events');
  });

  it('HEC refuses an index the token may not write (code 7); the error says how to fix it', async () => {
    await start(['main']);
    const [notable] = await loadAitNotables('russellmitchell', { distinct: true, limit: 1 });
    emulator.state.addNotables([notable!]);
    const plugin = createSplunkPlugin(config(TOKEN, { hecIndex: 'verdict' }), noSleep);
    const result = makeTriageResult({ alertId: String(notable!.event_id) });
    const error = await plugin.deliverResult!(plugin.renderResult(result), result).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((error as Error).message).toMatch(/HEC code 7: Incorrect index — the HEC token may not write to that index/);
    expect(emulator.state.hecEvents).toHaveLength(0);
  });

  it('HEC refuses an index that does not exist (code 7) and text between two events (code 6), as Splunk does', async () => {
    await start();
    const hec = (body: string) => fetch(`${emulator.url}/services/collector/event`, { method: 'POST', headers: { authorization: `Splunk ${HEC_TOKEN}` }, body });
    const event = (index?: string) => JSON.stringify({ event: { verdict: 'benign_positive' }, ...(index ? { index } : {}) });
    const missing = await hec(`${event()}${event('no_such_index')}`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ text: 'Incorrect index', code: 7, 'invalid-event-number': 1 });
    for (const body of [`${event()},${event()}`, `${event()} x ${event()}`, `[${event()}]`]) {
      const invalid = await hec(body);
      expect(invalid.status, body).toBe(400);
      expect(await invalid.json()).toMatchObject({ code: 6, text: 'Invalid data format' });
    }
    expect((await hec(`${event()}\n${event('verdict')} `)).status).toBe(200);
    expect(emulator.state.hecEvents).toHaveLength(2);
  });

  it('ES 8 findings are paged: every page is read', async () => {
    await start();
    for (let index = 0; index < 1100; index += 1) emulator.state.addFinding({ rule_title: `Finding ${index}`, _time: String(1_700_000_000 + index) });
    const api = createSplunkApi(parseSplunkConfig(config(TOKEN, { esVersion: 8 })), noSleep);
    expect(await api.listFindings({ earliest: '0' })).toHaveLength(1100);
    // Without limit the emulator answers one page, as ES does.
    const firstPage = await fetch(`${emulator.url}/servicesNS/nobody/SplunkEnterpriseSecuritySuite/public/v2/findings?earliest=0`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect((await firstPage.json()) as { items: unknown[]; total: number }).toMatchObject({ total: 1100, items: expect.any(Array) });
  });

  it("KV and conf writes and storage/passwords check the caller; the plugin keeps splunkd's words", async () => {
    await start();
    const [notable] = await loadAitNotables('russellmitchell', { distinct: true, limit: 1 });
    emulator.state.addNotables([notable!]);
    const limited = createSplunkApi(parseSplunkConfig(config(LIMITED)), noSleep);
    const row = { _key: 'vk-1', idempotency_key: 'vk-1', alert_id: 'a' };
    const kvError = await limited.saveKvRow(row).catch((caught: unknown) => caught);
    expect(kvError).toMatchObject({ statusCode: 403, isRetryable: false });
    expect((kvError as Error).message).toMatch(/cannot write: \/nobody\/verdict_app\/collections\/verdict_results/);
    const headers = { authorization: `Bearer ${LIMITED}` };
    const passwords = await fetch(`${emulator.url}/servicesNS/nobody/verdict_app/storage/passwords?output_mode=json`, { headers });
    expect(passwords.status).toBe(403);
    expect(await passwords.text()).toContain('requires capability: list_storage_passwords');
    const conf = await fetch(`${emulator.url}/servicesNS/nobody/verdict_app/configs/conf-verdict/service`, { method: 'POST', headers, body: new URLSearchParams({ url: 'http://x' }) });
    expect(conf.status).toBe(403);
    const allowed = await fetch(`${emulator.url}/servicesNS/nobody/verdict_app/configs/conf-verdict/service`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new URLSearchParams({ url: 'http://127.0.0.1:1' }),
    });
    expect(allowed.status).toBe(200);
    expect(emulator.state.confs.get('verdict/service')).toMatchObject({ url: 'http://127.0.0.1:1' });
  });
});
