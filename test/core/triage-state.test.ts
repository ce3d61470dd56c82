import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { mulberry32 } from '../../core/backtest/backtest.js';
import { memoryEntityKeys } from '../../core/enrich/memory.js';
import { createOfflineEngine } from '../../core/runtime/engine-factory.js';
import { createNormalizer } from '../../core/runtime/normalize-registry.js';
import type { TriageEngine } from '../../core/pipeline/engine.js';
import type { Alert } from '../../core/spec/alert.js';
import type { TriageResult } from '../../core/spec/result.js';
import { AIT_EXPORT_FIELD_MAP, renderAitRow } from '../../scripts/eval/render-ait.js';
import { expectedLabel } from '../../scripts/eval/ait-source.js';
import { loadAitRows } from '../eval-data.js';

// The engine's verdicts depend on the alert and on state only: not on the order of alerts within a
// second, not on how a stream is cut into batches, not on whether the state went through a snapshot
// (a restart) on the way. Real AIT alerts, two days of one scenario.

let stream: Array<{ alert: Alert; malicious: boolean }>;

beforeAll(async () => {
  const rows = (await loadAitRows('russellmitchell')).filter((_, index) => index % 6 === 0);
  const normalizer = createNormalizer([]);
  const fieldMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
  stream = rows.map((row) => ({ alert: normalizer.normalize(renderAitRow(row, 'generic'), { platform: 'generic', fieldMap }), malicious: expectedLabel(row.labels) === 'malicious' }));
}, 60_000);

function freshEngine(): TriageEngine {
  return createOfflineEngine(loadConfig(undefined, {})).engine;
}

const second = (alert: Alert): number => Math.floor(Date.parse(alert.time) / 1000);

/** What must not change: the verdict, its probability and which alert it was reused from. */
function outcome(result: TriageResult): string {
  return `${result.verdict} ${result.probabilityMalicious} ${result.duplicateOf ?? '-'}`;
}

/**
 * Feeds the stream in chunks that end between seconds; simulated analysts label every 10th alert an
 * hour later. At each chunk start listed in `restartAt` the engine is replaced by a fresh one that
 * loads the persisted rows (through JSON, as the store keeps them) and rebuilds memory from the
 * dispositions so far, as `createRuntime` does.
 */
function replay(
  engine: TriageEngine,
  alerts: ReadonlyArray<{ alert: Alert; malicious: boolean }>,
  cuts: (index: number) => boolean,
  restartAt: ReadonlySet<number> = new Set(),
  feedback = true,
): { outcomes: Map<string, string>; restarts: number; lastRows: number } {
  const outcomes = new Map<string, string>();
  const pending: Array<{ dueMs: number; disposition: Parameters<TriageEngine['learn']>[0] }> = [];
  const learned: Array<Parameters<TriageEngine['learn']>[0]> = [];
  const stored = new Map<string, TriageResult>();
  let restarts = 0;
  let lastRows = 0;
  let chunk: Array<(typeof alerts)[number]> = [];
  let chunkStart = 0;
  const flush = (): void => {
    if (chunk.length === 0) return;
    if (restartAt.has(chunkStart)) {
      const rows = JSON.parse(JSON.stringify(engine.state.snapshot())) as ReturnType<TriageEngine['state']['snapshot']>;
      lastRows = rows.length;
      engine = freshEngine();
      for (const { rawProbability: _raw, ...disposition } of learned) engine.learn(disposition);
      engine.state.load(rows, new Map(engine.state.referencedAlertIds(rows).map((id) => [id, stored.get(id)!])));
      restarts += 1;
    }
    const dueBefore = Math.min(...chunk.map(({ alert }) => Date.parse(alert.time)));
    while (pending.length > 0 && pending[0]!.dueMs <= dueBefore) {
      const { disposition } = pending.shift()!;
      engine.learn(disposition);
      learned.push(disposition);
    }
    const results = engine.triageBatch(chunk.map(({ alert }) => alert));
    results.forEach((result, index) => {
      outcomes.set(result.alertId, outcome(result));
      if (!result.duplicateOf) stored.set(result.alertId, result);
      const { alert, malicious } = chunk[index]!;
      // Every 10th alert by id: which alerts get labelled must not depend on arrival order either.
      if (feedback && Number.parseInt(alert.id.replace(/\D/g, '') || '0', 10) % 10 === 0) {
        const timeMs = Date.parse(alert.time) + 3_600_000;
        pending.push({
          dueMs: timeMs,
          disposition: {
            ruleName: alert.ruleName,
            entityKeys: memoryEntityKeys(alert.entities),
            verdict: malicious ? 'true_positive' : 'false_positive',
            timeMs,
            alertId: alert.id,
            rawProbability: result.engine.calibration?.rawProbability ?? result.probabilityMalicious,
          },
        });
        pending.sort((left, right) => left.dueMs - right.dueMs || (left.disposition.alertId! < right.disposition.alertId! ? -1 : 1));
      }
    });
    chunk = [];
  };
  alerts.forEach((entry, index) => {
    if (chunk.length > 0 && second(entry.alert) !== second(chunk[chunk.length - 1]!.alert) && cuts(index)) {
      flush();
      chunkStart = index;
    }
    chunk.push(entry);
  });
  flush();
  return { outcomes, restarts, lastRows };
}

function shuffledWithinSeconds<T extends { alert: Alert }>(items: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const keyed = items.map((item, index) => ({ item, key: second(item.alert) + random() * 0.999, index }));
  keyed.sort((left, right) => left.key - right.key || left.index - right.index);
  return keyed.map((entry) => entry.item);
}

function differences(left: Map<string, string>, right: Map<string, string>): string[] {
  return [...left].filter(([id, value]) => right.get(id) !== value).map(([id, value]) => `${id}: ${value} ≠ ${right.get(id)}`);
}

describe('triage state', () => {
  it('the stream has what the properties need: same-second alerts, several days, feedback', () => {
    const seconds = new Map<number, number>();
    for (const { alert } of stream) seconds.set(second(alert), (seconds.get(second(alert)) ?? 0) + 1);
    expect([...seconds.values()].filter((count) => count > 1).length).toBeGreaterThan(50);
    expect(second(stream.at(-1)!.alert) - second(stream[0]!.alert)).toBeGreaterThan(2 * 86_400);
  });

  it('same verdicts whatever the order within each second and however the stream is cut into batches (property)', () => {
    // Analysts' labels arrive between batches, so with feedback the cuts are the same on both sides.
    const references = new Map<number, Map<string, string>>();
    const withoutFeedback = replay(freshEngine(), stream, () => false, new Set(), false).outcomes;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(37, 211, 997), fc.integer({ min: 2, max: 400 }), (seed, every, otherCut) => {
        if (!references.has(every)) references.set(every, replay(freshEngine(), stream, (index) => index % every === 0).outcomes);
        const shuffled = replay(freshEngine(), shuffledWithinSeconds(stream, seed), (index) => index % every === 0).outcomes;
        expect(differences(references.get(every)!, shuffled)).toEqual([]);
        // Without feedback, any cut gives the verdicts of one batch.
        const recut = replay(freshEngine(), shuffledWithinSeconds(stream, seed + 1), (index) => index % otherCut === 0, new Set(), false).outcomes;
        expect(differences(withoutFeedback, recut)).toEqual([]);
      }),
      { numRuns: 3 },
    );
  }, 240_000);

  it('restarts through the persisted rows (every UTC day, and at odd points) continue exactly where one engine would be', () => {
    const cuts = (index: number) => index % 97 === 0;
    const reference = replay(freshEngine(), stream, cuts).outcomes;
    // Restart at the first batch of every UTC day, and at every 7th batch start.
    const restartAt = new Set<number>();
    let day = Math.floor(Date.parse(stream[0]!.alert.time) / 86_400_000);
    stream.forEach(({ alert }, index) => {
      const today = Math.floor(Date.parse(alert.time) / 86_400_000);
      if (today !== day || index % (97 * 7) === 0) restartAt.add(index);
      day = today;
    });
    // Only batch starts are restart points: align each wish to the next batch start.
    const batchStarts: number[] = [];
    stream.forEach((entry, index) => {
      if (index > 0 && second(entry.alert) !== second(stream[index - 1]!.alert) && cuts(index)) batchStarts.push(index);
    });
    const aligned = new Set(batchStarts.filter((start) => [...restartAt].some((wish) => wish <= start && start - wish < 97 * 3)));
    const restarted = replay(freshEngine(), stream, cuts, aligned);
    expect(restarted.restarts).toBeGreaterThan(3);
    expect(restarted.lastRows).toBeGreaterThan(10);
    expect(differences(reference, restarted.outcomes)).toEqual([]);
  }, 120_000);

  it('keeps the state bounded: subjects beyond maxEntities are evicted, and the eviction is persisted', () => {
    const loaded = loadConfig(undefined, {});
    loaded.config.context.maxEntities = 5;
    const engine = createOfflineEngine(loaded).engine;
    engine.triageBatch(stream.slice(0, 3000).map(({ alert }) => alert));
    const subjects = engine.state.snapshot().filter((row) => row.part === 'context.subject');
    expect(subjects.length).toBeLessThanOrEqual(5);
    const delta = engine.state.drain();
    const deleted = new Set(delta.deletes.filter((row) => row.part === 'context.subject').map((row) => row.key));
    const upserted = new Set(delta.upserts.filter((row) => row.part === 'context.subject').map((row) => row.key));
    expect([...upserted].every((key) => !deleted.has(key))).toBe(true);
    expect(upserted.size).toBeLessThanOrEqual(5);
  });
});
