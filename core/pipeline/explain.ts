import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TriageResult, Verdict } from '../spec/result.js';
import { lookupTechnique, tacticsOf } from '../enrich/attack-catalog.js';

const VERDICT_WORDS: Record<Verdict, string> = {
  true_positive: 'True positive',
  benign_positive: 'Benign positive',
  false_positive: 'False positive',
  inconclusive: 'Inconclusive',
};

/**
 * Explain stage (pure): a short summary naming the strongest reasons on each side, and the
 * ATT&CK techniques — the rule's own and those read from the event, kept apart by origin.
 */
export function explain(
  alert: Alert,
  verdict: Verdict,
  probabilityMalicious: number,
  evidence: readonly Evidence[],
  appliedWeights: ReadonlyMap<string, number>,
): { summary: string; attack: TriageResult['attack'] } {
  const ranked = [...evidence].sort((left, right) => Math.abs(appliedWeights.get(right.id) ?? 0) - Math.abs(appliedWeights.get(left.id) ?? 0));
  const leaning = verdict === 'true_positive' ? 1 : verdict === 'inconclusive' ? 0 : -1;
  const reasons = ranked
    .filter((item) => {
      const weight = appliedWeights.get(item.id) ?? 0;
      return leaning === 0 ? weight !== 0 : Math.sign(weight) === leaning;
    })
    .slice(0, 3)
    .map((item) => `${stripPeriod(item.claim)} [${item.id}]`);
  const author = alert.ruleAuthor ? ` Rule "${alert.ruleName}" by ${alert.ruleAuthor}.` : '';
  const summary = `${VERDICT_WORDS[verdict]} (${Math.round(probabilityMalicious * 100)}% likely malicious). ${
    reasons.length > 0 ? `${reasons.join('; ')}.` : 'No evidence moved the score from the prior.'
  }${author}`;
  return { summary, attack: techniqueRefs(alert, evidence) };
}

function techniqueRefs(alert: Alert, evidence: readonly Evidence[]): TriageResult['attack'] {
  const refs: TriageResult['attack'] = [];
  const add = (id: string, origin: 'rule' | 'inferred'): void => {
    const upper = id.toUpperCase();
    if (refs.some((ref) => ref.id === upper)) return;
    const technique = lookupTechnique(upper);
    refs.push({ id: upper, name: technique?.name ?? 'not in the bundled ATT&CK v18.1 catalogue', tactics: tacticsOf(upper), origin });
  };
  for (const id of alert.attack) add(id, 'rule');
  for (const item of evidence) for (const id of item.attack ?? []) add(id, 'inferred');
  return refs;
}

function stripPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}
