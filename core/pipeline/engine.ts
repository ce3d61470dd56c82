import { createHash } from 'node:crypto';
import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, TriageResult } from '../spec/result.js';
import type { VerdictConfig } from '../config/config-schema.js';
import type { EnrichContext, EnricherV1, Finding, ObservedOutcome } from '../enrich/enricher.js';
import type { LearnedDisposition, MemoryIndex } from '../enrich/memory.js';
import { evidenceBasis } from '../enrich/evidence-basis.js';
import { VERDICT_VERSION } from '../version.js';
import { createCalibrator } from './calibration.js';
import { decide, round } from './decide.js';
import { explain } from './explain.js';
import { fingerprintAlert } from './fingerprint.js';
import { recommend } from './recommend.js';
import { canonicalIndexOrder, compare } from './canonical-order.js';
import { createDuplicateMaker } from './duplicate-result.js';
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
   * again but changes nothing: no duplicate lookup, no stream update. With `previous` (its stored
   * verdict) the stream-context evidence is taken from it — it describes the stream around the
   * alert when it was raised, which the current state (later alerts) no longer does — while memory,
   * suppressions and calibration are applied as they are now.
   */
  triage(alert: Alert, options?: { observe?: boolean; previous?: TriageResult }): TriageResult;
  /**
   * Triage many alerts as one stream segment, in canonical order (by second, then content), a
   * second at a time; results come back in the order given. A feed that shuffles alerts within a
   * second gets the same verdicts.
   */
  triageBatch(alerts: readonly Alert[]): TriageResult[];
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
  // Only what changes a verdict goes into the digest: a new server port must not look like a new engine.
  const { decide: decideConfig, group, context: contextConfig, memory: memoryConfig, policy, enrichers: enricherOptions, disabledEnrichers, reason } = config;
  const configDigest = createHash('sha256').update(JSON.stringify({ decideConfig, group, contextConfig, memoryConfig, policy, enricherOptions, disabledEnrichers, reason })).digest('hex').slice(0, 12);
  const calibrator = createCalibrator(config.decide.calibration);
  const calibrate = (raw: number) => calibrator.apply(raw);
  const recent = new Map<string, CachedVerdict>();
  const dirtyRecent = new DirtyKeys('engine.duplicate');
  const stats = { triaged: 0, duplicates: 0 };
  const asDuplicate = createDuplicateMaker(config.group.bucketSeconds);
  let lastCreatedMs = Number.NaN;
  let lastCreatedAt = '';
  /** `createdAt` from the clock; results of one millisecond share its text (toISOString costs more than the rest of a duplicate). */
  function createdAt(): string {
    // The wall clock is read without a Date per alert; an injected clock is asked every time.
    const ms = options.clock ? options.clock().getTime() : Date.now();
    if (ms !== lastCreatedMs) {
      lastCreatedMs = ms;
      lastCreatedAt = new Date(ms).toISOString();
    }
    return lastCreatedAt;
  }
  const statefulEnrichers = enrichers.filter((enricher): enricher is EnricherV1 & { state: PersistentState } => (enricher as { state?: PersistentState }).state !== undefined);
  const stateParts: PersistentState[] = [...statefulEnrichers.map((enricher) => enricher.state), calibrator.state];

  function observe(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void {
    for (const enricher of enrichers) enricher.observe?.(alert, context, outcome);
  }

  const tickEnrichers = enrichers.filter((enricher) => enricher.beginTick !== undefined);
  const alertOnlyEnrichers = enrichers.filter((enricher) => enricher.beginTick === undefined);

  function cachedFor(fingerprint: string): CachedVerdict | undefined {
    const cached = recent.get(fingerprint);
    return cached && cached.generation === memory.generation ? cached : undefined;
  }

  /** Alert-only enrichers all run before the stream ones: their evidence can be computed once and reused. */
  const canReuseAlertEvidence = enrichers.findIndex((enricher) => enricher.beginTick !== undefined) >= enrichers.length - tickEnrichers.length;

  /** What the alert-only enrichers find: the start of its evidence, in enricher order. */
  function alertOnlyEvidence(alert: Alert, timeMs: number): Evidence[] {
    const evidence: Evidence[] = [];
    const context: EnrichContext = { timeMs, evidence };
    for (const enricher of alertOnlyEnrichers) {
      for (const finding of enricher.enrich(alert, context)) evidence.push({ id: `ev-${evidence.length + 1}`, source: enricher.id, ...finding, basis: evidenceBasis({ source: enricher.id }) });
    }
    return evidence;
  }

  interface Judged {
    result: TriageResult;
    outcome: ObservedOutcome;
    fingerprint: string;
    timeMs: number;
    isDuplicate: boolean;
  }

  /**
   * Alerts in canonical order, judged a second at a time: the alerts of one second are told of each
   * other first (so each sees the others, whatever their arrival order), then judged against the
   * state as it stood when the second began, then observed, in canonical order.
   */
  function triageBatch(alerts: readonly Alert[]): TriageResult[] {
    const { order, seconds, times } = canonicalIndexOrder(alerts);
    const results: TriageResult[] = new Array(alerts.length);
    for (let start = 0; start < order.length; ) {
      const second = seconds[order[start]!]!;
      let end = start + 1;
      while (end < order.length && seconds[order[end]!] === second) end += 1;
      // A second with one alert, or one fingerprint (a flood): each is judged, observed and remembered
      // in turn; the rest of a flood reuses the first's verdict, so nothing depends on their order.
      let single = end - start === 1 ? undefined : fingerprintAlert(alerts[order[start]!]!, config.group.bucketSeconds, times[order[start]!]);
      for (let position = start + 1; single !== undefined && position < end; position += 1) {
        if (fingerprintAlert(alerts[order[position]!]!, config.group.bucketSeconds, times[order[position]!]) !== single) single = undefined;
      }
      if (end - start === 1 || single !== undefined) {
        for (let position = start; position < end; position += 1) {
          const index = order[position]!;
          const alert = alerts[index]!;
          const entry = judge(alert, true, undefined, single, undefined, times[index]);
          observe(alert, { timeMs: entry.timeMs, evidence: entry.result.evidence }, entry.outcome);
          results[index] = entry.result;
          if (!entry.isDuplicate)
            remember(entry.fingerprint, { bucket: Math.floor(entry.timeMs / 1000 / config.group.bucketSeconds), result: entry.result, generation: memory.generation, outcome: entry.outcome });
        }
        start = end;
        continue;
      }
      const group = order.slice(start, end).map((index) => ({ alert: alerts[index]!, index }));
      const prepared = group.map(({ alert, index }) => {
        const timeMs = times[index]!;
        return { alert, timeMs, fingerprint: fingerprintAlert(alert, config.group.bucketSeconds, timeMs) };
      });
      // Same-second alerts with one fingerprint: the first in canonical order is judged, the rest reuse it.
      const firstOf = new Map<string, (typeof prepared)[number]>();
      for (const entry of prepared) if (!firstOf.has(entry.fingerprint)) firstOf.set(entry.fingerprint, entry);
      // Peers are told once per fingerprint (same rule and entities: a flood adds nothing new to its second).
      const hasPeers = firstOf.size > 1 && tickEnrichers.length > 0;
      const alertEvidence = new Map<string, { evidence: Evidence[]; intrinsic: number }>();
      if (hasPeers) {
        // What each alert says by itself; judging reuses it (the stream enrichers run after).
        const peers = [...firstOf.values()].map(({ alert, timeMs, fingerprint }) => {
          const cached = cachedFor(fingerprint);
          if (cached) return { alert, intrinsic: cached.outcome.intrinsicProbability };
          const evidence = alertOnlyEvidence(alert, timeMs);
          const own = { evidence, intrinsic: decide(alert, evidence, config.decide).intrinsicProbability };
          alertEvidence.set(fingerprint, own);
          return { alert, intrinsic: own.intrinsic };
        });
        for (const enricher of tickEnrichers) enricher.beginTick!(peers);
      }
      const judgedFirst = new Map<string, Judged>();
      const judged = prepared.map(({ alert, timeMs, fingerprint }): Judged => {
        const first = judgedFirst.get(fingerprint);
        if (first && !cachedFor(fingerprint)) {
          stats.triaged += 1;
          stats.duplicates += 1;
          return { result: asDuplicate(alert, first.result, createdAt()), outcome: first.outcome, fingerprint, timeMs, isDuplicate: true };
        }
        const reusable = canReuseAlertEvidence && firstOf.get(fingerprint)!.alert === alert ? alertEvidence.get(fingerprint)?.evidence : undefined;
        const entry = judge(alert, true, undefined, fingerprint, reusable, timeMs);
        if (!judgedFirst.has(fingerprint)) judgedFirst.set(fingerprint, entry);
        return entry;
      });
      if (hasPeers) for (const enricher of tickEnrichers) enricher.endTick?.();
      const originals = new Map<string, Judged>();
      group.forEach(({ alert, index }, position) => {
        const entry = judged[position]!;
        observe(alert, { timeMs: entry.timeMs, evidence: entry.result.evidence }, entry.outcome);
        results[index] = entry.result;
        // Of same-second alerts with one fingerprint, the first in canonical order is the original.
        if (!entry.isDuplicate && !originals.has(entry.fingerprint)) originals.set(entry.fingerprint, entry);
      });
      for (const [fingerprint, entry] of originals) {
        remember(fingerprint, { bucket: Math.floor(entry.timeMs / 1000 / config.group.bucketSeconds), result: entry.result, generation: memory.generation, outcome: entry.outcome });
      }
      start = end;
    }
    return results;
  }

  function triage(alert: Alert, triageOptions: { observe?: boolean; previous?: TriageResult } = {}): TriageResult {
    return triageOptions.observe === false ? judge(alert, false, triageOptions.previous).result : triageBatch([alert])[0]!;
  }

  function judge(alert: Alert, lookupDuplicate: boolean, previous?: TriageResult, knownFingerprint?: string, alertEvidenceDone?: readonly Evidence[], knownTimeMs?: number): Judged {
    const timeMs = knownTimeMs ?? Date.parse(alert.time);
    const fingerprint = knownFingerprint ?? fingerprintAlert(alert, config.group.bucketSeconds, timeMs);
    stats.triaged += 1;
    const cached = lookupDuplicate ? cachedFor(fingerprint) : undefined;
    if (cached) {
      stats.duplicates += 1;
      return { result: asDuplicate(alert, cached.result, createdAt()), outcome: cached.outcome, fingerprint, timeMs, isDuplicate: true };
    }
    const evidence: Evidence[] = alertEvidenceDone ? [...alertEvidenceDone] : [];
    const context: EnrichContext = { timeMs, evidence };

    for (const enricher of alertEvidenceDone ? tickEnrichers : enrichers) {
      const findings = previous && enricher.beginTick ? previousFindings(previous, enricher.id) : enricher.enrich(alert, context);
      for (const finding of findings) {
        evidence.push({ id: `ev-${evidence.length + 1}`, source: enricher.id, ...finding, basis: evidenceBasis({ source: enricher.id }) });
      }
    }
    const decision = decide(alert, evidence, config.decide, calibrate);
    const outcome: ObservedOutcome = { probabilityMalicious: decision.probabilityMalicious, intrinsicProbability: decision.intrinsicProbability };
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
      createdAt: createdAt(),
    };
    return { result, outcome, fingerprint, timeMs, isDuplicate: false };
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
    triageBatch,
    learn(disposition) {
      memory.learn(disposition);
      if (disposition.rawProbability !== undefined) calibrator.learn(disposition.rawProbability, disposition.verdict === 'true_positive');
    },
    stats,
    configDigest,
    state,
  };
}

/** The stream-context findings a stored verdict had (a duplicate's come from its original, which it does not carry). */
function previousFindings(previous: TriageResult, source: string): Finding[] {
  return previous.evidence.filter((item) => item.source === source).map(({ id: _id, source: _source, ...finding }) => finding);
}
