import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Job, Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { forTenant, type LoadedConfig } from '../config/load-config.js';
import type { QueueConfig } from '../config/config-schema.js';
import { deliverResults } from '../runtime/connector.js';
import { createRuntime, type BatchOutcome, type VerdictRuntime } from '../runtime/runtime.js';
import { problemBody } from '../server/http-error.js';
import { REQUEST_RECORD_TTL_MS } from '../server/request-records.js';
import { outcomeErrors, recordTriageOutcome, triageOutcomeJson } from '../server/triage-service.js';
import { ConfigError, VerdictError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { DEAD_LETTER_QUEUE, type DeadJob, describeRedis, redisConnection, tenantsKey, triageQueueName, TriageJobSchema, type TriageJob, type TriageJobOutcome } from './jobs.js';
import { createSharedRateLimits } from './rate-limiter.js';

/** Builds a platform plugin that can write back from its `platforms.<id>` config section. */
export type WriteBackFactory = (config: unknown) => PlatformPluginV1;

export interface QueueWorkerOptions {
  loaded: LoadedConfig;
  /** Config-less plugins: the platforms' normalizers. */
  plugins: readonly PlatformPluginV1[];
  /** Plugins that write back, built from the config's `platforms` sections when a job asks for one. */
  writeBack: Readonly<Record<string, WriteBackFactory>>;
  logger: Logger;
  /** Tenants to serve (else queue.tenants, else every tenant that enqueued work). */
  tenants?: readonly string[];
  /** How often to look for new tenants in Redis (ms). */
  discoverEveryMs?: number;
}

export interface QueueWorker {
  readonly metrics: Registry;
  /** Tenants this worker is consuming now. */
  tenants(): string[];
  /**
   * Graceful stop: no new jobs; in-flight ones finish (or, past queue.shutdownSeconds or while
   * waiting to retry, go back to their queue for another worker). Then the stores close.
   */
  close(): Promise<void>;
}

/**
 * `verdict worker`: consumes every tenant's triage queue (BullMQ on Redis). Each tenant's jobs run
 * one at a time across all workers, in the order they were enqueued (the queue's global
 * concurrency is 1), and each tenant's triage state lives in its own store: any worker can take any
 * job, and the runtime reloads the state when another worker wrote since (state version), so the
 * verdicts are those one process would give. Failures that pass (store, Redis, a platform's 429 or
 * 503) are retried in place with exponential back-off and full jitter, keeping the tenant's order;
 * anything else, or a job abandoned by dead workers too often, goes to the dead-letter queue with
 * the reason.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const { loaded, logger } = options;
  const config = loaded.config.queue;
  if (!config) throw new ConfigError(`verdict worker needs a queue section (queue.redis) in ${loaded.file ?? 'the config'}: see docs/deployment.md`);
  // Loaded here, not at the top: commands that never run a worker do not pay for bullmq.
  const { Queue: QueueClass, Worker: WorkerClass, UnrecoverableError, WaitingError } = await import('bullmq');
  const connection = await redisConnection(config.redis);
  connection.on('error', (error: Error) => logger.warn({ 'error.message': error.message }, `Redis at ${describeRedis(config.redis)}: ${error.message}`));
  const limits = await createSharedRateLimits(config, connection);
  const deadLetters = new QueueClass(DEAD_LETTER_QUEUE, { connection, prefix: config.prefix });
  // Redis failures are logged once, by the connection's listener above.
  deadLetters.on('error', () => undefined);
  const metrics = createWorkerMetrics();
  const fixedTenants = options.tenants?.length ? options.tenants : config.tenants;
  const runtimes = new Map<string, Promise<VerdictRuntime>>();
  const workers = new Map<string, Worker>();
  const queues = new Map<string, Queue>();
  const platforms = new Map<string, PlatformPluginV1>();
  const sleepers = new Set<() => void>();
  let isStopping = false;
  /** This process's claim on the write-backs it begins (see deliverResults). */
  const claim = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  const sleep = (milliseconds: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, milliseconds);
      sleepers.add(wake);
    });

  function runtimeOf(tenant: string): Promise<VerdictRuntime> {
    let runtime = runtimes.get(tenant);
    if (!runtime) {
      runtime = createRuntime(forTenant(loaded, tenant), { plugins: options.plugins, modelFetch: rateLimitedFetch(limits.beforeModelCall) });
      runtimes.set(tenant, runtime);
      // A store that could not open is tried again with the next job.
      runtime.catch(() => runtimes.delete(tenant));
    }
    return runtime;
  }

  function platformOf(id: string): PlatformPluginV1 {
    let plugin = platforms.get(id);
    if (!plugin) {
      const factory = options.writeBack[id];
      const section = loaded.config.platforms[id];
      if (!factory) throw new ConfigError(`a job asks to write back to "${id}", which has no connector; supported: ${Object.keys(options.writeBack).join(', ')}`);
      if (section === undefined) throw new ConfigError(`a job asks to write back to "${id}" but the worker's config has no platforms.${id} section: add it (the same as the connector's)`);
      plugin = factory(section);
      platforms.set(id, plugin);
    }
    return plugin;
  }

  async function runJob(job: TriageJob): Promise<TriageJobOutcome> {
    const runtime = await runtimeOf(job.tenant);
    const fieldMaps = runtime.loaded.config.fieldMaps;
    const fieldMap = job.map === undefined ? undefined : Object.hasOwn(fieldMaps, job.map) ? fieldMaps[job.map] : undefined;
    if (job.map !== undefined && !fieldMap) throw new ConfigError(`the job names the field map "${job.map}", which the worker's config does not have: add it under fieldMaps`);
    const reloadsBefore = runtime.stateReloads();
    const outcome = await runtime.triageRecords(job.records, {
      source: job.source,
      ...(job.platform !== undefined ? { platform: job.platform } : {}),
      ...(fieldMap ? { fieldMap } : {}),
    });
    if (job.requestId !== undefined) await answerRequest(runtime, job, job.requestId, outcome);
    let written = { delivered: 0, alreadyDelivered: 0 };
    if (job.writeBack !== undefined) {
      const platform = job.writeBack;
      written = await deliverResults(runtime.repository, platformOf(platform), outcome.results, {
        beforeCall: () => limits.beforeWriteBack(platform),
        claim,
        leaseSeconds: config!.writeBackLeaseSeconds,
        sleep,
      });
    }
    return { triaged: outcome.results.length, deadLettered: outcome.failures.length, ...written, stateReloads: runtime.stateReloads() - reloadsBefore };
  }

  async function processJob(tenant: string, job: Job, token: string | undefined): Promise<TriageJobOutcome> {
    const parsed = TriageJobSchema.safeParse(job.data);
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error)
        .slice(0, 5)
        .map((issue) => `${issue.path || '(job)'}: ${issue.message}`)
        .join('; ');
      throw new UnrecoverableError(`the job is not a Verdict triage job (${issues}); enqueue with verdict enqueue or a connector`);
    }
    if (parsed.data.tenant !== tenant) throw new UnrecoverableError(`the job names tenant "${parsed.data.tenant}" but sits on the queue of "${tenant}": not run, so tenants never mix`);
    const started = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      if (isStopping) {
        // Shutting down before (or between tries of) this job: it goes back to the front of its queue.
        await job.moveToWait(token);
        metrics.jobs.inc({ tenant, outcome: 'returned' });
        throw new WaitingError();
      }
      try {
        const outcome = await runJob(parsed.data);
        metrics.jobs.inc({ tenant, outcome: 'completed' });
        metrics.alerts.inc({ tenant }, outcome.triaged + outcome.deadLettered);
        metrics.seconds.observe({ tenant }, (performance.now() - started) / 1000);
        logger.info(
          { 'verdict.tenant': tenant, 'verdict.job': job.id, 'verdict.outcome': outcome },
          `job ${job.id} of ${tenant}: ${outcome.triaged} verdicts, ${outcome.deadLettered} dead-lettered, ${outcome.delivered} written back (${outcome.alreadyDelivered} already)`,
        );
        return outcome;
      } catch (error) {
        const isTransient = VerdictError.isInstance(error) ? error.isRetryable : isRedisFailure(error);
        if (!isTransient || attempt >= config!.attempts) {
          throw new UnrecoverableError(`${isTransient ? `still failing after ${attempt} tries: ` : ''}${(error as Error).message}`);
        }
        const delayMs = backoffMs(config!, attempt);
        logger.warn(
          { 'verdict.tenant': tenant, 'verdict.job': job.id, 'verdict.attempt': attempt, 'verdict.delay_ms': Math.round(delayMs) },
          `job ${job.id} of ${tenant}: ${(error as Error).message}; trying again`,
        );
        metrics.retries.inc({ tenant });
        await sleep(delayMs);
      }
    }
  }

  function consume(tenant: string): void {
    if (workers.has(tenant) || isStopping) return;
    const lockMs = config!.lockSeconds * 1000;
    const worker = new WorkerClass(triageQueueName(tenant), (job, token) => processJob(tenant, job, token), {
      connection,
      prefix: config!.prefix,
      concurrency: 1,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, lockMs / 2),
      maxStalledCount: config!.maxStalled,
    });
    worker.on('error', (error) => logger.warn({ 'verdict.tenant': tenant, 'error.message': error.message }, `queue of ${tenant}: ${error.message}`));
    worker.on('failed', (job, error) => {
      if (!job || error instanceof WaitingError || error.name === 'WaitingError') return;
      metrics.jobs.inc({ tenant, outcome: 'dead-lettered' });
      logger.error({ 'verdict.tenant': tenant, 'verdict.job': job.id, 'error.message': error.message }, `job ${job.id} of ${tenant} dead-lettered: ${error.message}`);
      const dead: DeadJob = { tenant, jobId: String(job.id), reason: error.message, failedAt: new Date().toISOString(), job: job.data };
      // Keyed by the job id: a job reported failed twice is one dead letter.
      void deadLetters.add('dead', dead, { jobId: `${tenant}.${String(job.id)}`, removeOnComplete: false, removeOnFail: false }).catch((failure: Error) => {
        logger.error({ 'error.message': failure.message }, `could not record dead job ${job.id}: ${failure.message}`);
      });
    });
    workers.set(tenant, worker);
    const queue = new QueueClass(triageQueueName(tenant), { connection, prefix: config!.prefix });
    queue.on('error', () => undefined);
    queues.set(tenant, queue);
    void queue.setGlobalConcurrency(1).catch(() => undefined);
    logger.info({ 'verdict.tenant': tenant }, `consuming the triage queue of ${tenant}`);
  }

  async function discover(): Promise<void> {
    const tenants = fixedTenants.length > 0 ? fixedTenants : await connection.smembers(tenantsKey(config!));
    for (const tenant of tenants) consume(tenant);
  }
  // A fixed tenant list is opened now (store, memory, state): the worker is ready when it says so,
  // and the first job of each tenant does not pay for it.
  for (const tenant of fixedTenants) await runtimeOf(tenant);
  await discover();
  const discovery = fixedTenants.length > 0 ? undefined : setInterval(() => void discover().catch(() => undefined), options.discoverEveryMs ?? 2000);

  metrics.registry.registerMetric(
    new Gauge({
      name: 'verdict_queue_jobs',
      help: 'Jobs in each tenant queue by state (waiting is the backlog an autoscaler watches)',
      labelNames: ['tenant', 'state'],
      registers: [],
      async collect() {
        this.reset();
        for (const [tenant, queue] of queues) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, count] of Object.entries(counts)) this.set({ tenant, state }, count);
        }
      },
    }),
  );

  return {
    metrics: metrics.registry,
    tenants: () => [...workers.keys()].sort(),
    async close() {
      isStopping = true;
      if (discovery) clearInterval(discovery);
      for (const wake of [...sleepers]) wake();
      const all = [...workers.values()];
      const finished = Promise.all(all.map((worker) => worker.close())).then(() => true);
      const inTime = await Promise.race([finished, new Promise<false>((resolve) => setTimeout(() => resolve(false), config!.shutdownSeconds * 1000).unref())]);
      if (!inTime) {
        logger.warn(`in-flight jobs did not finish within ${config!.shutdownSeconds}s: their locks lapse and another worker takes them`);
        await Promise.all(all.map((worker) => worker.close(true)));
      }
      await Promise.all([deadLetters, ...queues.values()].map((queue) => queue.close()));
      for (const runtime of runtimes.values()) await runtime.then((opened) => opened.close()).catch(() => undefined);
      await connection.quit().catch(() => connection.disconnect());
    },
  };
}

/**
 * A queued API request (POST /v1/triage?async=true): its approvals and audit entry, then the
 * answer stored under its job id, as the service would have stored it.
 */
async function answerRequest(runtime: VerdictRuntime, job: TriageJob, requestId: string, outcome: BatchOutcome): Promise<void> {
  const now = new Date();
  const actor = job.actor ?? 'unknown';
  await recordTriageOutcome(runtime.repository, outcome, { actor, source: job.source, now, approvalTtlSeconds: Math.round(runtime.loaded.config.server.approvalTtlHours * 3600) });
  const failed = job.single === true && outcome.failures.length > 0;
  const response = failed ? JSON.stringify(problemBody(400, outcome.failures[0]!.error.message, requestId, outcomeErrors(outcome))) : triageOutcomeJson(outcome);
  await runtime.repository.completeRequest(requestId, {
    statusCode: failed ? 400 : 200,
    response,
    completedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + REQUEST_RECORD_TTL_MS).toISOString(),
  });
}

/** Exponential from backoffSeconds, capped, with full jitter (so a fleet does not retry in step). */
export function backoffMs(config: Pick<QueueConfig, 'backoffSeconds' | 'maxBackoffSeconds'>, attempt: number, random = Math.random): number {
  const ceiling = Math.min(config.maxBackoffSeconds, config.backoffSeconds * 2 ** (attempt - 1)) * 1000;
  return random() * ceiling;
}

function isRedisFailure(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return name === 'MaxRetriesPerRequestError' || /ECONNREFUSED|ECONNRESET|Connection is closed|READONLY|LOADING/.test(message);
}

/** Model calls wait for the fleet's shared LLM rate limit. */
function rateLimitedFetch(before: () => Promise<void>): typeof globalThis.fetch {
  return async (input, init) => {
    await before();
    return globalThis.fetch(input, init);
  };
}

function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    jobs: new Counter({ name: 'verdict_worker_jobs_total', help: 'Jobs finished by this worker, by outcome', labelNames: ['tenant', 'outcome'], registers: [registry] }),
    alerts: new Counter({ name: 'verdict_worker_alerts_total', help: 'Records this worker triaged or dead-lettered', labelNames: ['tenant'], registers: [registry] }),
    retries: new Counter({ name: 'verdict_worker_retries_total', help: 'Tries of a job that failed for a passing reason and were made again', labelNames: ['tenant'], registers: [registry] }),
    seconds: new Histogram({
      name: 'verdict_worker_job_seconds',
      help: 'Time from taking a job to finishing it',
      labelNames: ['tenant'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
