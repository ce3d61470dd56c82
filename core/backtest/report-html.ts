import type { BacktestReport } from './backtest.js';
import { baselineChart } from './report-baseline-chart.js';
import { formatDecimal, formatInteger, formatPercent, html, SafeHtml, table } from './report-markup.js';
import { reliabilityChart } from './report-reliability.js';
import { ruleFalsePositiveChart } from './report-rule-chart.js';
import { confusionSection, headlineTiles, missedSection, runDetails, runNotes, tradeoffSection, worstGroupsSection } from './report-sections.js';
import { REPORT_CSP, REPORT_CSS } from './report-style.js';

/** Static and pinned by hash in the CSP: the one string the page trusts without escaping. */
const STYLESHEET = new SafeHtml(REPORT_CSS);

export interface BacktestHtmlInput {
  title: string;
  /** Shown as given (an ISO timestamp, usually): the renderer reads no clock, so it stays pure. */
  generatedAt: string;
  datasets: Array<{ name: string; report: BacktestReport }>;
}

/**
 * Renders back-test results as one self-contained HTML file: inline CSS and SVG, no script and
 * no external resource, so it opens offline and can be mailed or attached to a ticket. Every
 * value from the data is escaped (rule names and summaries are attacker-influenced alert text),
 * and the page's Content-Security-Policy forbids scripts and network access as a second line.
 */
export function renderBacktestHtml(input: BacktestHtmlInput): string {
  const sections = input.datasets.map((dataset, index) => datasetSection(dataset.name, dataset.report, `dataset-${index}`));
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${input.title}</title>
<style>${STYLESHEET}</style>
</head>
<body>
<main>
<header><h1>${input.title}</h1><p class="meta">Generated ${input.generatedAt} · ${formatInteger(input.datasets.length)} data set${input.datasets.length === 1 ? '' : 's'}</p></header>
${input.datasets.length > 1 ? overview(input.datasets) : ''}
${input.datasets.length === 0 ? html`<p>No data sets were back-tested.</p>` : sections}
<footer>Verdict back-test report. Self-contained: no scripts, no network access; the numbers behind each chart are under "Data behind this chart".</footer>
</main>
</body>
</html>
`;
  return page.value;
}

function datasetSection(name: string, report: BacktestReport, id: string): SafeHtml {
  return html`<section class="dataset" id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">${name}</h2>
${headlineTiles(report)}
${runNotes(report)}
${runDetails(report)}
${reliabilityChart(report.metrics.reliability, `${id}-reliability`, report.metrics.ece)}
${ruleFalsePositiveChart(report.perRule, `${id}-rules`)}
${baselineChart(report, `${id}-baselines`)}
${missedSection(report.missed, `${id}-missed`)}
${confusionSection(report, `${id}-confusion`)}
${tradeoffSection(report, `${id}-tradeoff`)}
${worstGroupsSection(report.groups, `${id}-groups`)}
</section>`;
}

/** One row per data set, linking to its section, when the report holds more than one. */
function overview(datasets: BacktestHtmlInput['datasets']): SafeHtml {
  return html`<nav aria-labelledby="overview-title"><h2 id="overview-title">Overview</h2>${table(
    [
      { label: 'Data set' },
      { label: 'Alerts', isNumeric: true },
      { label: 'Attack recall', isNumeric: true },
      { label: 'Auto-close precision', isNumeric: true },
      { label: 'Reduction', isNumeric: true },
      { label: 'Abstain rate', isNumeric: true },
      { label: 'Group recall', isNumeric: true },
      { label: 'Group reduction', isNumeric: true },
      { label: 'ECE', isNumeric: true },
      { label: 'Attacks auto-closed', isNumeric: true },
    ],
    datasets.map(({ name, report }, index) => [
      html`<a href="#dataset-${index}">${name}</a>`,
      formatInteger(report.metrics.alerts),
      formatPercent(report.metrics.truePositiveRecall, 2),
      formatPercent(report.metrics.autoClosePrecision, 2),
      formatPercent(report.metrics.reduction),
      formatPercent(report.metrics.abstainRate),
      formatPercent(report.metrics.groupRecall),
      formatPercent(report.metrics.groupReduction),
      formatDecimal(report.metrics.ece),
      formatInteger(report.metrics.missedAttacks),
    ]),
    datasets.map(({ report }) => (report.metrics.missedAttacks > 0 ? 'missed' : undefined)),
  )}</nav>`;
}
