import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ConfigError } from '../../spec/errors.js';

/** Inventory files (CSV or JSON) read into rows with lower-case keys, and the typed cells of a row. */

type Row = Record<string, unknown>;
export interface Located {
  row: Row;
  /** `line 4` or `entry [3]`, for messages. */
  location: string;
  source: string;
}

export function fail(file: string, location: string, problem: string, fix: string): never {
  throw new ConfigError(`${file} ${location}: ${problem}; ${fix}`);
}

const HEADERS = {
  assets: { anyOf: ['host', 'hostname', 'ip'], example: 'host,ip,criticality,owner,role,environment' },
  identities: { anyOf: ['user'], example: 'user,privileged,service,department,owner' },
};

function readCsv(file: string, displayPath: string, text: string, listName: keyof typeof HEADERS): Located[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` csv-parse returns { record, info } pairs; its typings only know the plain rows.
    records = parse(text, {
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      comment: '#',
      comment_no_infix: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = typeof (error as { lines?: unknown }).lines === 'number' ? (error as { lines: number }).lines : 1;
    throw new ConfigError(`${file} line ${line}: ${(error as Error).message}; quote values that contain commas or quotes ("a, b") ` + 'and give every row as many values as the header', {
      cause: error,
    });
  }
  const [header, ...rows] = records;
  if (!header) return [];
  const columns = header.record.map((column) => column.toLowerCase());
  const expected = HEADERS[listName];
  if (!expected.anyOf.some((column) => columns.includes(column))) {
    const problem = `the header row (${header.record.join(',')}) has no ${expected.anyOf.join(' or ')} column`;
    fail(file, `line ${header.info.lines}`, problem, `start the file with a header row such as ${expected.example}`);
  }
  return rows.map(({ record, info }) => ({
    row: Object.fromEntries(columns.map((column, index) => [column, record[index]])),
    location: `line ${info.lines}`,
    source: `${displayPath}:${info.lines}`,
  }));
}

function readJson(file: string, displayPath: string, text: string, listName: string): Located[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message}); fix the syntax or use a CSV file`, {
      cause: error,
    });
  }
  const list = Array.isArray(data) ? data : (data as Record<string, unknown> | null)?.[listName];
  if (!Array.isArray(list)) {
    fail(file, 'top level', `expected an array or {"${listName}": [...]}`, 'wrap the records in an array');
  }
  return list.map((row: unknown, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      fail(file, `entry [${index}]`, 'is not an object', 'give each record as {"host": ..., ...}');
    }
    const lowered = Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toLowerCase(), value]));
    return { row: lowered, location: `entry [${index}]`, source: `${displayPath}#${index}` };
  });
}

export function readRows(file: { path: string }, baseDir: string, listName: 'assets' | 'identities', at: string): Located[] {
  const resolved = path.resolve(baseDir, file.path);
  const extension = path.extname(resolved).toLowerCase();
  if (extension !== '.csv' && extension !== '.json') {
    throw new ConfigError(`${at}.path ${file.path}: unsupported file type; use a .csv or .json file`);
  }
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new ConfigError(`${at}.path ${resolved} cannot be read (${code}); ` + "fix the path (relative paths start at the config file's folder)", { cause: error });
  }
  return extension === '.csv' ? readCsv(resolved, file.path, text, listName) : readJson(resolved, file.path, text, listName);
}

export function text(located: Located, file: string, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = located.row[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && typeof value !== 'number') {
      fail(file, located.location, `${key} must be text, found ${JSON.stringify(value)}`, `write ${key} as a string`);
    }
    const trimmed = String(value).trim();
    if (trimmed !== '') return trimmed;
  }
  return undefined;
}

export function flag(located: Located, file: string, key: string): boolean {
  const value = located.row[key];
  if (typeof value === 'boolean') return value;
  const word = value === undefined || value === null ? '' : String(value).trim().toLowerCase();
  if (['', 'false', 'no', 'n', '0'].includes(word)) return false;
  if (['true', 'yes', 'y', '1'].includes(word)) return true;
  const fix = `write ${key} as true or false (yes/no and 1/0 also work)`;
  return fail(file, located.location, `${key} is "${String(value)}"`, fix);
}
