import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, Verdict } from '../spec/result.js';
import type { DecideConfig } from '../config/config-schema.js';

import { logit, sigmoid } from './log-odds.js';

export { logit, sigmoid };

export interface Decision {
  verdict: Verdict;
  probabilityMalicious: number;
  confidence: number;
  prior: number;
  /** Probability from the alert alone: everything except stream-context evidence. */
  intrinsicProbability: number;
  /** Evidence weights as applied (after clamping and per-enricher multipliers), by evidence id. */
  appliedWeights: Map<string, number>;
  trace: TraceStep[];
}

export function priorFor(alert: Pick<Alert, 'severity'>, config: DecideConfig): number {
  return config.severityPrior[alert.severity ?? 'unset'];
}

/**
 * Decide stage (pure): prior log-odds plus signed evidence weights → probabilityMalicious →
 * verdict through the thresholds, with the band between them as abstention. Among benign
 * outcomes, the evidence decides between benign positive (expected activity) and false positive
 * (the detection misread the data).
 */
export function decide(alert: Alert, evidence: readonly Evidence[], config: DecideConfig): Decision {
  const prior = priorFor(alert, config);
  let score = logit(prior);
  const trace: TraceStep[] = [];
  const appliedWeights = new Map<string, number>();
  let contextScore = 0;
  let strongestBenign = 0;
  let expectedActivity = 0;
  let detectionError = 0;
  for (const item of evidence) {
    const multiplier = config.enricherWeights[item.source] ?? 1;
    const cap = config.maxWeightPerEvidence;
    // Cap after the multiplier: no single item may move the log-odds by more than the cap.
    const weight = Math.max(-cap, Math.min(cap, item.weight * multiplier));
    appliedWeights.set(item.id, weight);
    score += weight;
    if (item.source === 'context') contextScore += weight;
    if (weight < strongestBenign) strongestBenign = weight;
    if (weight < 0 && item.benignReason === 'expected_activity') expectedActivity -= weight;
    if (weight < 0 && item.benignReason === 'detection_error') detectionError -= weight;
    trace.push({
      stage: 'enrich',
      component: item.source,
      checked: item.kind,
      found: item.claim,
      delta: round(weight),
      scoreAfter: round(sigmoid(score)),
      evidenceIds: [item.id],
    });
  }
  const probabilityMalicious = sigmoid(score);
  const { truePositive, benign } = config.thresholds;
  let verdict: Verdict;
  if (probabilityMalicious >= truePositive) verdict = 'true_positive';
  else if (probabilityMalicious <= benign && -strongestBenign >= config.minBenignEvidence) verdict = detectionError > expectedActivity ? 'false_positive' : 'benign_positive';
  else verdict = 'inconclusive';
  const confidence = verdict === 'inconclusive' ? 1 - Math.abs(2 * probabilityMalicious - 1) : Math.max(probabilityMalicious, 1 - probabilityMalicious);
  trace.push({
    stage: 'decide',
    component: 'scorer',
    checked: `prior ${round(prior)} from ${alert.severity ?? 'unset'} severity, ${evidence.length} evidence items, thresholds ${benign} / ${truePositive}${config.minBenignEvidence > 0 ? `, closing needs benign evidence of weight ${config.minBenignEvidence}` : ''}`,
    found: `probability malicious ${round(probabilityMalicious)} → ${verdict}`,
    delta: 0,
    scoreAfter: round(probabilityMalicious),
    evidenceIds: [],
  });
  return { verdict, probabilityMalicious, confidence, prior, intrinsicProbability: sigmoid(score - contextScore), appliedWeights, trace };
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
