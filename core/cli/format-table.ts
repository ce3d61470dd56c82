import type { TriageResult, Verdict } from '../spec/result.js';

const SHORT: Record<Verdict, string> = {
  true_positive: 'TRUE POS',
  benign_positive: 'BENIGN',
  false_positive: 'FALSE POS',
  inconclusive: 'INCONCL.',
};

/** One readable line per verdict: id, verdict, probability, rule, and the first reason. */
export function formatTableRow(result: TriageResult): string {
  const reason = result.duplicateOf ? `duplicate of ${result.duplicateOf}` : firstReason(result);
  return [pad(result.alertId, 14), pad(SHORT[result.verdict], 9), pad(`${Math.round(result.probabilityMalicious * 100)}%`, 4), pad(result.ruleName, 46), reason].join('  ');
}

export function formatTableHeader(): string {
  return [pad('ALERT', 14), pad('VERDICT', 9), pad('P', 4), pad('RULE', 46), 'WHY'].join('  ');
}

function firstReason(result: TriageResult): string {
  const decided = result.evidence.filter((item) => item.weight !== 0).sort((left, right) => Math.abs(right.weight) - Math.abs(left.weight))[0];
  return decided ? truncate(decided.claim, 90) : 'no evidence beyond the prior';
}

function pad(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - cut.length));
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}
