/**
 * Markup for the back-test report. Rule names, hosts and summaries are untrusted alert text, so
 * every interpolated value is escaped unless it is already `SafeHtml` built by this same tag:
 * escaping is the default, never a step a caller can forget.
 */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

export type HtmlValue = SafeHtml | string | number | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  // C0 controls (other than tab and newlines) are parse errors in HTML; show them as U+FFFD.
  return value.replace(/[&<>"']/g, (character) => ENTITIES[character]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped. Attributes must be quoted. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let output = strings[0]!;
  values.forEach((value, index) => {
    output += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(output);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/**
 * A share as a percentage that never rounds to a perfect or an empty score: 0.99996 shows as
 * 99.99 %, not 100 %, because a reader takes "100 %" recall to mean no attack was missed.
 */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const factor = 10 ** digits;
  let scaled = Math.round(value * 100 * factor);
  if (value < 1 && scaled >= 100 * factor) scaled = 100 * factor - 1;
  if (value > 0 && scaled <= 0) scaled = 1;
  return `${(scaled / factor).toFixed(digits)} %`;
}

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function formatInteger(value: number): string {
  return Number.isFinite(value) ? integerFormat.format(value) : 'n/a';
}

/** 1234567 → "1.2M": for labels inside charts where space is short. */
export function formatCompact(value: number): string {
  return Number.isFinite(value) ? compactFormat.format(value) : 'n/a';
}

export function formatDecimal(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** Shortens by code points (never splitting a surrogate pair), before escaping. */
export function truncate(value: string, maxLength: number): string {
  const characters = Array.from(value);
  return characters.length <= maxLength ? value : `${characters.slice(0, maxLength - 1).join('')}…`;
}

/** SVG coordinates to one decimal: the file stays small and the drawing stays exact enough. */
export function coordinate(value: number): number {
  return Math.round(value * 10) / 10;
}

export interface Column {
  label: string;
  isNumeric?: boolean;
  /** A short token (a verdict, a timestamp) that reads badly when wrapped. */
  isShort?: boolean;
}

/** A table with a header row; `rowClasses` marks rows (e.g. "missed") for highlighting. */
export function table(columns: readonly Column[], rows: readonly (readonly HtmlValue[])[], rowClasses: readonly (string | undefined)[] = []): SafeHtml {
  const header = columns.map((column) => html`<th scope="col"${column.isNumeric ? html` class="number"` : ''}>${column.label}</th>`);
  const body = rows.map(
    (cells, rowIndex) => html`<tr${rowClasses[rowIndex] ? html` class="${rowClasses[rowIndex]}"` : ''}>${cells.map((cell, index) => html`<td class="${cellClass(columns[index])}">${cell}</td>`)}</tr>`,
  );
  return html`<table><thead><tr>${header}</tr></thead><tbody>${body}</tbody></table>`;
}

function cellClass(column: Column | undefined): string {
  return column?.isNumeric ? 'number' : column?.isShort ? 'short' : 'text';
}
