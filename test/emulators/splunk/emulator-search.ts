/**
 * The subset of SPL the Splunk emulator understands — exactly what Verdict sends:
 *   search `notable` [field=value …] | sort 0 _time event_id | head N
 *   | inputlookup incident_review_lookup | search rule_id="…" | where time >= N | sort 0 time
 *   | inputlookup <kv collection or lookup>
 *   search index=<index> [sourcetype=…] [indexed_field=value …] | head N   (events sent through HEC)
 * Anything else is answered like Splunk answers an unknown command: a FATAL message.
 */

export type Row = Record<string, string | string[]>;

export interface SearchSources {
  notables(): Row[];
  reviews(): Row[];
  lookup(name: string): Row[] | undefined;
  /** Indexed events (those sent through HEC): index, sourcetype, source, _time and indexed fields. */
  events(): Row[];
}

export class SearchError extends Error {}

export function runSearch(search: string, sources: SearchSources, range: { earliest?: number; latest?: number }): Row[] {
  const [first = '', ...commands] = splitPipes(search.trim());
  let rows: Row[];
  const head = first.trim();
  if (head === '') {
    const generator = commands.shift()?.trim() ?? '';
    const lookup = generator.match(/^inputlookup\s+(?:append=\w+\s+)?([\w.-]+)$/);
    if (!lookup?.[1]) throw new SearchError(`Unknown search command '${generator.split(/\s+/)[0] ?? ''}'.`);
    const table = lookup[1] === 'incident_review_lookup' ? sources.reviews() : sources.lookup(lookup[1]);
    if (table === undefined) throw new SearchError(`The lookup table '${lookup[1]}' does not exist.`);
    rows = table;
  } else {
    const terms = head.replace(/^search\s+/, '');
    if (terms.includes('`notable`')) {
      rows = sources.notables().filter((row) => inRange(row, range));
      rows = applyFilter(rows, terms.replace('`notable`', '').trim());
    } else if (/(^|\s)index\s*=/.test(terms)) {
      rows = applyFilter(
        sources.events().filter((row) => inRange(row, range)),
        terms,
      );
    } else {
      throw new SearchError('The emulator only searches the `notable` macro or an index (index=…).');
    }
  }
  for (const command of commands) rows = applyCommand(rows, command.trim());
  return rows;
}

function inRange(row: Row, range: { earliest?: number; latest?: number }): boolean {
  const time = Number(row._time);
  if (range.earliest !== undefined && time < range.earliest) return false;
  if (range.latest !== undefined && time >= range.latest) return false;
  return true;
}

function applyCommand(rows: Row[], command: string): Row[] {
  const [name = '', ...rest] = command.split(/\s+/);
  const argument = rest.join(' ');
  switch (name) {
    case 'search':
      return applyFilter(rows, argument);
    case 'where': {
      const match = argument.match(/^([\w.]+)\s*(>=|<=|>|<|==|=|!=)\s*(-?[\d.]+)$/);
      if (!match) throw new SearchError(`Error in 'where' command: unsupported expression '${argument}'.`);
      const [, field = '', operator, value] = match;
      const limit = Number(value);
      return rows.filter((row) => compare(Number(first(row[field])), operator ?? '=', limit));
    }
    case 'sort': {
      const fields = rest.filter((part) => !/^\d+$/.test(part));
      const descending = fields[0] === '-';
      const keys = fields.filter((part) => part !== '-' && part !== '+');
      const sorted = [...rows].sort((left, right) => {
        for (const key of keys) {
          const order = compareValues(first(left[key]), first(right[key]));
          if (order !== 0) return order;
        }
        return 0;
      });
      return descending ? sorted.reverse() : sorted;
    }
    case 'head':
      return rows.slice(0, Number(rest[0] ?? 10));
    default:
      throw new SearchError(`Unknown search command '${name}'.`);
  }
}

/** `field="value" field2=value*`: equality with `*` wildcards, all terms ANDed. */
function applyFilter(rows: Row[], terms: string): Row[] {
  const conditions = [...terms.matchAll(/([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map((match) => ({
    field: match[1] ?? '',
    pattern: wildcard((match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1')),
  }));
  return rows.filter((row) => conditions.every(({ field, pattern }) => values(row[field]).some((value) => pattern.test(value))));
}

function wildcard(text: string): RegExp {
  return new RegExp(
    `^${text
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
}

function compare(left: number, operator: string, right: number): boolean {
  switch (operator) {
    case '>=':
      return left >= right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '<':
      return left < right;
    case '!=':
      return left !== right;
    default:
      return left === right;
  }
}

function compareValues(left: string | undefined, right: string | undefined): number {
  const leftNumber = Number(left);
  const rightNumber = Number(right);
  if (left !== undefined && right !== undefined && !Number.isNaN(leftNumber) && !Number.isNaN(rightNumber)) return leftNumber - rightNumber;
  return (left ?? '').localeCompare(right ?? '');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function values(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Splits on `|` outside double quotes and backticks. */
function splitPipes(search: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let index = 0; index < search.length; index += 1) {
    const char = search[index] ?? '';
    if (quote) {
      if (char === '\\' && quote === '"') {
        current += char + (search[index + 1] ?? '');
        index += 1;
        continue;
      }
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === '`') {
      quote = char;
    } else if (char === '|') {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

/** Splunk time modifiers the emulator accepts: epoch seconds, `now`, `-<n><s|m|h|d>`. */
export function parseTimeModifier(value: string | undefined, nowSeconds: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'now') return nowSeconds;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  const relative = value.match(/^-(\d+)([smhd])$/);
  if (!relative) throw new SearchError(`Invalid time modifier '${value}'.`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[relative[2] as 's' | 'm' | 'h' | 'd'];
  return nowSeconds - Number(relative[1]) * unit;
}
