import type { TriageResult, Verdict } from './result.js';

/** OCSF `verdict_id` enum (Detection Finding / Incident Finding). */
export const OCSF_VERDICT_ID: Record<Verdict, number> = {
  false_positive: 1,
  true_positive: 2,
  benign_positive: 5,
  inconclusive: 7,
};

const OCSF_VERDICT_NAME: Record<Verdict, string> = {
  false_positive: 'False Positive',
  true_positive: 'True Positive',
  benign_positive: 'Benign',
  inconclusive: 'Unknown',
};

/** The OCSF fields a Detection Finding (class 2004) takes from a verdict. */
export function toOcsfVerdict(result: TriageResult): {
  verdict_id: number;
  verdict: string;
  confidence_score: number;
  risk_score: number;
  comment: string;
} {
  return {
    verdict_id: OCSF_VERDICT_ID[result.verdict],
    verdict: OCSF_VERDICT_NAME[result.verdict],
    confidence_score: Math.round(result.confidence * 100),
    risk_score: Math.round(result.probabilityMalicious * 100),
    comment: result.summary,
  };
}
