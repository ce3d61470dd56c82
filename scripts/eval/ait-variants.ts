// Production variants of the AIT replay: the same stream run the ways a deployment really runs it
// (restarts, shuffled arrival, other analysts, a cold start). Each is a fresh deployment.
import type { BacktestItem, BacktestOptions, BacktestReport } from '../../core/backtest/backtest.js';
import { DEFAULT_SEED, mulberry32 } from '../../core/backtest/backtest.js';
import type { DatasetMetrics } from '../../core/backtest/metrics.js';
import { MetricsAccumulator } from '../../core/backtest/metrics.js';

export const VARIANTS = ['restartDaily', 'orderJitter', 'orderJitter5s', 'seeds', 'feedbackPerGroup', 'coldStart'] as const;
export type Variant = (typeof VARIANTS)[number];

/** The figures a variant is judged on (targets in issue terms). */
export const TARGETS = {
  truePositiveRecall: { min: 0.99 },
  autoClosePrecision: { min: 0.995 },
  reduction: { min: 0.9 },
  groupRecall: { min: 0.97 },
  groupReduction: { min: 0.5 },
  ece: { max: 0.05 },
} as const;
type TargetMetric = keyof typeof TARGETS;
const METRICS = Object.keys(TARGETS) as TargetMetric[];

export type Figures = Record<TargetMetric, number | null> & { alerts: number; missedAttacks: number };

export interface VariantResult {
  figures: Figures;
  /** seeds: the spread over the feedback seeds. */
  spread?: Record<TargetMetric, { mean: number | null; min: number | null; max: number | null }>;
  /** coldStart: benign alerts of the first day called true_positive, and closed. */
  coldStart?: { benign: number; benignCalledTruePositive: number; benignCalledTruePositiveShare: number | null; benignClosedShare: number | null; malicious: number };
}

export type Replay = (items: BacktestItem[], extra: Partial<BacktestOptions>) => Promise<BacktestReport>;

export function figuresOf(metrics: DatasetMetrics): Figures {
  return {
    alerts: metrics.alerts,
    missedAttacks: metrics.missedAttacks,
    truePositiveRecall: metrics.truePositiveRecall,
    autoClosePrecision: metrics.autoClosePrecision,
    reduction: metrics.reduction,
    groupRecall: metrics.groupRecall,
    groupReduction: metrics.groupReduction,
    ece: metrics.ece,
  };
}

const SEEDS = [DEFAULT_SEED, DEFAULT_SEED + 1, DEFAULT_SEED + 2, DEFAULT_SEED + 3, DEFAULT_SEED + 4];
const DAY_MS = 86_400_000;

/** Rows with the same second in random (seeded) order; `windowMs` > 1000 lets rows move up to ±window/2. */
export function jitter<T>(items: readonly T[], timeOf: (item: T) => number, windowMs: number, seed: number): T[] {
  const random = mulberry32(seed);
  const keyed = items.map((item, index) => {
    const time = timeOf(item);
    const key = windowMs <= 1000 ? Math.floor(time / 1000) * 1000 + random() * 999 : time + (random() - 0.5) * windowMs;
    return { item, key, index };
  });
  keyed.sort((left, right) => left.key - right.key || left.index - right.index);
  return keyed.map((entry) => entry.item);
}

/**
 * Runs one variant of a scenario. `timeOf` reads an item's stream time (for jitter and the first
 * day); `pool` collects the variant's metrics across scenarios.
 */
export async function runVariant(
  variant: Variant,
  items: BacktestItem[],
  timeOf: (item: BacktestItem) => number,
  replay: Replay,
  restartEngine: BacktestOptions['restartDaily'],
  pool: Map<string, MetricsAccumulator>,
): Promise<VariantResult> {
  const add = (name: string, report: BacktestReport): void => {
    const accumulator = pool.get(name) ?? new MetricsAccumulator();
    if (report.accumulators) accumulator.merge(report.accumulators.metrics);
    pool.set(name, accumulator);
  };
  switch (variant) {
    case 'restartDaily': {
      const report = await replay(items, { restartDaily: restartEngine });
      add(variant, report);
      return { figures: figuresOf(report.metrics) };
    }
    case 'orderJitter':
    case 'orderJitter5s': {
      const report = await replay(jitter(items, timeOf, variant === 'orderJitter' ? 1000 : 10_000, 7), {});
      add(variant, report);
      return { figures: figuresOf(report.metrics) };
    }
    case 'feedbackPerGroup': {
      const report = await replay(items, { feedbackSampling: 'groups' });
      add(variant, report);
      return { figures: figuresOf(report.metrics) };
    }
    case 'seeds': {
      const runs: Figures[] = [];
      for (const seed of SEEDS) {
        const report = await replay(items, { seed });
        add(`seed:${seed}`, report);
        runs.push(figuresOf(report.metrics));
      }
      const spread = Object.fromEntries(
        METRICS.map((metric) => {
          const values = runs.map((run) => run[metric]).filter((value): value is number => value !== null);
          return [
            metric,
            values.length === 0 ? { mean: null, min: null, max: null } : { mean: values.reduce((sum, value) => sum + value, 0) / values.length, min: Math.min(...values), max: Math.max(...values) },
          ];
        }),
      ) as VariantResult['spread'];
      // The variant's figures are the worst seed on each metric.
      const worst = { ...runs[0]! };
      for (const metric of METRICS)
        worst[metric] = worstOf(
          metric,
          runs.map((run) => run[metric]),
        );
      return { figures: worst, spread };
    }
    case 'coldStart': {
      const start = items.length > 0 ? timeOf(items[0]!) : 0;
      const firstDay = items.filter((item) => timeOf(item) < start + DAY_MS);
      let benign = 0;
      let benignTruePositive = 0;
      let benignClosed = 0;
      let malicious = 0;
      const report = await replay(firstDay, {
        feedbackShare: 0,
        onResult: (result, item) => {
          if (item.expected === 'malicious') malicious += 1;
          if (item.expected !== 'benign') return;
          benign += 1;
          if (result.verdict === 'true_positive') benignTruePositive += 1;
          if (result.verdict === 'benign_positive' || result.verdict === 'false_positive') benignClosed += 1;
        },
      });
      add(variant, report);
      const coldStart = {
        benign,
        benignCalledTruePositive: benignTruePositive,
        benignCalledTruePositiveShare: benign ? benignTruePositive / benign : null,
        benignClosedShare: benign ? benignClosed / benign : null,
        malicious,
      };
      const pooled = coldPool.get('all') ?? { benign: 0, benignTruePositive: 0, benignClosed: 0, malicious: 0 };
      pooled.benign += benign;
      pooled.benignTruePositive += benignTruePositive;
      pooled.benignClosed += benignClosed;
      pooled.malicious += malicious;
      coldPool.set('all', pooled);
      return { figures: figuresOf(report.metrics), coldStart };
    }
  }
}

const coldPool = new Map<string, { benign: number; benignTruePositive: number; benignClosed: number; malicious: number }>();

/** The pooled cold-start counts over every scenario run so far. */
export function pooledColdStart(): VariantResult['coldStart'] | undefined {
  const pooled = coldPool.get('all');
  if (!pooled) return undefined;
  return {
    benign: pooled.benign,
    benignCalledTruePositive: pooled.benignTruePositive,
    benignCalledTruePositiveShare: pooled.benign ? pooled.benignTruePositive / pooled.benign : null,
    benignClosedShare: pooled.benign ? pooled.benignClosed / pooled.benign : null,
    malicious: pooled.malicious,
  };
}

export function worstOf(metric: TargetMetric, values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) return null;
  return 'max' in TARGETS[metric] ? Math.max(...known) : Math.min(...known);
}

/** Whether a figure meets its target (null when it cannot be measured, e.g. no attacks in a cold start). */
export function meetsTarget(metric: TargetMetric, value: number | null): boolean | null {
  if (value === null) return null;
  const target = TARGETS[metric];
  return 'max' in target ? value <= target.max : value >= target.min;
}

/** Per metric, the worst value over the named variants and which variant it came from. */
export function worstVariant(byVariant: Record<string, Figures>): Record<TargetMetric, { value: number | null; variant: string | null; meets: boolean | null }> {
  const result = {} as Record<TargetMetric, { value: number | null; variant: string | null; meets: boolean | null }>;
  for (const metric of METRICS) {
    let chosen: { value: number | null; variant: string | null } = { value: null, variant: null };
    for (const [variant, figures] of Object.entries(byVariant)) {
      const value = figures[metric];
      if (value === null) continue;
      if (chosen.value === null || (worstOf(metric, [chosen.value, value]) === value && value !== chosen.value)) chosen = { value, variant };
    }
    result[metric] = { ...chosen, meets: meetsTarget(metric, chosen.value) };
  }
  return result;
}
