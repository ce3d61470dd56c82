import type { ReliabilityBin } from './metrics.js';
import { chartFigure } from './report-chart.js';
import { coordinate, formatCompact, formatDecimal, formatInteger, formatPercent, html, table, type SafeHtml } from './report-markup.js';

const LEFT = 56;
const TOP = 16;
const SIZE = 320;
const HISTOGRAM_TOP = TOP + SIZE + 56;
const HISTOGRAM_HEIGHT = 90;
const WIDTH = 640;
const HEIGHT = HISTOGRAM_TOP + HISTOGRAM_HEIGHT + 12;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

const x = (probability: number): number => coordinate(LEFT + probability * SIZE);
const y = (rate: number): number => coordinate(TOP + (1 - rate) * SIZE);

/**
 * Reliability diagram: mean predicted probability against the observed attack rate per bin, the
 * diagonal being perfect calibration, and underneath how many alerts fell in each bin (log scale,
 * because one bin usually holds most alerts).
 */
export function reliabilityChart(bins: readonly ReliabilityBin[], id: string, ece: number | null): SafeHtml {
  const filled = bins.filter((bin) => bin.count > 0);
  const maxCount = Math.max(1, ...bins.map((bin) => bin.count));
  const grid = TICKS.map(
    (tick) => html`<line class="grid" x1="${LEFT}" x2="${LEFT + SIZE}" y1="${y(tick)}" y2="${y(tick)}"/><line class="grid" x1="${x(tick)}" x2="${x(tick)}" y1="${TOP}" y2="${TOP + SIZE}"/>
<text class="small muted" x="${LEFT - 6}" y="${y(tick) + 4}" text-anchor="end">${formatPercent(tick, 0)}</text><text class="small muted" x="${x(tick)}" y="${TOP + SIZE + 16}" text-anchor="middle">${formatPercent(tick, 0)}</text>`,
  );
  const curve = filled.length > 1 ? html`<path class="curve" d="${filled.map((bin, index) => `${index === 0 ? 'M' : 'L'}${x(bin.meanProbability)} ${y(bin.observedRate)}`).join(' ')}"/>` : '';
  const points = filled.map(
    (bin) =>
      html`<circle class="mark verdict" cx="${x(bin.meanProbability)}" cy="${y(bin.observedRate)}" r="${coordinate(3 + 9 * Math.sqrt(bin.count / maxCount))}"><title>${binLabel(bin)}: ${formatInteger(bin.count)} alerts, mean predicted ${formatPercent(bin.meanProbability)}, observed ${formatPercent(bin.observedRate)}</title></circle>`,
  );
  const logMax = Math.log10(maxCount + 1);
  const histogram = bins.map((bin) => {
    const height = coordinate((Math.log10(bin.count + 1) / logMax) * HISTOGRAM_HEIGHT);
    const top = HISTOGRAM_TOP + HISTOGRAM_HEIGHT - height;
    return html`<rect class="mark truth" x="${x(bin.from) + 2}" y="${coordinate(top)}" width="${coordinate((bin.to - bin.from) * SIZE - 4)}" height="${height}"><title>${binLabel(bin)}: ${formatInteger(bin.count)} alerts</title></rect>
<text class="small" x="${x((bin.from + bin.to) / 2)}" y="${coordinate(top - 3)}" text-anchor="middle">${formatCompact(bin.count)}</text>`;
  });
  const empty = filled.length === 0 ? html`<text x="${LEFT + SIZE / 2}" y="${TOP + SIZE / 2}" text-anchor="middle">No scored alerts</text>` : '';
  const body = html`${grid}<line class="axis" x1="${LEFT}" x2="${LEFT + SIZE}" y1="${TOP + SIZE}" y2="${TOP + SIZE}"/><line class="axis" x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + SIZE}"/>
<path class="diagonal" d="M${x(0)} ${y(0)} L${x(1)} ${y(1)}"/>${curve}${points}${empty}
<text x="${LEFT + SIZE / 2}" y="${TOP + SIZE + 34}" text-anchor="middle">Predicted probability of attack</text>
<text x="14" y="${TOP + SIZE / 2}" text-anchor="middle" transform="rotate(-90 14 ${TOP + SIZE / 2})">Observed attack rate</text>
<g class="legend"><line class="diagonal" x1="${LEFT + SIZE + 24}" x2="${LEFT + SIZE + 52}" y1="${TOP + 20}" y2="${TOP + 20}"/><text x="${LEFT + SIZE + 58}" y="${TOP + 24}">Perfect calibration</text>
<circle class="verdict" cx="${LEFT + SIZE + 38}" cy="${TOP + 46}" r="6"/><text x="${LEFT + SIZE + 58}" y="${TOP + 50}">Verdict (area: alerts in bin)</text>
<text x="${LEFT + SIZE + 24}" y="${TOP + 80}">ECE ${formatDecimal(ece)}</text></g>
${histogram}<line class="axis" x1="${LEFT}" x2="${LEFT + SIZE}" y1="${HISTOGRAM_TOP + HISTOGRAM_HEIGHT}" y2="${HISTOGRAM_TOP + HISTOGRAM_HEIGHT}"/>
<text x="${LEFT + SIZE + 24}" y="${HISTOGRAM_TOP + HISTOGRAM_HEIGHT / 2}">Alerts per bin (log scale)</text>`;
  const data = table(
    [{ label: 'Bin' }, { label: 'Alerts', isNumeric: true }, { label: 'Mean predicted', isNumeric: true }, { label: 'Observed attack rate', isNumeric: true }, { label: 'Gap', isNumeric: true }],
    bins.map((bin) => [
      binLabel(bin),
      formatInteger(bin.count),
      bin.count ? formatPercent(bin.meanProbability) : 'n/a',
      bin.count ? formatPercent(bin.observedRate) : 'n/a',
      bin.count ? formatPercent(Math.abs(bin.meanProbability - bin.observedRate)) : 'n/a',
    ]),
  );
  return chartFigure({
    kind: 'reliability',
    id,
    title: 'Reliability diagram',
    description:
      'How often alerts were attacks, against the probability Verdict gave them, in ten bins. Points on the dashed diagonal are perfectly calibrated; above it Verdict under-estimated the risk, below it over-estimated it.',
    width: WIDTH,
    height: HEIGHT,
    body,
    data,
  });
}

function binLabel(bin: ReliabilityBin): string {
  return `${formatPercent(bin.from, 0)}–${formatPercent(bin.to, 0)}`;
}
