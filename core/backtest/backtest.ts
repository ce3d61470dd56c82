import type { Alert } from '../spec/alert.js';
import type { AnalystVerdict } from '../spec/disposition.js';
import { VerdictError } from '../spec/errors.js';
import type { TriageResult, Verdict } from '../spec/result.js';
import { VERDICT_VERSION } from '../version.js';
import { memoryEntityKeys } from '../enrich/memory.js';
import { canonicalOrder } from '../pipeline/canonical-order.js';
import type { EngineDisposition, TriageEngine } from '../pipeline/engine.js';
import { MetricsAccumulator, TechniqueAccumulator, type DatasetMetrics, type ExpectedLabel } from './metrics.js';
import { BaselineMemory } from './baselines.js';
import { LatencyRecorder } from './latency.js';
import { RuleBreakdown, type GroupRow, type RuleRow, type MissedGroup } from './rule-breakdown.js';

export interface BacktestItem {
  /** The native payload exactly as the platform would deliver it (no labels inside). */
  native: unknown;
  platform?: string;
  expected: ExpectedLabel;
  /** Group for the group view; undefined = the item is its own group. */
  groupKey?: string;
  /** Expected ATT&CK technique ids, when the source labels them. */
  expectedTechniques?: string[];
}

export interface BacktestOptions {
  engine: TriageEngine;
  normalize(native: unknown, platform: string | undefined): Alert;
  /** Share of alerts whose true label reaches Verdict as an analyst disposition (default 0.05). */
  feedbackShare?: number;
  /** The decide thresholds in force, for the report. */
  thresholds?: { truePositive: number; benign: number };
  /** Stream-time delay before that disposition arrives (default 3600 s). */
  feedbackDelaySeconds?: number;
  /** Seed of the analyst's sampling, so a back-test is reproducible. */
  seed?: number;
  /** Called with each result (the report's "what would have happened" lists, a progress bar). */
  onResult?(result: TriageResult, item: BacktestItem): void;
  /**
   * How analysts pick what to label: `rows` samples alerts (a flood gets thousands of labels);
   * `groups` labels one alert per fingerprint and time bucket, sampled at the same share, as
   * people do (a flood gets one label).
   */
  feedbackSampling?: 'rows' | 'groups';
  /**
   * Restart the process at every UTC midnight of stream time: the engine is replaced by a fresh
   * one that loads the persisted state (a snapshot through its serialized rows) and rebuilds memory
   * from the dispositions, exactly as `createRuntime` does from the store.
   */
  restartDaily?: { createEngine(): TriageEngine };
}

/** Non-duplicate results kept so a restart can resolve the duplicate cache's references. */
const RESULT_CACHE = 50_000;
const DAY_MS = 86_400_000;

export interface BacktestReport {
  metrics: DatasetMetrics;
  /** The accumulators behind `metrics` and the baselines, for pooling data sets (not serialized). */
  accumulators?: { metrics: MetricsAccumulator; ruleMemory: MetricsAccumulator; ruleHostMemory: MetricsAccumulator; closeNothing: MetricsAccumulator };
  baselines: { ruleMemory: DatasetMetrics; ruleHostMemory: DatasetMetrics; closeNothing: DatasetMetrics };
  techniques: ReturnType<TechniqueAccumulator['summary']> | null;
  perRule: RuleRow[];
  missed: MissedGroup[];
  groups: GroupRow[];
  feedback: { given: number; share: number; delaySeconds: number; sampling: 'rows' | 'groups'; seed: number };
  /** Process restarts simulated (restartDaily). */
  restarts: number;
  /** What ran: Verdict version, config digest, thresholds, feedback share and delay. */
  run: { version: string; configDigest: string; thresholds: { truePositive: number; benign: number } | null; share: number; delaySeconds: number };
  /** Ids of the attacks Verdict would have auto-closed (the first 500). */
  missedAlertIds: string[];
  /** Verdict given against the label: rows per verdict and expected class. */
  confusion: Record<Verdict, Record<ExpectedLabel, number>>;
  /** Attack recall and reduction had the benign threshold been elsewhere (same scores): to pick an operating point. */
  tradeoff: Array<{ benignThreshold: number; recall: number | null; reduction: number | null; missedAttacks: number }>;
  deadLetters: { count: number; examples: string[] };
  throughput: { alerts: number; seconds: number; alertsPerSecond: number; p50Ms: number; p99Ms: number };
}

export const DEFAULT_SEED = 20_240_601;

interface PendingDisposition {
  rawProbability?: number;
  dueMs: number;
  ruleName: string;
  hostKey: string | undefined;
  entityKeys: string[];
  verdict: AnalystVerdict;
  timeMs: number;
  alertId: string;
}

/**
 * Shadow mode: replays a labelled stream in time order through a fresh engine, simulating
 * analysts who disposition a share of alerts after a delay. Verdict learns only from those
 * dispositions; the baselines learn from the same ones.
 */
export async function runBacktest(items: AsyncIterable<BacktestItem> | Iterable<BacktestItem>, options: BacktestOptions): Promise<BacktestReport> {
  const share = options.feedbackShare ?? 0.05;
  const delayMs = (options.feedbackDelaySeconds ?? 3600) * 1000;
  const random = mulberry32(options.seed ?? DEFAULT_SEED);
  const metrics = new MetricsAccumulator();
  const ruleMemory = new MetricsAccumulator();
  const ruleHostMemory = new MetricsAccumulator();
  const closeNothing = new MetricsAccumulator();
  const baselineMemory = new BaselineMemory();
  const techniques = new TechniqueAccumulator();
  const breakdown = new RuleBreakdown();
  const latency = new LatencyRecorder();
  const pending: PendingDisposition[] = [];
  let pendingHead = 0;
  let given = 0;
  const deadLetters = { count: 0, examples: [] as string[] };
  const started = performance.now();

  let engine = options.engine;
  const missedAlertIds: string[] = [];
  const confusion = {} as BacktestReport['confusion'];
  for (const verdict of ['true_positive', 'benign_positive', 'false_positive', 'inconclusive'] as const) confusion[verdict] = { malicious: 0, benign: 0, ambiguous: 0 };
  // Scores in 1 % bins per label: the trade-off curve over thresholds without keeping every score.
  const histogram = { malicious: new Array<number>(101).fill(0), benign: new Array<number>(101).fill(0) };
  const learnedAll: EngineDisposition[] = [];
  const recentResults = new Map<string, TriageResult>();
  const labelledGroups = new Set<string>();
  let day: number | undefined;
  let restarts = 0;

  function restart(): void {
    const rows = engine.state.snapshot().map((row) => ({ ...row }));
    const results = new Map<string, TriageResult>();
    for (const id of engine.state.referencedAlertIds(rows)) {
      const result = recentResults.get(id);
      if (result) results.set(id, result);
    }
    engine = options.restartDaily!.createEngine();
    // Memory is rebuilt from the stored dispositions; calibration comes back with the state rows.
    for (const disposition of learnedAll) {
      const { rawProbability: _raw, ...forMemory } = disposition;
      engine.learn(forMemory);
    }
    engine.state.load(rows, results);
    restarts += 1;
  }

  function learnDue(timeMs: number): void {
    while (pendingHead < pending.length && pending[pendingHead]!.dueMs <= timeMs) {
      const disposition = pending[pendingHead++]!;
      const learned: EngineDisposition = {
        ruleName: disposition.ruleName,
        entityKeys: disposition.entityKeys,
        verdict: disposition.verdict,
        timeMs: disposition.timeMs,
        alertId: disposition.alertId,
        ...(disposition.rawProbability !== undefined ? { rawProbability: disposition.rawProbability } : {}),
      };
      engine.learn(learned);
      if (options.restartDaily) learnedAll.push(learned);
      baselineMemory.learn(disposition.ruleName, disposition.hostKey, disposition.verdict === 'true_positive');
      given += 1;
    }
    if (pendingHead > 10_000) {
      pending.splice(0, pendingHead);
      pendingHead = 0;
    }
  }

  /** One second of the stream: restart if a day ended, learn what is due, triage the second as a batch. */
  function processTick(entries: ReadonlyArray<{ alert: Alert; item: BacktestItem; begin: number }>): void {
    const timeMs = Math.min(...entries.map((entry) => Date.parse(entry.alert.time)));
    if (options.restartDaily) {
      const today = Math.floor(timeMs / DAY_MS);
      if (day !== undefined && today > day) restart();
      day = Math.max(day ?? today, today);
    }
    learnDue(timeMs);
    const ordered = canonicalOrder(entries, (entry) => entry.alert);
    const results = engine.triageBatch(ordered.map((entry) => entry.alert));
    ordered.forEach((entry, index) => record(entry.alert, entry.item, entry.begin, results[index]!));
  }

  function record(alert: Alert, item: BacktestItem, begin: number, result: TriageResult): void {
    const timeMs = Date.parse(alert.time);
    if (options.restartDaily && !result.duplicateOf) {
      recentResults.set(result.alertId, result);
      if (recentResults.size > RESULT_CACHE) recentResults.delete(recentResults.keys().next().value!);
    }
    latency.record(performance.now() - begin);
    const hostKey = memoryEntityKeys(alert.entities).find((key) => key.startsWith('host:'));
    const outcome = { expected: item.expected, probabilityMalicious: result.probabilityMalicious, rule: alert.ruleName, ...(item.groupKey ? { groupKey: item.groupKey } : {}) };
    metrics.add({ ...outcome, verdict: result.verdict });
    confusion[result.verdict][item.expected] += 1;
    if (item.expected !== 'ambiguous') histogram[item.expected][Math.min(100, Math.floor(result.probabilityMalicious * 100))]! += 1;
    if (item.expected === 'malicious' && (result.verdict === 'benign_positive' || result.verdict === 'false_positive') && missedAlertIds.length < 500) missedAlertIds.push(result.alertId);
    ruleMemory.add({ ...outcome, verdict: baselineVerdict(baselineMemory.shouldClose(alert.ruleName, undefined)), probabilityMalicious: baselineMemory.rate(alert.ruleName, undefined) });
    ruleHostMemory.add({ ...outcome, verdict: baselineVerdict(baselineMemory.shouldClose(alert.ruleName, hostKey)), probabilityMalicious: baselineMemory.rate(alert.ruleName, hostKey) });
    closeNothing.add({ ...outcome, verdict: 'inconclusive', probabilityMalicious: 0.5 });
    breakdown.add(alert, result, item.expected);
    breakdown.addGroup(item.groupKey, result, item.expected);
    if (item.expectedTechniques && item.expectedTechniques.length > 0)
      techniques.add(
        item.expectedTechniques,
        result.attack.map((technique) => technique.id),
      );
    options.onResult?.(result, item);
    if (item.expected === 'ambiguous') return;
    if (options.feedbackSampling === 'groups') {
      // One label per fingerprint (rule + key entities + time bucket), for a share of them.
      if (labelledGroups.has(result.fingerprint)) return;
      labelledGroups.add(result.fingerprint);
      if (labelledGroups.size > 200_000) labelledGroups.clear();
    }
    if (random() < share) {
      pending.push({
        dueMs: timeMs + delayMs,
        ruleName: alert.ruleName,
        hostKey,
        entityKeys: memoryEntityKeys(alert.entities),
        verdict: item.expected === 'malicious' ? 'true_positive' : 'false_positive',
        timeMs: timeMs + delayMs,
        alertId: alert.id,
        ...(result.engine.calibration ? { rawProbability: result.engine.calibration.rawProbability } : {}),
      });
    }
  }

  // Alerts that share a second are triaged in canonical order, as the runtime does with a batch.
  let second: number | undefined;
  let tick: Array<{ alert: Alert; item: BacktestItem; begin: number }> = [];
  const flush = (): void => {
    if (tick.length > 0) processTick(tick);
    tick = [];
  };
  for await (const item of items) {
    const begin = performance.now();
    let alert: Alert;
    try {
      alert = options.normalize(item.native, item.platform);
    } catch (error) {
      if (!VerdictError.isInstance(error)) throw error;
      deadLetters.count += 1;
      if (deadLetters.examples.length < 5) deadLetters.examples.push(error.message);
      continue;
    }
    const alertSecond = Math.floor(Date.parse(alert.time) / 1000);
    if (alertSecond !== second) {
      flush();
      second = alertSecond;
    }
    tick.push({ alert, item, begin });
  }
  flush();
  const seconds = (performance.now() - started) / 1000;
  const summary = metrics.summary();
  const techniqueSummary = techniques.summary();
  const report: BacktestReport = {
    metrics: summary,
    baselines: { ruleMemory: ruleMemory.summary(), ruleHostMemory: ruleHostMemory.summary(), closeNothing: closeNothing.summary() },
    techniques: techniqueSummary.items > 0 ? techniqueSummary : null,
    perRule: breakdown.rows(),
    missed: breakdown.missed(),
    groups: breakdown.groups(),
    feedback: { given, share, delaySeconds: delayMs / 1000, sampling: options.feedbackSampling ?? 'rows', seed: options.seed ?? DEFAULT_SEED },
    restarts,
    run: { version: VERDICT_VERSION, configDigest: options.engine.configDigest, thresholds: options.thresholds ?? null, share, delaySeconds: delayMs / 1000 },
    missedAlertIds,
    confusion,
    tradeoff: tradeoffCurve(histogram),
    deadLetters,
    throughput: { alerts: summary.alerts, seconds, alertsPerSecond: summary.alerts / Math.max(seconds, 1e-9), p50Ms: latency.percentile(0.5), p99Ms: latency.percentile(0.99) },
  };
  Object.defineProperty(report, 'accumulators', { value: { metrics, ruleMemory, ruleHostMemory, closeNothing }, enumerable: false });
  return report;
}

/**
 * Recall (attacks left open) and reduction (non-attacks closed) for benign thresholds 0.05 … 0.50,
 * from the score histogram: closing is taken as score ≤ threshold (other closing conditions, such
 * as decide.minBenignEvidence, are not replayed).
 */
function tradeoffCurve(histogram: { malicious: number[]; benign: number[] }): BacktestReport['tradeoff'] {
  const totalMalicious = histogram.malicious.reduce((sum, count) => sum + count, 0);
  const totalBenign = histogram.benign.reduce((sum, count) => sum + count, 0);
  const curve: BacktestReport['tradeoff'] = [];
  for (let percent = 5; percent <= 50; percent += 5) {
    let closedMalicious = 0;
    let closedBenign = 0;
    for (let bin = 0; bin < percent; bin += 1) {
      closedMalicious += histogram.malicious[bin]!;
      closedBenign += histogram.benign[bin]!;
    }
    curve.push({
      benignThreshold: percent / 100,
      recall: totalMalicious ? 1 - closedMalicious / totalMalicious : null,
      reduction: totalBenign ? closedBenign / totalBenign : null,
      missedAttacks: closedMalicious,
    });
  }
  return curve;
}

/** A suppression-list baseline either closes the alert or leaves it for an analyst. */
function baselineVerdict(shouldClose: boolean): Verdict {
  return shouldClose ? 'false_positive' : 'inconclusive';
}

/** Small, fast, seedable PRNG (mulberry32): the analysts' sampling must be reproducible. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
