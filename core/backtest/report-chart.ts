import { coordinate, html, type SafeHtml } from './report-markup.js';

/** The chart kinds, also the `data-chart` attribute the browser test looks for. */
export type ChartKind = 'reliability' | 'rule-false-positives' | 'baselines';

export interface ChartFigure {
  kind: ChartKind;
  /** Unique within the page (charts repeat per data set); built from indices, never from data. */
  id: string;
  title: string;
  description: string;
  width: number;
  height: number;
  /** The drawing; data marks carry the class `mark`. */
  body: SafeHtml;
  /** The same numbers as a table, for screen readers and for copying. */
  data: SafeHtml;
}

/** A titled, described inline SVG chart with its data table folded underneath. */
export function chartFigure(figure: ChartFigure): SafeHtml {
  const { id } = figure;
  return html`<figure class="chart" data-chart="${figure.kind}" aria-labelledby="${id}-caption">
<figcaption id="${id}-caption">${figure.title}<p>${figure.description}</p></figcaption>
<svg viewBox="0 0 ${figure.width} ${figure.height}" width="${figure.width}" height="${figure.height}" role="img" aria-labelledby="${id}-title ${id}-desc"><title id="${id}-title">${figure.title}</title><desc id="${id}-desc">${figure.description}</desc>${figure.body}</svg>
<details><summary>Data behind this chart</summary>${figure.data}</details>
</figure>`;
}

export interface LegendItem {
  label: string;
  className: string;
}

/** A one-line legend of coloured squares starting at (x, y). */
export function legend(items: readonly LegendItem[], x: number, y: number, spacing: number): SafeHtml {
  return html`<g class="legend">${items.map(
    (item, index) =>
      html`<rect class="${item.className}" x="${coordinate(x + index * spacing)}" y="${y - 10}" width="12" height="12"/><text x="${coordinate(x + index * spacing + 17)}" y="${y}">${item.label}</text>`,
  )}</g>`;
}
