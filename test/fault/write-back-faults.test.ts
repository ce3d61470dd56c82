import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { toNotable } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { loadAitRows } from '../eval-data.js';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import { mountSmallDisk } from '../store/disk-full.js';
import { createTestSchema, startTestPostgres, type TestPostgres } from '../store/postgres-server.js';
import { count, faultSplunkPlatform, writtenNotables } from './splunk-tally.js';
import { ensureBuilt, seededRandom, sleep, startCli, type CliRun } from './cli-process.js';

/**
 * Nothing lost, nothing twice (issue 11, finding 8 and the fault acceptance): the built connector
 * (`verdict run`) in a child process is killed with SIGKILL at random points while the Splunk
 * emulator answers storms of 429 (with Retry-After) and 503 on every write path, and while the
 * store fails under it: the PostgreSQL server stopped and started, or the SQLite store's disk full. Then it runs to the end.
 * Splunk's side is counted per notable: lost = a notable without its comment, KV row or HEC event;
 * duplicated = any second one. Both must be 0.
 */

const NOTABLES = 200;
const KILLS = 6;
const PASSWORD = 'fault-Splunk-Passw0rd';
const HEC_TOKEN = 'fault-hec-5e2d1c0b-token';

const postgres: TestPostgres = await startTestPostgres();
const disk = mountSmallDisk(64);
afterAll(async () => {
  await postgres.stop?.();
  disk.unmount?.();
});

describe('connector write-back under kill -9, 429/503 storms and store outages', () => {
  let notables: Row[];
  beforeAll(async () => {
    ensureBuilt();
    // Distinct AIT rows in time order, rendered by the eval's converter: real notables.
    notables = (await loadAitRows('russellmitchell', { limit: NOTABLES })).map((row) => toNotable(renderAitRow(row, 'splunk')));
  }, 180_000);

  const campaign = async (store: (work: string) => Promise<Record<string, unknown>>, storeFault?: { halt(): void; resume(): void; holdMs?: number }) => {
    const emulator: SplunkEmulator = await startSplunkEmulator({ users: { verdict_svc: PASSWORD }, hecTokens: { [HEC_TOKEN]: { index: 'verdict' } } });
    const work = mkdtempSync(join(tmpdir(), 'verdict-fault-'));
    try {
      emulator.state.addNotables(notables);
      const configFile = join(work, 'verdict.config.json');
      writeFileSync(
        configFile,
        JSON.stringify({
          store: await store(work),
          connector: { pollSeconds: 0.05 },
          platforms: { splunk: faultSplunkPlatform(emulator.url, PASSWORD, HEC_TOKEN) },
        }),
      );
      const run = (once: boolean) => startCli(['run', '--config', configFile, ...(once ? ['--once'] : [])], { cwd: work, env: { VERDICT_HOME: work } });
      const random = seededRandom(11);
      const paths = [/\/notable_update$/, /\/services\/collector\/event$/, /\/storage\/collections\/data\//, /\/search\/jobs\/export$/];
      const runs: CliRun[] = [];
      let killedMidRun = 0;
      for (let kill = 0; kill < KILLS; kill += 1) {
        // A fresh storm each round, on two write paths, a few requests in: 429 with Retry-After,
        // then 503 — past the retries, so cycles fail and go on (and kills land mid-storm).
        emulator.clearFaults();
        emulator.injectFaults({ status: 429, count: 4, retryAfterSeconds: 1, match: paths[kill % paths.length]!, after: 1 + Math.floor(random() * 4) });
        emulator.injectFaults({ status: 503, count: 4, match: paths[(kill + 1) % paths.length]!, after: 1 + Math.floor(random() * 4) });
        const connector = run(false);
        // Kill mid-work, not mid-startup: after a random number of Splunk requests of this round.
        const target = emulator.requests.length + 5 + Math.floor(random() * 60);
        for (let waited = 0; emulator.requests.length < target && waited < 30_000 && connector.child.exitCode === null; waited += 25) await sleep(25);
        if (storeFault && kill % 3 === 1) {
          storeFault.halt(); // the store goes away under a running connector…
          await sleep(storeFault.holdMs ?? 300);
          storeFault.resume(); // …and comes back
          await sleep(200);
        }
        if (connector.child.exitCode === null) killedMidRun += 1;
        connector.child.kill('SIGKILL');
        runs.push(await connector.done);
      }
      emulator.clearFaults();
      // Then to the end: one cycle at a time until a cycle pulls nothing new.
      for (let cycle = 0; cycle < 40; cycle += 1) {
        const finished = await run(true).done;
        runs.push(finished);
        expect(finished.code, finished.stderr).toBe(0);
        if (/pulled 0,/.test(finished.stderr) && writtenNotables(emulator) === notables.length) break;
      }
      for (const finished of runs) {
        expect(finished.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(`${finished.stdout}${finished.stderr}`).not.toContain(PASSWORD);
      }
      // Runs that met the store failing (PostgreSQL down, or the disk full) and said so.
      const storeFailuresSeen = runs.filter((finished) => /store is unavailable|disk is full/i.test(finished.stderr)).length;
      return { ...count(emulator, notables), killedMidRun, storeFailuresSeen };
    } finally {
      await emulator.close();
      rmSync(work, { recursive: true, force: true });
    }
  };

  it(`SQLite store on a disk that fills up under the connector: 0 lost, 0 duplicated write-backs${disk.skipReason ? ` (no disk full: ${disk.skipReason})` : ''}`, async () => {
    // The database lives on a small tmpfs; every third round the disk is filled while the
    // connector works (SQLITE_FULL), and space comes back before the kill.
    // Held long enough for the database or its WAL to need a new block.
    const diskFull = disk.dir ? { halt: () => disk.fill!(), resume: () => disk.free!(), holdMs: 2000 } : undefined;
    const figures = await campaign(async (work) => ({ kind: 'sqlite', path: join(disk.dir ?? work, 'verdict.db') }), diskFull);
    console.info(`fault campaign (sqlite): ${JSON.stringify(figures)}`);
    expect(figures).toMatchObject({ lost: 0, duplicated: 0, notables: NOTABLES });
    if (diskFull) expect(figures.storeFailuresSeen, 'the connector met the full disk').toBeGreaterThan(0);
    expect(figures.faultsServed, 'the storms really happened').toBeGreaterThan(KILLS);
    expect(figures.killedMidRun, 'the kills landed while the connector worked').toBeGreaterThan(KILLS / 2);
  }, 240_000);

  it.skipIf(postgres.skipReason !== undefined || postgres.control === undefined)(
    `PostgreSQL store, stopped and restarted under the connector: 0 lost, 0 duplicated${postgres.skipReason ? ` (skipped: ${postgres.skipReason})` : ''}`,
    async () => {
      const url = await createTestSchema(postgres.url!, `fault_${process.pid}`);
      const figures = await campaign(async () => ({ kind: 'postgres', url }), postgres.control);
      console.info(`fault campaign (postgres): ${JSON.stringify(figures)}`);
      expect(figures).toMatchObject({ lost: 0, duplicated: 0, notables: NOTABLES });
      expect(figures.faultsServed, 'the storms really happened').toBeGreaterThan(KILLS);
    },
    240_000,
  );
});
