import type { Verdict } from '../spec/result.js';

/** What the labels say an alert was. Ambiguous alerts are replayed but never scored. */
export type ExpectedLabel = 'malicious' | 'benign' | 'ambiguous';

export interface ScoredOutcome {
  expected: ExpectedLabel;
  verdict: Verdict;
  probabilityMalicious: number;
  /** Group for the group view (e.g. alert type × host × label); undefined = the item is its own group. */
  groupKey?: string;
  rule: string;
}

export interface DatasetMetrics {
  alerts: number;
  scored: number;
  /** Share of true attacks not closed as benign / false (inconclusive counts as not closed). */
  truePositiveRecall: number | null;
  /** Share of true attacks given true_positive (the stricter reading). */
  strictTruePositiveRecall: number | null;
  /** Share of auto-closed alerts that truly were not attacks. */
  autoClosePrecision: number | null;
  /** Share of non-attack alerts auto-closed. */
  reduction: number | null;
  abstainRate: number | null;
  abstainRateMalicious: number | null;
  abstainRateBenign: number | null;
  /** Verdict agreement (abstention counts as disagreeing) and over decided items only. */
  agreement: number | null;
  agreementDecided: number | null;
  /** Mean F1 of the expected classes present (attack vs not attack). */
  macroF1: number | null;
  /** Expected calibration error of probabilityMalicious, 10 equal-width bins. */
  ece: number | null;
  groupRecall: number | null;
  groupReduction: number | null;
  groups: { malicious: number; benign: number };
  /** Attacks closed as benign or false: the costliest error. */
  missedAttacks: number;
  reliability: ReliabilityBin[];
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanProbability: number;
  observedRate: number;
}

const isClosed = (verdict: Verdict): boolean => verdict === 'benign_positive' || verdict === 'false_positive';

interface GroupTally {
  expected: 'malicious' | 'benign';
  total: number;
  closed: number;
}

/** Accumulates outcomes in one pass, in constant memory per group; `summary()` is pure. */
export class MetricsAccumulator {
  private alerts = 0;
  private malicious = 0;
  private benign = 0;
  private maliciousNotClosed = 0;
  private maliciousTruePositive = 0;
  private maliciousAbstained = 0;
  private benignClosed = 0;
  private benignAbstained = 0;
  private benignTruePositive = 0;
  private readonly bins = Array.from({ length: 10 }, () => ({ count: 0, probabilitySum: 0, positives: 0 }));
  private readonly groups = new Map<string, GroupTally>();
  private anonymousGroups = 0;

  /** Folds another accumulator in (pooling data sets); group keys must already be distinct. */
  merge(other: MetricsAccumulator): void {
    this.alerts += other.alerts;
    this.malicious += other.malicious;
    this.benign += other.benign;
    this.maliciousNotClosed += other.maliciousNotClosed;
    this.maliciousTruePositive += other.maliciousTruePositive;
    this.maliciousAbstained += other.maliciousAbstained;
    this.benignClosed += other.benignClosed;
    this.benignAbstained += other.benignAbstained;
    this.benignTruePositive += other.benignTruePositive;
    other.bins.forEach((bin, index) => {
      const mine = this.bins[index]!;
      mine.count += bin.count;
      mine.probabilitySum += bin.probabilitySum;
      mine.positives += bin.positives;
    });
    for (const [key, group] of other.groups) {
      const mine = this.groups.get(key);
      if (mine) {
        mine.total += group.total;
        mine.closed += group.closed;
      } else {
        this.groups.set(key, { ...group });
      }
    }
  }

  add(outcome: ScoredOutcome): void {
    this.alerts += 1;
    if (outcome.expected === 'ambiguous') return;
    const closed = isClosed(outcome.verdict);
    const isMalicious = outcome.expected === 'malicious';
    if (isMalicious) {
      this.malicious += 1;
      if (!closed) this.maliciousNotClosed += 1;
      if (outcome.verdict === 'true_positive') this.maliciousTruePositive += 1;
      if (outcome.verdict === 'inconclusive') this.maliciousAbstained += 1;
    } else {
      this.benign += 1;
      if (closed) this.benignClosed += 1;
      if (outcome.verdict === 'inconclusive') this.benignAbstained += 1;
      if (outcome.verdict === 'true_positive') this.benignTruePositive += 1;
    }
    const bin = this.bins[Math.min(9, Math.floor(outcome.probabilityMalicious * 10))]!;
    bin.count += 1;
    bin.probabilitySum += outcome.probabilityMalicious;
    if (isMalicious) bin.positives += 1;
    const key = outcome.groupKey ?? `#${this.anonymousGroups++}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { expected: outcome.expected, total: 0, closed: 0 };
      this.groups.set(key, group);
    }
    group.total += 1;
    if (closed) group.closed += 1;
  }

  summary(): DatasetMetrics {
    const scored = this.malicious + this.benign;
    const closed = this.benignClosed + (this.malicious - this.maliciousNotClosed);
    const abstained = this.maliciousAbstained + this.benignAbstained;
    const decided = scored - abstained;
    const agreeing = this.maliciousTruePositive + this.benignClosed;
    const f1s: number[] = [];
    if (this.malicious > 0) f1s.push(f1(this.maliciousTruePositive, this.maliciousTruePositive + this.benignTruePositive, this.malicious));
    if (this.benign > 0) f1s.push(f1(this.benignClosed, closed, this.benign));
    const reliability = this.bins.map((bin, index) => ({
      from: index / 10,
      to: (index + 1) / 10,
      count: bin.count,
      meanProbability: bin.count ? bin.probabilitySum / bin.count : 0,
      observedRate: bin.count ? bin.positives / bin.count : 0,
    }));
    const ece = scored === 0 ? null : reliability.reduce((sum, bin) => sum + (bin.count / scored) * Math.abs(bin.meanProbability - bin.observedRate), 0);
    let groupRecallSum = 0;
    let groupReductionSum = 0;
    let maliciousGroups = 0;
    let benignGroups = 0;
    for (const group of this.groups.values()) {
      if (group.expected === 'malicious') {
        maliciousGroups += 1;
        groupRecallSum += (group.total - group.closed) / group.total;
      } else {
        benignGroups += 1;
        groupReductionSum += group.closed / group.total;
      }
    }
    return {
      alerts: this.alerts,
      scored,
      truePositiveRecall: ratio(this.maliciousNotClosed, this.malicious),
      strictTruePositiveRecall: ratio(this.maliciousTruePositive, this.malicious),
      autoClosePrecision: ratio(this.benignClosed, closed),
      reduction: ratio(this.benignClosed, this.benign),
      abstainRate: ratio(abstained, scored),
      abstainRateMalicious: ratio(this.maliciousAbstained, this.malicious),
      abstainRateBenign: ratio(this.benignAbstained, this.benign),
      agreement: ratio(agreeing, scored),
      agreementDecided: ratio(agreeing, decided),
      macroF1: f1s.length ? f1s.reduce((sum, value) => sum + value, 0) / f1s.length : null,
      ece,
      groupRecall: ratio(groupRecallSum, maliciousGroups),
      groupReduction: ratio(groupReductionSum, benignGroups),
      groups: { malicious: maliciousGroups, benign: benignGroups },
      missedAttacks: this.malicious - this.maliciousNotClosed,
      reliability,
    };
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

/** F1 from true positives, predicted positives and actual positives. */
export function f1(truePositives: number, predicted: number, actual: number): number {
  if (truePositives === 0) return 0;
  const precision = truePositives / predicted;
  const recall = truePositives / actual;
  return (2 * precision * recall) / (precision + recall);
}

/** Technique mapping scores: exact ids and parent-technique matches reported apart. */
export class TechniqueAccumulator {
  private items = 0;
  private allCoveredExact = 0;
  private allCoveredParent = 0;
  private expectedTotal = 0;
  private predictedTotal = 0;
  private exactHits = 0;
  private parentHits = 0;
  private predictedExactCorrect = 0;
  private predictedParentCorrect = 0;

  add(expected: readonly string[], predicted: readonly string[]): void {
    if (expected.length === 0) return;
    this.items += 1;
    const predictedSet = new Set(predicted.map((id) => id.toUpperCase()));
    const predictedParents = new Set([...predictedSet].map(parentOf));
    let coveredExact = 0;
    let coveredParent = 0;
    for (const id of expected) {
      const upper = id.toUpperCase();
      if (predictedSet.has(upper)) {
        this.exactHits += 1;
        coveredExact += 1;
      }
      if (predictedParents.has(parentOf(upper))) {
        this.parentHits += 1;
        coveredParent += 1;
      }
    }
    if (coveredExact === expected.length) this.allCoveredExact += 1;
    if (coveredParent === expected.length) this.allCoveredParent += 1;
    this.expectedTotal += expected.length;
    this.predictedTotal += predictedSet.size;
    const expectedSet = new Set(expected.map((id) => id.toUpperCase()));
    const expectedParents = new Set([...expectedSet].map(parentOf));
    for (const id of predictedSet) {
      if (expectedSet.has(id)) this.predictedExactCorrect += 1;
      if (expectedParents.has(parentOf(id))) this.predictedParentCorrect += 1;
    }
  }

  /**
   * `accuracy`: share of items whose expected ids all appear exactly; `accuracyParent` compares
   * at parent-technique level (T1059.001 and T1059 both roll up to T1059).
   */
  summary(): { items: number; accuracy: number | null; accuracyParent: number | null; exact: PrecisionRecall; parent: PrecisionRecall } {
    return {
      items: this.items,
      accuracy: ratio(this.allCoveredExact, this.items),
      accuracyParent: ratio(this.allCoveredParent, this.items),
      exact: precisionRecall(this.predictedExactCorrect, this.predictedTotal, this.exactHits, this.expectedTotal),
      parent: precisionRecall(this.predictedParentCorrect, this.predictedTotal, this.parentHits, this.expectedTotal),
    };
  }
}

export interface PrecisionRecall {
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

function precisionRecall(correctPredicted: number, predicted: number, hits: number, expected: number): PrecisionRecall {
  const precision = ratio(correctPredicted, predicted);
  const recall = ratio(hits, expected);
  const f1Value = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1: f1Value };
}

export function parentOf(id: string): string {
  const dot = id.indexOf('.');
  return dot === -1 ? id : id.slice(0, dot);
}
