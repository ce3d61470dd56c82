import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPath } from '../../core/normalize/finalize.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { renderAitKibana, renderSigmaKibana } from '../../scripts/eval/render-kibana.js';
import { startElasticEmulator, type ElasticEmulator } from '../emulators/elastic/elastic-emulator.js';
import { sigmaEventTime } from '../../scripts/eval/sigma-source.js';
import { loadAitRows, loadSigmaTests, type AitRow } from '../eval-data.js';
import { ensureBuilt, startCli, type CliRun } from '../fault/cli-process.js';

/**
 * `verdict run --once` end to end: the built CLI (dist/verdict.js) in a child process pulls open
 * alerts from the Elasticsearch + Kibana emulator, triages them, writes verdicts back (tags,
 * status under policy, case comment, verdict document) and reads analyst closings back; every
 * check reads the platform's side. Steps build on each other: seed → run → re-run → analyst
 * closes with a reason → new alerts of that rule → kill -9 mid-batch → 429/503 storm → restart.
 * Alerts are the eval's Kibana renderings of the public data, in time order.
 */

const PASSWORD = 'e2e-Elastic-Passw0rd';
const ALICE = 'e2e-alice-Passw0rd';
/** Alice closes alerts in the Kibana UI, whose session carries her user profile; Verdict's requests carry none. */
const ALICE_PROFILE = 'u_Q2n7TZ1dWb0xvXe8kA5hR3sLmP9yJfGc4oUiEtN6qBw_0';
const RULE = 'AMiner: New service_start parameter combination in Audit logs.';
const CONTROL = 'AMiner: High entropy in DNS domain.';
const OTHER_RULES = ['AMiner: New service_stop parameter combination in Audit logs.', 'Wazuh: ClamAV database update', 'Wazuh: First time this IDS alert is generated.', 'AMiner: New event type.'];
const CONTEXT_WINDOW_SECONDS = 1800;
type AlertDocument = Record<string, unknown>;

describe('verdict run --once against the Elastic emulator', () => {
  let emulator: ElasticEmulator;
  let work: string;
  let aitRows: AitRow[];
  /** Sigma tests newer than every alert seeded so far (as in a live cluster), in event-time order. */
  const nextSigmaTests = (count: number) => {
    const newest = Math.max(...seeded.map((document) => Date.parse(String(document['@timestamp']))));
    return loadSigmaTests()
      .filter((test) => Date.parse(sigmaEventTime(test.events[0]!)) > newest)
      .sort((left, right) => Date.parse(sigmaEventTime(left.events[0]!)) - Date.parse(sigmaEventTime(right.events[0]!)))
      .slice(0, count);
  };
  const seeded: AlertDocument[] = [];

  const run = (): ReturnType<typeof startCli> => startCli(['run', '--config', join(work, 'verdict.config.json'), '--once'], { cwd: work, env: { VERDICT_HOME: work } });
  const finished = async (running: ReturnType<typeof startCli>): Promise<CliRun> => {
    const result = await running.done;
    for (const secret of [PASSWORD, ALICE]) expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    return result;
  };
  const runOk = async (): Promise<CliRun> => {
    const result = await finished(run());
    expect(result.code, result.stderr).toBe(0);
    return result;
  };
  const seed = (documents: AlertDocument[]): AlertDocument[] => {
    emulator.addAlerts(documents);
    seeded.push(...documents);
    return documents;
  };
  const rowsOf = (name: string): AitRow[] => aitRows.filter((row) => row.name === name);
  const idOf = (document: AlertDocument): string => String(document['kibana.alert.uuid']);
  const alertNow = (id: string): AlertDocument => emulator.elasticsearch.documentsOf('.alerts-security.alerts-default').find((document) => document._id === id)!._source;
  const verdictDocs = () => emulator.elasticsearch.documentsOf('logs-verdict.triage-default', { ignoreUnavailable: true }).map((document) => document._source);
  const userComments = () => [...emulator.kibana.cases.values()].flatMap((record) => record.comments.filter((comment) => comment.type === 'user').map((comment) => String(comment.comment)));
  /** What Verdict wrote for one alert, read from the platform. */
  const writes = (id: string) => ({
    verdictTags: ((alertNow(id)['kibana.alert.workflow_tags'] as string[] | undefined) ?? []).filter((tag) => tag.startsWith('verdict:') && !['verdict:auto_closed', 'verdict:pending'].includes(tag))
      .length,
    attachments: [...emulator.kibana.cases.values()].flatMap((record) => record.comments).filter((comment) => comment.type === 'alert' && [comment.alertId].flat().includes(id)).length,
    comments: userComments().filter((comment) => comment.includes(`\`${id}\``)).length,
    documents: verdictDocs().filter((document) => readPath(document, 'kibana.alert.uuid') === id).length,
  });
  const verdictOf = (id: string) => {
    const [document] = verdictDocs().filter((item) => readPath(item, 'kibana.alert.uuid') === id);
    expect(document, `a verdict document for ${id}`).toBeDefined();
    return document!.verdict as { verdict: string; probability_malicious: number; auto_closed: boolean; evidence: Array<{ source: string; claim: string }> };
  };
  const kibanaAsAlice = (method: string, path: string, body: unknown) =>
    fetch(`${emulator.kibanaUrl}${path}`, {
      method,
      headers: { Authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}`, 'kbn-xsrf': 'true', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    ensureBuilt();
    aitRows = await loadAitRows('russellmitchell');
    emulator = await startElasticEmulator({
      users: { verdict_svc: { password: PASSWORD, roles: ['verdict_connector'] }, alice: { password: ALICE, roles: ['superuser'], profileUid: ALICE_PROFILE } },
      kibanaVersion: '9.2.0',
    });
    work = mkdtempSync(join(tmpdir(), 'verdict-e2e-elastic-'));
    writeFileSync(
      join(work, 'verdict.config.json'),
      JSON.stringify(
        {
          store: { kind: 'sqlite', path: join(work, 'verdict.db') },
          // A handful of alerts never builds the network baseline the cold-start rule waits for; without
          // it no verdict would close, and the closing policy would go untested here.
          decide: { coldStartMinBenignEvidence: 0 },
          platforms: {
            elastic: {
              elasticsearchUrl: emulator.elasticsearchUrl,
              kibanaUrl: emulator.kibanaUrl,
              auth: { username: 'verdict_svc', password: PASSWORD },
              closeOnBenign: true,
              indexLagSeconds: 0,
              initialLookbackSeconds: 10 * 365 * 86_400,
              pageSize: 100,
              maxRetries: 2,
              maxRetryDelayMs: 50,
            },
          },
        },
        null,
        2,
      ),
    );
  }, 180_000);
  afterAll(async () => {
    await emulator?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pulls, triages and writes back: tags, status per policy, a case comment and a verdict document per alert', async () => {
    const initial = seed([...rowsOf(RULE).slice(0, 3), ...rowsOf(CONTROL).slice(0, 1), ...OTHER_RULES.map((name) => rowsOf(name)[0]!)].map(renderAitKibana));
    const result = await runOk();
    expect(result.stderr).toContain(`elastic: pulled ${initial.length}, triaged ${initial.length}, wrote back ${initial.length}, dead-lettered 0`);
    for (const document of initial) {
      const id = idOf(document);
      expect(writes(id), id).toEqual({ verdictTags: 1, attachments: 1, comments: 1, documents: 1 });
      const verdict = verdictOf(id);
      const now = alertNow(id);
      expect(now['kibana.alert.workflow_tags']).toContain(`verdict:${verdict.verdict}`);
      // Closing is the policy's: benign and false-positive verdicts closed with Kibana's own reason.
      const closes = verdict.verdict === 'benign_positive' || verdict.verdict === 'false_positive';
      expect(verdict.auto_closed).toBe(closes);
      expect(now['kibana.alert.workflow_status']).toBe(closes ? 'closed' : 'open');
      if (closes) expect(now).toMatchObject({ 'kibana.alert.workflow_reason': verdict.verdict, 'kibana.alert.workflow_user': null });
    }
    expect(initial.filter((document) => alertNow(idOf(document))['kibana.alert.workflow_status'] === 'closed').length, 'the policy closed some').toBeGreaterThan(0);
    expect(userComments().every((comment) => /^### Verdict: /.test(comment) && /\[verdict:vk-[0-9a-f]{32}\]$/.test(comment))).toBe(true);
    expect(emulator.specViolations).toEqual([]);
  });

  it('a second run writes nothing twice', async () => {
    const writesBefore = emulator.requests.filter((request) => request.method !== 'GET' && !/_search$|_pit$/.test(request.path)).length;
    const result = await runOk();
    expect(result.stderr).toContain('elastic: pulled 0, triaged 0, wrote back 0');
    expect(emulator.requests.filter((request) => request.method !== 'GET' && !/_search$|_pit$/.test(request.path)).length).toBe(writesBefore);
  });

  it('reads an analyst closing with a reason back, and it changes the next verdict for that rule, which cites it', async () => {
    const confirmed = seeded.filter((document) => document['kibana.alert.rule.name'] === RULE);
    const control = seeded.filter((document) => document['kibana.alert.rule.name'] === CONTROL);
    const earlier = verdictOf(idOf(confirmed[0]!));
    const controlEarlier = verdictOf(idOf(control[0]!));
    expect(earlier.verdict, 'analysts can only raise it').not.toBe('true_positive');
    // Alice reopens what Verdict closed and closes it as a true positive (Kibana 9.2 closing reason).
    for (const document of confirmed) {
      expect((await kibanaAsAlice('POST', '/api/detection_engine/signals/status', { signal_ids: [idOf(document)], status: 'open' })).status).toBe(200);
      expect((await kibanaAsAlice('POST', '/api/detection_engine/signals/status', { signal_ids: [idOf(document)], status: 'closed', reason: 'true_positive' })).status).toBe(200);
    }
    const readBack = await runOk();
    expect(readBack.stderr).toContain(`pulled 0, triaged 0, wrote back 0, dead-lettered 0, dispositions ${confirmed.length}`);

    const cutoff = Math.max(...seeded.map((document) => Date.parse(String(document['@timestamp'])) / 1000));
    const confirmedHosts = new Set(confirmed.map((document) => readPath(document, 'host.name')));
    const nextRows = rowsOf(RULE)
      .filter((row) => row.time > cutoff)
      .slice(0, 2);
    const isApart = (row: AitRow): boolean => nextRows.every((other) => Math.abs(other.time - row.time) > CONTEXT_WINDOW_SECONDS);
    const next = seed(nextRows.map(renderAitKibana));
    const nextControl = seed(
      rowsOf(CONTROL)
        .filter((row) => row.time > cutoff && !confirmedHosts.has(row.host) && isApart(row))
        .slice(0, 1)
        .map(renderAitKibana),
    );
    expect(next).toHaveLength(2);
    expect(nextControl).toHaveLength(1);
    await runOk();

    for (const document of next) {
      const later = verdictOf(idOf(document));
      // The confirmation moves the verdict: never towards closing, and well up the malicious scale. (Since
      // the cold-start rule, 947b6b3, a network without a baseline may keep the class inconclusive.)
      expect(['true_positive', 'inconclusive']).toContain(later.verdict);
      expect(later.probability_malicious - earlier.probability_malicious).toBeGreaterThan(0.2);
      const cited = later.evidence.filter((item) => item.source === 'memory' && /Analysts .*confirmed 3/.test(item.claim));
      expect(cited, JSON.stringify(later.evidence)).not.toHaveLength(0);
      // The analyst sees it in the case comment of the new alert.
      expect(userComments().find((comment) => comment.includes(`\`${idOf(document)}\``))).toMatch(/Analysts .*confirmed 3/);
    }
    expect(verdictOf(idOf(nextControl[0]!)).verdict).toBe(controlEarlier.verdict);
  });

  it('kill -9 in the middle of a batch, right after Verdict closed an alert, loses nothing and duplicates nothing', async () => {
    // Alerts of the rules the policy closed in the first run (newer than the checkpoint), then Sigma alerts.
    const cutoff = Math.max(...seeded.map((document) => Date.parse(String(document['@timestamp'])) / 1000));
    const closedRules = OTHER_RULES.filter((name) => seeded.some((document) => document['kibana.alert.rule.name'] === name && verdictOf(idOf(document)).auto_closed));
    expect(closedRules.length, 'the first run closed alerts of some rules').toBeGreaterThan(0);
    const repeats = seed(closedRules.map((name) => rowsOf(name).find((row) => row.time > cutoff)!).map(renderAitKibana));
    const batch = [...repeats, ...seed(nextSigmaTests(6).map((test) => renderSigmaKibana(test, 'full')))];
    let closedId: string | undefined;
    const running = run();
    // Killed right after the platform applied Verdict's first close, before the CLI hears back: the
    // alert is no longer open, and its case comment, verdict document and tags are still to come.
    emulator.onHandled = (record) => {
      if (closedId === undefined && record.user === 'verdict_svc' && record.path === '/api/detection_engine/signals/status') {
        closedId = String((record.body as { signal_ids: string[] }).signal_ids[0]);
        running.child.kill('SIGKILL');
      }
    };
    const killed = await running.done;
    emulator.onHandled = undefined;
    expect(killed.signal).toBe('SIGKILL');
    expect(closedId, 'Verdict closed an alert of the batch').toBeDefined();
    expect(alertNow(closedId!)).toMatchObject({ 'kibana.alert.workflow_status': 'closed', 'kibana.alert.workflow_tags': ['verdict:pending'] });
    expect(writes(closedId!)).toMatchObject({ verdictTags: 0, documents: 0 });

    const restart = await runOk();
    expect(restart.stderr).toMatch(/elastic: pulled \d+, triaged \d+, wrote back \d+, dead-lettered 0/);
    for (const document of batch) expect(writes(idOf(document)), String(document['kibana.alert.rule.name'])).toEqual({ verdictTags: 1, attachments: 1, comments: 1, documents: 1 });
    expect(alertNow(closedId!)['kibana.alert.workflow_tags']).toEqual([`verdict:${verdictOf(closedId!).verdict}`, 'verdict:auto_closed']);
  });

  it('a 429/503 storm fails the run without advancing the checkpoint; the restart loses and duplicates nothing', async () => {
    const checkpointBefore = await readCheckpoint(join(work, 'verdict.db'));
    const batch = seed(nextSigmaTests(6).map((test) => renderSigmaKibana(test, 'full')));
    // Two alerts are tagged, then Kibana answers every tag write 503, past the retries.
    emulator.injectFaults({ status: 503, count: 1000, after: 2, server: 'kibana', match: /\/signals\/tags$/ });
    const failed = await finished(run());
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/signals\/tags: Elastic answered HTTP 503/);
    expect(await readCheckpoint(join(work, 'verdict.db'))).toBe(checkpointBefore);

    // The restart rides out 429s with Retry-After on the bulk write, bulk items rejected with 429 and
    // 503s on the point in time.
    emulator.clearFaults();
    emulator.injectFaults({ status: 429, count: 2, retryAfterSeconds: 1, server: 'elasticsearch', match: /\/_bulk$/ });
    emulator.injectFaults({ status: 429, count: 2, after: 1, server: 'elasticsearch', match: /\/_bulk$/, perItem: true });
    emulator.injectFaults({ status: 503, count: 2, server: 'elasticsearch', match: /_pit$/ });
    const restart = await runOk();
    expect(restart.stderr).toMatch(/dead-lettered 0/);
    expect(emulator.requests.filter((request) => request.status === 429)).toHaveLength(2);
    expect(await readCheckpoint(join(work, 'verdict.db'))).not.toBe(checkpointBefore);
    for (const document of seeded) expect(writes(idOf(document)), String(document['kibana.alert.rule.name'])).toEqual({ verdictTags: 1, attachments: 1, comments: 1, documents: 1 });
    expect(verdictDocs()).toHaveLength(seeded.length);
    expect(userComments()).toHaveLength(seeded.length);
    expect(batch).toHaveLength(6);
    expect(emulator.specViolations).toEqual([]);
  });
});

async function readCheckpoint(storePath: string): Promise<string | undefined> {
  const repository = createSqliteRepository(storePath);
  try {
    return await repository.getCheckpoint('pull:elastic');
  } finally {
    await repository.close();
  }
}
