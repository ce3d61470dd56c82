import { createHash } from 'node:crypto';
import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, TriageResult } from '../spec/result.js';
import type { VerdictConfig } from '../config/config-schema.js';
import type { EnrichContext, EnricherV1, ObservedOutcome } from '../enrich/enricher.js';
import type { LearnedDisposition, MemoryIndex } from '../enrich/memory.js';
import { VERDICT_VERSION } from '../version.js';
import { decide, round } from './decide.js';
import { explain } from './explain.js';
import { fingerprintAlert } from './fingerprint.js';
import { recommend } from './recommend.js';

export interface TriageEngineOptions {
  config: VerdictConfig;
  enrichers: readonly EnricherV1[];
  memory: MemoryIndex;
  /** Wall clock for `createdAt`; injectable so tests are deterministic. */
  clock?: () => Date;
}

export interface TriageEngine {
  /** normalize has happened; this runs group → enrich → decide → explain → recommend. */
  triage(alert: Alert): TriageResult;
  /** Feed an analyst disposition into memory; later verdicts (and duplicates) see it. */
  learn(disposition: LearnedDisposition): void;
  readonly stats: { triaged: number; duplicates: number };
  readonly configDigest: string;
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
 * the alert and data loaded at start, so one process triages tens of thousands of alerts a second.
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
  const recent = new Map<string, CachedVerdict>();
  const stats = { triaged: 0, duplicates: 0 };

  function observe(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void {
    for (const enricher of enrichers) enricher.observe?.(alert, context, outcome);
  }

  function triage(alert: Alert): TriageResult {
    const timeMs = Date.parse(alert.time);
    const evidence: Evidence[] = [];
    const context: EnrichContext = { timeMs, evidence };
    const fingerprint = fingerprintAlert(alert, config.group.bucketSeconds, timeMs);
    stats.triaged += 1;
    const cached = recent.get(fingerprint);
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
    const decision = decide(alert, evidence, config.decide);
    const outcome: ObservedOutcome = { probabilityMalicious: decision.probabilityMalicious, intrinsicProbability: decision.intrinsicProbability };
    observe(alert, context, outcome);
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
      engine: { version: VERDICT_VERSION, mode: 'offline', configDigest },
      fingerprint,
      alertTime: alert.time,
      createdAt: clock().toISOString(),
    };
    remember(fingerprint, Math.floor(timeMs / 1000 / config.group.bucketSeconds), result, outcome);
    return result;
  }

  function remember(fingerprint: string, bucket: number, result: TriageResult, outcome: ObservedOutcome): void {
    for (const [key, entry] of recent) {
      if (recent.size < config.group.maxTracked && entry.bucket >= bucket - 1) break;
      recent.delete(key);
    }
    recent.set(fingerprint, { bucket, result, generation: memory.generation, outcome });
  }

  return {
    triage,
    learn(disposition) {
      memory.learn(disposition);
    },
    stats,
    configDigest,
  };
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
