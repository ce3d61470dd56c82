import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { ExpectedLabel } from '../../core/backtest/metrics.js';

/** One AIT-ADS row without its labels, plus the labels kept apart for scoring. */
export interface AitRow {
  scenario: string;
  line: number;
  time: number;
  name: string;
  ip: string;
  host: string;
  short: string;
  labels: { timeLabel: string; eventLabel: string };
}

/**
 * The data README's labelling rule, applied in order: an attack step caused it → malicious;
 * else outside every attack window → benign; else ambiguous (replayed, not scored).
 */
export function expectedLabel(labels: AitRow['labels']): ExpectedLabel {
  if (labels.eventLabel !== '-') return 'malicious';
  if (labels.timeLabel === 'false_positive') return 'benign';
  return 'ambiguous';
}

/** Group for the group view: scenario × alert name × host × both labels (scoring only). */
export function aitGroupKey(row: AitRow): string {
  return `${row.scenario}\u0000${row.name}\u0000${row.host}\u0000${row.labels.timeLabel}\u0000${row.labels.eventLabel}`;
}

/** Streams rows in file order (constant memory): what the throughput bench replays. */
export async function* streamAitRows(file: string, scenario: string): AsyncGenerator<AitRow> {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let lineNumber = 0;
  let columns: string[] | undefined;
  for await (const text of lines) {
    lineNumber += 1;
    if (columns === undefined) {
      columns = text.split(',');
      const expected = ['time', 'name', 'ip', 'host', 'short', 'time_label', 'event_label'];
      if (expected.some((name, index) => columns![index] !== name)) {
        throw new Error(`${file}: header is "${text}", expected ${expected.join(',')}`);
      }
      continue;
    }
    if (text === '') continue;
    const parts = text.split(',');
    if (parts.length < 7) continue;
    yield {
      scenario,
      line: lineNumber,
      time: Number(parts[0]),
      name: parts[1]!,
      ip: parts[2]!,
      host: parts[3]!,
      short: parts[4]!,
      labels: { timeLabel: parts[5]!, eventLabel: parts[6]! },
    };
  }
}

/** All rows of a scenario in time order (stable sort: the files are not strictly ordered). */
export async function loadAitSorted(file: string, scenario: string): Promise<AitRow[]> {
  const rows: AitRow[] = [];
  for await (const row of streamAitRows(file, scenario)) rows.push(row);
  const order = rows.map((_, index) => index);
  order.sort((left, right) => rows[left]!.time - rows[right]!.time || left - right);
  return order.map((index) => rows[index]!);
}
