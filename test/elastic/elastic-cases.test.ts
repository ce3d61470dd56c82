import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';
import { createElasticPlugin } from '../../plugins/elastic/index.js';
import type { ElasticWriteBack } from '../../plugins/elastic/elastic-render.js';
import { renderAitKibana } from '../../scripts/eval/render-kibana.js';
import { triageWithDefaultEngine } from '../contract/contract-support.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { loadAitRows } from '../eval-data.js';

/**
 * The Cases side of the Elastic write-back at volume: Kibana's 1000-alert limit per case, and
 * `_find` paging (100 cases a page) when closed Verdict cases are read back as dispositions.
 */

const PASSWORD = 'cases-Elastic-Passw0rd';
const ALICE = 'cases-alice-Passw0rd';
const documents = (await loadAitRows('russellmitchell', { limit: 3 })).map(renderAitKibana);

describe('Elastic cases at volume', () => {
  let emulator: ElasticEmulator;
  let clock = Date.parse('2026-01-05T10:00:00Z');
  let plugin: PlatformPluginV1;
  const asAlice = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${emulator.kibanaUrl}${path}`, {
      method,
      headers: { Authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}`, 'kbn-xsrf': 'true', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  beforeEach(async () => {
    emulator = await startElasticEmulator({
      users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] }, alice: { password: ALICE, roles: ['superuser'], profileUid: 'u_alice_0' } },
      now: () => clock,
    });
    emulator.addAlerts(documents);
    plugin = createElasticPlugin({
      elasticsearchUrl: emulator.elasticsearchUrl,
      kibanaUrl: emulator.kibanaUrl,
      auth: { username: 'verdict_svc', password: PASSWORD },
      kibanaVersion: '9.2.0',
      maxRetries: 0,
    });
  });
  afterEach(async () => {
    expect(emulator.specViolations).toEqual([]);
    await emulator.close();
  });

  it('continues a group whose case holds 1000 alerts in a new case, and finds an alert there again', async () => {
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[0])]);
    const output = plugin.renderResult(result!);
    const { caseGroup, alertAttachment } = output.payload as ElasticWriteBack;
    // The group's case, filled to Kibana's limit by earlier alerts.
    const full = await asAlice('POST', '/api/cases', caseGroup.create);
    const earlier = Array.from({ length: 1000 }, (_, index) => `earlier-alert-${index}`);
    await asAlice('POST', `/api/cases/${String(full.id)}/comments`, { ...alertAttachment, alertId: earlier, index: earlier.map(() => '.internal.alerts-security.alerts-default-000001') });

    const caseReads = () => emulator.requests.filter((request) => request.method === 'GET' && /^\/api\/cases\/[^/_][^/]*$/.test(request.path)).length;
    await plugin.deliverResult!(output, result!);
    // A new alert cannot have a comment in the case yet: its 1,000 attachments are not read.
    expect(caseReads()).toBe(0);
    const cases = [...emulator.kibana.cases.values()];
    expect(cases).toHaveLength(2);
    const next = cases.find((record) => record.id !== full.id)!;
    expect(next.title).toBe(`${caseGroup.create.title} (part 2)`);
    expect(next.tags).toEqual(caseGroup.create.tags);
    expect(next.comments.map((comment) => comment.type)).toEqual(['alert', 'user']);
    expect(emulator.kibana.getCase(String(full.id)).totalAlerts).toBe(1000);

    // A retry finds the alert in the second case and writes nothing more.
    const writes = () => emulator.requests.filter((request) => request.method !== 'GET' && !/_search$|_pit$/.test(request.path)).length;
    const before = writes();
    await plugin.deliverResult!(output, result!);
    expect(writes()).toBe(before);
    expect(caseReads()).toBe(0); // Done already: the verdict document and the tags say so.
    expect(emulator.kibana.cases.size).toBe(2);
  });

  it('reads a case closing back behind more than a page of older closed Verdict cases', async () => {
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[1])]);
    const { caseGroup } = plugin.renderResult(result!).payload as ElasticWriteBack;
    // 120 Verdict cases closed as false positives last week, each updated again today (a comment).
    const old = [];
    for (let index = 0; index < 120; index += 1) {
      const created = await asAlice('POST', '/api/cases', { ...caseGroup.create, title: `old ${index}`, tags: ['verdict', `verdict-group:old-${index}`, 'false_positive'] });
      const [closed] = (await asAlice('PATCH', '/api/cases', { cases: [{ id: created.id, version: created.version, status: 'closed' }] })) as unknown as Array<Record<string, unknown>>;
      old.push(closed!);
    }
    clock += 7 * 86_400_000;
    for (const record of old) await asAlice('POST', `/api/cases/${String(record.id)}/comments`, { type: 'user', comment: 'reviewed again', owner: 'securitySolution' });
    const since = new Date(clock).toISOString();

    clock += 60_000;
    await plugin.deliverResult!(plugin.renderResult(result!), result!);
    const [mine] = [...emulator.kibana.cases.values()].filter((record) => record.tags.includes(caseGroup.tag));
    await asAlice('PATCH', '/api/cases', { cases: [{ id: mine!.id, version: mine!.version, status: 'closed', tags: [...mine!.tags, 'true_positive'] }] });

    const dispositions = await plugin.readDispositions!(since);
    expect(dispositions.map((item) => [item.alertId, item.verdict, item.analyst])).toEqual([[result!.alertId, 'true_positive', 'alice']]);
    expect(emulator.requests.filter((request) => request.path === '/api/cases/_find').length).toBeLessThanOrEqual(2);
  });

  it('answers a _find sort field outside the spec with 400, as Kibana', async () => {
    const response = await fetch(`${emulator.kibanaUrl}/api/cases/_find?sortField=closed_at`, { headers: { Authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('sortField') });
  });
});
