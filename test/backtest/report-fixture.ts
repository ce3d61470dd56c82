import type { BacktestReport } from '../../core/backtest/backtest.js';
import type { DatasetMetrics, ReliabilityBin } from '../../core/backtest/metrics.js';

/** Alert text an attacker controls, aimed at every place the report prints data. */
export const HOSTILE = {
  scriptRule: '<script>window.__pwned = 1</script>',
  attributeRule: '"onerror="window.__pwned=2',
  imageRule: '<img src=x onerror="window.__pwned=3">',
  host: 'web01"><svg onload="window.__pwned=4">',
  summary: '</td></tr></table><script>window.__pwned=5</script>',
  group: "<iframe src='https://evil.example/'></iframe> | host | benign",
  deadLetter: '<b>not bold</b>',
  datasetName: 'ait/<fox>',
  title: 'Back-test & "report" <x>',
} as const;

/** Ten bins with counts, mean predicted and observed rates given per bin (empty where count is 0). */
export function reliability(bins: ReadonlyArray<[count: number, meanProbability: number, observedRate: number]>): ReliabilityBin[] {
  return Array.from({ length: 10 }, (_, index) => {
    const [count, meanProbability, observedRate] = bins[index] ?? [0, 0, 0];
    return { from: index / 10, to: (index + 1) / 10, count, meanProbability, observedRate };
  });
}

export function metrics(overrides: Partial<DatasetMetrics> = {}): DatasetMetrics {
  return {
    alerts: 1000,
    scored: 990,
    truePositiveRecall: 0.98,
    strictTruePositiveRecall: 0.9,
    autoClosePrecision: 0.997,
    reduction: 0.93,
    abstainRate: 0.06,
    abstainRateMalicious: 0.08,
    abstainRateBenign: 0.05,
    agreement: 0.9,
    agreementDecided: 0.96,
    macroF1: 0.91,
    ece: 0.042,
    groupRecall: 0.97,
    groupReduction: 0.55,
    groups: { malicious: 12, benign: 40 },
    missedAttacks: 2,
    reliability: reliability([
      [700, 0.03, 0.01],
      [120, 0.14, 0.08],
      [30, 0.25, 0.2],
      [0, 0, 0],
      [40, 0.45, 0.5],
      [0, 0, 0],
      [10, 0.66, 0.7],
      [0, 0, 0],
      [20, 0.85, 0.9],
      [70, 0.96, 0.99],
    ]),
    ...overrides,
  };
}

/** A small, hand-checkable back-test report with hostile alert text in every string field. */
export function createReport(overrides: Partial<BacktestReport> = {}): BacktestReport {
  return {
    metrics: metrics(),
    baselines: {
      ruleMemory: metrics({ reduction: 0.8, truePositiveRecall: 0.95, groupReduction: 0.09, groupRecall: 0.99, missedAttacks: 5 }),
      ruleHostMemory: metrics({ reduction: 0.7, truePositiveRecall: 0.97, groupReduction: 0.11, groupRecall: 0.995, missedAttacks: 3 }),
      closeNothing: metrics({ reduction: 0, truePositiveRecall: 1, groupReduction: 0, groupRecall: 1, autoClosePrecision: null, abstainRate: 1, missedAttacks: 0 }),
    },
    techniques: null,
    perRule: [
      {
        rule: 'Wazuh: sshd authentication failed',
        alerts: 600,
        malicious: 10,
        benign: 588,
        closed: 560,
        closedBenign: 559,
        missedAttacks: 1,
        truePositiveVerdicts: 8,
        inconclusive: 32,
        falsePositiveRate: 588 / 598,
      },
      { rule: HOSTILE.scriptRule, alerts: 200, malicious: 0, benign: 200, closed: 190, closedBenign: 190, missedAttacks: 0, truePositiveVerdicts: 0, inconclusive: 10, falsePositiveRate: 1 },
      { rule: HOSTILE.attributeRule, alerts: 120, malicious: 60, benign: 60, closed: 61, closedBenign: 60, missedAttacks: 1, truePositiveVerdicts: 50, inconclusive: 9, falsePositiveRate: 0.5 },
      { rule: HOSTILE.imageRule, alerts: 70, malicious: 70, benign: 0, closed: 0, closedBenign: 0, missedAttacks: 0, truePositiveVerdicts: 70, inconclusive: 0, falsePositiveRate: 0 },
      { rule: 'Only ambiguous alerts', alerts: 10, malicious: 0, benign: 0, closed: 0, closedBenign: 0, missedAttacks: 0, truePositiveVerdicts: 0, inconclusive: 10, falsePositiveRate: null },
    ],
    missed: [
      { rule: HOSTILE.attributeRule, host: HOSTILE.host, count: 1, firstTime: '2022-01-21T04:05:06Z', verdict: 'false_positive', summary: HOSTILE.summary },
      { rule: 'Wazuh: sshd authentication failed', host: 'intranet-server', count: 1, firstTime: '2022-01-21T05:00:00Z', verdict: 'benign_positive', summary: 'Known scanner' },
    ],
    groups: [
      { group: HOSTILE.group.replace('benign', 'malicious'), expected: 'malicious', alerts: 4, closed: 1, truePositiveVerdicts: 3, inconclusive: 0, example: `false_positive 0.1: ${HOSTILE.summary}` },
      { group: HOSTILE.group, expected: 'benign', alerts: 10, closed: 2, truePositiveVerdicts: 0, inconclusive: 8, example: 'inconclusive 0.5: left open' },
      { group: 'sshd | web01 | benign', expected: 'benign', alerts: 50, closed: 50, truePositiveVerdicts: 0, inconclusive: 0, example: undefined },
      { group: 'exploit | web01 | malicious', expected: 'malicious', alerts: 7, closed: 0, truePositiveVerdicts: 7, inconclusive: 0, example: undefined },
    ],
    feedback: { given: 48, share: 0.05, delaySeconds: 3600, sampling: 'rows', seed: 20_240_601 },
    restarts: 0,
    run: { version: '0.1.0', configDigest: 'abc123def456', thresholds: { truePositive: 0.6, benign: 0.2 }, share: 0.05, delaySeconds: 3600 },
    missedAlertIds: ['alert-17', 'alert-42'],
    confusion: {
      true_positive: { malicious: 10, benign: 1, ambiguous: 0 },
      benign_positive: { malicious: 1, benign: 50, ambiguous: 0 },
      false_positive: { malicious: 1, benign: 20, ambiguous: 0 },
      inconclusive: { malicious: 0, benign: 8, ambiguous: 2 },
    },
    tradeoff: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5].map((benignThreshold, index) => ({
      benignThreshold,
      recall: 1 - index * 0.01,
      reduction: 0.5 + index * 0.04,
      missedAttacks: index,
    })),
    deadLetters: { count: 1, examples: [HOSTILE.deadLetter] },
    throughput: { alerts: 1000, seconds: 0.04, alertsPerSecond: 25_000, p50Ms: 0.021, p99Ms: 0.4 },
    ...overrides,
  };
}
