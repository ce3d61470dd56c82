import type { BacktestReport } from '../../core/backtest/backtest.js';
import type { DatasetMetrics } from '../../core/backtest/metrics.js';

type Headline = Pick<
  DatasetMetrics,
  | 'alerts'
  | 'scored'
  | 'truePositiveRecall'
  | 'strictTruePositiveRecall'
  | 'autoClosePrecision'
  | 'reduction'
  | 'abstainRate'
  | 'macroF1'
  | 'ece'
  | 'groupRecall'
  | 'groupReduction'
  | 'agreement'
  | 'agreementDecided'
  | 'missedAttacks'
>;

export interface DatasetSummary {
  report: BacktestReport;
  headline: Headline;
  baselines: Record<'ruleMemory' | 'ruleHostMemory' | 'closeNothing', Headline>;
  techniques: BacktestReport['techniques'];
  throughput: BacktestReport['throughput'];
  metrics: DatasetMetrics;
  details: Record<string, unknown>;
}

export function headline(metrics: DatasetMetrics): Headline {
  return {
    alerts: metrics.alerts,
    scored: metrics.scored,
    truePositiveRecall: metrics.truePositiveRecall,
    strictTruePositiveRecall: metrics.strictTruePositiveRecall,
    autoClosePrecision: metrics.autoClosePrecision,
    reduction: metrics.reduction,
    abstainRate: metrics.abstainRate,
    macroF1: metrics.macroF1,
    ece: metrics.ece,
    groupRecall: metrics.groupRecall,
    groupReduction: metrics.groupReduction,
    agreement: metrics.agreement,
    agreementDecided: metrics.agreementDecided,
    missedAttacks: metrics.missedAttacks,
  };
}

/** The JSON the eval writes per data set: headline figures, baselines and the breakdowns. */
export function summarizeDataset(report: BacktestReport): DatasetSummary {
  return {
    report,
    headline: headline(report.metrics),
    baselines: {
      ruleMemory: headline(report.baselines.ruleMemory),
      ruleHostMemory: headline(report.baselines.ruleHostMemory),
      closeNothing: headline(report.baselines.closeNothing),
    },
    techniques: report.techniques,
    throughput: report.throughput,
    metrics: report.metrics,
    details: {
      abstainRateMalicious: report.metrics.abstainRateMalicious,
      abstainRateBenign: report.metrics.abstainRateBenign,
      groups: report.metrics.groups,
      reliability: report.metrics.reliability,
      feedback: report.feedback,
      deadLetters: report.deadLetters,
      throughput: report.throughput,
      perRule: report.perRule,
      missed: report.missed.slice(0, 50),
      groupRows: report.groups,
    },
  };
}
