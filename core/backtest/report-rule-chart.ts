import { chartFigure, legend } from './report-chart.js';
import { coordinate, formatInteger, formatPercent, html, table, truncate, type SafeHtml } from './report-markup.js';
import type { RuleRow } from './rule-breakdown.js';

const LEFT = 300;
const BAR_WIDTH = 380;
const TOP = 44;
const ROW = 36;
const WIDTH = 880;
const TICKS = [0, 0.25, 0.5, 0.75, 1];
const MAX_RULES = 15;

const x = (share: number): number => coordinate(LEFT + share * BAR_WIDTH);

/**
 * Per-rule false-positive rates for the busiest rules: the share of each rule's labelled alerts
 * that were not attacks, next to the share Verdict auto-closed. Closing more than the non-attack
 * share means attacks were closed, which the chart calls out in red.
 */
export function ruleFalsePositiveChart(rules: readonly RuleRow[], id: string): SafeHtml {
  const top = [...rules].sort((left, right) => right.alerts - left.alerts).slice(0, MAX_RULES);
  const height = TOP + Math.max(1, top.length) * ROW + 8;
  const bottom = TOP + Math.max(1, top.length) * ROW;
  const grid = TICKS.map(
    (tick) =>
      html`<line class="grid" x1="${x(tick)}" x2="${x(tick)}" y1="${TOP - 6}" y2="${bottom}"/><text class="small muted" x="${x(tick)}" y="${TOP - 10}" text-anchor="middle">${formatPercent(tick, 0)}</text>`,
  );
  const rows = top.map((rule, index) => {
    const rowTop = TOP + index * ROW;
    const closedShare = rule.alerts > 0 ? rule.closed / rule.alerts : 0;
    return html`<g><text x="${LEFT - 8}" y="${rowTop + 21}" text-anchor="end"><title>${rule.rule}</title>${truncate(rule.rule, 40)}</text>
${bar(rule.falsePositiveRate, rowTop + 5, 'truth', `${rule.rule}: ${formatPercent(rule.falsePositiveRate)} of ${formatInteger(rule.malicious + rule.benign)} labelled alerts were not attacks`)}
${bar(closedShare, rowTop + 19, 'verdict', `${rule.rule}: Verdict auto-closed ${formatInteger(rule.closed)} of ${formatInteger(rule.alerts)} alerts (${formatPercent(closedShare)})`)}
${rule.missedAttacks > 0 ? html`<text class="danger" x="${LEFT + BAR_WIDTH + 56}" y="${rowTop + 21}">${formatInteger(rule.missedAttacks)} attack${rule.missedAttacks === 1 ? '' : 's'} closed</text>` : ''}</g>`;
  });
  const empty = top.length === 0 ? html`<text x="${LEFT}" y="${TOP + 20}">No rules</text>` : '';
  const body = html`${legend(
    [
      { label: 'Not attacks (share of labelled alerts)', className: 'truth' },
      { label: 'Auto-closed by Verdict (share of all alerts)', className: 'verdict' },
    ],
    LEFT - 180,
    16,
    300,
  )}${grid}<line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP - 6}" y2="${bottom}"/>${rows}${empty}`;
  const data = table(
    [
      { label: 'Rule' },
      { label: 'Alerts', isNumeric: true },
      { label: 'Attacks', isNumeric: true },
      { label: 'Not attacks', isNumeric: true },
      { label: 'False-positive rate', isNumeric: true },
      { label: 'Auto-closed', isNumeric: true },
      { label: 'Attacks auto-closed', isNumeric: true },
    ],
    top.map((rule) => [
      rule.rule,
      formatInteger(rule.alerts),
      formatInteger(rule.malicious),
      formatInteger(rule.benign),
      formatPercent(rule.falsePositiveRate),
      formatInteger(rule.closed),
      formatInteger(rule.missedAttacks),
    ]),
    top.map((rule) => (rule.missedAttacks > 0 ? 'missed' : undefined)),
  );
  return chartFigure({
    kind: 'rule-false-positives',
    id,
    title: 'False-positive rate per rule',
    description: `The ${top.length} busiest of ${rules.length} rules. Grey: share of the rule's labelled alerts that were not attacks. Blue: share Verdict would have auto-closed. Red notes count attacks Verdict would have closed.`,
    width: WIDTH,
    height,
    body,
    data,
  });
}

function bar(share: number | null, barTop: number, className: string, label: string): SafeHtml {
  if (share === null) return html`<text class="small muted" x="${LEFT + 4}" y="${barTop + 10}">n/a</text>`;
  const width = coordinate(share * BAR_WIDTH);
  return html`<rect class="mark ${className}" x="${LEFT}" y="${barTop}" width="${width}" height="12"><title>${label}</title></rect><text class="small" x="${coordinate(LEFT + width + 4)}" y="${barTop + 10}">${formatPercent(share)}</text>`;
}
