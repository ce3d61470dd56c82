import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOrderedBatches, type OrderedBatches } from '../../core/runtime/ordered-batches.js';

// The ordered pipeline against a model store: a batch's "verdict" is the list of batches memory
// held when it was judged, so any batch judged on a state that did not land, or landing out of
// order, shows up as a verdict that differs from the store's history. Writes fail, conflict and
// take random time; another process writes in between.

class ConflictError extends Error {}

interface Plan {
  /** Per batch, the outcome of each write attempt in turn (missing: ok). */
  writes: Array<Array<'ok' | 'fail' | 'conflict'>>;
  /** Ticks each write takes. */
  delays: number[];
  /** Batches before which another process writes. */
  foreignBefore: number[];
  /** Batches that have nothing to write. */
  empty: number[];
}

const ticks = async (count: number): Promise<void> => {
  for (let tick = 0; tick < count; tick += 1) await new Promise((resolve) => setImmediate(resolve));
};

function modelStore() {
  return { version: 0, history: [] as string[] };
}

function pipelineOn(store: ReturnType<typeof modelStore>, plan: Plan): { ordered: OrderedBatches<string, string[]>; attempts: Map<string, number> } {
  let memory: string[] = [];
  const attempts = new Map<string, number>();
  const ordered = createOrderedBatches<string, string[], ReadonlySet<string>>(
    {
      storeVersion: async () => store.version,
      reload: async () => {
        memory = [...store.history];
        return store.version;
      },
      judge: async (batch, baseVersion, ahead) => {
        await ticks(1);
        const index = Number(batch.slice(1));
        const seen = [...memory];
        const isEmpty = plan.empty.includes(index);
        if (!isEmpty) memory.push(batch);
        const attempt = (attempts.get(batch) ?? 0) + 1;
        attempts.set(batch, attempt);
        expect(ahead === undefined || !ahead.has(batch)).toBe(true);
        return {
          result: seen,
          uncommitted: new Set([batch]),
          changesVersion: !isEmpty,
          write: async (after) => {
            // As the stores do: the write waits for the one before it, and is dropped if that one failed.
            if (after) await after.catch(() => Promise.reject(new Error(`${batch}: not written`)));
            await ticks(plan.delays[index] ?? 0);
            if (isEmpty) return;
            const outcome = plan.writes[index]?.[attempt - 1] ?? 'ok';
            if (outcome === 'fail') throw new Error(`${batch}: disk I/O error`);
            if (outcome === 'conflict' || store.version !== baseVersion) throw new ConflictError(`${batch}: version moved`);
            store.version += 1;
            store.history.push(batch);
          },
        };
      },
      isConflict: (error) => error instanceof ConflictError,
      maxAttempts: 5,
    },
    0,
  );
  return { ordered, attempts };
}

const planArbitrary = (batches: number) =>
  fc.record({
    writes: fc.array(fc.array(fc.constantFrom<'ok' | 'fail' | 'conflict'>('ok', 'ok', 'ok', 'fail', 'conflict'), { maxLength: 3 }), { minLength: batches, maxLength: batches }),
    delays: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: batches, maxLength: batches }),
    foreignBefore: fc.subarray(Array.from({ length: batches }, (_, index) => index)),
    empty: fc.subarray(
      Array.from({ length: batches }, (_, index) => index),
      { maxLength: 2 },
    ),
  });

describe('ordered batches', () => {
  it('gives every batch the state of exactly the batches that landed before it, in the order sent', async () => {
    const batches = 8;
    await fc.assert(
      fc.asyncProperty(planArbitrary(batches), async (plan) => {
        const store = modelStore();
        const { ordered } = pipelineOn(store, plan);
        // Settled as they come: a batch may fail before the later ones are sent.
        const submitted: Array<Promise<PromiseSettledResult<string[]>>> = [];
        for (let index = 0; index < batches; index += 1) {
          if (plan.foreignBefore.includes(index)) {
            // Another process writes between two submissions (a worker, a second CLI run).
            store.version += 1;
            store.history.push(`foreign${index}`);
          }
          submitted.push(
            ordered
              .submit(async () => `b${index}`)
              .then(
                (value) => ({ status: 'fulfilled' as const, value }),
                (reason: unknown) => ({ status: 'rejected' as const, reason }),
              ),
          );
          await ticks(index % 3);
        }
        const settled = await Promise.all(submitted);
        const landed = settled.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [`b${index}`] : []));
        const emptyLanded = new Set(plan.empty.map((index) => `b${index}`));
        // The store got the written batches in the order sent, each once, none that failed.
        expect(store.history.filter((entry) => entry.startsWith('b'))).toEqual(landed.filter((batch) => !emptyLanded.has(batch)));
        // Each landed batch was judged on exactly the history before it in the store.
        for (const [index, outcome] of settled.entries()) {
          if (outcome.status !== 'fulfilled') {
            expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/disk I\/O error|version moved/);
            continue;
          }
          const batch = `b${index}`;
          const position = emptyLanded.has(batch) ? undefined : store.history.indexOf(batch);
          const before = position === undefined ? undefined : store.history.slice(0, position);
          if (before) expect(outcome.value).toEqual(before);
          // A batch with nothing to write saw a prefix of the history, ending at the batch written before it.
          else {
            const previous = landed
              .slice(0, landed.indexOf(batch))
              .filter((other) => !emptyLanded.has(other))
              .at(-1);
            const end = previous === undefined ? 0 : store.history.indexOf(previous) + 1;
            expect(store.history.slice(0, outcome.value.length)).toEqual(outcome.value);
            expect(outcome.value.length).toBeGreaterThanOrEqual(end);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('fails a batch whose write fails, and only that batch, when the write is not a conflict', async () => {
    const store = modelStore();
    const plan: Plan = { writes: [[], ['fail'], [], []], delays: [2, 2, 2, 2], foreignBefore: [], empty: [] };
    const { ordered, attempts } = pipelineOn(store, plan);
    const settled = await Promise.allSettled(['b0', 'b1', 'b2', 'b3'].map((batch) => ordered.submit(async () => batch)));
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(store.history).toEqual(['b0', 'b2', 'b3']);
    expect(settled[2]).toEqual({ status: 'fulfilled', value: ['b0'] });
    // b2 was judged ahead on b1's state while b1 was writing, then again once b1 failed.
    expect(attempts.get('b2')).toBe(2);
    expect(ordered.reloads()).toBe(1);
  });

  it('judges a conflicting batch again in its own place, ahead of the batch judged meanwhile', async () => {
    const store = modelStore();
    const plan: Plan = { writes: [[], ['conflict', 'conflict'], [], []], delays: [1, 1, 1, 1], foreignBefore: [], empty: [] };
    const { ordered, attempts } = pipelineOn(store, plan);
    const results = await Promise.all(['b0', 'b1', 'b2', 'b3'].map((batch) => ordered.submit(async () => batch)));
    expect(store.history).toEqual(['b0', 'b1', 'b2', 'b3']);
    expect(results).toEqual([[], ['b0'], ['b0', 'b1'], ['b0', 'b1', 'b2']]);
    expect(attempts.get('b1')).toBe(3);
  });

  it('gives up on a batch after five conflicts, and the next batch still lands', async () => {
    const store = modelStore();
    const plan: Plan = { writes: [Array(5).fill('conflict'), []], delays: [0, 0], foreignBefore: [], empty: [] };
    const { ordered } = pipelineOn(store, plan);
    const settled = await Promise.allSettled(['b0', 'b1'].map((batch) => ordered.submit(async () => batch)));
    expect(settled.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
    expect(store.history).toEqual(['b1']);
  });

  it('runs exclusive work with nothing in flight, in its place among the batches', async () => {
    const store = modelStore();
    const { ordered } = pipelineOn(store, { writes: [], delays: [3, 3, 3], foreignBefore: [], empty: [] });
    const seenByExclusive: string[][] = [];
    const work = [
      ordered.submit(async () => 'b0'),
      ordered.exclusive(async (baseVersion) => {
        seenByExclusive.push([...store.history]);
        expect(baseVersion).toBe(store.version);
        return { wrote: false };
      }),
      ordered.submit(async () => 'b1'),
    ];
    await Promise.all(work);
    expect(seenByExclusive).toEqual([['b0']]);
    expect(store.history).toEqual(['b0', 'b1']);
  });

  it('fails a batch whose records could not be read, and goes on', async () => {
    const store = modelStore();
    const { ordered } = pipelineOn(store, { writes: [], delays: [1, 1], foreignBefore: [], empty: [] });
    const settled = await Promise.allSettled([ordered.submit(async () => 'b0'), ordered.submit(async () => Promise.reject(new Error('dead letter store down'))), ordered.submit(async () => 'b1')]);
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(store.history).toEqual(['b0', 'b1']);
  });
});
