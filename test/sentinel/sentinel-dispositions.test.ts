import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';
import type { Verdict } from '../../core/spec/result.js';
import { createSentinelPlugin } from '../../plugins/sentinel/index.js';
import { triageWithDefaultEngine, withVerdict } from '../contract/contract-support.js';
import { asCsdlEntity, readFixture, startTenant, withoutODataType, type Tenant } from './sentinel-harness.js';

/**
 * Dispositions read from Graph alerts and incidents with classification under policy. An incident
 * names who changed it last; a Graph alert does not, so Verdict's own classification must be told
 * from an analyst's by what Verdict wrote: its own write is never a disposition, while an analyst who picked another
 * determination, or took the alert and confirmed Verdict's classification later, is one.
 * The emulator's clock is driven by the test, so "later" is a minute or more, as in a SOC.
 */

const ANALYST = 'alice@contoso.com';

describe('Sentinel dispositions from Graph alerts and incidents (classification under policy)', () => {
  let tenant: Tenant;
  let plugin: PlatformPluginV1;
  let clock = Date.parse('2026-12-01T09:00:00Z');
  const base = readFixture('graph-security-alert-v2.get.json');

  /** Seeds an alert and writes Verdict's verdict on it, as a connector cycle would. */
  const triaged = async (id: string, verdict: Verdict, assignedTo: string | null = null): Promise<void> => {
    const [alert] = tenant.emulator.state.addAlerts([{ ...withoutODataType(base), id, classification: 'unknown', determination: 'unknown', assignedTo }]);
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert({ '@odata.type': '#microsoft.graph.security.alert', ...alert })]);
    await plugin.deliverResult!(plugin.renderResult(withVerdict(result!, verdict)), result!);
    clock += 60_000;
  };
  const dispositions = async () => (await plugin.readDispositions!('2026-12-01T00:00:00Z')).map(({ alertId, verdict, analyst }) => ({ alertId, verdict, analyst }));

  /** Seeds the real $expand=alerts incident example and writes Verdict's verdict on the incident. */
  const triagedIncident = async (id: string, verdict: Verdict): Promise<void> => {
    const example = asCsdlEntity(readFixture<{ value: Array<Record<string, unknown>> }>('graph-security-incidents.list-expand-alerts.json').value[0]!);
    const alerts = (example.alerts as Array<Record<string, unknown>>).map((alert) => ({ ...alert, id: `${id}-${String(alert.id)}` }));
    const incident = tenant.emulator.state.addIncident({ ...example, id, classification: 'unknown', determination: 'unknown', alerts });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert({ '@odata.type': '#microsoft.graph.security.incident', ...incident, alerts })]);
    await plugin.deliverResult!(plugin.renderResult(withVerdict(result!, verdict)), result!);
    clock += 60_000;
  };

  beforeAll(async () => {
    tenant = await startTenant({ now: () => clock });
    plugin = createSentinelPlugin({ ...tenant.config, sources: { alerts: true, incidents: false }, writeClassification: true, initialLookbackMinutes: 60 * 24 * 7 });
  }, 60_000);
  afterAll(async () => {
    await tenant?.close();
  });

  it("never reads Verdict's own classification back, even on an alert someone had taken before", async () => {
    await triaged('own-fp', 'false_positive');
    await triaged('own-tp-assigned', 'true_positive', ANALYST);
    expect(tenant.emulator.state.alerts.get('own-fp')).toMatchObject({ classification: 'falsePositive', determination: 'notMalicious' });
    expect(await dispositions()).toEqual([]);
  });

  it('reads a reclassification, a different determination, and a confirmation by the assigned analyst', async () => {
    await triaged('reclassified', 'false_positive');
    await triaged('determined', 'true_positive');
    await triaged('confirmed', 'false_positive');
    tenant.emulator.state.analystUpdate('alerts_v2', 'reclassified', { classification: 'truePositive', determination: 'malware' }, ANALYST, undefined, { assign: false });
    tenant.emulator.state.analystUpdate('alerts_v2', 'determined', { determination: 'multiStagedAttack' }, ANALYST, undefined, { assign: false });
    tenant.emulator.state.analystUpdate('alerts_v2', 'confirmed', { status: 'resolved' }, ANALYST, 'checked: the backup job');
    expect((await dispositions()).sort((left, right) => String(left.alertId).localeCompare(String(right.alertId)))).toEqual([
      { alertId: 'confirmed', verdict: 'false_positive', analyst: ANALYST },
      { alertId: 'determined', verdict: 'true_positive', analyst: 'unknown' },
      { alertId: 'reclassified', verdict: 'true_positive', analyst: 'unknown' },
    ]);
  });

  it("reads an analyst's incident classification, never the one this app wrote", async () => {
    const incidents = createSentinelPlugin({ ...tenant.config, sources: { alerts: false, incidents: true }, writeClassification: true });
    await triagedIncident('incident-own', 'benign_positive');
    await triagedIncident('incident-analyst', 'benign_positive');
    expect(tenant.emulator.state.incidents.get('incident-own')).toMatchObject({ classification: 'informationalExpectedActivity', customTags: expect.arrayContaining(['verdict:benign_positive']) });
    tenant.emulator.state.analystUpdate('incidents', 'incident-analyst', { classification: 'truePositive', determination: 'malware' }, ANALYST);
    const read = await incidents.readDispositions!('2026-12-01T00:00:00Z');
    expect(read.map(({ alertId, verdict, analyst }) => ({ alertId, verdict, analyst }))).toEqual([{ alertId: 'incident-incident-analyst', verdict: 'true_positive', analyst: ANALYST }]);
  });
});
