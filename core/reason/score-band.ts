import type { Finding } from '../enrich/enricher.js';
import { evidenceBasis } from '../enrich/evidence-basis.js';
import type { Evidence } from '../spec/evidence.js';
import type { TriageResult, Verdict } from '../spec/result.js';
import { clampProbability, logit as rawLogit, sigmoid } from '../pipeline/log-odds.js';
import { INJECTION_EVIDENCE_KIND } from './injection.js';
import type { ModelAnswer } from './model-answer.js';

/**
 * How far the model may move a verdict, as pure functions. The model's reading becomes a shift of
 * the log-odds of malice, clamped to ±maxLogitShift around the offline score; with strong
 * malicious evidence (or an injection finding) it may not lower the score at all, and it may lower
 * it only by citing benign evidence of Verdict's own knowledge or history (never alert text). The verdict is
 * then recomputed from the caller's thresholds, never taken from the model.
 */

export interface Thresholds {
  truePositive: number;
  benign: number;
}

export interface BandOptions {
  thresholds: Thresholds;
  maxLogitShift: number;
  strongEvidenceWeight: number;
}

const EPSILON = 1e-4;

/** Log-odds of a probability kept off 0 and 1, so a certain score can still be moved. */
export function logit(probability: number): number {
  return rawLogit(clampProbability(probability, EPSILON));
}

export { sigmoid };

/** p ≥ truePositive → true_positive; p ≤ benign → the offline benign class, else false_positive. */
export function verdictFor(probability: number, thresholds: Thresholds, offlineVerdict: Verdict): Verdict {
  if (probability >= thresholds.truePositive) return 'true_positive';
  if (probability <= thresholds.benign) {
    return offlineVerdict === 'benign_positive' || offlineVerdict === 'false_positive' ? offlineVerdict : 'false_positive';
  }
  return 'inconclusive';
}

/** Confidence in the verdict itself: p for true_positive, 1 − p for benign classes, closeness to ½ for an abstention. */
export function confidenceFor(verdict: Verdict, probability: number): number {
  const value = verdict === 'true_positive' ? probability : verdict === 'inconclusive' ? 1 - Math.abs(2 * probability - 1) : 1 - probability;
  return Math.round(value * 1000) / 1000;
}

export function hasStrongMaliciousEvidence(evidence: readonly Evidence[], strongWeight: number): boolean {
  return evidence.some((item) => item.kind === INJECTION_EVIDENCE_KIND || item.weight >= strongWeight);
}

/** Whether the model cited benign evidence (negative weight) that rests on Verdict's knowledge or history, not on alert text. */
export function citesTrustedBenignEvidence(evidence: readonly Evidence[], citedIds: readonly string[]): boolean {
  const cited = new Set(citedIds);
  return evidence.some((item) => cited.has(item.id) && item.weight < 0 && evidenceBasis(item) !== 'alert_text');
}

export interface BandedMove {
  /** Shift the model's answer asked for (log-odds). */
  proposed: number;
  /** Shift applied after the band and the strong-evidence floor. */
  applied: number;
  probability: number;
  verdict: Verdict;
  confidence: number;
  limitedBy: Array<'band' | 'strong-evidence' | 'direction' | 'provenance'>;
}

export function applyAnswer(result: TriageResult, answer: ModelAnswer, options: BandOptions): BandedMove {
  const offline = logit(result.probabilityMalicious);
  const limitedBy: BandedMove['limitedBy'] = [];
  let proposed = 0;
  if (answer.verdict !== 'inconclusive') {
    const implied = answer.verdict === 'true_positive' ? answer.confidence : 1 - answer.confidence;
    proposed = logit(Math.min(0.99, Math.max(0.01, implied))) - offline;
  }
  let applied = proposed;
  const limit = (value: number, reason: BandedMove['limitedBy'][number]): void => {
    applied = value;
    limitedBy.push(reason);
  };
  const isBenignVerdict = answer.verdict === 'benign_positive' || answer.verdict === 'false_positive';
  // A verdict only moves the score its own way: "true_positive, 55 %" never lowers a 90 % score.
  if ((answer.verdict === 'true_positive' && applied < 0) || (isBenignVerdict && applied > 0)) limit(0, 'direction');
  if (Math.abs(applied) > options.maxLogitShift) limit(Math.sign(applied) * options.maxLogitShift, 'band');
  if (applied < 0 && hasStrongMaliciousEvidence(result.evidence, options.strongEvidenceWeight)) limit(0, 'strong-evidence');
  // Toward closing only on benign evidence the alert's source cannot write: whatever the alert text
  // says, and however it is phrased, it is never the basis of a move toward benign.
  if (applied < 0 && !citesTrustedBenignEvidence(result.evidence, answer.citedEvidenceIds)) limit(0, 'provenance');
  const probability = applied === 0 ? result.probabilityMalicious : sigmoid(offline + applied);
  const verdict = applied === 0 ? result.verdict : verdictFor(probability, options.thresholds, result.verdict);
  return {
    proposed: round(proposed),
    applied: round(applied),
    probability,
    verdict,
    confidence: applied === 0 ? result.confidence : confidenceFor(verdict, probability),
    limitedBy,
  };
}

/**
 * Adds an offline finding made at the reason stage (the injection detector) to a result: the
 * evidence, its trace step, and the score and verdict it implies. Not bounded by the band: it is
 * deterministic evidence, not the model's opinion.
 */
export function addFinding(result: TriageResult, finding: Finding, id: string, source: string, thresholds: Thresholds): TriageResult {
  const evidence: Evidence = { id, source, ...finding };
  const probability = sigmoid(logit(result.probabilityMalicious) + finding.weight);
  const verdict = verdictFor(probability, thresholds, result.verdict);
  return {
    ...result,
    evidence: [...result.evidence, evidence],
    probabilityMalicious: probability,
    verdict,
    confidence: confidenceFor(verdict, probability),
    trace: [
      ...result.trace,
      {
        stage: 'reason',
        component: source,
        checked: 'alert text for instructions addressed to an automated triage system',
        found: finding.claim,
        delta: finding.weight,
        scoreAfter: probability,
        evidenceIds: [id],
      },
    ],
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
