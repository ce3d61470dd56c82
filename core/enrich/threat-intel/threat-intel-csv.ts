import { parse as parseCsv } from 'csv-parse/sync';
import type { LoadingFile } from './threat-intel-file.js';
import { canonicalIndicatorValue, IntelFormatError, type IndicatorKind, type IndicatorValue } from './threat-intel-indicator.js';

const CSV_TYPES: Record<string, IndicatorKind> = { ip: 'ip', cidr: 'ip', domain: 'domain', url: 'url', hash: 'hash', email: 'email' };
const CSV_COLUMNS = ['type', 'value', 'description', 'confidence'];

/** Reads a `type,value[,description][,confidence]` list; `#` starts a comment line. */
export function loadCsv(text: string, file: LoadingFile): void {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    const options = { comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true, bom: true };
    // csv-parse's typings do not model `info: true`, which wraps each record with its line number.
    rows = parseCsv(text, options) as unknown as typeof rows;
  } catch (error) {
    throw new IntelFormatError(`is not valid CSV: ${(error as Error).message}`);
  }
  const header = rows[0]?.record.map((column) => column.toLowerCase());
  if (!header || header.indexOf('type') === -1 || header.indexOf('value') === -1 || header.some((column) => !CSV_COLUMNS.includes(column))) {
    throw new IntelFormatError(`line ${rows[0]?.info.lines ?? 1}: the header must be type,value[,description][,confidence]`);
  }
  const column = (name: string): number => header.indexOf(name);
  for (const { record, info } of rows.slice(1)) {
    const where = `line ${info.lines}`;
    if (record.length !== header.length) throw new IntelFormatError(`${where}: ${record.length} columns where the header has ${header.length}`);
    const type = (record[column('type')] ?? '').toLowerCase();
    const kind = CSV_TYPES[type];
    if (!kind) throw new IntelFormatError(`${where}: unknown type "${type}"; use one of ${Object.keys(CSV_TYPES).join(', ')}`);
    const confidenceText = column('confidence') === -1 ? '' : (record[column('confidence')] ?? '');
    const confidence = confidenceText === '' ? file.defaultConfidence : Number(confidenceText);
    if (!(confidence >= 0 && confidence <= 100)) throw new IntelFormatError(`${where}: confidence "${confidenceText}" must be a number from 0 to 100`);
    let comparison: IndicatorValue;
    try {
      comparison = canonicalIndicatorValue(kind, record[column('value')] ?? '');
    } catch (error) {
      if (!IntelFormatError.isInstance(error)) throw error;
      throw new IntelFormatError(`${where}: ${error.message}`);
    }
    const label = column('description') === -1 ? '' : (record[column('description')] ?? '');
    file.add({ ...comparison, label, location: where, confidence, validFromMs: -Infinity, validUntilMs: Infinity, isBenign: false });
  }
}
