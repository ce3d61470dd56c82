import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { TenantIdSchema, type QueueConfig } from '../config/config-schema.js';

/**
 * What travels through the queue: a batch of raw records for one tenant, as a connector pulled it
 * or a client posted it. Records are normalized by the worker, so a poison record is dead-lettered
 * there (with the field and the fix) and the rest of its batch goes on.
 */
export const TriageJobSchema = z
  .object({
    v: z.literal(1),
    tenant: TenantIdSchema,
    /** Dead-letter source and audit label, e.g. `connector:splunk`, `enqueue:cli`. */
    source: z.string().min(1).max(200),
    /** Platform normalizer (splunk, elastic, sentinel…); absent = the core alert schema or `map`. */
    platform: z.string().min(1).max(60).optional(),
    /** Field map name (config fieldMaps) for generic records. */
    map: z.string().min(1).max(100).optional(),
    /** Write each verdict back to this platform (its `platforms.<id>` config) through the delivery ledger. */
    writeBack: z.string().min(1).max(60).optional(),
    /** An asynchronous API request whose answer the worker stores (GET /v1/jobs/:id). */
    requestId: z.string().min(1).max(300).optional(),
    /** Who asked (token holder), for that request's approvals and audit entry. */
    actor: z.string().min(1).max(200).optional(),
    /** The request was one alert (not a batch): a record that fails is answered 400, as in-process. */
    single: z.boolean().optional(),
    records: z.array(z.unknown()).min(1).max(10_000),
    enqueuedAt: z.string(),
  })
  .strict();
export type TriageJob = z.infer<typeof TriageJobSchema>;

/** What a finished job returns (kept with the completed job in Redis, and logged). */
export interface TriageJobOutcome {
  triaged: number;
  deadLettered: number;
  delivered: number;
  alreadyDelivered: number;
  /** Times the tenant's state was reloaded for this job (another worker had written since this one last ran it). */
  stateReloads: number;
}

/** One queue per tenant: its jobs run one at a time, in order, on whichever worker is free. */
export function triageQueueName(tenant: string): string {
  return `triage-${tenant}`;
}

export const DEAD_LETTER_QUEUE = 'dead-letters';

/** A dead-lettered job in the `dead-letters` queue: the whole job and why it could not be done. */
export interface DeadJob {
  tenant: string;
  jobId: string;
  reason: string;
  failedAt: string;
  job: unknown;
}

/** Redis set of tenants that have enqueued work: workers without a fixed tenant list serve these. */
export function tenantsKey(config: QueueConfig): string {
  return `${config.prefix}:tenants`;
}

/**
 * The job id is a function of what is asked (tenant, source, options, records): the same batch
 * enqueued twice (a retried request, a connector re-pull after a crash) is one job while BullMQ
 * still holds it, and once it is gone the store's per-alert idempotency makes a re-run harmless.
 */
export function triageJobId(job: Omit<TriageJob, 'enqueuedAt'>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([job.tenant, job.source, job.platform ?? '', job.map ?? '', job.writeBack ?? '', job.requestId ?? '', job.actor ?? '', job.single ?? false]));
  for (const record of job.records) hash.update(typeof record === 'string' ? record : (JSON.stringify(record) ?? 'undefined'));
  return hash.digest('hex').slice(0, 40);
}

/**
 * A Redis connection as BullMQ needs it. A worker's commands wait for a reconnect instead of
 * failing (a Redis restart pauses the work, it does not lose it); with `failFast` (producers) a
 * command fails after a few reconnect attempts, so the caller can answer or retry.
 */
export async function redisConnection(url: string, options: { failFast?: boolean } = {}): Promise<Redis> {
  // Loaded when first needed: commands that never touch a queue do not pay for the client.
  const { Redis: Client } = await import('ioredis');
  return new Client(url, {
    maxRetriesPerRequest: options.failFast ? 3 : null,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
  });
}

/** The Redis address without credentials, for messages and logs. */
export function describeRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured Redis';
  }
}
