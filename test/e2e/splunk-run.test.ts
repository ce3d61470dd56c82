import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { renderSigmaNotable, toNotable } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { loadAitRows, loadSigmaTests, type AitRow } from '../eval-data.js';

/**
 * `verdict run --once` end to end: the built CLI (dist/verdict.js) in a child process pulls
 * notables from the Splunk emulator, triages them, writes the verdicts back and reads analyst
 * dispositions; every check reads Splunk's side back. The steps build on each other and run in
 * order: seed → run → re-run → analyst dispositions → new notables of the same rule → 503 storm →
 * restart. Notables are rendered from the public eval data by the eval's converters, in time
 * order, so each step's notables are newer than the pull checkpoint (as in a live Splunk).
 */

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/verdict.js');
const PASSWORD = 'e2e-Splunk-Passw0rd';
const HEC_TOKEN = 'e2e-hec-4f1b7c9d-token';
/** The rule analysts will confirm, and a control rule (also an AMiner novelty alert) they never touch. */
const RULE = 'AMiner: New service_start parameter combination in Audit logs.';
const CONTROL = 'AMiner: High entropy in DNS domain.';
const OTHER_RULES = ['AMiner: New service_stop parameter combination in Audit logs.', 'Wazuh: ClamAV database update', 'Wazuh: First time this IDS alert is generated.', 'AMiner: New event type.'];
/** The context enricher's default window: alerts further apart than this do not see each other. */
const CONTEXT_WINDOW_SECONDS = 1800;

/** Builds dist/verdict.js when it is missing or older than any source it bundles. */
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
  stdout: string;
}

describe('verdict run --once against the Splunk emulator', () => {
  let emulator: SplunkEmulator;
  let work: string;
  let configFile: string;
  let aitRows: AitRow[];
  const seeded: Row[] = [];

  const runVerdict = (): Promise<CliRun> =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [CLI, 'run', '--config', configFile, '--once'], { cwd: work, env: { ...process.env, VERDICT_HOME: work, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', fail);
      child.on('close', (code) => {
        // No run may print a secret of its config, whatever happened.
        for (const secret of [PASSWORD, HEC_TOKEN]) expect(`${stdout}${stderr}`).not.toContain(secret);
        done({ code, stdout, stderr });
      });
    });
  const runOk = async (): Promise<CliRun> => {
    const run = await runVerdict();
    expect(run.code, run.stderr).toBe(0);
    return run;
  };

  const seed = (notables: Row[]): Row[] => {
    emulator.state.addNotables(notables);
    seeded.push(...notables);
    return notables;
  };
  const rowsOf = (name: string): AitRow[] => aitRows.filter((row) => row.name === name);
  const asNotables = (rows: AitRow[]): Row[] => rows.map((row) => toNotable(renderAitRow(row, 'splunk')));

  /** Splunk's side, read back through its REST API as an analyst's client would. */
  const exportSearch = async (search: string): Promise<Row[]> => {
    const response = await fetch(`${emulator.url}/services/search/jobs/export`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` },
      body: new URLSearchParams({ search, output_mode: 'json', earliest_time: '0' }),
    });
    expect(response.status).toBe(200);
    return (await response.text())
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { preview?: boolean; result?: Row })
      .filter((line) => line.preview === false && line.result !== undefined)
      .map((line) => line.result!);
  };
  const kvRows = async (): Promise<Array<Record<string, string>>> => {
    const rows = await exportSearch('| inputlookup verdict_results');
    return rows as Array<Record<string, string>>;
  };
  /** What Verdict wrote, per notable: comments (review rows with its marker), KV rows, HEC events. */
  const writes = (eventId: string) => ({
    comments: emulator.state.reviews.filter((review) => review.rule_id === eventId && review.comment.includes('[verdict:')).length,
    kvRows: [...emulator.state.collection('verdict_results')!.values()].filter((row) => row.alert_id === eventId).length,
    hecEvents: emulator.state.hecEvents.filter((record) => (record.payload.event as { alert_id?: string }).alert_id === eventId).length,
  });
  const totals = () => ({
    comments: emulator.state.reviews.filter((review) => review.comment.includes('[verdict:')).length,
    kvRows: emulator.state.collection('verdict_results')!.size,
    hecEvents: emulator.state.hecEvents.length,
  });
  const verdictOf = async (eventId: string) => {
    const row = (await kvRows()).find((candidate) => candidate.alert_id === eventId);
    expect(row, `a KV row for ${eventId}`).toBeDefined();
    return { verdict: row!.verdict!, probability: Number(row!.probability_malicious), evidence: JSON.parse(row!.evidence_json!) as Array<{ source: string; claim: string }> };
  };

  beforeAll(async () => {
    ensureBuilt();
    aitRows = await loadAitRows('russellmitchell');
    emulator = await startSplunkEmulator({ users: { admin: PASSWORD, verdict_svc: PASSWORD, alice: PASSWORD }, hecTokens: { [HEC_TOKEN]: { index: 'verdict' } } });
    work = mkdtempSync(join(tmpdir(), 'verdict-e2e-splunk-'));
    configFile = join(work, 'verdict.config.json');
    writeFileSync(
      configFile,
      JSON.stringify(
        {
          store: { kind: 'sqlite', path: join(work, 'verdict.db') },
          // This scenario is about memory, on a few hours of alerts: a new deployment's cold-start
          // caution (closing needs strong benign evidence) would keep every earlier verdict open.
          decide: { coldStartMinBenignEvidence: 0 },
          platforms: {
            splunk: {
              baseUrl: emulator.url,
              auth: { username: 'verdict_svc', password: PASSWORD },
              hecUrl: emulator.url,
              hecToken: HEC_TOKEN,
              initialEarliest: '0',
              indexLagSeconds: 0,
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

  it('pulls, triages and writes back: each notable shows a disposition, a comment and a KV row', async () => {
    const initial = seed(asNotables([...rowsOf(RULE).slice(0, 3), ...rowsOf(CONTROL).slice(0, 1), ...OTHER_RULES.map((name) => rowsOf(name)[0]!)]));
    const run = await runOk();
    expect(run.stderr).toContain(`splunk: pulled ${initial.length}, triaged ${initial.length}, wrote back ${initial.length}, dead-lettered 0`);

    const notables = await exportSearch('search `notable`');
    const kv = await kvRows();
    expect(notables).toHaveLength(initial.length);
    for (const notable of notables) {
      expect(notable.disposition, String(notable.event_id)).toMatch(/^disposition:[1236]$/);
      expect(notable.comment).toMatch(/^Verdict \(AI triage\): /);
      expect(notable.comment).toMatch(/\[verdict:vk-[0-9a-f]{32}\]$/);
      expect(notable.reviewer).toBe('verdict_svc');
      const row = kv.find((candidate) => candidate.alert_id === notable.event_id);
      expect(row, `KV row of ${String(notable.event_id)}`).toMatchObject({ rule_name: notable.rule_name });
      expect(notable.comment).toContain(`[verdict:${row!._key}]`);
    }
    for (const notable of initial) expect(writes(String(notable.event_id))).toEqual({ comments: 1, kvRows: 1, hecEvents: 1 });
  });

  it('a second run writes nothing twice', async () => {
    const before = totals();
    const run = await runOk();
    expect(run.stderr).toContain('splunk: pulled 0, triaged 0, wrote back 0');
    expect(totals()).toEqual(before);
  });

  it('reads an analyst disposition back, and it changes the next verdict for that rule', async () => {
    const confirmed = seeded.filter((notable) => notable.rule_name === RULE);
    const control = seeded.filter((notable) => notable.rule_name === CONTROL);
    const earlier = await verdictOf(String(confirmed[0]!.event_id));
    const controlEarlier = await verdictOf(String(control[0]!.event_id));
    expect(earlier.verdict, 'analysts can only raise it').not.toBe('true_positive');
    for (const notable of confirmed) emulator.setDisposition(String(notable.event_id), 'true_positive', { user: 'alice', comment: 'service start by the attacker: escalated' });

    const readBack = await runOk();
    expect(readBack.stderr).toContain(`pulled 0, triaged 0, wrote back 0, dead-lettered 0, dispositions ${confirmed.length}`);

    // Newer alerts of the same rule; and of the control rule on a host no analyst touched, out of
    // the context window of the rule's new alerts, so that only what analysts said could move it.
    const cutoff = Math.max(...seeded.map((notable) => Number(notable._time)));
    const confirmedHosts = new Set(confirmed.map((notable) => notable.dest));
    const nextRows = rowsOf(RULE)
      .filter((row) => row.time > cutoff)
      .slice(0, 2);
    const isApart = (row: AitRow): boolean => nextRows.every((other) => Math.abs(other.time - row.time) > CONTEXT_WINDOW_SECONDS);
    const next = seed(asNotables(nextRows));
    const nextControl = seed(
      asNotables(
        rowsOf(CONTROL)
          .filter((row) => row.time > cutoff && !confirmedHosts.has(row.host) && isApart(row))
          .slice(0, 1),
      ),
    );
    expect(next).toHaveLength(2);
    expect(nextControl).toHaveLength(1);
    await runOk();

    for (const notable of next) {
      const later = await verdictOf(String(notable.event_id));
      expect(later.verdict, String(notable.dest)).not.toBe(earlier.verdict);
      expect(later.probability).toBeGreaterThan(earlier.probability);
      const cited = later.evidence.filter((item) => item.source === 'memory' && /Analysts .*confirmed 3/.test(item.claim));
      expect(cited, JSON.stringify(later.evidence)).not.toHaveLength(0);
      const [splunkSide] = await exportSearch(`search \`notable\` event_id="${String(notable.event_id)}"`);
      expect(splunkSide?.comment).toMatch(/Analysts .*confirmed 3/);
    }
    // The control rule saw no disposition: its verdict stays where it was.
    expect((await verdictOf(String(nextControl[0]!.event_id))).verdict).toBe(controlEarlier.verdict);
  });

  it('a 503 storm fails the run without advancing the checkpoint; the restart loses and duplicates nothing', async () => {
    const storePath = join(work, 'verdict.db');
    const checkpointBefore = await readCheckpoint(storePath);
    const sigma = seed(loadSigmaTests({ limit: 6 }).map((test) => renderSigmaNotable(test, 'full')));
    // Two write-backs succeed, then every notable_update answers 503, past the retries.
    emulator.injectFaults({ status: 503, count: 1000, after: 2, match: /\/notable_update$/ });
    const failed = await runVerdict();
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toMatch(/notable_update: Splunk answered HTTP 503/);
    expect(emulator.requests.filter((request) => request.path === '/services/notable_update' && request.status === 503)).toHaveLength(3);
    expect(await readCheckpoint(storePath)).toBe(checkpointBefore);
    expect(sigma.filter((notable) => writes(String(notable.event_id)).comments === 1)).toHaveLength(2);

    // The restart also rides out a short storm on the pull (retried, not fatal).
    emulator.clearFaults();
    emulator.injectFaults({ status: 503, count: 2, match: /\/search\/jobs\/export$/ });
    const restart = await runOk();
    // The two written before the storm are in the delivery ledger: re-pulled, but not written again.
    expect(restart.stderr).toContain(`pulled ${sigma.length}, triaged ${sigma.length}, wrote back ${sigma.length - 2} (2 already written before), dead-lettered 0`);
    expect(await readCheckpoint(storePath)).not.toBe(checkpointBefore);
    for (const notable of seeded) expect(writes(String(notable.event_id)), String(notable.rule_name)).toEqual({ comments: 1, kvRows: 1, hecEvents: 1 });
    expect(totals()).toEqual({ comments: seeded.length, kvRows: seeded.length, hecEvents: seeded.length });
  });
});

async function readCheckpoint(storePath: string): Promise<string | undefined> {
  const repository = createSqliteRepository(storePath);
  try {
    return await repository.getCheckpoint('pull:splunk');
  } finally {
    await repository.close();
  }
}
