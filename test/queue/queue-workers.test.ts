import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_QUEUE, redisConnection, triageQueueName } from '../../core/queue/jobs.js';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import { loadAitRows } from '../eval-data.js';
import { ensureBuilt, sleep, startCli } from '../fault/cli-process.js';
import { startTestPostgres, type TestPostgres } from '../store/postgres-server.js';
import { createDeployment, differingVerdicts, readVerdicts, stopWorker, type Deployment } from './queue-harness.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

/**
 * Scale-out with real processes (issue 15): `verdict worker` children over a real Redis and
 * PostgreSQL. The same stream of three tenants through one worker and through four gives the same
 * verdicts, each tenant in its own store; a poison job goes to the dead-letter queue with its
 * reason and the tenant's queue goes on; SIGTERM finishes in-flight work.
 */

const redis: TestRedis = await startTestRedis();
const postgres: TestPostgres = await startTestPostgres();
afterAll(async () => {
  await redis.stop?.();
  await postgres.stop?.();
});
const skipReason = redis.skipReason ?? postgres.skipReason;

const TENANTS = { 'acme-corp': 'russellmitchell', globex: 'fox', initech: 'shaw' } as const;
const PER_TENANT = 700;

function jobsDone(log: string): number {
  return log.split('"verdict.outcome"').length - 1;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(skipReason !== undefined)(`verdict worker: one or four workers, same verdicts${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const streams = new Map<string, unknown[]>();
  beforeAll(async () => {
    ensureBuilt();
    for (const [tenant, scenario] of Object.entries(TENANTS)) {
      // Consecutive rows in replay order: bursts, waves and repeats, as a SIEM sends them.
      const rows = await loadAitRows(scenario, { limit: PER_TENANT });
      streams.set(
        tenant,
        rows.map((row) => renderAitRow(row, 'generic')),
      );
    }
  }, 180_000);

  const runWith = async (name: string, workers: number, rollingRestarts = false): Promise<{ deployment: Deployment; logs: string[] }> => {
    const deployment = await createDeployment({ name, redisUrl: redis.url!, postgresUrl: postgres.url!, queue: { jobSize: 50, tenants: Object.keys(TENANTS) } });
    // The workers are up and listening before any work arrives: they compete for every job.
    const running = Array.from({ length: workers }, () => deployment.startWorker());
    for (const worker of running) await waitFor(() => /worker started/.test(worker.output()), 30_000, 'a worker to start');
    const stopped: string[] = [];
    // Work arrives in rounds, as connectors poll. With rolling restarts, the busiest worker is
    // stopped (SIGTERM) and replaced every other round, so tenants' streams change hands midway:
    // the next worker must continue each tenant's state exactly.
    for (let start = 0, round = 0; start < PER_TENANT; start += 100, round += 1) {
      for (const [tenant, records] of streams) await deployment.enqueue(tenant, records.slice(start, start + 100));
      await sleep(40);
      if (rollingRestarts && round % 2 === 1) {
        const busiest = running.reduce((best, worker) => (jobsDone(worker.output()) > jobsDone(best.output()) ? worker : best));
        running.splice(running.indexOf(busiest), 1);
        stopped.push(await stopWorker(busiest));
        const fresh = deployment.startWorker();
        running.push(fresh);
        await waitFor(() => /worker started/.test(fresh.output()), 30_000, 'a worker to start');
      }
    }
    await deployment.drained(Object.keys(TENANTS), 240_000);
    const logs = [...stopped, ...(await Promise.all(running.map((worker) => stopWorker(worker))))];
    return { deployment, logs };
  };

  it('gives every alert the verdict one worker gives it, each tenant in its own store', async () => {
    const one = await runWith('one', 1);
    const four = await runWith('four', 4, true);
    try {
      for (const tenant of Object.keys(TENANTS)) {
        const single = await readVerdicts(postgres.url!, one.deployment.schema, tenant);
        const fleet = await readVerdicts(postgres.url!, four.deployment.schema, tenant);
        expect(single.size, tenant).toBe(new Set(streams.get(tenant)!.map((record) => (record as { id: string }).id)).size);
        for (const id of differingVerdicts(single, fleet).slice(0, 3)) console.info('DIFF', id, JSON.stringify(single.get(id)), '\n   ', JSON.stringify(fleet.get(id)));
        expect(differingVerdicts(single, fleet), `${tenant}: verdicts that differ between 1 and 4 workers`).toEqual([]);
        // Tenants never mix: a tenant's store holds only its own alerts.
        const others = Object.keys(TENANTS).filter((other) => other !== tenant);
        for (const other of others) {
          const foreign = new Set(streams.get(other)!.map((record) => (record as { id: string }).id));
          expect([...fleet.keys()].filter((id) => foreign.has(id) && !streams.get(tenant)!.some((record) => (record as { id: string }).id === id))).toEqual([]);
        }
      }
      // The four really shared the work. (A worker that finishes a job of a tenant usually takes
      // that tenant's next one at once — BullMQ fetches on completion — so three tenants keep two
      // or three workers busy, not four.)
      const busy = four.logs.filter((log) => /"verdict\.outcome"/.test(log)).length;
      expect(busy, 'workers that completed jobs').toBeGreaterThanOrEqual(2);
      const workersPerTenant = Object.keys(TENANTS).map((tenant) => four.logs.filter((log) => log.includes(`"verdict.tenant":"${tenant}","verdict.job"`)).length);
      expect(Math.max(...workersPerTenant), 'a tenant whose jobs more than one worker ran (handed over mid-stream)').toBeGreaterThanOrEqual(2);
      for (const log of [...one.logs, ...four.logs]) {
        expect(log).toMatch(/worker stopped/);
        expect(log).not.toContain(postgres.url!);
      }
    } finally {
      await one.deployment.close();
      await four.deployment.close();
    }
  }, 600_000);

  it('does not let a noisy tenant starve a quiet one', async () => {
    const deployment = await createDeployment({ name: 'fair', redisUrl: redis.url!, postgresUrl: postgres.url!, queue: { jobSize: 100, tenants: ['noisy', 'quiet'] } });
    const connection = await redisConnection(redis.url!);
    try {
      const worker = deployment.startWorker();
      await waitFor(() => /worker started/.test(worker.output()), 30_000, 'the worker to start');
      // A flood of 20 jobs from one tenant, then a single job from another.
      const flood = streams.get('acme-corp')!.concat(streams.get('globex')!, streams.get('initech')!).slice(0, 2000);
      await deployment.enqueue('noisy', flood);
      await deployment.enqueue('quiet', streams.get('globex')!.slice(0, 50));
      await deployment.drained(['noisy', 'quiet'], 120_000);
      const finishedOn = async (tenant: string): Promise<number[]> => {
        const queue = new Queue(triageQueueName(tenant), { connection, prefix: deployment.queue.prefix });
        const jobs = await queue.getJobs(['completed']);
        await queue.close();
        return jobs.map((job) => job.finishedOn ?? 0).sort((a, b) => a - b);
      };
      const noisy = await finishedOn('noisy');
      const [quiet] = await finishedOn('quiet');
      expect(noisy).toHaveLength(20);
      // The quiet tenant's job ran while the flood was still being worked through, not after it.
      expect(quiet!).toBeLessThan(noisy[noisy.length - 5]!);
      await stopWorker(worker);
    } finally {
      await connection.quit();
      await deployment.close();
    }
  }, 300_000);

  it('dead-letters a poison job with its reason, and the tenant’s queue goes on', async () => {
    const deployment = await createDeployment({ name: 'poison', redisUrl: redis.url!, postgresUrl: postgres.url! });
    const connection = await redisConnection(redis.url!);
    try {
      const tenant = 'acme-corp';
      const records = streams.get(tenant)!.slice(0, 150);
      await deployment.enqueue(tenant, records.slice(0, 50));
      // Not a Verdict job (another producer's, or corrupted): it must not block the tenant's stream.
      const queue = new Queue(triageQueueName(tenant), { connection, prefix: deployment.queue.prefix });
      await queue.add('triage', { v: 1, tenant, records: 'not a list' }, { jobId: 'poison-1' });
      await queue.close();
      // A poison alert inside a good job: dead-lettered in the store, its batch goes on.
      await deployment.enqueue(tenant, [...records.slice(50, 100), { id: 'poison-alert', name: 'x'.repeat(10), time: 'not a time' }]);
      await deployment.enqueue(tenant, records.slice(100, 150));
      const worker = deployment.startWorker();
      await deployment.drained([tenant], 120_000);
      const dead = new Queue(DEAD_LETTER_QUEUE, { connection, prefix: deployment.queue.prefix });
      let deadJobs = await dead.getJobs(['waiting', 'completed', 'failed', 'delayed']);
      for (let waited = 0; deadJobs.length === 0 && waited < 5000; waited += 100) {
        await sleep(100);
        deadJobs = await dead.getJobs(['waiting', 'completed', 'failed', 'delayed']);
      }
      await dead.close();
      expect(deadJobs.map((job) => job.data as { tenant: string; jobId: string; reason: string })).toEqual([
        expect.objectContaining({ tenant, jobId: 'poison-1', reason: expect.stringMatching(/not a Verdict triage job \(.*records: Invalid input: expected array/) }),
      ]);
      // Operators see it with the CLI: what and why, without the job's records.
      const listed = await startCli(['queue', 'dead-letters', '--json', '--config', deployment.configFile], {
        cwd: deployment.work,
        env: { VERDICT_STORE_URL: postgres.url!, VERDICT_REDIS_URL: redis.url! },
      }).done;
      expect(listed.code, listed.stderr).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([{ tenant, jobId: 'poison-1', reason: expect.stringContaining('not a Verdict triage job'), failedAt: expect.any(String) }]);
      const verdicts = await readVerdicts(postgres.url!, deployment.schema, tenant);
      expect(verdicts.size).toBe(new Set(records.map((record) => (record as { id: string }).id)).size);
      expect(verdicts.has('poison-alert')).toBe(false);
      const log = await stopWorker(worker);
      expect(log).toMatch(/1 dead-lettered/);
    } finally {
      await connection.quit();
      await deployment.close();
    }
  }, 300_000);
});
