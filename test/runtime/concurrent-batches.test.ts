import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';
import { createRuntime, type VerdictRuntime } from '../../core/runtime/runtime.js';
import type { TriageResult } from '../../core/spec/result.js';
import type { VerdictRepository } from '../../core/store/repository.js';
import { createPostgresRepository } from '../../core/store/postgres-store.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { EXAMPLE_CONFIG, SAMPLE_ROWS } from '../core/sample-alerts.js';
import { createTestSchema, startTestPostgres } from '../store/postgres-server.js';

// Batches sent without waiting (concurrent requests, a connector and the service on one store)
// are judged one at a time, in the order they came, each after the one before it committed. That
// must not change a verdict: they give what batches sent one by one give; an alert repeated by a
// later batch gets its first verdict and counts once; and a write that fails takes back only its
// own batch, the later ones being judged on the state that did land. On SQLite and on PostgreSQL.

const loaded = loadConfig(EXAMPLE_CONFIG, {});
const batchOptions = { source: 'test', fieldMap: loaded.config.fieldMaps['ids-export']! };
const BATCH = 40;
const batches = Array.from({ length: Math.ceil(SAMPLE_ROWS.length / BATCH) }, (_, index) => SAMPLE_ROWS.slice(index * BATCH, (index + 1) * BATCH));

const postgres = await startTestPostgres();
afterAll(async () => {
  await postgres.stop?.();
});
let schemas = 0;

const scratch: string[] = [];
const runtimes: VerdictRuntime[] = [];
afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  for (const folder of scratch.splice(0)) rmSync(folder, { recursive: true, force: true });
});

type StoreKind = 'sqlite' | 'postgres';

/** A fresh SQLite file (the worker-thread writer, as `verdict serve` runs it) or PostgreSQL schema. */
async function freshRepository(kind: StoreKind): Promise<VerdictRepository> {
  if (kind === 'postgres') return createPostgresRepository(await createTestSchema(postgres.url!, `pipeline_${process.pid}_${(schemas += 1)}`));
  const folder = mkdtempSync(path.join(tmpdir(), 'verdict-pipeline-'));
  scratch.push(folder);
  return createSqliteRepository(path.join(folder, 'verdict.db'));
}

/** A runtime on a fresh store; `wrap` may replace repository methods. */
async function freshRuntime(kind: StoreKind, wrap: (repository: VerdictRepository) => Partial<VerdictRepository> = () => ({})): Promise<VerdictRuntime> {
  const repository = await freshRepository(kind);
  const overrides = wrap(repository);
  const wrapped = new Proxy(repository, { get: (target, key, receiver) => (key in overrides ? overrides[key as keyof VerdictRepository] : Reflect.get(target, key, receiver)) });
  const runtime = await createRuntime(loaded, { repository: wrapped });
  runtimes.push(runtime);
  return runtime;
}

/** What must not depend on how the work was run (createdAt is the wall clock). */
const essence = (result: TriageResult) => ({
  alertId: result.alertId,
  verdict: result.verdict,
  probabilityMalicious: result.probabilityMalicious,
  summary: result.summary,
  evidence: result.evidence,
  duplicateOf: result.duplicateOf,
  revision: result.revision,
});

async function oneByOne(kind: StoreKind, parts: ReadonlyArray<readonly unknown[]>): Promise<TriageResult[]> {
  const runtime = await freshRuntime(kind);
  const results: TriageResult[] = [];
  for (const part of parts) results.push(...(await runtime.triageRecords(part, batchOptions)).results);
  return results;
}

const kinds: StoreKind[] = postgres.skipReason === undefined || process.env.CI ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(kinds)('batches sent without waiting (%s)', (kind) => {
  it('batches sent without waiting give the verdicts of batches sent one by one', async () => {
    const expected = await oneByOne(kind, batches);
    const runtime = await freshRuntime(kind);
    const outcomes = await Promise.all(batches.map((part) => runtime.triageRecords(part, batchOptions)));
    expect(outcomes.flatMap((outcome) => outcome.results).map(essence)).toEqual(expected.map(essence));
    const stored = await runtime.repository.getResults(SAMPLE_ROWS.map((row) => row.id));
    expect(stored.size).toBe(SAMPLE_ROWS.length);
  });

  it('an alert repeated by a batch sent meanwhile gets its first verdict and counts once', async () => {
    const first = batches[0]!;
    const repeated = [...first.slice(0, 10), ...batches[1]!];
    const expected = await oneByOne(kind, [first, repeated, batches[2]!]);
    const runtime = await freshRuntime(kind);
    const outcomes = await Promise.all([first, repeated, batches[2]!].map((part) => runtime.triageRecords(part, batchOptions)));
    expect(outcomes.flatMap((outcome) => outcome.results).map(essence)).toEqual(expected.map(essence));
    // The repeat is the stored verdict itself (revision 1), not a second judgment.
    expect(outcomes[1]!.results.slice(0, 10).map((result) => result.revision)).toEqual(Array(10).fill(1));
    expect(outcomes[1]!.results.slice(0, 10).map(essence)).toEqual(outcomes[0]!.results.slice(0, 10).map(essence));
  });

  it('a write that fails takes back its own batch: the later ones are judged on the state that landed', async () => {
    const failing = batches[1]!;
    // Expected: the failed batch never happened.
    const expected = await oneByOne(kind, [batches[0]!, batches[2]!, batches[3]!]);
    let saves = 0;
    const runtime = await freshRuntime(kind, (repository) => ({
      async saveResults(...args: Parameters<VerdictRepository['saveResults']>) {
        saves += 1;
        if (saves === 2) throw new Error('disk I/O error (injected)');
        return repository.saveResults(...args);
      },
    }));
    const settled = await Promise.allSettled([batches[0]!, failing, batches[2]!, batches[3]!].map((part) => runtime.triageRecords(part, batchOptions)));
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toContain('injected');
    const landed = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value.results : []));
    expect(landed.map(essence)).toEqual(expected.map(essence));
    const stored = await runtime.repository.getResults(failing.map((row) => (row as { id: string }).id));
    expect(stored.size).toBe(0);
    expect(runtime.stateReloads()).toBeGreaterThan(0);
  });
});
