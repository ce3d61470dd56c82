import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderGraphAitRow } from '../../scripts/eval/render-graph.js';
import type { GraphRecord } from '../emulators/microsoft/emulator-state.js';
import { loadAitRows, type AitRow } from '../eval-data.js';
import { asCsdlEntity, CLIENT_ID, CLIENT_SECRET, openArmIncident, readFixture, startTenant, type Tenant } from '../sentinel/sentinel-harness.js';

/**
 * `verdict run` end to end against the Microsoft emulator: the built CLI (dist/verdict.js) in a
 * child process gets tokens from the Entra emulator (@azure/identity), pulls Graph alerts_v2 and
 * incidents (@microsoft/microsoft-graph-client, several pages) and a Sentinel ARM incident,
 * triages them, writes tags, comments and classification (policy on) back, and reads analyst
 * classifications. Every check reads Microsoft's side. The steps build on each other, in order.
 * Alerts are AIT rows rendered by the eval's Graph renderer, in time order.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/verdict.js');
const RULE = 'AMiner: New service_start parameter combination in Audit logs.';
const CONTROL = 'AMiner: High entropy in DNS domain.';
const OTHER_RULES = ['AMiner: New service_stop parameter combination in Audit logs.', 'Wazuh: ClamAV database update', 'Wazuh: First time this IDS alert is generated.', 'AMiner: New event type.'];
const CONTEXT_WINDOW_SECONDS = 1800;
/** The client's limiter and the emulator's quota, scaled down from 150 / 60 s so a test can hit them. */
const LIMIT = { requests: 24, windowMs: 2000 };
const QUOTA = { requests: 30, windowMs: 2000 };
/** Alerts written back during the throttling storm: three Graph requests each, well over one quota window's worth. */
const STORM_ALERTS = 20;
const MARKER = /\[verdict:vk-[0-9a-f]{32}\]/;

function ensureBuilt(): void {
  const newestSource = Math.max(
    ...['bin', 'core', 'plugins'].flatMap((folder) => sourceTimes(join(ROOT, folder))),
    ...['package.json', 'scripts/build.js'].map((file) => statSync(join(ROOT, file)).mtimeMs),
  );
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
}

function sourceTimes(folder: string): number[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
}

interface CliRun {
  code: number | null;
  stderr: string;
}

describe('verdict run against the Microsoft emulator (Graph + Sentinel ARM)', () => {
  let tenant: Tenant;
  let work: string;
  let configFile: string;
  let aitRows: AitRow[];
  const seeded: GraphRecord[] = [];
  const rowById = new Map<string, AitRow>();

  const start = (once: boolean): { child: ChildProcess; done: Promise<CliRun> } => {
    const child = spawn(process.execPath, [CLI, 'run', '--config', configFile, ...(once ? ['--once'] : [])], { cwd: work, env: { ...process.env, VERDICT_HOME: work, NO_COLOR: '1' } });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const done = new Promise<CliRun>((resolveRun, fail) => {
      child.on('error', fail);
      child.on('close', (code) => {
        expect(output, 'no run prints the client secret').not.toContain(CLIENT_SECRET);
        resolveRun({ code, stderr: output });
      });
    });
    return { child, done };
  };
  const runOk = async (): Promise<CliRun> => {
    const run = await start(true).done;
    expect(run.code, run.stderr).toBe(0);
    return run;
  };

  const rowsOf = (name: string): AitRow[] => aitRows.filter((row) => row.name === name);
  const seed = (rows: AitRow[]): GraphRecord[] => {
    const alerts = tenant.emulator.state.addAlerts(
      rows.map((row) => {
        const { '@odata.type': _type, ...alert } = renderGraphAitRow(row);
        rowById.set(String(alert.id), row);
        return alert;
      }),
    );
    seeded.push(...alerts);
    return alerts;
  };
  const verdictComments = (item: GraphRecord): string[] => (item.comments as Array<{ comment: string }>).map((comment) => comment.comment).filter((text) => MARKER.test(text));
  const verdictOf = (id: string): { verdict: string; probability: number; comment: string } => {
    const [comment] = verdictComments(tenant.emulator.state.alerts.get(id)!);
    expect(comment, `a Verdict comment on ${id}`).toBeDefined();
    const match = /^Verdict \(AI triage\): ([a-z ]+), confidence \d+%, P\(malicious\) (\d+)%/.exec(comment!);
    expect(match, comment).not.toBeNull();
    return { verdict: match![1]!.replace(/ /g, '_'), probability: Number(match![2]) / 100, comment: comment! };
  };
  const writes = () => tenant.emulator.requests.filter((request) => request.method !== 'GET' && request.status < 300 && request.path !== '/$batch' && request.service !== 'login');
  /** Most Graph requests (batched ones count one each) that started in any window of the quota's length. */
  const busiestWindow = (requests: typeof tenant.emulator.requests): number => {
    const times = requests
      .filter((request) => request.service === 'graph' && request.path !== '/$batch')
      .map((request) => request.time)
      .sort((left, right) => left - right);
    let most = 0;
    for (let first = 0, last = 0; last < times.length; last += 1) {
      while (times[last]! - times[first]! >= QUOTA.windowMs) first += 1;
      most = Math.max(most, last - first + 1);
    }
    return most;
  };

  beforeAll(async () => {
    ensureBuilt();
    aitRows = await loadAitRows('russellmitchell');
    tenant = await startTenant({ graphQuota: QUOTA });
    work = mkdtempSync(join(tmpdir(), 'verdict-e2e-sentinel-'));
    configFile = join(work, 'verdict.config.json');
    writeFileSync(
      configFile,
      JSON.stringify(
        {
          store: { kind: 'sqlite', path: join(work, 'verdict.db') },
          connector: { pollSeconds: 0.2, dispositionLookbackSeconds: 3600 },
          platforms: {
            sentinel: {
              ...tenant.config,
              sources: { alerts: true, incidents: true, armIncidents: true },
              writeClassification: true,
              pageSize: 3,
              rateLimitRequests: LIMIT.requests,
              rateLimitWindowSeconds: LIMIT.windowMs / 1000,
              maxRetries: 6,
              maxRetryDelayMs: 1500,
            },
          },
        },
        null,
        2,
      ),
    );
  }, 180_000);
  afterAll(async () => {
    await tenant?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pulls alerts across pages, an incident with its alerts and an ARM incident; writes tags, comments and classification', async () => {
    const _initial = seed([...rowsOf(RULE).slice(0, 3), ...rowsOf(CONTROL).slice(0, 1), ...OTHER_RULES.map((name) => rowsOf(name)[0]!)]);
    // The real $expand=alerts example, and copies of it under other ids, so incidents span pages too.
    const example = asCsdlEntity(readFixture<{ value: Array<Record<string, unknown>> }>('graph-security-incidents.list-expand-alerts.json').value[0]!);
    const incidents = [0, 1, 2, 3].map((copy) =>
      tenant.emulator.state.addIncident(
        copy === 0
          ? example
          : {
              ...example,
              id: `${String(example.id)}${copy}`,
              alerts: (example.alerts as Array<Record<string, unknown>>).map((alert) => ({ ...alert, id: `${String(alert.id)}-${copy}` })),
            },
      ),
    );
    const arm = tenant.emulator.state.addArmIncident(openArmIncident());
    const alertCount = tenant.emulator.state.alerts.size; // seeded rows + the incidents' own alerts
    const run = await runOk();
    const pulled = alertCount + incidents.length + 1;
    expect(run.stderr).toContain(`sentinel: pulled ${pulled}, triaged ${pulled}, wrote back ${pulled}, dead-lettered 0, dispositions 0`);
    const listPages = tenant.emulator.requests.filter((request) => request.method === 'GET' && request.path === '/security/alerts_v2' && request.status === 200);
    expect(listPages.length, 'alerts_v2 followed @odata.nextLink').toBeGreaterThanOrEqual(Math.ceil(alertCount / 3));

    for (const alert of [...tenant.emulator.state.alerts.values()]) {
      expect(verdictComments(alert), alert.id).toHaveLength(1);
      const { verdict } = verdictOf(alert.id);
      const expected = { true_positive: 'truePositive', benign_positive: 'informationalExpectedActivity', false_positive: 'falsePositive', inconclusive: 'unknown' }[verdict];
      expect(alert.classification, `${alert.id} classified under policy`).toBe(expected);
      expect(alert.status, 'closing is off').toBe('new');
    }
    const incidentPages = tenant.emulator.requests.filter((request) => request.method === 'GET' && request.path === '/security/incidents' && request.status === 200);
    expect(incidentPages.length, 'incidents followed @odata.nextLink').toBeGreaterThanOrEqual(2);
    for (const incident of incidents) {
      const storedIncident = tenant.emulator.state.incidents.get(incident.id)!;
      expect(verdictComments(storedIncident)).toHaveLength(1);
      expect(storedIncident.customTags).toEqual(['Demo', expect.stringMatching(/^verdict:(true_positive|benign_positive|false_positive|inconclusive)$/)]);
      expect(storedIncident.lastModifiedBy).toBe(`API-App:${CLIENT_ID}`);
    }
    const storedArm = tenant.emulator.state.armIncidents.get(arm.name)!;
    expect((storedArm.properties.labels as Array<{ labelName: string }>).map((label) => label.labelName)).toEqual([expect.stringMatching(/^verdict:/)]);
    expect([...storedArm.comments.values()].map((comment) => comment.properties.message)).toEqual([
      expect.stringMatching(/^<p><b>Verdict \(AI triage\): .*\[verdict:vk-[0-9a-f]{32}\]<\/small><\/p>$/),
    ]);
    expect(
      tenant.emulator.requests.some((request) => request.isBatched && request.method === 'PATCH'),
      'PATCH and comment went through $batch',
    ).toBe(true);
    expect(tenant.emulator.tokens.requests.filter((request) => request.ok).length).toBeGreaterThanOrEqual(2); // Graph and ARM audiences
  }, 60_000);

  it('a second run writes nothing twice', async () => {
    const before = writes().length;
    const run = await runOk();
    // Graph items whose last change is Verdict's own comment are not pulled again; the ARM incident
    // (its comments are not inline) comes back once, and is not written again.
    expect(run.stderr).toMatch(/sentinel: pulled 1, triaged 1, wrote back 0\b.*dead-lettered 0, dispositions 0/);
    expect(writes().length, JSON.stringify(writes().slice(before))).toBe(before);
  }, 60_000);

  it('reads an analyst reclassification back and cites it in the next verdict on that rule', async () => {
    const confirmed = seeded.filter((alert) => alert.title === RULE);
    const control = seeded.filter((alert) => alert.title === CONTROL);
    const earlier = verdictOf(confirmed[0]!.id);
    const controlEarlier = verdictOf(control[0]!.id);
    expect(earlier.verdict, 'analysts can only raise it').not.toBe('true_positive');
    for (const alert of confirmed)
      tenant.emulator.state.analystUpdate(
        'alerts_v2',
        alert.id,
        { classification: 'truePositive', determination: 'multiStagedAttack' },
        'alice@contoso.com',
        'service start by the attacker: escalated',
      );
    const readBack = await runOk();
    expect(readBack.stderr).toContain(`dispositions ${confirmed.length}`);

    const cutoff = Math.max(...seeded.map((alert) => Date.parse(String(alert.createdDateTime)) / 1000));
    const confirmedHosts = new Set(confirmed.map((alert) => rowById.get(alert.id)!.host));
    const nextRows = rowsOf(RULE)
      .filter((row) => row.time > cutoff)
      .slice(0, 2);
    const isApart = (row: AitRow): boolean => nextRows.every((other) => Math.abs(other.time - row.time) > CONTEXT_WINDOW_SECONDS);
    const next = seed(nextRows);
    const nextControl = seed(
      rowsOf(CONTROL)
        .filter((row) => row.time > cutoff && isApart(row) && !confirmedHosts.has(row.host))
        .slice(0, 1),
    );
    expect(next).toHaveLength(2);
    expect(nextControl).toHaveLength(1);
    await runOk();
    for (const alert of next) {
      const later = verdictOf(alert.id);
      expect(later.verdict).not.toBe(earlier.verdict);
      expect(later.probability).toBeGreaterThan(earlier.probability);
      expect(later.comment, 'the Graph comment cites what analysts said').toMatch(/Analysts .*confirmed 3/);
    }
    // The control rule saw no disposition: nothing cites analysts, and nothing raised it.
    const controlLater = verdictOf(nextControl[0]!.id);
    expect(controlLater.comment).not.toMatch(/Analysts/);
    expect(controlLater.probability, controlLater.comment).toBeLessThanOrEqual(controlEarlier.probability);
    // Verdict's own classifications were never read back as analyst feedback.
    expect(confirmed.every((alert) => tenant.emulator.state.alerts.get(alert.id)!.classification === 'truePositive')).toBe(true);
  }, 60_000);

  it('after kill -9 in the middle of a run, the restart finishes without writing anything twice', async () => {
    const cutoff = Math.max(...seeded.map((alert) => Date.parse(String(alert.createdDateTime)) / 1000));
    const fresh = seed(
      OTHER_RULES.flatMap((name) =>
        rowsOf(name)
          .filter((row) => row.time > cutoff)
          .slice(0, 2),
      ),
    );
    expect(fresh.length).toBeGreaterThanOrEqual(6);
    const freshIds = new Set(fresh.map((alert) => alert.id));
    const commentsWritten = () =>
      tenant.emulator.requests.filter(
        (request) =>
          request.method === 'POST' && request.status === 200 && /^\/security\/alerts_v2\/([^/]+)\/comments$/.test(request.path) && freshIds.has(decodeURIComponent(request.path.split('/')[3]!)),
      ).length;
    const { child, done } = start(false);
    // The worst moment: Graph has applied the second write-back ($batch: PATCH + comment), and the
    // process dies before it hears so. Its ledger says pending; only the comment's marker says done.
    let killedAfterWrite = false;
    tenant.emulator.setBeforeAnswer(async (_service, _method, path) => {
      if (killedAfterWrite || path !== '/$batch' || commentsWritten() < 2) return;
      killedAfterWrite = true;
      child.kill('SIGKILL');
      await done;
    });
    const killed = await done;
    tenant.emulator.setBeforeAnswer(undefined);
    expect(killed.code).toBeNull();
    expect(killedAfterWrite, 'killed between the write and its answer').toBe(true);
    const partial = commentsWritten();
    expect(partial, 'killed midway').toBe(2);
    // An analyst takes that alert before the restart, so it is pulled and triaged again: the
    // ledger still says pending, and only the marker of the comment Graph kept stops a second one.
    const lastWritten = tenant.emulator.requests.filter((request) => request.isBatched && request.method === 'POST' && request.status === 200).at(-1)!;
    const orphan = decodeURIComponent(lastWritten.path.split('/')[3]!);
    expect(freshIds.has(orphan)).toBe(true);
    await new Promise((resolveWait) => setTimeout(resolveWait, 2100)); // Later than Verdict's own write, as a person would be.
    tenant.emulator.state.analystUpdate('alerts_v2', orphan, { status: 'inProgress' }, 'bob@contoso.com');
    await runOk();
    for (const alert of fresh) expect(verdictComments(tenant.emulator.state.alerts.get(alert.id)!), alert.id).toHaveLength(1);
  }, 120_000);

  it('rides out a throttling storm (429 + Retry-After) and its limiter keeps under the quota', async () => {
    const cutoff = Math.max(...seeded.map((alert) => Date.parse(String(alert.createdDateTime)) / 1000));
    const fresh = seed(
      OTHER_RULES.flatMap((name) => rowsOf(name))
        .filter((row) => row.time > cutoff)
        .sort((left, right) => left.time - right.time)
        .slice(0, STORM_ALERTS),
    );
    expect(fresh).toHaveLength(STORM_ALERTS);
    const firstRequest = tenant.emulator.requests.length;
    tenant.emulator.injectFaults({ status: 429, count: 4, retryAfterSeconds: 1, match: /^\/security\/alerts_v2\/[^/]+(\/comments)?$/, after: 3 });
    const run = await runOk();
    tenant.emulator.clearFaults();
    const stormRequests = tenant.emulator.requests.slice(firstRequest);
    expect(stormRequests.filter((request) => request.status === 429 && !request.isThrottled).length, 'the storm hit').toBe(4);
    expect(
      stormRequests.filter((request) => request.isThrottled),
      'never over the emulator quota',
    ).toEqual([]);
    // Each alert costs a GET and a $batch of two; sent unlimited they overrun the quota (a run with
    // rateLimitRequests 10000 was throttled by the emulator), so staying under it is the limiter's work.
    expect(stormRequests.filter((request) => request.service === 'graph' && request.path !== '/$batch').length).toBeGreaterThan(2 * QUOTA.requests);
    expect(busiestWindow(stormRequests)).toBeLessThanOrEqual(QUOTA.requests);
    expect(run.stderr).toContain(`wrote back ${fresh.length}`);
    for (const alert of fresh) expect(verdictComments(tenant.emulator.state.alerts.get(alert.id)!), alert.id).toHaveLength(1);
  }, 120_000);

  it('resolves an ARM etag conflict by reading the incident again', async () => {
    const base = openArmIncident();
    const incident = tenant.emulator.state.addArmIncident({
      name: 'a1b2c3d4-0000-4000-8000-00000000e7a9',
      properties: { ...base.properties, title: 'Suspicious service start on mail server', labels: [{ labelName: 'vip-host' }] },
    });
    tenant.emulator.armHooks.beforePut.set(incident.name, () => {
      tenant.emulator.state.analystArmUpdate(incident.name, {
        severity: 'Medium',
        labels: [
          { labelName: 'vip-host', labelType: 'User' },
          { labelName: 'analyst-looking', labelType: 'User' },
        ],
      });
    });
    const firstRequest = tenant.emulator.requests.length;
    await runOk();
    const puts = tenant.emulator.requests.slice(firstRequest).filter((request) => request.service === 'arm' && request.method === 'PUT' && request.path.endsWith(incident.name));
    expect(puts.map((request) => request.status)).toEqual([412, 200]);
    const stored = tenant.emulator.state.armIncidents.get(incident.name)!;
    expect(stored.properties.severity, "the analyst's change survives").toBe('Medium');
    expect((stored.properties.labels as Array<{ labelName: string }>).map((label) => label.labelName)).toEqual(['vip-host', 'analyst-looking', expect.stringMatching(/^verdict:/)]);
    expect(stored.comments.size).toBe(1);
  }, 60_000);
});
