import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/config-schema.js';
import { VerdictError } from '../spec/errors.js';
import { DEAD_LETTER_QUEUE, type DeadJob, describeRedis, redisConnection, tenantsKey, triageJobId, triageQueueName, type TriageJob } from './jobs.js';

export interface EnqueueRequest {
  tenant: string;
  source: string;
  platform?: string | undefined;
  map?: string | undefined;
  writeBack?: string | undefined;
  requestId?: string | undefined;
  actor?: string | undefined;
  single?: boolean | undefined;
}

export interface QueueDepth {
  tenant: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** Puts batches on the tenants' queues (connectors, `verdict enqueue`, the service's async jobs). */
export interface QueueProducer {
  /**
   * Splits the records into jobs of about `queue.jobSize`, in order, on the tenant's queue. With
   * `secondOf`, a job ends between seconds, never inside one (as `verdict triage` cuts batches), up
   * to 4 × jobSize. Resolves once Redis has every job: only then may a connector move its checkpoint.
   */
  enqueue(request: EnqueueRequest, records: readonly unknown[], secondOf?: (record: unknown) => number | undefined, options?: { whole?: boolean }): Promise<{ jobIds: string[] }>;
  depth(tenant: string): Promise<QueueDepth>;
  /** Every tenant that has enqueued work. */
  tenants(): Promise<string[]>;
  /** Jobs in the dead-letter queue (whole jobs that could not be done, with why), oldest first. */
  deadJobs(limit: number): Promise<DeadJob[]>;
  close(): Promise<void>;
}

/** How long finished jobs stay in Redis: a re-enqueued batch within this time is one job. */
export const KEEP_COMPLETED_SECONDS = 86_400;

export function createQueueProducer(config: QueueConfig, given?: Redis): QueueProducer {
  // bullmq and ioredis load on first use: commands that never enqueue do not pay for them.
  // A producer fails within seconds while Redis is down (the caller keeps its checkpoint, or answers 503).
  const ownsConnection = given === undefined;
  const ready = (async () => {
    const [{ Queue: QueueClass }, connection] = await Promise.all([import('bullmq'), given ?? redisConnection(config.redis, { failFast: true })]);
    // Connection errors reach the caller through the failing command (withRedis), with the fix;
    // without a listener ioredis would also print each one with its stack.
    if (ownsConnection) connection.on('error', () => undefined);
    return { QueueClass, connection };
  })();
  // An unused producer that never connected must not leave an unhandled rejection behind.
  ready.catch(() => undefined);
  const queues = new Map<string, Queue>();
  async function queueOf(tenant: string): Promise<Queue> {
    const { QueueClass, connection } = await ready;
    let queue = queues.get(tenant);
    if (!queue) {
      queue = new QueueClass(triageQueueName(tenant), { connection, prefix: config.prefix });
      queue.on('error', () => undefined); // reported by the failing command instead
      queues.set(tenant, queue);
      // One job of a tenant at a time across every worker: the tenant's stream is judged in order.
      await queue.setGlobalConcurrency(1);
      await connection.sadd(tenantsKey(config), tenant);
    }
    return queue;
  }
  return {
    async enqueue(request, records, secondOf, options = {}) {
      const queue = await withRedis(config, () => queueOf(request.tenant));
      const jobIds: string[] = [];
      // `whole`: one job, whatever its size (an API request is answered as one).
      for (const [start, end] of options.whole ? [[0, records.length] as [number, number]] : jobBounds(records, config.jobSize, secondOf)) {
        const job: TriageJob = {
          v: 1,
          tenant: request.tenant,
          source: request.source,
          ...(request.platform !== undefined ? { platform: request.platform } : {}),
          ...(request.map !== undefined ? { map: request.map } : {}),
          ...(request.writeBack !== undefined ? { writeBack: request.writeBack } : {}),
          ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
          ...(request.actor !== undefined ? { actor: request.actor } : {}),
          ...(request.single !== undefined ? { single: request.single } : {}),
          records: records.slice(start, end),
          enqueuedAt: new Date().toISOString(),
        };
        const jobId = triageJobId(job);
        await withRedis(config, () => queue.add('triage', job, { jobId, attempts: 1, removeOnComplete: { age: KEEP_COMPLETED_SECONDS }, removeOnFail: { age: 7 * KEEP_COMPLETED_SECONDS } }));
        jobIds.push(jobId);
      }
      return { jobIds };
    },
    async depth(tenant) {
      const counts = await withRedis(config, async () => (await queueOf(tenant)).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed'));
      return { tenant, waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0, completed: counts.completed ?? 0 };
    },
    async tenants() {
      return (await withRedis(config, async () => (await ready).connection.smembers(tenantsKey(config)))).sort();
    },
    async deadJobs(limit) {
      return withRedis(config, async () => {
        const { QueueClass, connection } = await ready;
        const dead = new QueueClass(DEAD_LETTER_QUEUE, { connection, prefix: config.prefix });
        dead.on('error', () => undefined);
        try {
          const jobs = await dead.getJobs(['waiting'], 0, limit - 1, true);
          return jobs.map((job) => job.data as DeadJob);
        } finally {
          await dead.close();
        }
      });
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      const opened = await ready.catch(() => undefined);
      if (opened && ownsConnection) await opened.connection.quit().catch(() => opened.connection.disconnect());
    },
  };
}

/** [start, end) of each job: jobSize records, then on to the end of that second (at most 4 × jobSize). */
export function jobBounds(records: readonly unknown[], jobSize: number, secondOf?: (record: unknown) => number | undefined): Array<[number, number]> {
  const bounds: Array<[number, number]> = [];
  let start = 0;
  while (start < records.length) {
    let end = Math.min(records.length, start + jobSize);
    if (secondOf && end < records.length) {
      const last = secondOf(records[end - 1]);
      while (end < records.length && end - start < 4 * jobSize && last !== undefined && secondOf(records[end]) === last) end += 1;
    }
    bounds.push([start, end]);
    start = end;
  }
  return bounds;
}

/** Redis failures as a retryable VerdictError that names the server (never its password) and the fix. */
export async function withRedis<T>(config: QueueConfig, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (VerdictError.isInstance(error)) throw error;
    throw new VerdictError(`the queue (Redis at ${describeRedis(config.redis)}) failed: ${(error as Error).message}; check that Redis is running and queue.redis is right`, {
      cause: error,
      isRetryable: true,
    });
  }
}
