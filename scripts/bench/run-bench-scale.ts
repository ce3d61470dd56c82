// npm run bench:scale -- --out FILE.json [--data DIR] [--limit N] [--workers 1,2,4]
// The public AIT set through the queue: each scenario is a tenant; its alerts are enqueued (BullMQ
// on a real Redis), then 1, 2 and 4 `verdict worker` processes (the built CLI) triage them into a
// real PostgreSQL. Reports alerts per second of wall time, alerts per CPU-second of the workers
// (read from /proc: user + system time of each worker process), work lost or done twice, and
// verdicts that differ from the one-worker run. Redis and PostgreSQL are started for the run
// (throw-away, on loopback), and share the machine's cores with the workers. Workers run with the
// deployment files' node options (--max-semi-space-size=64) unless --node-options says otherwise.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Queue } from 'bullmq';
import { QueueConfigSchema } from '../../core/config/config-schema.js';
import { redisConnection, triageQueueName } from '../../core/queue/jobs.js';
import { createQueueProducer } from '../../core/queue/producer.js';
import { streamAitRows } from '../eval/ait-source.js';
import { discoverDatasets } from '../eval/datasets.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../eval/render-ait.js';
import { ensureBuilt, startCli, sleep, type RunningCli } from '../../test/fault/cli-process.js';
import { startTestPostgres } from '../../test/store/postgres-server.js';
import { startTestRedis } from '../../test/queue/redis-server.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/eval' },
    out: { type: 'string', default: 'out/bench-scale.json' },
    limit: { type: 'string' },
    workers: { type: 'string', default: '1,2,4' },
    'job-size': { type: 'string', default: '1000' },
    /** Node options for the worker processes, as the deployment files set NODE_OPTIONS (default: theirs). */
    'node-options': { type: 'string', default: '--max-semi-space-size=64' },
    /** Write a V8 CPU profile of every worker process into this folder (node --cpu-prof). */
    profile: { type: 'string' },
  },
});
const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
const workerCounts = values.workers!.split(',').map(Number);
const jobSize = Number(values['job-size']);

ensureBuilt();
const sources = discoverDatasets(values.data!).filter((source) => source.kind === 'ait');
if (sources.length === 0) throw new Error(`no AIT data under ${values.data}`);
const redis = await startTestRedis();
const postgres = await startTestPostgres();
if (redis.skipReason || postgres.skipReason) throw new Error(`bench:scale needs redis-server and PostgreSQL: ${redis.skipReason ?? postgres.skipReason}`);
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Peak resident memory of a process (VmHWM), MB, from /proc/<pid>/status. */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

/** user + system CPU seconds of a process so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

interface Run {
  workers: number;
  alerts: number;
  seconds: number;
  workerCpuSeconds: number;
  peakRssMb: number;
  postgresConnections: number;
  stateReloads: number;
  jobsRun: number;
  jobs: number;
  recordsTriaged: number;
  failedJobs: number;
  verdicts: Map<string, Map<string, string>>;
}

async function runWith(workers: number): Promise<Run> {
  const name = `scale${workers}`;
  const queueConfig = QueueConfigSchema.parse({ redis: redis.url, prefix: `${name}-${process.pid}`, jobSize });
  const work = path.resolve('out', `bench-scale-${name}`);
  mkdirSync(work, { recursive: true });
  const configFile = path.join(work, 'verdict.config.json');
  const schema = `${name}_${process.pid}`;
  writeFileSync(
    configFile,
    JSON.stringify({ store: { kind: 'postgres', url: '${VERDICT_STORE_URL}', schema }, queue: { ...queueConfig, redis: '${VERDICT_REDIS_URL}' }, fieldMaps: { ait: AIT_EXPORT_FIELD_MAP } }),
  );
  const connection = await redisConnection(redis.url!);
  const producer = createQueueProducer(queueConfig, connection);
  const tenants = sources.map((source) => source.scenario.toLowerCase().replace(/[^a-z0-9_-]/g, '-'));
  // Everything is enqueued first, on paused queues, so the run measures the workers, not the producer.
  const queues = tenants.map((tenant) => new Queue(triageQueueName(tenant), { connection, prefix: queueConfig.prefix }));
  for (const queue of queues) await queue.pause();
  let alerts = 0;
  let jobs = 0;
  const secondOf = (record: unknown): number => Math.floor(Date.parse(String((record as { time: string }).time)) / 1000);
  for (const [index, source] of sources.entries()) {
    let chunk: unknown[] = [];
    let taken = 0;
    const flush = async (): Promise<void> => {
      jobs += (await producer.enqueue({ tenant: tenants[index]!, source: 'bench', map: 'ait' }, chunk, secondOf)).jobIds.length;
      chunk = [];
    };
    for await (const row of streamAitRows(source.file, source.scenario)) {
      if (taken >= limit) break;
      chunk.push(renderAitRow(row, 'generic'));
      taken += 1;
      if (chunk.length >= 50 * jobSize) await flush();
    }
    if (chunk.length > 0) await flush();
    alerts += taken;
  }
  const env: Record<string, string> = { VERDICT_STORE_URL: postgres.url!, VERDICT_REDIS_URL: redis.url!, VERDICT_HOME: work, VERDICT_LOG_LEVEL: 'info' };
  const nodeArgs = [...(values['node-options'] ? values['node-options'].split(' ') : []), ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile, name)}`] : [])];
  const running: RunningCli[] = Array.from({ length: workers }, () => startCli(['worker', '--config', configFile, '--tenant', tenants.join(',')], { cwd: work, env, nodeArgs }));
  for (const worker of running) {
    for (let waited = 0; !/worker started/.test(worker.output()); waited += 50) {
      if (waited > 60_000 || worker.child.exitCode !== null) throw new Error(`a worker did not start:\n${worker.output()}`);
      await sleep(50);
    }
  }
  const cpuBefore = running.map((worker) => cpuSeconds(worker.child.pid!));
  const started = performance.now();
  for (const queue of queues) await queue.resume();
  const monitor = new pg.Client({ connectionString: postgres.url });
  await monitor.connect();
  let postgresConnections = 0;
  for (;;) {
    const depths = await Promise.all(tenants.map((tenant) => producer.depth(tenant)));
    if (depths.every((depth) => depth.waiting + depth.active + depth.delayed === 0)) break;
    const { rows } = await monitor.query<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'");
    postgresConnections = Math.max(postgresConnections, Number(rows[0]?.count ?? 0) - 1);
    await sleep(50);
  }
  await monitor.end();
  const seconds = (performance.now() - started) / 1000;
  const workerCpuSeconds = running.reduce((total, worker, index) => total + cpuSeconds(worker.child.pid!) - cpuBefore[index]!, 0);
  const peakRss = Math.max(...running.map((worker) => peakRssMb(worker.child.pid!)));
  const failedJobs = (await Promise.all(tenants.map((tenant) => producer.depth(tenant)))).reduce((total, depth) => total + depth.failed, 0);
  for (const worker of running) worker.child.kill('SIGTERM');
  const logs = (await Promise.all(running.map((worker) => worker.done))).map((done) => `${done.stdout}${done.stderr}`);
  // Work done twice shows as records triaged more than once: every job run is logged with its outcome.
  let recordsTriaged = 0;
  let jobsRun = 0;
  let stateReloads = 0;
  for (const log of logs) {
    for (const match of log.matchAll(/"stateReloads":(\d+)/g)) stateReloads += Number(match[1]);
    for (const match of log.matchAll(/"verdict\.outcome":\{"triaged":(\d+),"deadLettered":(\d+)/g)) {
      recordsTriaged += Number(match[1]) + Number(match[2]);
      jobsRun += 1;
    }
  }
  // Each verdict as a digest of what must not differ (verdict, confidence, probability, evidence),
  // read in pages: 1.3 M full results do not fit in memory at once.
  const verdicts = new Map<string, Map<string, string>>();
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  for (const tenant of tenants) {
    const digests = new Map<string, string>();
    let after = '';
    for (;;) {
      const { rows } = await client.query<{ alert_id: string; body: string }>(
        `SELECT alert_id, body FROM ${schema}_${tenant.replaceAll('-', '_')}.verdicts WHERE alert_id > $1 ORDER BY alert_id LIMIT 20000`,
        [after],
      );
      for (const row of rows) {
        const body = JSON.parse(row.body) as { verdict: string; confidence: number; probabilityMalicious: number; evidence: unknown };
        digests.set(
          row.alert_id,
          createHash('sha1')
            .update(JSON.stringify([body.verdict, body.confidence, body.probabilityMalicious, body.evidence]))
            .digest('base64'),
        );
      }
      if (rows.length < 20000) break;
      after = rows[rows.length - 1]!.alert_id;
    }
    verdicts.set(tenant, digests);
  }
  await client.end();
  // Free Redis for the next run (completed jobs are otherwise kept a day).
  for (const queue of queues) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  await producer.close();
  await connection.quit();
  console.error(
    `${workers} worker(s): ${alerts} alerts in ${seconds.toFixed(1)} s = ${Math.round(alerts / seconds)}/s; worker CPU ${workerCpuSeconds.toFixed(1)} s = ${Math.round(alerts / workerCpuSeconds)} alerts per CPU-second`,
  );
  return { workers, alerts, seconds, workerCpuSeconds, peakRssMb: peakRss, postgresConnections, stateReloads, jobsRun, jobs, recordsTriaged, failedJobs, verdicts };
}

try {
  const runs: Run[] = [];
  for (const count of workerCounts) runs.push(await runWith(count));
  const base = runs[0]!;
  const uniqueAlerts = [...base.verdicts.values()].reduce((total, map) => total + map.size, 0);
  let lost = 0;
  let duplicated = 0;
  let verdictsDifferFromOneWorker = 0;
  for (const run of runs) {
    const stored = [...run.verdicts.values()].reduce((total, map) => total + map.size, 0);
    lost += Math.max(0, uniqueAlerts - stored) + run.failedJobs;
    duplicated += Math.max(0, run.recordsTriaged - run.alerts);
    for (const [tenant, verdicts] of run.verdicts) {
      const reference = base.verdicts.get(tenant)!;
      for (const [id, value] of reference) if (verdicts.get(id) !== value) verdictsDifferFromOneWorker += 1;
    }
  }
  const perSecond = (workers: number) => {
    const run = runs.find((candidate) => candidate.workers === workers);
    return run ? Math.round(run.alerts / run.seconds) : undefined;
  };
  const report = {
    alerts: base.alerts,
    workers1AlertsPerSecond: perSecond(1),
    workers2AlertsPerSecond: perSecond(2),
    workers4AlertsPerSecond: perSecond(4),
    alertsPerWorkerCpuSecond: Object.fromEntries(runs.map((run) => [String(run.workers), Math.round(run.alerts / run.workerCpuSeconds)])),
    lost,
    duplicated,
    verdictsDifferFromOneWorker,
    details: {
      tenants: [...base.verdicts.keys()],
      jobSize,
      workerNodeOptions: values['node-options'],
      cores: (await import('node:os')).availableParallelism(),
      runs: runs.map((run) => ({
        workers: run.workers,
        seconds: Number(run.seconds.toFixed(2)),
        workerCpuSeconds: Number(run.workerCpuSeconds.toFixed(2)),
        peakRssMbPerWorker: run.peakRssMb,
        postgresConnections: run.postgresConnections,
        stateReloads: run.stateReloads,
        jobs: run.jobs,
        jobsRun: run.jobsRun,
        failedJobs: run.failedJobs,
      })),
      note: 'Redis (AOF, fsync always), PostgreSQL and the workers share the cores; enqueueing is not timed (queues paused until every worker is up).',
    },
  };
  mkdirSync(path.dirname(path.resolve(values.out!)), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
} finally {
  await redis.stop?.();
  await postgres.stop?.();
}
