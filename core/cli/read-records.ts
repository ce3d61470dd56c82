import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse';
import { ConfigError } from '../spec/errors.js';
import { jsonDepth, MAX_JSON_DEPTH, tooDeepMessage } from '../spec/json-depth.js';
import { readJsonRecords } from './read-json-records.js';

export type InputFormat = 'jsonl' | 'json' | 'csv';

/** A record, or the reason a line could not be read as one (it still goes to dead letters). */
export type InputRecord = { record: unknown } | { unreadable: string; line: number; text: string };

export function detectFormat(file: string, explicit?: string): InputFormat {
  if (explicit === 'jsonl' || explicit === 'json' || explicit === 'csv') return explicit;
  if (explicit !== undefined) throw new ConfigError(`--input-format ${explicit} is not supported: use jsonl, json or csv`);
  if (file.endsWith('.csv')) return 'csv';
  if (file.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** Size in bytes when known (a file), for the progress bar. */
export function inputSize(file: string): number | undefined {
  // A missing file is reported by readRecords with its name and the fix, not as a stat crash.
  return file === '-' || !existsSync(file) ? undefined : statSync(file).size;
}

/**
 * Streams records from a file or stdin without loading it whole: JSONL by line, CSV by row, a JSON
 * array element by element. A line or a document tail that is not JSON is yielded as unreadable,
 * not thrown.
 */
export async function* readRecords(file: string, format: InputFormat, onBytes?: (bytes: number) => void): AsyncGenerator<InputRecord> {
  if (file !== '-' && !existsSync(file)) {
    throw new ConfigError(`input file ${file} does not exist: pass a JSONL, JSON or CSV file, or - for stdin`);
  }
  if (file !== '-' && statSync(file).isDirectory()) {
    throw new ConfigError(`input file ${file} is a folder: pass a JSONL, JSON or CSV file inside it, or - for stdin`);
  }
  const stream = file === '-' ? process.stdin : createReadStream(file);
  if (onBytes) stream.on('data', (chunk: Buffer | string) => onBytes(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length));
  if (format === 'csv') {
    const parser = stream.pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, relax_column_count: true }));
    try {
      for await (const row of parser) yield { record: row as unknown };
    } catch (error) {
      // csv-parse stops at the first malformed row (an unclosed quote): the rows before it are triaged.
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('CSV_')) throw error;
      throw new ConfigError(`input file ${file} is not valid CSV (${(error as Error).message}); fix that row (quote fields containing commas or quotes) and run again`, { cause: error });
    }
    return;
  }
  if (format === 'json') {
    // Streamed: one array element at a time (bounded memory), UTF-8 decoded across chunk boundaries.
    yield* readJsonRecords(stream, `input file ${file}`);
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    if (jsonDepth(line) > MAX_JSON_DEPTH) {
      yield { unreadable: `line ${lineNumber}: ${tooDeepMessage()}`, line: lineNumber, text: line };
      continue;
    }
    try {
      yield { record: JSON.parse(line) as unknown };
    } catch (error) {
      yield { unreadable: `line ${lineNumber} is not JSON: ${(error as Error).message}`, line: lineNumber, text: line };
    }
  }
}
