import type { BacktestReport } from './backtest.js';
import type { DatasetMetrics } from './metrics.js';
import { chartFigure, legend } from './report-chart.js';
import { coordinate, formatDecimal, formatPercent, html, table, type SafeHtml } from './report-markup.js';

const LEFT = 56;
const TOP = 44;
const PLOT_WIDTH = 740;
const PLOT_HEIGHT = 240;
const WIDTH = LEFT + PLOT_WIDTH + 16;
const HEIGHT = TOP + PLOT_HEIGHT + 34;
const BAR = 36;
const GAP = 4;
const TICKS = [0, 0.25, 0.5, 0.75, 1];

type MetricKey = 'reduction' | 'truePositiveRecall' | 'groupReduction' | 'groupRecall';

const METRICS: ReadonlyArray<{ key: MetricKey; label: string }> = [
  { key: 'reduction', label: 'Reduction' },
  { key: 'truePositiveRecall', label: 'Attack recall' },
  { key: 'groupReduction', label: 'Group reduction' },
  { key: 'groupRecall', label: 'Group recall' },
];

const y = (share: number): number => coordinate(TOP + (1 - share) * PLOT_HEIGHT);

/**
 * Verdict against what a suppression list would do with the same analyst feedback: reduction is
 * only worth having at the same recall, so both are drawn side by side, per row and per group.
 */
export function baselineChart(report: BacktestReport, id: string): SafeHtml {
  const systems: ReadonlyArray<{ label: string; className: string; metrics: DatasetMetrics }> = [
    { label: 'Verdict', className: 'verdict', metrics: report.metrics },
    { label: 'Rule memory', className: 'rule-memory', metrics: report.baselines.ruleMemory },
    { label: 'Rule + host memory', className: 'rule-host-memory', metrics: report.baselines.ruleHostMemory },
    { label: 'Close nothing', className: 'close-nothing', metrics: report.baselines.closeNothing },
  ];
  const groupWidth = PLOT_WIDTH / METRICS.length;
  const grid = TICKS.map(
    (tick) =>
      html`<line class="grid" x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${y(tick)}" y2="${y(tick)}"/><text class="small muted" x="${LEFT - 6}" y="${y(tick) + 4}" text-anchor="end">${formatPercent(tick, 0)}</text>`,
  );
  const groups = METRICS.map((metric, metricIndex) => {
    const groupLeft = LEFT + metricIndex * groupWidth + (groupWidth - systems.length * (BAR + GAP) + GAP) / 2;
    const bars = systems.map((system, systemIndex) => {
      const barLeft = coordinate(groupLeft + systemIndex * (BAR + GAP));
      const center = coordinate(barLeft + BAR / 2);
      const value = system.metrics[metric.key];
      if (value === null) return html`<text class="small muted" x="${center}" y="${y(0) - 4}" text-anchor="middle">n/a</text>`;
      return html`<rect class="mark ${system.className}" x="${barLeft}" y="${y(value)}" width="${BAR}" height="${coordinate(y(0) - y(value))}"><title>${system.label}, ${metric.label}: ${formatPercent(value)}</title></rect><text class="small" x="${center}" y="${y(value) - 4}" text-anchor="middle">${formatPercent(value, 0)}</text>`;
    });
    return html`<g>${bars}<text x="${coordinate(LEFT + (metricIndex + 0.5) * groupWidth)}" y="${TOP + PLOT_HEIGHT + 20}" text-anchor="middle">${metric.label}</text></g>`;
  });
  const body = html`${legend(systems, LEFT, 16, 170)}${grid}${groups}<line class="axis" x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${y(0)}" y2="${y(0)}"/>`;
  const data = table(
    [
      { label: 'System' },
      ...METRICS.map((metric) => ({ label: metric.label, isNumeric: true })),
      { label: 'Auto-close precision', isNumeric: true },
      { label: 'Abstain rate', isNumeric: true },
      { label: 'ECE', isNumeric: true },
      { label: 'Attacks auto-closed', isNumeric: true },
    ],
    systems.map((system) => [
      system.label,
      ...METRICS.map((metric) => formatPercent(system.metrics[metric.key], 2)),
      formatPercent(system.metrics.autoClosePrecision, 2),
      formatPercent(system.metrics.abstainRate, 2),
      formatDecimal(system.metrics.ece),
      String(system.metrics.missedAttacks),
    ]),
  );
  return chartFigure({
    kind: 'baselines',
    id,
    title: 'Reduction and recall against baselines',
    description:
      'Verdict against suppression lists fed the same analyst dispositions: rule memory closes a rule, rule + host memory a rule on one host, once at least three labelled alerts came in and most were not attacks. Close nothing is the analyst queue today. Group figures weigh each distinct alert type on a host once.',
    width: WIDTH,
    height: HEIGHT,
    body,
    data,
  });
}
