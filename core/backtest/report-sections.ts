import type { BacktestReport } from './backtest.js';
import { formatDecimal, formatInteger, formatPercent, html, table, type HtmlValue, type SafeHtml } from './report-markup.js';
import type { GroupRow, MissedGroup } from './rule-breakdown.js';

const MAX_MISSED_ROWS = 50;
const MAX_GROUP_ROWS = 20;

/** The figures a reader looks for first, as tiles; attacks closed turn the tiles red. */
export function headlineTiles(report: BacktestReport): SafeHtml {
  const { metrics, throughput } = report;
  const hasMissed = metrics.missedAttacks > 0;
  const tiles = [
    tile('Attack recall', formatPercent(metrics.truePositiveRecall, 2), 'attacks not auto-closed', hasMissed ? 'bad' : undefined),
    tile('Auto-close precision', formatPercent(metrics.autoClosePrecision, 2), 'auto-closed alerts that were not attacks'),
    tile('Reduction', formatPercent(metrics.reduction), 'non-attack alerts auto-closed'),
    tile('Abstain rate', formatPercent(metrics.abstainRate), 'left inconclusive for an analyst'),
    tile('Group recall', formatPercent(metrics.groupRecall), `over ${formatInteger(metrics.groups.malicious)} attack groups`),
    tile('Group reduction', formatPercent(metrics.groupReduction), `over ${formatInteger(metrics.groups.benign)} non-attack groups`),
    tile('Calibration error (ECE)', formatDecimal(metrics.ece), '10 bins; 0 is perfect'),
    tile('Alerts per second', formatInteger(throughput.alertsPerSecond), `p50 ${throughput.p50Ms} ms · p99 ${throughput.p99Ms} ms`),
    tile('Attacks auto-closed', formatInteger(metrics.missedAttacks), 'the costliest error', hasMissed ? 'bad' : 'good'),
    tile('Alerts', formatInteger(metrics.alerts), `${formatInteger(metrics.scored)} scored`),
    ...(report.techniques ? [tile('Technique accuracy', formatPercent(report.techniques.accuracy), `${formatInteger(report.techniques.items)} alerts with expected techniques`)] : []),
  ];
  return html`<dl class="tiles">${tiles}</dl>`;
}

function tile(label: string, value: string, detail: string, tone?: 'bad' | 'good'): SafeHtml {
  return html`<div class="tile${tone ? ` ${tone}` : ''}"><dt>${label}</dt><dd>${value}<span class="detail">${detail}</span></dd></div>`;
}

/** How the run was fed: the simulated analysts and the payloads that never reached triage. */
export function runNotes(report: BacktestReport): SafeHtml {
  const { feedback, deadLetters } = report;
  const examples = deadLetters.examples.length
    ? html`<details><summary>Examples of rejected payloads</summary><ul>${deadLetters.examples.map((example) => html`<li>${example}</li>`)}</ul></details>`
    : '';
  return html`<p class="note">Simulated analysts dispositioned ${formatInteger(feedback.given)} alerts (${formatPercent(feedback.share)} sampled, arriving ${formatInteger(feedback.delaySeconds)} s of stream time later); Verdict learned only from those. ${formatInteger(deadLetters.count)} payloads could not be normalized.</p>${examples}`;
}

/** Attacks Verdict would have auto-closed, by rule and host: the table a reviewer must read. */
export function missedSection(missed: readonly MissedGroup[], id: string): SafeHtml {
  const shown = missed.slice(0, MAX_MISSED_ROWS);
  const hidden = missed.slice(MAX_MISSED_ROWS);
  const content = missed.length
    ? html`<p class="callout bad">${formatInteger(sum(missed.map((group) => group.count)))} attacks in ${formatInteger(missed.length)} rule and host groups would have been auto-closed.</p>${table(
        [{ label: 'Rule' }, { label: 'Host' }, { label: 'Attacks closed', isNumeric: true }, { label: 'First seen', isShort: true }, { label: 'Verdict given', isShort: true }, { label: 'Summary' }],
        shown.map((group) => [group.rule, group.host, formatInteger(group.count), group.firstTime, group.verdict, group.summary]),
        shown.map(() => 'missed'),
      )}${moreNote(hidden.length, sum(hidden.map((group) => group.count)), 'attacks')}`
    : html`<p class="callout good">No attack would have been auto-closed.</p>`;
  return html`<section class="missed" aria-labelledby="${id}"><h3 id="${id}">What would have been missed</h3><p class="note">Attacks Verdict would have closed as benign or false positive, grouped by rule and host.</p>${content}</section>`;
}

/** The groups Verdict got wrong, worst first; fully right groups are counted, not listed. */
export function worstGroupsSection(groups: readonly GroupRow[], id: string): SafeHtml {
  const wrong = groups.filter((group) => (group.expected === 'malicious' ? group.closed > 0 : group.closed < group.alerts));
  const shown = wrong.slice(0, MAX_GROUP_ROWS);
  const heading = html`<h3 id="${id}">Worst groups</h3><p class="note">A group is one distinct alert type on one host with one label. ${formatInteger(groups.length - wrong.length)} of ${formatInteger(groups.length)} groups were handled fully right: every attack left open, every non-attack closed.</p>`;
  if (shown.length === 0) return html`<section aria-labelledby="${id}">${heading}</section>`;
  const rows: HtmlValue[][] = shown.map((group) => [
    group.group,
    group.expected === 'malicious' ? 'attack' : 'not attack',
    formatInteger(group.alerts),
    `${formatInteger(group.closed)} (${formatPercent(group.alerts ? group.closed / group.alerts : 0)})`,
    formatInteger(group.truePositiveVerdicts),
    formatInteger(group.inconclusive),
    group.example ?? '',
  ]);
  return html`<section aria-labelledby="${id}">${heading}${table(
    [
      { label: 'Group' },
      { label: 'Label', isShort: true },
      { label: 'Alerts', isNumeric: true },
      { label: 'Auto-closed', isNumeric: true },
      { label: 'True positive', isNumeric: true },
      { label: 'Inconclusive', isNumeric: true },
      { label: 'Example' },
    ],
    rows,
    shown.map((group) => (group.expected === 'malicious' ? 'missed' : undefined)),
  )}${moreNote(wrong.length - shown.length, null, '')}</section>`;
}

function moreNote(groups: number, alerts: number | null, noun: string): SafeHtml | string {
  if (groups === 0) return '';
  return html`<p class="note">And ${formatInteger(groups)} more groups${alerts === null ? '' : ` (${formatInteger(alerts)} ${noun})`} not listed.</p>`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** What ran, so a report can be reproduced: version, config digest, thresholds, feedback. */
export function runDetails(report: BacktestReport): SafeHtml {
  const { run } = report;
  if (!run) return html``;
  const thresholds = run.thresholds ? `${run.thresholds.benign} / ${run.thresholds.truePositive}` : 'n/a';
  return html`<p class="note">Verdict ${run.version}, config digest ${run.configDigest}, thresholds (benign / true positive) ${thresholds}; labels fed back: ${formatPercent(run.share)} of alerts, ${formatInteger(run.delaySeconds)} s of stream time after each.</p>`;
}

/** Verdict given against the label, and the ids of the attacks that would have been closed. */
export function confusionSection(report: BacktestReport, id: string): SafeHtml {
  if (!report.confusion) return html``;
  const verdicts = ['true_positive', 'inconclusive', 'benign_positive', 'false_positive'] as const;
  const matrix = table(
    [{ label: 'Verdict' }, { label: 'Labelled attack', isNumeric: true }, { label: 'Labelled not an attack', isNumeric: true }, { label: 'Unlabelled', isNumeric: true }],
    verdicts.map((verdict) => [verdict, formatInteger(report.confusion[verdict].malicious), formatInteger(report.confusion[verdict].benign), formatInteger(report.confusion[verdict].ambiguous)]),
  );
  const ids = report.missedAlertIds.length
    ? html`<details><summary>Ids of the ${formatInteger(report.missedAlertIds.length)} attack alerts that would have been closed${report.missedAlertIds.length >= 500 ? ' (first 500)' : ''}</summary><p class="ids">${report.missedAlertIds.join(', ')}</p></details>`
    : '';
  return html`<section aria-labelledby="${id}"><h3 id="${id}">Verdict against label</h3>${matrix}${ids}</section>`;
}

/** Recall and reduction at other benign thresholds, from the same scores: pick an operating point. */
export function tradeoffSection(report: BacktestReport, id: string): SafeHtml {
  if (!report.tradeoff?.length) return html``;
  return html`<section aria-labelledby="${id}"><h3 id="${id}">Recall and reduction by closing threshold</h3><p class="note">Had alerts been closed at a score at or below each threshold (the same scores; other closing conditions not replayed). The current benign threshold is ${report.run?.thresholds ? String(report.run.thresholds.benign) : 'n/a'}.</p>${table(
    [
      { label: 'Benign threshold', isNumeric: true },
      { label: 'Attacks left open', isNumeric: true },
      { label: 'Attacks closed', isNumeric: true },
      { label: 'Non-attacks closed', isNumeric: true },
    ],
    report.tradeoff.map((point) => [point.benignThreshold.toFixed(2), formatPercent(point.recall), formatInteger(point.missedAttacks), formatPercent(point.reduction)]),
  )}</section>`;
}
