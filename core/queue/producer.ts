import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/config-schema.js';
import { VerdictError } from '../spec/errors.js';
import { describeRedis, redisConnection, tenantsKey, triageJobId, triageQueueName, type TriageJob } from './jobs.js';

export interface EnqueueRequest {
  tenant: string;
  source: string;
  platform?: string | undefined;
  map?: string | undefined;
  writeBack?: string | undefined;
  requestId?: string | undefined;
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
  enqueue(request: EnqueueRequest, records: readonly unknown[], secondOf?: (record: unknown) => number | undefined): Promise<{ jobIds: string[] }>;
  depth(tenant: string): Promise<QueueDepth>;
  /** Every tenant that has enqueued work. */
  tenants(): Promise<string[]>;
  close(): Promise<void>;
}

/** How long finished jobs stay in Redis: a re-enqueued batch within this time is one job. */
export const KEEP_COMPLETED_SECONDS = 86_400;

export function createQueueProducer(config: QueueConfig, given?: Redis): QueueProducer {
  // A producer fails within seconds while Redis is down (the caller keeps its checkpoint, or answers 503).
  const connection = given ?? redisConnection(config.redis, { failFast: true });
  const ownsConnection = given === undefined;
  // Connection errors reach the caller through the failing command (withRedis), with the fix;
  // without a listener ioredis would also print each one with its stack.
  if (ownsConnection) connection.on('error', () => undefined);
  const queues = new Map<string, Queue>();
  async function queueOf(tenant: string): Promise<Queue> {
    let queue = queues.get(tenant);
    if (!queue) {
      queue = new Queue(triageQueueName(tenant), { connection, prefix: config.prefix });
      queue.on('error', () => undefined); // reported by the failing command instead
      queues.set(tenant, queue);
      // One job of a tenant at a time across every worker: the tenant's stream is judged in order.
      await queue.setGlobalConcurrency(1);
      await connection.sadd(tenantsKey(config), tenant);
    }
    return queue;
  }
  return {
    async enqueue(request, records, secondOf) {
      const queue = await withRedis(config, () => queueOf(request.tenant));
      const jobIds: string[] = [];
      for (const [start, end] of jobBounds(records, config.jobSize, secondOf)) {
        const job: TriageJob = {
          v: 1,
          tenant: request.tenant,
          source: request.source,
          ...(request.platform !== undefined ? { platform: request.platform } : {}),
          ...(request.map !== undefined ? { map: request.map } : {}),
          ...(request.writeBack !== undefined ? { writeBack: request.writeBack } : {}),
          ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
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
      return (await withRedis(config, () => connection.smembers(tenantsKey(config)))).sort();
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      if (ownsConnection) await connection.quit().catch(() => connection.disconnect());
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
