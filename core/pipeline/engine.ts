import { createHash } from 'node:crypto';
import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, TriageResult } from '../spec/result.js';
import type { VerdictConfig } from '../config/config-schema.js';
import type { EnrichContext, EnricherV1, ObservedOutcome } from '../enrich/enricher.js';
import type { LearnedDisposition, MemoryIndex } from '../enrich/memory.js';
import { VERDICT_VERSION } from '../version.js';
import { PlattCalibrator } from './calibration.js';
import { decide, round } from './decide.js';
import { explain } from './explain.js';
import { fingerprintAlert } from './fingerprint.js';
import { recommend } from './recommend.js';
import { DirtyKeys, type PersistentState, type StateDelta, type StateRow } from './triage-state.js';

export interface TriageEngineOptions {
  config: VerdictConfig;
  enrichers: readonly EnricherV1[];
  memory: MemoryIndex;
  /** Wall clock for `createdAt`; injectable so tests are deterministic. */
  clock?: () => Date;
}

/** A disposition as the engine learns it; `rawProbability` (the alert's uncalibrated score) feeds calibration. */
export type EngineDisposition = LearnedDisposition & { rawProbability?: number };

/** The engine's persisted state: the duplicate cache, calibration and every stateful enricher. */
export interface EngineState {
  /** Result ids the rows refer to: the store must pass those results to `load`. */
  referencedAlertIds(rows: readonly StateRow[]): string[];
  load(rows: readonly StateRow[], results: ReadonlyMap<string, TriageResult>): void;
  /** What changed since the last drain or load. */
  drain(): StateDelta;
  snapshot(): StateRow[];
}

export interface TriageEngine {
  /**
   * normalize has happened; this runs group → enrich → decide → explain → recommend. With
   * `observe: false` (a re-triage of an alert the state has already counted) the alert is judged
   * against the current state but changes nothing: no duplicate lookup, no stream update.
   */
  triage(alert: Alert, options?: { observe?: boolean }): TriageResult;
  /** Feed an analyst disposition into memory and calibration; later verdicts (and duplicates) see it. */
  learn(disposition: EngineDisposition): void;
  readonly stats: { triaged: number; duplicates: number };
  readonly configDigest: string;
  readonly state: EngineState;
}

interface CachedVerdict {
  /** Time bucket of the fingerprint: once the stream is two buckets past it, it can never match again. */
  bucket: number;
  result: TriageResult;
  generation: number;
  outcome: ObservedOutcome;
}

/**
 * The offline triage engine. Synchronous on purpose: every offline enricher is a pure function of
 * the alert and its state, so one process triages tens of thousands of alerts a second. Its state
 * (the stateful enrichers', the duplicate cache, calibration) is persisted through `state`.
 * Callers feed alerts in `canonicalOrder` so that alerts sharing a second get the same verdicts
 * whatever order they arrived in.
 */
export function createTriageEngine(options: TriageEngineOptions): TriageEngine {
  const { config, enrichers, memory } = options;
  const clock = options.clock ?? (() => new Date());
  // Only what changes a verdict goes into the digest: a new server port must not look like a new engine.
  const { decide: decideConfig, group, context: contextConfig, memory: memoryConfig, policy, enrichers: enricherOptions, disabledEnrichers, reason } = config;
  const configDigest = createHash('sha256')
    .update(JSON.stringify({ decideConfig, group, contextConfig, memoryConfig, policy, enricherOptions, disabledEnrichers, reason }))
    .digest('hex')
    .slice(0, 12);
  const calibrator = new PlattCalibrator(config.decide.calibration);
  const calibrate = (raw: number) => calibrator.apply(raw);
  const recent = new Map<string, CachedVerdict>();
  const dirtyRecent = new DirtyKeys('engine.duplicate');
  const stats = { triaged: 0, duplicates: 0 };
  const statefulEnrichers = enrichers.filter((enricher): enricher is EnricherV1 & { state: PersistentState } => (enricher as { state?: PersistentState }).state !== undefined);
  const stateParts: PersistentState[] = [...statefulEnrichers.map((enricher) => enricher.state), calibrator.state];

  function observe(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void {
    for (const enricher of enrichers) enricher.observe?.(alert, context, outcome);
  }

  function triage(alert: Alert, triageOptions: { observe?: boolean } = {}): TriageResult {
    const timeMs = Date.parse(alert.time);
    const isObserved = triageOptions.observe !== false;
    const evidence: Evidence[] = [];
    const context: EnrichContext = { timeMs, evidence };
    const fingerprint = fingerprintAlert(alert, config.group.bucketSeconds, timeMs);
    stats.triaged += 1;
    const cached = isObserved ? recent.get(fingerprint) : undefined;
    if (cached && cached.generation === memory.generation) {
      stats.duplicates += 1;
      observe(alert, context, cached.outcome);
      return asDuplicate(alert, cached.result, config.group.bucketSeconds, clock());
    }

    for (const enricher of enrichers) {
      for (const finding of enricher.enrich(alert, context)) {
        evidence.push({ id: `ev-${evidence.length + 1}`, source: enricher.id, ...finding });
      }
    }
    const decision = decide(alert, evidence, config.decide, calibrate);
    const outcome: ObservedOutcome = { probabilityMalicious: decision.probabilityMalicious, intrinsicProbability: decision.intrinsicProbability };
    if (isObserved) observe(alert, context, outcome);
    const { summary, attack } = explain(alert, decision.verdict, decision.probabilityMalicious, evidence, decision.appliedWeights);
    const recommendedActions = recommend(alert, decision.verdict, decision.confidence, evidence, config.policy);
    const trace: TraceStep[] = [
      {
        stage: 'group',
        component: 'fingerprint',
        checked: `rule + key entities in a ${config.group.bucketSeconds} s bucket`,
        found: `fingerprint ${fingerprint}; no earlier alert in this bucket`,
        delta: 0,
        scoreAfter: round(decision.prior),
        evidenceIds: [],
      },
      ...decision.trace,
      {
        stage: 'recommend',
        component: 'policy',
        checked: `${recommendedActions.length} catalogued actions for ${decision.verdict}`,
        found: recommendedActions.map((action) => `${action.action}${action.requiresApproval ? ' (needs approval)' : ''}`).join(', ') || 'none',
        delta: 0,
        scoreAfter: round(decision.probabilityMalicious),
        evidenceIds: [],
      },
    ];
    const result: TriageResult = {
      alertId: alert.id,
      platform: alert.source.platform,
      ruleName: alert.ruleName,
      ...(alert.ruleAuthor ? { ruleAuthor: alert.ruleAuthor } : {}),
      verdict: decision.verdict,
      confidence: round(decision.confidence, 4),
      probabilityMalicious: round(decision.probabilityMalicious, 4),
      summary,
      evidence,
      attack,
      recommendedActions,
      trace,
      engine: {
        version: VERDICT_VERSION,
        mode: 'offline',
        configDigest,
        calibration: { method: decision.calibration.method, samples: decision.calibration.samples, rawProbability: round(decision.calibration.rawProbability, 6) },
      },
      fingerprint,
      alertTime: alert.time,
      createdAt: clock().toISOString(),
    };
    if (isObserved) remember(fingerprint, { bucket: Math.floor(timeMs / 1000 / config.group.bucketSeconds), result, generation: memory.generation, outcome });
    return result;
  }

  function remember(fingerprint: string, entry: CachedVerdict): void {
    for (const [key, old] of recent) {
      if (recent.size < config.group.maxTracked && old.bucket >= entry.bucket - 1) break;
      recent.delete(key);
      dirtyRecent.remove(key);
    }
    recent.delete(fingerprint);
    recent.set(fingerprint, entry);
    dirtyRecent.touch(fingerprint);
  }

  function encodeCached(entry: CachedVerdict): [number, string, number, number, number] {
    return [entry.bucket, entry.result.alertId, entry.generation, entry.outcome.probabilityMalicious, entry.outcome.intrinsicProbability];
  }

  function decodeCached(encoded: [number, string, number, number, number], results: ReadonlyMap<string, TriageResult>): CachedVerdict | undefined {
    const [bucket, alertId, generation, probabilityMalicious, intrinsicProbability] = encoded;
    const result = results.get(alertId);
    return result ? { bucket, result, generation, outcome: { probabilityMalicious, intrinsicProbability } } : undefined;
  }

  const state: EngineState = {
    referencedAlertIds(rows) {
      const ids = new Set<string>();
      for (const row of rows) {
        if (row.part === 'engine.duplicate') ids.add((JSON.parse(row.body) as [number, string])[1]);
      }
      return [...ids];
    },
    load(rows, results) {
      for (const part of stateParts) part.load(rows.filter((row) => part.parts.includes(row.part)));
      recent.clear();
      const duplicates: Array<[string, CachedVerdict]> = [];
      for (const row of rows) {
        if (row.part === 'engine.duplicate') {
          const entry = decodeCached(JSON.parse(row.body) as [number, string, number, number, number], results);
          if (entry) duplicates.push([row.key, entry]);
        }
      }
      // Insertion order is the eviction order: oldest bucket first, as the live cache had it.
      duplicates.sort((left, right) => left[1].bucket - right[1].bucket || compare(left[0], right[0]));
      for (const [fingerprint, entry] of duplicates) recent.set(fingerprint, entry);
      dirtyRecent.clear();
    },
    drain() {
      const delta: StateDelta = { upserts: [], deletes: [] };
      for (const part of stateParts) part.drain(delta);
      dirtyRecent.drainInto(delta, (key) => {
        const entry = recent.get(key);
        return entry ? JSON.stringify(encodeCached(entry)) : undefined;
      });
      return delta;
    },
    snapshot() {
      const rows = stateParts.flatMap((part) => part.snapshot());
      for (const [fingerprint, entry] of recent) rows.push({ part: 'engine.duplicate', key: fingerprint, body: JSON.stringify(encodeCached(entry)) });
      return rows;
    },
  };

  return {
    triage,
    learn(disposition) {
      memory.learn(disposition);
      if (disposition.rawProbability !== undefined) calibrator.learn(disposition.rawProbability, disposition.verdict === 'true_positive');
    },
    stats,
    configDigest,
    state,
  };
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The second an alert belongs to, for canonical ordering. */
function secondOf(alert: Alert): number {
  return Math.floor(Date.parse(alert.time) / 1000);
}

/** Rule and entities: what an alert is about, independent of where it sits in a feed. */
function contentKey(alert: Alert): string {
  let key = alert.ruleName;
  for (const entity of alert.entities) key += `\u0000${entity.kind}:${entity.role ?? ''}:${entity.value}`;
  return key;
}

/**
 * The canonical order of a batch: by second, then by what each alert is about (rule and entities),
 * then by id. A feed that shuffles alerts within a second is triaged in the same order, so gets the
 * same verdicts; stable across seconds, so a time-ordered feed keeps its order.
 */
export function canonicalOrder<T>(items: readonly T[], alertOf: (item: T) => Alert): T[] {
  const keyed = items.map((item, index) => {
    const alert = alertOf(item);
    return { item, index, second: secondOf(alert), content: contentKey(alert), id: alert.id };
  });
  keyed.sort((left, right) => left.second - right.second || compare(left.content, right.content) || compare(left.id, right.id) || left.index - right.index);
  return keyed.map((entry) => entry.item);
}

/**
 * A duplicate reuses the earlier verdict and says so. It carries one evidence item pointing at the
 * original instead of a copy of its evidence and trace: `verdict explain` on the original shows
 * them, and a duplicate costs (and writes back) little.
 */
function asDuplicate(alert: Alert, original: TriageResult, bucketSeconds: number, now: Date): TriageResult {
  const originalId = original.duplicateOf ?? original.alertId;
  const claim = `Same rule and key entities as alert ${originalId} within the same ${bucketSeconds} s bucket; its verdict is reused.`;
  return {
    alertId: alert.id,
    platform: alert.source.platform,
    ruleName: original.ruleName,
    ...(original.ruleAuthor ? { ruleAuthor: original.ruleAuthor } : {}),
    verdict: original.verdict,
    confidence: original.confidence,
    probabilityMalicious: original.probabilityMalicious,
    summary: `Duplicate of ${originalId}. ${original.summary}`,
    evidence: [{ id: 'ev-1', kind: 'group', claim, weight: 0, source: 'group', refs: [`verdict:${originalId}`] }],
    attack: original.attack,
    recommendedActions: original.recommendedActions,
    trace: [{ stage: 'group', component: 'fingerprint', checked: 'rule + key entities in the same time bucket', found: `duplicate of ${originalId}; its verdict is reused`, delta: 0, scoreAfter: original.probabilityMalicious, evidenceIds: ['ev-1'] }],
    engine: original.engine,
    fingerprint: original.fingerprint,
    duplicateOf: originalId,
    alertTime: alert.time,
    createdAt: now.toISOString(),
  };
}
