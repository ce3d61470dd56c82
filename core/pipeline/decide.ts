import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, Verdict } from '../spec/result.js';
import type { DecideConfig } from '../config/config-schema.js';

import { logit, sigmoid } from './log-odds.js';
import type { CalibrationInfo } from './calibration.js';

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
  /** Which calibration map turned the score into probabilityMalicious. */
  calibration: CalibrationInfo;
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
/** The ref the context enricher puts on its claims while the network has no baseline yet. */
export const BASELINE_IMMATURE_REF = 'baseline:immature';

export type Calibrate = (rawProbability: number) => { probability: number; info: CalibrationInfo };

const IDENTITY: Calibrate = (rawProbability) => ({ probability: rawProbability, info: { method: 'none', samples: 0, rawProbability } });

export function decide(alert: Alert, evidence: readonly Evidence[], config: DecideConfig, calibrate: Calibrate = IDENTITY): Decision {
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
      // The claim is in the evidence item; the step cites it rather than repeating it.
      found: `[${item.id}]`,
      delta: round(weight),
      scoreAfter: round(sigmoid(score)),
      evidenceIds: [item.id],
    });
  }
  const rawProbability = sigmoid(score);
  const { probability: probabilityMalicious, info: calibration } = calibrate(rawProbability);
  if (calibration.method === 'isotonic') {
    trace.push({
      stage: 'decide',
      component: 'calibration',
      checked: `isotonic map learned from ${calibration.samples} analyst dispositions`,
      found: `score ${round(rawProbability)} -> probability ${round(probabilityMalicious)}`,
      delta: round(logit(probabilityMalicious) - score),
      scoreAfter: round(probabilityMalicious),
      evidenceIds: [],
    });
  }
  const { truePositive, benign } = config.thresholds;
  // A new deployment (no network baseline yet) closes only with strong benign evidence.
  const isColdStart = evidence.some((item) => item.refs.includes(BASELINE_IMMATURE_REF));
  const minBenignEvidence = isColdStart ? Math.max(config.minBenignEvidence, config.coldStartMinBenignEvidence) : config.minBenignEvidence;
  let verdict: Verdict;
  if (probabilityMalicious >= truePositive) verdict = 'true_positive';
  else if (probabilityMalicious <= benign && -strongestBenign >= minBenignEvidence) verdict = detectionError > expectedActivity ? 'false_positive' : 'benign_positive';
  else verdict = 'inconclusive';
  const confidence = confidenceOf(verdict, probabilityMalicious, config.thresholds);
  trace.push({
    stage: 'decide',
    component: 'scorer',
    checked: `prior ${round(prior)} from ${alert.severity ?? 'unset'} severity, ${evidence.length} evidence items, thresholds ${benign} / ${truePositive}${minBenignEvidence > 0 ? `, closing needs benign evidence of weight ${minBenignEvidence}${isColdStart && minBenignEvidence > config.minBenignEvidence ? ' (no network baseline yet)' : ''}` : ''}`,
    found: `probability malicious ${round(probabilityMalicious)} -> ${verdict}`,
    delta: 0,
    scoreAfter: round(probabilityMalicious),
    evidenceIds: [],
  });
  return { verdict, probabilityMalicious, confidence, prior, intrinsicProbability: sigmoid(score - contextScore), appliedWeights, calibration, trace };
}

/**
 * Confidence in the verdict given. true_positive: p. benign_positive / false_positive: 1 − p.
 * inconclusive: how far the probability leans to one side inside the abstain band, from 0 at its
 * middle to 0.5 at its edges — always below the confidence of any decided verdict, so a playbook
 * that acts on high confidence never acts on an abstention.
 */
export function confidenceOf(verdict: Verdict, probability: number, thresholds: { truePositive: number; benign: number }): number {
  if (verdict === 'true_positive') return probability;
  if (verdict === 'benign_positive' || verdict === 'false_positive') return 1 - probability;
  const middle = (thresholds.truePositive + thresholds.benign) / 2;
  const halfWidth = (thresholds.truePositive - thresholds.benign) / 2;
  return Math.min(0.5, (0.5 * Math.abs(probability - middle)) / halfWidth);
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
