import { Client } from '@elastic/elasticsearch';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPath } from '../../core/normalize/finalize.js';
import type { PlatformPluginV1 } from '../../core/spec/plugin.js';
import type { TriageResult } from '../../core/spec/result.js';
import { createElasticPlugin, type ElasticConfigInput } from '../../plugins/elastic/index.js';
import { renderAitKibana } from '../../scripts/eval/render-kibana.js';
import { triageWithDefaultEngine, withVerdict } from '../contract/contract-support.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { loadAitRows } from '../eval-data.js';

/**
 * The Elastic transport against the emulator, through the real @elastic/elasticsearch client and
 * Kibana's REST API: pull (point in time + search_after, checkpoint, filters), write-back (tags,
 * status with and without reason by Kibana version, case + attachment + comment, verdict document),
 * idempotency against the platform's state, dispositions, and the emulator's own strictness.
 */

const PASSWORD = 'transport-Elastic-Passw0rd';
const ALICE = 'alice-Passw0rd-77';
/** Alice works in the Kibana UI: her session carries her user profile (Verdict's requests have none). */
const ALICE_PROFILE = 'u_mGBROF_q5bmFCATbLXAcCwKa0k8JvONAwSruelyKA5E_0';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const rows = await loadAitRows('russellmitchell', { limit: 260 });
const documents = rows.map(renderAitKibana);

describe('Elastic transport on the emulator', () => {
  let emulator: ElasticEmulator;
  const plugins: PlatformPluginV1[] = [];
  const makePlugin = (overrides: Partial<ElasticConfigInput> = {}): PlatformPluginV1 => {
    const plugin = createElasticPlugin({
      elasticsearchUrl: emulator.elasticsearchUrl,
      kibanaUrl: emulator.kibanaUrl,
      auth: { username: 'verdict_svc', password: PASSWORD },
      indexLagSeconds: 0,
      initialLookbackSeconds: 10 * 365 * 86_400,
      maxRetries: 2,
      maxRetryDelayMs: 5,
      ...overrides,
    });
    plugins.push(plugin);
    return plugin;
  };
  const kibanaFetch = (method: string, path: string, body?: unknown, auth = basic('alice', ALICE)) =>
    fetch(`${emulator.kibanaUrl}${path}`, {
      method,
      headers: { Authorization: auth, 'kbn-xsrf': 'true', 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const alertSource = (id: string) => emulator.elasticsearch.documentsOf('.alerts-security.alerts-default').find((document) => document._id === id)!._source;
  const verdictDocuments = () => emulator.elasticsearch.documentsOf('logs-verdict.triage-*', { ignoreUnavailable: true });
  const userComments = () => [...emulator.kibana.cases.values()].flatMap((record) => record.comments.filter((comment) => comment.type === 'user'));
  const deliver = async (plugin: PlatformPluginV1, result: TriageResult) => plugin.deliverResult!(plugin.renderResult(result), result);

  beforeEach(async () => {
    emulator = await startElasticEmulator({
      users: {
        verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] },
        alice: { password: ALICE, roles: ['superuser'], profileUid: ALICE_PROFILE },
        viewer: { password: PASSWORD, roles: ['viewer'] },
      },
      kibanaVersion: '9.2.0',
    });
    emulator.addAlerts(documents);
  });
  afterEach(async () => {
    expect(emulator.specViolations).toEqual([]);
    await emulator.close();
  });

  it('pulls every open alert once through a point in time and search_after pages, in time order', async () => {
    const plugin = makePlugin({ pageSize: 250 });
    const first = await plugin.pullAlerts!(undefined);
    expect(first.alerts).toHaveLength(250);
    const times = first.alerts.map((hit) => Date.parse(String(readPath(hit, '_source.@timestamp'))));
    expect(times).toEqual([...times].sort((left, right) => left - right));
    // 250 = one full page of 200 and one of 50: two searches on one point in time, then closed.
    expect(emulator.requests.filter((request) => request.path === '/_search')).toHaveLength(2);
    expect(emulator.elasticsearch.openPits).toBe(0);
    const second = await plugin.pullAlerts!(first.checkpoint);
    const ids = [...first.alerts, ...second.alerts].map((hit) => String(readPath(hit, '_id')));
    expect(new Set(ids).size).toBe(documents.length);
    expect(ids).toHaveLength(documents.length);
    expect((await plugin.pullAlerts!(second.checkpoint)).alerts).toEqual([]);
  });

  it('a space whose alerts index does not exist yet (no alert so far) pulls nothing, without failing', async () => {
    const empty = await startElasticEmulator({ users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] } }, spaces: ['default', 'fresh'] });
    try {
      empty.elasticsearch.aliases.delete('.alerts-security.alerts-fresh');
      const plugin = createElasticPlugin({
        elasticsearchUrl: empty.elasticsearchUrl,
        kibanaUrl: empty.kibanaUrl,
        auth: { username: 'verdict_svc', password: PASSWORD },
        space: 'fresh',
        maxRetries: 0,
      });
      expect(await plugin.pullAlerts!(undefined)).toEqual({ alerts: [], checkpoint: '' });
      expect(empty.requests.at(-1)).toMatchObject({ path: '/.alerts-security.alerts-fresh/_pit', status: 404 });
    } finally {
      await empty.close();
    }
  });

  it('skips closed, already triaged and building-block alerts, and alerts inside the index lag', async () => {
    const [closed, tagged, building, ...rest] = documents;
    alertSource(String(closed!['kibana.alert.uuid']))['kibana.alert.workflow_status'] = 'closed';
    alertSource(String(tagged!['kibana.alert.uuid']))['kibana.alert.workflow_tags'] = ['verdict:inconclusive'];
    alertSource(String(building!['kibana.alert.uuid']))['kibana.alert.building_block_type'] = 'default';
    const lastTime = Math.max(...rest.map((document) => Date.parse(String(document['@timestamp']))));
    const page = await createElasticPlugin(
      {
        elasticsearchUrl: emulator.elasticsearchUrl,
        kibanaUrl: emulator.kibanaUrl,
        auth: { username: 'verdict_svc', password: PASSWORD },
        indexLagSeconds: 60,
        initialLookbackSeconds: 10 * 365 * 86_400,
        pageSize: 1000,
      },
      { now: () => lastTime + 30_000 },
    ).pullAlerts!(undefined);
    const ids = page.alerts.map((hit) => String(readPath(hit, '_id')));
    expect(ids).not.toContain(closed!['kibana.alert.uuid']);
    expect(ids).not.toContain(tagged!['kibana.alert.uuid']);
    expect(ids).not.toContain(building!['kibana.alert.uuid']);
    // Alerts newer than now − 60 s wait for the next pull.
    expect(ids.length).toBe(rest.filter((document) => Date.parse(String(document['@timestamp'])) <= lastTime - 30_000).length);
  });

  it('writes tags, the case comment with the alert attached and the verdict document once; a retry writes nothing', async () => {
    const plugin = makePlugin();
    const [alert] = documents;
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(alert)]);
    const verdict = withVerdict(result!, 'inconclusive');
    await deliver(plugin, verdict);
    await deliver(plugin, verdict);
    const source = alertSource(String(alert!['kibana.alert.uuid']));
    expect(source['kibana.alert.workflow_tags']).toEqual(['verdict:inconclusive']);
    expect(source['kibana.alert.workflow_status']).toBe('open');
    expect(emulator.kibana.cases.size).toBe(1);
    const [record] = [...emulator.kibana.cases.values()];
    expect(record!.comments.map((comment) => comment.type)).toEqual(['alert', 'user']);
    expect(record!.comments[0]).toMatchObject({
      alertId: [alert!['kibana.alert.uuid']],
      index: ['.internal.alerts-security.alerts-default-000001'],
      rule: { id: alert!['kibana.alert.rule.uuid'], name: alert!['kibana.alert.rule.name'] },
    });
    expect(String(record!.comments[1]!.comment)).toMatch(/^### Verdict: Inconclusive/);
    expect(source['kibana.alert.case_ids']).toEqual([record!.id]);
    const stored = verdictDocuments();
    expect(stored).toHaveLength(1);
    expect(stored[0]!._index).toMatch(/^\.ds-logs-verdict\.triage-default-/);
    expect(stored[0]!._source).toMatchObject({ event: { kind: 'enrichment' }, kibana: { alert: { uuid: alert!['kibana.alert.uuid'] } }, verdict: { verdict: 'inconclusive' } });
    // The second delivery read the verdict document and stopped.
    expect(emulator.requests.filter((request) => request.server === 'kibana' && request.method === 'POST')).toHaveLength(4);
  });

  it('closes under policy with a reason on Kibana 9.2+, without one on older versions', async () => {
    const [first, second] = documents;
    const modern = makePlugin({ closeOnBenign: true });
    const [result] = triageWithDefaultEngine([modern.normalizeAlert(first)]);
    await deliver(modern, withVerdict(result!, 'false_positive'));
    expect(alertSource(String(first!['kibana.alert.uuid']))).toMatchObject({
      'kibana.alert.workflow_status': 'closed',
      'kibana.alert.workflow_reason': 'false_positive',
      'kibana.alert.workflow_user': null, // Kibana records no user for a request without a session.
      'kibana.alert.workflow_tags': ['verdict:false_positive', 'verdict:auto_closed'],
    });

    const legacy = await startElasticEmulator({ users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] } }, kibanaVersion: '8.19.3' });
    try {
      legacy.addAlerts([second!]);
      const old = createElasticPlugin({
        elasticsearchUrl: legacy.elasticsearchUrl,
        kibanaUrl: legacy.kibanaUrl,
        auth: { username: 'verdict_svc', password: PASSWORD },
        closeOnBenign: true,
        maxRetries: 0,
      });
      const [other] = triageWithDefaultEngine([old.normalizeAlert(second)]);
      await deliver(old, withVerdict(other!, 'benign_positive'));
      const closed = legacy.elasticsearch.documentsOf('.alerts-security.alerts-default')[0]!._source;
      expect(closed['kibana.alert.workflow_status']).toBe('closed');
      expect(closed['kibana.alert.workflow_reason']).toBeUndefined();
      const statusCall = legacy.requests.find((request) => request.path === '/api/detection_engine/signals/status');
      expect(statusCall?.body).toEqual({ signal_ids: [second!['kibana.alert.uuid']], status: 'closed' });
      expect(legacy.specViolations).toEqual([]);
    } finally {
      await legacy.close();
    }
  });

  it('refuses to write back to a Kibana without alert tags (before 8.10), naming the version', async () => {
    const plugin = makePlugin({ kibanaVersion: '8.9.2' });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[0])]);
    await expect(deliver(plugin, result!)).rejects.toMatchObject({ name: 'UnsupportedFeatureError', isRetryable: false, message: expect.stringMatching(/Kibana 8\.9\.2 has no alert tags API/) });
    expect(emulator.requests.filter((request) => request.method === 'POST' && request.server === 'kibana')).toEqual([]);
  });

  it('after a crash between the platform writes and the verdict document, the retry completes without duplicates', async () => {
    const plugin = makePlugin({ maxRetries: 0 });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[0])]);
    emulator.injectFaults({ status: 503, count: 1, match: /\/_bulk$/ });
    await expect(deliver(plugin, result!)).rejects.toMatchObject({ name: 'PlatformApiError', statusCode: 503, isRetryable: true });
    expect(userComments()).toHaveLength(1);
    expect(verdictDocuments()).toHaveLength(0);
    await deliver(plugin, result!);
    expect(userComments()).toHaveLength(1);
    expect([...emulator.kibana.cases.values()][0]!.comments.filter((comment) => comment.type === 'alert')).toHaveLength(1);
    expect(verdictDocuments()).toHaveLength(1);
  });

  it('retries a verdict document whose bulk item Elasticsearch rejected with 429, and writes it once', async () => {
    const plugin = makePlugin({ maxRetries: 2 });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[0])]);
    emulator.injectFaults({ status: 429, count: 2, match: /\/_bulk$/, perItem: true });
    await deliver(plugin, result!);
    expect(emulator.requests.filter((request) => request.path === '/_bulk').map((request) => request.status)).toEqual([200, 200, 200]);
    expect(verdictDocuments()).toHaveLength(1);
    expect(alertSource(String(documents[0]!['kibana.alert.uuid']))['kibana.alert.workflow_tags']).toEqual([`verdict:${result!.verdict}`]);
  });

  it('an alert deleted since the pull gets its verdict document and nothing else, without failing', async () => {
    const plugin = makePlugin({ closeOnBenign: true });
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(documents[0])]);
    emulator.elasticsearch.indices.get('.internal.alerts-security.alerts-default-000001')!.documents.delete(String(documents[0]!['kibana.alert.uuid']));
    await deliver(plugin, withVerdict(result!, 'benign_positive'));
    expect(verdictDocuments()).toHaveLength(1);
    expect(emulator.requests.filter((request) => request.server === 'kibana' && request.method === 'POST')).toEqual([]);
  });

  it('after a crash between closing an alert and its final tags, the alert is pulled again and its write-back completed once', async () => {
    const plugin = makePlugin({ closeOnBenign: true, maxRetries: 0 });
    const [alert] = documents;
    const id = String(alert!['kibana.alert.uuid']);
    const [result] = triageWithDefaultEngine([plugin.normalizeAlert(alert)]);
    const closing = withVerdict(result!, 'benign_positive');
    emulator.injectFaults({ status: 503, count: 1, match: /\/_bulk$/ });
    await expect(deliver(plugin, closing)).rejects.toMatchObject({ name: 'PlatformApiError', statusCode: 503 });
    expect(alertSource(id)).toMatchObject({ 'kibana.alert.workflow_status': 'closed', 'kibana.alert.workflow_tags': ['verdict:pending'] });

    // Closed, so no longer "open": the pull finds it by the pending tag (the checkpoint did not move).
    const again = await plugin.pullAlerts!(undefined);
    expect(again.alerts.map((hit) => String(readPath(hit, '_id')))).toContain(id);
    await deliver(plugin, closing);
    expect(alertSource(id)).toMatchObject({ 'kibana.alert.workflow_status': 'closed', 'kibana.alert.workflow_tags': ['verdict:benign_positive', 'verdict:auto_closed'] });
    expect(userComments()).toHaveLength(1);
    expect(verdictDocuments()).toHaveLength(1);
    expect((await plugin.pullAlerts!(undefined)).alerts.map((hit) => String(readPath(hit, '_id')))).not.toContain(id);
    expect(emulator.requests.filter((request) => request.path === '/api/detection_engine/signals/status')).toHaveLength(1);
  });

  it('reads analyst closings with a reason and closed verdict cases back; never its own writes', async () => {
    const plugin = makePlugin({ closeOnBenign: true });
    const [mine, analysts, untouched] = documents;
    const results = triageWithDefaultEngine([mine, analysts, untouched].map((document) => plugin.normalizeAlert(document)));
    await deliver(plugin, withVerdict(results[0]!, 'false_positive')); // Verdict closes this one itself.
    await deliver(plugin, withVerdict(results[2]!, 'inconclusive'));
    const since = new Date(Date.now() - 60_000).toISOString();
    const close = await kibanaFetch('POST', '/api/detection_engine/signals/status', { signal_ids: [analysts!['kibana.alert.uuid']], status: 'closed', reason: 'true_positive' });
    expect(close.status).toBe(200);
    const dispositions = await plugin.readDispositions!(since);
    expect(dispositions).toEqual([
      expect.objectContaining({ alertId: analysts!['kibana.alert.uuid'], verdict: 'true_positive', analyst: ALICE_PROFILE, platform: 'elastic', ruleName: analysts!['kibana.alert.rule.name'] }),
    ]);

    // An analyst closes the Verdict case of the untouched alert, tagged as a false positive (read `version` first).
    const [record] = [...emulator.kibana.cases.values()].filter((item) => item.comments.some((comment) => [comment.alertId].flat().includes(untouched!['kibana.alert.uuid'])));
    const attached = record!.comments.filter((comment) => comment.type === 'alert').flatMap((comment) => [comment.alertId].flat());
    const stale = await kibanaFetch('PATCH', '/api/cases', { cases: [{ id: record!.id, version: 'WzEsMV0=', status: 'closed' }] });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ statusCode: 409, error: 'Conflict' });
    const patched = await kibanaFetch('PATCH', '/api/cases', { cases: [{ id: record!.id, version: record!.version, status: 'closed', tags: [...record!.tags, 'false_positive'] }] });
    expect(patched.status).toBe(200);
    const withCase = await plugin.readDispositions!(since);
    expect(withCase.map((item) => [item.alertId, item.verdict])).toEqual([[analysts!['kibana.alert.uuid'], 'true_positive'], ...attached.map((id) => [id, 'false_positive'])]);
    expect(attached).toContain(untouched!['kibana.alert.uuid']);
  });

  it('finds an analyst closing behind more than a read of Verdict-closed alerts', async () => {
    const plugin = makePlugin();
    const since = new Date(Date.now() - 60_000).toISOString();
    // 1,100 alerts an API client (Verdict) closed as benign since then: Kibana left workflow_user null.
    const closedByApi = Array.from({ length: 1100 }, (_, index) => ({
      ...documents[0]!,
      'kibana.alert.uuid': `api-closed-${index}`,
      'kibana.alert.workflow_status': 'closed',
      'kibana.alert.workflow_reason': 'benign_positive',
      'kibana.alert.workflow_user': null,
      'kibana.alert.workflow_status_updated_at': new Date(Date.parse(since) + 1000 + index).toISOString(),
    }));
    emulator.addAlerts(closedByApi);
    const [analysts] = documents;
    expect((await kibanaFetch('POST', '/api/detection_engine/signals/status', { signal_ids: [analysts!['kibana.alert.uuid']], status: 'closed', reason: 'false_positive' })).status).toBe(200);
    const dispositions = await plugin.readDispositions!(since);
    expect(dispositions.map((item) => [item.alertId, item.verdict, item.analyst])).toEqual([[analysts!['kibana.alert.uuid'], 'false_positive', ALICE_PROFILE]]);
  });

  it('fails 4xx clearly and at once: missing privileges, wrong credentials', async () => {
    const viewer = makePlugin({ auth: { username: 'viewer', password: PASSWORD } });
    const [result] = triageWithDefaultEngine([viewer.normalizeAlert(documents[0])]);
    await expect(deliver(viewer, result!)).rejects.toMatchObject({ name: 'PlatformApiError', statusCode: 403, isRetryable: false, message: expect.stringMatching(/lacks a privilege/) });
    const wrong = makePlugin({ auth: { username: 'verdict_svc', password: 'wrong-password' } });
    const failure = await wrong.pullAlerts!(undefined).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'PlatformApiError', statusCode: 401, isRetryable: false });
    expect(String((failure as Error).message)).not.toContain('wrong-password');
  });

  it('is as strict as the platform: kbn-xsrf, spec-checked bodies, bulk per-item errors, unknown queries', async () => {
    const noXsrf = await fetch(`${emulator.kibanaUrl}/api/cases`, { method: 'POST', headers: { Authorization: basic('alice', ALICE), 'Content-Type': 'application/json' }, body: '{}' });
    expect(await noXsrf.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Request must contain a kbn-xsrf header.' });
    const badTags = await kibanaFetch('POST', '/api/detection_engine/signals/tags', { ids: ['x'], tags: { tags_to_add: ['a'] } });
    expect(badTags.status).toBe(400);
    expect(((await badTags.json()) as { message: string }).message).toMatch(/tags_to_remove/);
    const client = new Client({ node: emulator.elasticsearchUrl, auth: { username: 'alice', password: ALICE } });
    try {
      const bulk = await client.bulk({
        operations: [
          { create: { _index: 'logs-verdict.triage-default', _id: 'a' } },
          { '@timestamp': '2025-01-01T00:00:00Z' },
          { create: { _index: 'logs-verdict.triage-default', _id: 'a' } },
          { '@timestamp': '2025-01-01T00:00:00Z' },
        ],
      });
      expect(bulk.errors).toBe(true);
      expect(bulk.items.map((item) => item.create?.status)).toEqual([201, 409]);
      expect(bulk.items[1]!.create!.error!.type).toBe('version_conflict_engine_exception');
      await expect(client.search({ index: '.alerts-security.alerts-default', query: { fuzzy: { 'host.name': 'x' } } })).rejects.toMatchObject({
        meta: { statusCode: 400, body: { error: { type: 'parsing_exception' } } },
      });
      await expect(client.search({ index: '.alerts-security.alerts-default', search_after: [1] })).rejects.toMatchObject({
        meta: { statusCode: 400, body: { error: { reason: 'Cannot use [search_after] without sort' } } },
      });
      const pit = await client.openPointInTime({ index: '.alerts-security.alerts-default', keep_alive: '1m' });
      await expect(client.search({ index: '.alerts-security.alerts-default', pit: { id: pit.id } })).rejects.toMatchObject({ meta: { statusCode: 400 } });
      await client.closePointInTime({ id: pit.id });
      await expect(client.search({ pit: { id: pit.id } })).rejects.toMatchObject({ meta: { statusCode: 404, body: { error: { type: 'search_context_missing_exception' } } } });
      // A data stream takes `create` only, and every document needs @timestamp.
      const stream = await client.bulk({
        operations: [{ index: { _index: 'logs-verdict.triage-default' } }, { '@timestamp': '2025-01-01T00:00:00Z' }, { create: { _index: 'logs-verdict.triage-default' } }, { message: 'no time' }],
      });
      expect(stream.items.map((item) => Object.values(item)[0]!.error?.type)).toEqual(['illegal_argument_exception', 'document_parsing_exception']);
      // Unauthenticated: Elasticsearch's security_exception with a WWW-Authenticate challenge.
      const anonymous = await fetch(`${emulator.elasticsearchUrl}/_search`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm="security"/);
    } finally {
      await client.close();
    }
  });
});
