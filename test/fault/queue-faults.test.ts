import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisConnection, triageQueueName } from '../../core/queue/jobs.js';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import type { Row } from '../emulators/splunk/emulator-search.js';
import { toNotable } from '../emulators/splunk/seed.js';
import { startSplunkEmulator, type SplunkEmulator } from '../emulators/splunk/splunk-emulator.js';
import { loadAitRows } from '../eval-data.js';
import { createDeployment, stopWorker } from '../queue/queue-harness.js';
import { startTestRedis, type TestRedis } from '../queue/redis-server.js';
import { startTestPostgres, type TestPostgres } from '../store/postgres-server.js';
import { count, faultSplunkPlatform, writtenNotables } from './splunk-tally.js';
import { ensureBuilt, seededRandom, sleep, startCli, type RunningCli } from './cli-process.js';

/**
 * Scale-out under faults, with real processes (issue 15): the connector (`verdict run` in queue
 * mode) pulls notables from the Splunk emulator and enqueues them; two or three `verdict worker`
 * processes triage them and write back. Meanwhile workers are killed with SIGKILL mid-work, Redis
 * crashes and restarts (AOF), PostgreSQL stops and starts, Splunk answers 429 / 503 storms and
 * stalls, and a poison job and a poison alert arrive. At the end the emulator and the store
 * reconcile exactly: every notable has one verdict and one write-back (comment, KV row, HEC event).
 */

const NOTABLES = 240;
const PASSWORD = 'queue-fault-Splunk-Passw0rd';
const HEC_TOKEN = 'queue-fault-hec-7f1e2d3c-token';

const redis: TestRedis = await startTestRedis();
const postgres: TestPostgres = await startTestPostgres();
afterAll(async () => {
  await redis.stop?.();
  await postgres.stop?.();
});
const skipReason = redis.skipReason ?? postgres.skipReason ?? (postgres.control ? undefined : 'the PostgreSQL server cannot be stopped and started by the test');

describe.skipIf(skipReason !== undefined)(`workers under kill -9, Redis and PostgreSQL restarts, 429/503 storms and stalls${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let notables: Row[];
  beforeAll(async () => {
    ensureBuilt();
    notables = (await loadAitRows('russellmitchell', { limit: NOTABLES })).map((row) => toNotable(renderAitRow(row, 'splunk')));
  }, 180_000);

  it('loses nothing and writes nothing twice: one verdict and one write-back per notable', async () => {
    const emulator: SplunkEmulator = await startSplunkEmulator({ users: { verdict_svc: PASSWORD }, hecTokens: { [HEC_TOKEN]: { index: 'verdict' } } });
    emulator.state.addNotables(notables);
    const deployment = await createDeployment({
      name: 'qfault',
      redisUrl: redis.url!,
      postgresUrl: postgres.url!,
      extraConfig: { connector: { pollSeconds: 0.05 } },
      queue: { jobSize: 20, writeBackLeaseSeconds: 4, rateLimits: { writeBack: { splunk: { requests: 400, perSeconds: 1 } } } },
      platforms: { splunk: faultSplunkPlatform(emulator.url, PASSWORD, HEC_TOKEN) },
    });
    const connection = await redisConnection(redis.url!);
    connection.on('error', () => undefined);
    const random = seededRandom(15);
    const processes: RunningCli[] = [];
    try {
      const env = { VERDICT_HOME: deployment.work, VERDICT_STORE_URL: postgres.url!, VERDICT_REDIS_URL: redis.url! };
      // The connector in queue mode: pulls pages and puts them on the default tenant's queue.
      const connector = startCli(['run', '--config', deployment.configFile], { cwd: deployment.work, env: { ...env } });
      processes.push(connector);
      const workers = [deployment.startWorker(), deployment.startWorker()];
      processes.push(...workers);
      const writeBacks = (): number => emulator.requests.filter((request) => /notable_update$/.test(request.path) && request.status === 200).length;
      const waitForWriteBacks = async (count: number): Promise<void> => {
        for (let waited = 0; writeBacks() < count && waited < 60_000; waited += 25) await sleep(25);
      };
      const paths = [/\/notable_update$/, /\/services\/collector\/event$/, /\/storage\/collections\/data\//];
      const storm = (round: number): void => {
        emulator.injectFaults({ status: 429, count: 4, retryAfterSeconds: 1, match: paths[round % paths.length]!, after: 1 + Math.floor(random() * 4) });
        emulator.injectFaults({ status: 503, count: 4, match: paths[(round + 1) % paths.length]!, after: 1 + Math.floor(random() * 4) });
        emulator.injectFaults({ status: 200, count: 3, stallMs: 1500, match: paths[(round + 2) % paths.length]!, after: Math.floor(random() * 6) });
      };
      let killed = 0;
      const killOne = async (): Promise<void> => {
        const victim = workers.find((worker) => worker.child.exitCode === null && worker.output().includes('"verdict.outcome"')) ?? workers[0]!;
        victim.child.kill('SIGKILL');
        await victim.done;
        killed += 1;
        workers.splice(workers.indexOf(victim), 1);
        const fresh = deployment.startWorker();
        workers.push(fresh);
        processes.push(fresh);
      };

      // A poison job (not a Verdict job) and a poison alert (no usable time) on the tenant's queue.
      const queue = new Queue(triageQueueName('default'), { connection, prefix: deployment.queue.prefix });
      await queue.add('triage', { v: 1, tenant: 'default', records: [] }, { jobId: 'poison-job' });
      await queue.close();
      await deployment.producer.enqueue({ tenant: 'default', source: 'test', platform: 'splunk', writeBack: 'splunk' }, [{ event_id: 'poison-alert', rule_name: 'Broken', _time: 'never' }]);

      const t0 = Date.now();
      const phase = (name: string) => console.info(`phase ${name} at ${Date.now() - t0} ms: ${writeBacks()} write-backs, ${writtenNotables(emulator)} notables`);
      storm(0);
      await waitForWriteBacks(30);
      phase('kill');
      await killOne(); // kill -9 mid-work
      storm(1);
      await waitForWriteBacks(70);
      phase('redis');
      await redis.control!.crashAndRestart(800); // Redis crashes and comes back (AOF)
      storm(2);
      await waitForWriteBacks(110);
      phase('postgres');
      postgres.control!.halt(); // the store goes away under the workers…
      await sleep(1500);
      postgres.control!.resume(); // …and comes back
      await waitForWriteBacks(150);
      phase('kill2');
      await killOne();
      await killOne();
      emulator.clearFaults();

      // To the end: every notable written back, every queue empty.
      for (let waited = 0; writtenNotables(emulator) < NOTABLES && waited < 180_000; waited += 100) await sleep(100);
      phase('end');
      await deployment.drained(['default'], 60_000);
      const logs = await Promise.all([...workers.map((worker) => stopWorker(worker)), stopWorker(connector)]);

      const figures = { ...count(emulator, notables), killed, verdicts: await storedVerdicts(postgres.url!, deployment.schema, notables) };
      console.info(`queue fault campaign: ${JSON.stringify(figures)}`);
      for (const log of logs)
        for (const line of log
          .split('\n')
          .filter((text) => /"log.level":"(warn|error)"/.test(text))
          .slice(0, 8))
          console.info(line.replace(/^.*"message":/, '').slice(0, 300));
      expect(figures).toMatchObject({ notables: NOTABLES, lost: 0, duplicated: 0, verdicts: { missing: 0, total: NOTABLES } });
      expect(figures.faultsServed, 'the storms really happened').toBeGreaterThan(6);
      for (const log of logs) {
        expect(log, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(log).not.toContain(PASSWORD);
        expect(log).not.toContain(postgres.url!);
      }
      const dead = new Queue('dead-letters', { connection, prefix: deployment.queue.prefix });
      const deadJobs = (await dead.getJobs(['waiting'])).map((job) => (job.data as { jobId: string }).jobId);
      await dead.close();
      expect(deadJobs).toEqual(['poison-job']);
    } finally {
      for (const running of processes) if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
      await connection.quit().catch(() => undefined);
      await deployment.close();
      await emulator.close();
    }
  }, 420_000);
});

/** The store's side: one verdict row per notable (the table's key makes more than one impossible). */
async function storedVerdicts(url: string, schema: string, notables: Row[]): Promise<{ total: number; missing: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ alert_id: string }>(`SELECT alert_id FROM ${schema}.verdicts`);
    const stored = new Set(rows.map((row) => row.alert_id));
    return { total: rows.length, missing: notables.filter((notable) => !stored.has(String(notable.event_id))).length };
  } finally {
    await client.end();
  }
}
