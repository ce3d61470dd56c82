import type { Alert } from '../spec/alert.js';
import type { TriageResult } from '../spec/result.js';
import type { ExpectedLabel } from './metrics.js';

export interface RuleRow {
  rule: string;
  alerts: number;
  malicious: number;
  benign: number;
  closed: number;
  closedBenign: number;
  missedAttacks: number;
  truePositiveVerdicts: number;
  inconclusive: number;
  /** Share of this rule's scored alerts that were not attacks. */
  falsePositiveRate: number | null;
}

export interface MissedGroup {
  rule: string;
  host: string;
  count: number;
  firstTime: string;
  verdict: string;
  summary: string;
}

export interface GroupRow {
  group: string;
  expected: ExpectedLabel;
  alerts: number;
  closed: number;
  truePositiveVerdicts: number;
  inconclusive: number;
  /** Summary of the first alert left open (for benign groups) or closed (for attack groups). */
  example: string | undefined;
}

/** Per-rule agreement, what would have been auto-closed, and which attacks would have been missed. */
export class RuleBreakdown {
  private readonly rules = new Map<string, RuleRow>();
  private readonly missedGroups = new Map<string, MissedGroup>();
  private readonly groupRows = new Map<string, GroupRow>();

  addGroup(groupKey: string | undefined, result: TriageResult, expected: ExpectedLabel): void {
    if (groupKey === undefined || expected === 'ambiguous') return;
    let row = this.groupRows.get(groupKey);
    if (!row) {
      row = { group: groupKey.replaceAll('\u0000', ' | '), expected, alerts: 0, closed: 0, truePositiveVerdicts: 0, inconclusive: 0, example: undefined };
      this.groupRows.set(groupKey, row);
    }
    row.alerts += 1;
    const closed = result.verdict === 'benign_positive' || result.verdict === 'false_positive';
    if (closed) row.closed += 1;
    if (result.verdict === 'true_positive') row.truePositiveVerdicts += 1;
    if (result.verdict === 'inconclusive') row.inconclusive += 1;
    if (row.example === undefined && (expected === 'benign') !== closed) row.example = `${result.verdict} ${result.probabilityMalicious}: ${result.summary.slice(0, 300)}`;
  }

  /** Groups sorted worst first: attack groups by share closed, then benign groups by share left open. */
  groups(): GroupRow[] {
    return [...this.groupRows.values()].sort((left, right) => badness(right) - badness(left));
  }

  add(alert: Alert, result: TriageResult, expected: ExpectedLabel): void {
    let row = this.rules.get(alert.ruleName);
    if (!row) {
      row = { rule: alert.ruleName, alerts: 0, malicious: 0, benign: 0, closed: 0, closedBenign: 0, missedAttacks: 0, truePositiveVerdicts: 0, inconclusive: 0, falsePositiveRate: null };
      this.rules.set(alert.ruleName, row);
    }
    row.alerts += 1;
    const closed = result.verdict === 'benign_positive' || result.verdict === 'false_positive';
    if (closed) row.closed += 1;
    if (result.verdict === 'true_positive') row.truePositiveVerdicts += 1;
    if (result.verdict === 'inconclusive') row.inconclusive += 1;
    if (expected === 'malicious') {
      row.malicious += 1;
      if (closed) {
        row.missedAttacks += 1;
        const host = alert.entities.find((entity) => entity.kind === 'host')?.value ?? '(no host)';
        const key = `${alert.ruleName}\u0000${host}`;
        const group = this.missedGroups.get(key);
        if (group) group.count += 1;
        else this.missedGroups.set(key, { rule: alert.ruleName, host, count: 1, firstTime: alert.time, verdict: result.verdict, summary: result.summary.slice(0, 400) });
      }
    } else if (expected === 'benign') {
      row.benign += 1;
      if (closed) row.closedBenign += 1;
    }
  }

  rows(): RuleRow[] {
    return [...this.rules.values()]
      .map((row) => ({ ...row, falsePositiveRate: row.malicious + row.benign > 0 ? row.benign / (row.malicious + row.benign) : null }))
      .sort((left, right) => right.alerts - left.alerts);
  }

  missed(): MissedGroup[] {
    return [...this.missedGroups.values()].sort((left, right) => right.count - left.count);
  }
}

function badness(row: GroupRow): number {
  return row.expected === 'malicious' ? 1 + row.closed / row.alerts : 1 - row.closed / row.alerts;
}
