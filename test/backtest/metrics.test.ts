import { describe, expect, it } from 'vitest';
import { BaselineMemory } from '../../core/backtest/baselines.js';
import { LatencyRecorder } from '../../core/backtest/latency.js';
import { f1, MetricsAccumulator, parentOf, TechniqueAccumulator, type ScoredOutcome } from '../../core/backtest/metrics.js';

function outcome(expected: ScoredOutcome['expected'], verdict: ScoredOutcome['verdict'], probabilityMalicious: number, groupKey?: string): ScoredOutcome {
  return { expected, verdict, probabilityMalicious, rule: 'r', ...(groupKey ? { groupKey } : {}) };
}

// Four attacks, four non-attacks and one ambiguous row; every figure below is worked out by hand.
const CASES: ScoredOutcome[] = [
  outcome('malicious', 'true_positive', 0.9, 'A'),
  outcome('malicious', 'true_positive', 0.8, 'A'),
  outcome('malicious', 'inconclusive', 0.5, 'B'),
  outcome('malicious', 'false_positive', 0.1, 'B'),
  outcome('benign', 'benign_positive', 0.1, 'C'),
  outcome('benign', 'false_positive', 0.15, 'C'),
  outcome('benign', 'inconclusive', 0.45, 'D'),
  outcome('benign', 'true_positive', 0.7, 'D'),
  outcome('ambiguous', 'false_positive', 0.05, 'E'),
];

function summarize(outcomes: ScoredOutcome[]) {
  const accumulator = new MetricsAccumulator();
  for (const item of outcomes) accumulator.add(item);
  return accumulator.summary();
}

describe('MetricsAccumulator', () => {
  const metrics = summarize(CASES);

  it('counts every alert but scores only labelled ones', () => {
    expect(metrics.alerts).toBe(9);
    expect(metrics.scored).toBe(8);
  });

  it('recall: attacks not closed (3 of 4); strict recall: attacks called true positive (2 of 4)', () => {
    expect(metrics.truePositiveRecall).toBe(0.75);
    expect(metrics.strictTruePositiveRecall).toBe(0.5);
    expect(metrics.missedAttacks).toBe(1);
  });

  it('auto-close precision: 2 of the 3 closed were not attacks; reduction: 2 of 4 non-attacks closed', () => {
    expect(metrics.autoClosePrecision).toBeCloseTo(2 / 3, 12);
    expect(metrics.reduction).toBe(0.5);
  });

  it('abstain rates overall (2 of 8) and per expected class (1 of 4 each)', () => {
    expect(metrics.abstainRate).toBe(0.25);
    expect(metrics.abstainRateMalicious).toBe(0.25);
    expect(metrics.abstainRateBenign).toBe(0.25);
    expect(metrics.agreement).toBe(0.5);
    expect(metrics.agreementDecided).toBeCloseTo(4 / 6, 12);
  });

  it('macro-F1 averages the attack and non-attack F1 (both 4/7 here)', () => {
    // Attack: 2 right of 3 called true positive, of 4 attacks. Non-attack: 2 right of 3 closed, of 4.
    expect(f1(2, 3, 4)).toBeCloseTo(4 / 7, 12);
    expect(metrics.macroF1).toBeCloseTo(4 / 7, 12);
  });

  it('ECE over 10 equal-width bins, weighted by bin size', () => {
    // bin 1: {0.1 m, 0.1 b, 0.15 b} mean 0.1167 vs 1/3 → 0.2167·3/8; bin 4: 0.45 vs 0 → 0.45/8;
    // bin 5: 0.5 vs 1 → 0.5/8; bin 7: 0.7 vs 0 → 0.7/8; bin 8: 0.8 vs 1 → 0.2/8; bin 9: 0.9 vs 1 → 0.1/8.
    expect(metrics.ece).toBeCloseTo(0.325, 12);
    expect(metrics.reliability).toHaveLength(10);
    expect(metrics.reliability.map((bin) => bin.count)).toEqual([0, 3, 0, 0, 1, 1, 0, 1, 1, 1]);
    expect(metrics.reliability[1]).toMatchObject({ from: 0.1, to: 0.2, observedRate: 1 / 3 });
    expect(metrics.reliability[1]!.meanProbability).toBeCloseTo(0.35 / 3, 12);
  });

  it('puts probability 1 in the top bin and 0 in the bottom one', () => {
    const edges = summarize([outcome('malicious', 'true_positive', 1), outcome('benign', 'false_positive', 0)]);
    expect(edges.reliability[9]!.count).toBe(1);
    expect(edges.reliability[0]!.count).toBe(1);
    expect(edges.ece).toBe(0);
  });

  it('group recall and reduction are means over groups, each group weighted once', () => {
    // Attack groups: A keeps 2/2 open, B keeps 1/2 → 0.75. Benign groups: C closes 2/2, D 0/2 → 0.5.
    expect(metrics.groupRecall).toBe(0.75);
    expect(metrics.groupReduction).toBe(0.5);
    expect(metrics.groups).toEqual({ malicious: 2, benign: 2 });
    // A big group does not outweigh a small one.
    const skewed = summarize([...Array.from({ length: 98 }, () => outcome('benign', 'false_positive', 0.05, 'noisy')), outcome('benign', 'inconclusive', 0.5, 'rare')]);
    expect(skewed.reduction).toBeCloseTo(98 / 99, 12);
    expect(skewed.groupReduction).toBe(0.5);
  });

  it('without group keys each alert is its own group, so group figures equal row figures', () => {
    const rows = summarize(CASES.map(({ groupKey: _groupKey, ...rest }) => rest));
    expect(rows.groupRecall).toBe(rows.truePositiveRecall);
    expect(rows.groupReduction).toBe(rows.reduction);
    expect(rows.groups).toEqual({ malicious: 4, benign: 4 });
  });

  it('reports null, not 0 or NaN, where a figure has no denominator', () => {
    const onlyAttacks = summarize([outcome('malicious', 'true_positive', 0.9)]);
    expect(onlyAttacks.reduction).toBeNull();
    expect(onlyAttacks.autoClosePrecision).toBeNull();
    expect(onlyAttacks.groupReduction).toBeNull();
    expect(onlyAttacks.macroF1).toBe(1);
    const nothing = summarize([outcome('ambiguous', 'true_positive', 0.9)]);
    expect(nothing).toMatchObject({ alerts: 1, scored: 0, truePositiveRecall: null, abstainRate: null, macroF1: null, ece: null });
  });
});

describe('TechniqueAccumulator', () => {
  const accumulator = new TechniqueAccumulator();
  accumulator.add(['T1059.001', 'T1105'], ['T1059', 'T1105']); // exact 1/2, parent 2/2
  accumulator.add(['T1197'], ['t1197', 'T1036']); // exact 1/1, one extra prediction
  accumulator.add([], ['T1003']); // nothing expected: not scored
  accumulator.add(['T1003'], []); // nothing found
  const summary = accumulator.summary();

  it('accuracy: items whose expected ids are all found, exactly (1 of 3) or at parent level (2 of 3)', () => {
    expect(summary.items).toBe(3);
    expect(summary.accuracy).toBeCloseTo(1 / 3, 12);
    expect(summary.accuracyParent).toBeCloseTo(2 / 3, 12);
  });

  it('precision and recall per id, exact and parent apart', () => {
    expect(summary.exact).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(summary.parent).toEqual({ precision: 0.75, recall: 0.75, f1: 0.75 });
    expect(parentOf('T1059.001')).toBe('T1059');
    expect(parentOf('T1059')).toBe('T1059');
  });

  it('is empty (null figures) before any scored item', () => {
    expect(new TechniqueAccumulator().summary()).toMatchObject({ items: 0, accuracy: null, exact: { precision: null, recall: null, f1: null } });
  });
});

describe('BaselineMemory (a SOAR suppression list)', () => {
  it('closes once at least three labelled alerts arrived and most were not attacks', () => {
    const memory = new BaselineMemory();
    const rule = 'Wazuh: ClamAV database update';
    memory.learn(rule, 'host:mail', false);
    memory.learn(rule, 'host:mail', false);
    expect(memory.shouldClose(rule, undefined)).toBe(false);
    memory.learn(rule, 'host:davey_mail', false);
    expect(memory.shouldClose(rule, undefined)).toBe(true);
    expect(memory.shouldClose(rule.toUpperCase(), undefined)).toBe(true);
    // Rule and host: mail has two, davey_mail one: not enough history on either.
    expect(memory.shouldClose(rule, 'host:mail')).toBe(false);
    memory.learn(rule, 'host:mail', true);
    memory.learn(rule, 'host:mail', true);
    // 3 benign, 2 attacks: still most benign. mail alone: 2 benign, 2 attacks: not most.
    expect(memory.shouldClose(rule, undefined)).toBe(true);
    expect(memory.shouldClose(rule, 'host:mail')).toBe(false);
    memory.learn(rule, undefined, true);
    expect(memory.shouldClose(rule, undefined)).toBe(false); // 3 of 6: a tie does not close
    expect(memory.rate(rule, undefined)).toBe(0.5);
    expect(memory.rate(rule, 'host:mail')).toBe(0.5);
    expect(memory.rate('never seen', undefined)).toBe(0.5);
  });
});

describe('LatencyRecorder', () => {
  it('reports the upper edge of the log bucket holding the quantile (within 7.2 % above the value)', () => {
    const latency = new LatencyRecorder();
    expect(latency.percentile(0.5)).toBe(0);
    for (let index = 0; index < 99; index += 1) latency.record(1);
    latency.record(100);
    // 1 ms = 1000 µs, log2 · 10 = 99.66 → bucket 99, upper edge 2^10 µs = 1.024 ms.
    expect(latency.percentile(0.5)).toBe(1.024);
    expect(latency.percentile(0.99)).toBe(1.024);
    // 100 ms → bucket 166, upper edge 2^16.7 µs ≈ 106.464 ms.
    expect(latency.percentile(0.995)).toBe(106.464);
    expect(latency.percentile(1)).toBe(106.464);
  });

  it('keeps sub-microsecond and very long samples in the end buckets', () => {
    const latency = new LatencyRecorder();
    latency.record(0);
    latency.record(1e9);
    expect(latency.percentile(0.5)).toBe(0.001);
    expect(latency.percentile(1)).toBeGreaterThan(16_000);
  });
});
