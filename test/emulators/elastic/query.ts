import { readPath } from '../../../core/normalize/finalize.js';

/**
 * The Elasticsearch Query DSL subset the emulator answers: bool (filter / must / must_not /
 * should + minimum_should_match), term, terms, ids, range, exists, prefix, match, match_phrase,
 * match_all. Anything else is the 400 `parsing_exception` Elasticsearch gives for an unknown query.
 * Field values are read dotted or nested, as in real `_source` documents of the alerts index.
 */

export class QueryError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StoredDocument {
  _id: string;
  _index: string;
  _source: Record<string, unknown>;
  /** Insertion order: the `_doc` / `_shard_doc` tiebreaker. */
  seqNo: number;
}

export function fieldValues(source: Record<string, unknown>, field: string): unknown[] {
  const value = readPath(source, field);
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value.flat(Infinity) : [value]).filter((item) => item !== null && item !== undefined);
}

const sameValue = (left: unknown, right: unknown): boolean => left === right || (typeof left !== 'object' && typeof right !== 'object' && String(left) === String(right));

function comparable(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const millis = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(millis)) return millis;
    const number = Number(value);
    return value.trim() !== '' && Number.isFinite(number) ? number : value;
  }
  return String(value);
}

function singleKey(clause: Record<string, unknown>, query: string): [string, unknown] {
  const entries = Object.entries(clause);
  if (entries.length !== 1) throw new QueryError('parsing_exception', `[${query}] query doesn't support multiple fields, found [${entries.map(([key]) => key).join('] and [')}]`);
  return entries[0]!;
}

export function matches(document: StoredDocument, query: unknown): boolean {
  if (query === undefined) return true;
  if (typeof query !== 'object' || query === null || Array.isArray(query)) throw new QueryError('parsing_exception', 'query malformed, must start with start_object');
  const [[type, body] = ['', undefined], ...rest] = Object.entries(query);
  if (rest.length > 0) throw new QueryError('parsing_exception', `[${type}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`);
  const clause = (body ?? {}) as Record<string, unknown>;
  const source = document._source;
  switch (type) {
    case 'match_all':
      return true;
    case 'bool': {
      const list = (key: string): unknown[] => (clause[key] === undefined ? [] : Array.isArray(clause[key]) ? (clause[key] as unknown[]) : [clause[key]]);
      for (const key of Object.keys(clause)) {
        if (!['filter', 'must', 'must_not', 'should', 'minimum_should_match', 'boost'].includes(key)) throw new QueryError('parsing_exception', `[bool] query does not support [${key}]`);
      }
      if (![...list('filter'), ...list('must')].every((item) => matches(document, item))) return false;
      if (list('must_not').some((item) => matches(document, item))) return false;
      const should = list('should');
      const hasRequired = list('filter').length + list('must').length > 0;
      const minimum = clause.minimum_should_match === undefined ? (hasRequired ? 0 : should.length > 0 ? 1 : 0) : Number(clause.minimum_should_match);
      return should.filter((item) => matches(document, item)).length >= minimum;
    }
    case 'term': {
      const [field, spec] = singleKey(clause, 'term');
      const expected = typeof spec === 'object' && spec !== null && 'value' in spec ? (spec as { value: unknown }).value : spec;
      return fieldValues(source, field).some((value) => sameValue(value, expected));
    }
    case 'terms': {
      const [field, expected] = singleKey(Object.fromEntries(Object.entries(clause).filter(([key]) => key !== 'boost')), 'terms');
      if (!Array.isArray(expected)) throw new QueryError('parsing_exception', `[terms] query does not support [${field}] as a single value`);
      return fieldValues(source, field).some((value) => expected.some((item) => sameValue(value, item)));
    }
    case 'ids': {
      const values = clause.values;
      if (!Array.isArray(values)) throw new QueryError('parsing_exception', '[ids] query requires [values]');
      return values.includes(document._id);
    }
    case 'exists': {
      if (typeof clause.field !== 'string') throw new QueryError('parsing_exception', '[exists] must be provided with a [field]');
      return fieldValues(source, clause.field).length > 0;
    }
    case 'prefix': {
      const [field, spec] = singleKey(clause, 'prefix');
      const prefix = String(typeof spec === 'object' && spec !== null ? (spec as { value?: unknown }).value : spec);
      return fieldValues(source, field).some((value) => typeof value === 'string' && value.startsWith(prefix));
    }
    case 'match':
    case 'match_phrase': {
      const [field, spec] = singleKey(clause, type);
      const expected = typeof spec === 'object' && spec !== null ? (spec as { query?: unknown }).query : spec;
      return fieldValues(source, field).some((value) => String(value).toLowerCase().includes(String(expected).toLowerCase()));
    }
    case 'range': {
      const [field, bounds] = singleKey(clause, 'range');
      if (typeof bounds !== 'object' || bounds === null) throw new QueryError('parsing_exception', `[range] query malformed, no start_object after query name`);
      const limits = bounds as Record<string, unknown>;
      for (const key of Object.keys(limits)) {
        if (!['gte', 'gt', 'lte', 'lt', 'format', 'time_zone', 'boost'].includes(key)) throw new QueryError('parsing_exception', `[range] query does not support [${key}]`);
      }
      return fieldValues(source, field).some((raw) => {
        const value = comparable(raw);
        const check = (key: string, test: (left: number | string, right: number | string) => boolean): boolean => limits[key] === undefined || test(value, comparable(limits[key]));
        return check('gte', (left, right) => left >= right) && check('gt', (left, right) => left > right) && check('lte', (left, right) => left <= right) && check('lt', (left, right) => left < right);
      });
    }
    default:
      throw new QueryError('parsing_exception', `unknown query [${type}]`);
  }
}

export interface SortKey {
  field: string;
  order: 'asc' | 'desc';
}

export function parseSort(sort: unknown): SortKey[] {
  if (sort === undefined) return [];
  const items = Array.isArray(sort) ? sort : [sort];
  return items.map((item) => {
    if (typeof item === 'string') return { field: item, order: item === '_score' ? 'desc' : 'asc' };
    if (typeof item !== 'object' || item === null) throw new QueryError('parsing_exception', 'malformed sort format');
    const [field, spec] = singleKey(item as Record<string, unknown>, 'sort');
    const order = typeof spec === 'string' ? spec : ((spec as { order?: string }).order ?? 'asc');
    if (order !== 'asc' && order !== 'desc') throw new QueryError('illegal_argument_exception', `Unknown SortOrder [${order}]`);
    return { field, order };
  });
}

/** Sort values as Elasticsearch returns them: dates as epoch millis, keywords as strings. */
export function sortValues(document: StoredDocument, keys: SortKey[]): Array<number | string | null> {
  return keys.map((key) => {
    if (key.field === '_doc' || key.field === '_shard_doc') return document.seqNo;
    const values = fieldValues(document._source, key.field).map(comparable);
    if (values.length === 0) return null;
    return [...values].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0))[key.order === 'asc' ? 0 : values.length - 1]!;
  });
}

export function compareSortValues(left: Array<number | string | null>, right: ReadonlyArray<unknown>, keys: SortKey[]): number {
  for (let index = 0; index < keys.length; index += 1) {
    const a = left[index] ?? null;
    const b = (right[index] ?? null) as number | string | null;
    if (a === b) continue;
    // Missing values sort last in either order (Elasticsearch's default `missing: _last`).
    if (a === null) return 1;
    if (b === null) return -1;
    const order = a < b ? -1 : a > b ? 1 : 0;
    if (order !== 0) return keys[index]!.order === 'asc' ? order : -order;
  }
  return 0;
}
