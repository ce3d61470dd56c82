import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { QueueConfigSchema, type QueueConfig } from '../../core/config/config-schema.js';
import { createQueueProducer, type QueueProducer } from '../../core/queue/producer.js';
import { AIT_EXPORT_FIELD_MAP } from '../../scripts/eval/render-ait.js';
import { sleep, startCli, type RunningCli } from '../fault/cli-process.js';

/**
 * Real processes for the scale-out tests: `verdict worker` children of the built CLI, over a real
 * Redis and PostgreSQL. Each deployment gets its own Redis prefix and store schema, so several
 * can share the servers within one test file.
 */
export interface Deployment {
  work: string;
  configFile: string;
  queue: QueueConfig;
  producer: QueueProducer;
  /** Base schema: a tenant's tables are in `<schema>_<tenant>`. */
  schema: string;
  startWorker(extraEnv?: Record<string, string>): RunningCli;
  enqueue(tenant: string, records: readonly unknown[], options?: { writeBack?: string; map?: string }): Promise<string[]>;
  /** Waits until every tenant's queue has nothing waiting, active or delayed. */
  drained(tenants: readonly string[], timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function createDeployment(input: {
  name: string;
  redisUrl: string;
  postgresUrl: string;
  queue?: Partial<QueueConfig>;
  platforms?: Record<string, unknown>;
  extraConfig?: Record<string, unknown>;
}): Promise<Deployment> {
  const work = mkdtempSync(join(tmpdir(), `verdict-${input.name}-`));
  const schema = `${input.name.replaceAll('-', '_')}_${process.pid}`;
  const queue = QueueConfigSchema.parse({
    redis: input.redisUrl,
    prefix: `${input.name}-${process.pid}`,
    jobSize: 100,
    lockSeconds: 2,
    attempts: 30,
    backoffSeconds: 0.1,
    maxBackoffSeconds: 1,
    shutdownSeconds: 10,
    ...input.queue,
  });
  const configFile = join(work, 'verdict.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      store: { kind: 'postgres', url: '${VERDICT_STORE_URL}', schema },
      queue: { ...queue, redis: '${VERDICT_REDIS_URL}' },
      fieldMaps: { ait: AIT_EXPORT_FIELD_MAP },
      ...(input.platforms ? { platforms: input.platforms } : {}),
      ...input.extraConfig,
    }),
  );
  const env = { VERDICT_HOME: work, VERDICT_STORE_URL: input.postgresUrl, VERDICT_REDIS_URL: input.redisUrl, VERDICT_LOG_LEVEL: 'info' };
  const producer = createQueueProducer(queue);
  const workers: RunningCli[] = [];
  return {
    work,
    configFile,
    queue,
    producer,
    schema,
    startWorker(extraEnv = {}) {
      const worker = startCli(['worker', '--config', configFile], { cwd: work, env: { ...env, ...extraEnv } });
      workers.push(worker);
      return worker;
    },
    async enqueue(tenant, records, options = {}) {
      const { jobIds } = await producer.enqueue({ tenant, source: 'test', map: options.map ?? 'ait', writeBack: options.writeBack }, records);
      return jobIds;
    },
    async drained(tenants, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const depths = await Promise.all(tenants.map((tenant) => producer.depth(tenant)));
        if (depths.every((depth) => depth.waiting + depth.active + depth.delayed === 0)) return;
        if (Date.now() > deadline) throw new Error(`queues not drained in ${timeoutMs} ms: ${JSON.stringify(depths)}`);
        await sleep(100);
      }
    },
    async close() {
      for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.done.catch(() => undefined)));
      await producer.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Stops a worker with SIGTERM (graceful) and returns what it printed. */
export async function stopWorker(worker: RunningCli): Promise<string> {
  worker.child.kill('SIGTERM');
  const finished = await worker.done;
  return `${finished.stdout}${finished.stderr}`;
}

export interface StoredVerdict {
  alertId: string;
  verdict: string;
  confidence: number;
  probability: number;
  evidence: string;
  revision: number;
}

/** Every stored verdict of one tenant, read straight from its schema. */
export async function readVerdicts(postgresUrl: string, schema: string, tenant: string): Promise<Map<string, StoredVerdict>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const table = `${schema}_${tenant.replaceAll('-', '_')}.verdicts`;
    const { rows } = await client.query<{ alert_id: string; body: string }>(`SELECT alert_id, body FROM ${table}`);
    return new Map(
      rows.map((row) => {
        const body = JSON.parse(row.body) as { verdict: string; confidence: number; probabilityMalicious: number; evidence: unknown; revision?: number };
        return [
          row.alert_id,
          { alertId: row.alert_id, verdict: body.verdict, confidence: body.confidence, probability: body.probabilityMalicious, evidence: JSON.stringify(body.evidence), revision: body.revision ?? 1 },
        ];
      }),
    );
  } finally {
    await client.end();
  }
}

/** Alert ids whose verdict, confidence, probability or evidence differ between two runs (or are missing from one). */
export function differingVerdicts(left: Map<string, StoredVerdict>, right: Map<string, StoredVerdict>): string[] {
  const ids = new Set([...left.keys(), ...right.keys()]);
  return [...ids].filter((id) => {
    const a = left.get(id);
    const b = right.get(id);
    return !a || !b || a.verdict !== b.verdict || a.confidence !== b.confidence || a.probability !== b.probability || a.evidence !== b.evidence;
  });
}
