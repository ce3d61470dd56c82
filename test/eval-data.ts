import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAitSorted, type AitRow } from '../scripts/eval/ait-source.js';
import { loadSigmaTests as loadEvalSigmaTests, type SigmaTest } from '../scripts/eval/sigma-source.js';

/**
 * The public eval data (shared/eval) for tests, read by the eval's own readers (scripts/eval) so
 * tests and the eval see the same rows. Labels stay in `labels`; no renderer reads them.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const EVAL_DIR = process.env.VERDICT_SHARED_DIR ? join(process.env.VERDICT_SHARED_DIR, 'eval') : resolve(here, '../../shared/eval');

export const AIT_SCENARIOS = ['fox', 'harrison', 'russellmitchell', 'santos', 'shaw'] as const;
export type AitScenario = (typeof AIT_SCENARIOS)[number];
export type { AitRow, SigmaTest };

const aitCache = new Map<AitScenario, Promise<AitRow[]>>();

/**
 * Rows of one scenario in replay order (the eval's stable time sort). `distinct` keeps the first
 * row of each (name, host) pair: a small sample that still covers every alert type.
 */
export async function loadAitRows(scenario: AitScenario, options: { limit?: number; distinct?: boolean } = {}): Promise<AitRow[]> {
  let loading = aitCache.get(scenario);
  if (!loading) {
    loading = loadAitSorted(join(EVAL_DIR, 'ait', `${scenario}.csv.gz`), scenario);
    aitCache.set(scenario, loading);
  }
  const rows = await loading;
  const seen = new Set<string>();
  const selected = options.distinct
    ? rows.filter((row) => {
        const key = `${row.name}\u0000${row.host}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
    : rows;
  return options.limit === undefined ? selected : selected.slice(0, options.limit);
}

/** The Sigma regression tests in index order. */
export function loadSigmaTests(options: { limit?: number } = {}): SigmaTest[] {
  const tests = loadEvalSigmaTests(join(EVAL_DIR, 'sigma'));
  return options.limit === undefined ? tests : tests.slice(0, options.limit);
}
