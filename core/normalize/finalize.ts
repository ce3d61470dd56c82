import { AlertV1Schema, type Alert, type AlertInput, type Entity } from '../spec/alert.js';
import { InvalidAlertError, type FieldIssue } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import { asCanonicalAlert } from './canonical-alert.js';

/**
 * The last step of every normalizer: validate strictly and raise InvalidAlertError naming the
 * field. Normalizers parse vendor payloads leniently; what they hand over must be exact.
 */
export function finalizeAlert(input: AlertInput): Alert {
  const alert = asCanonicalAlert(input) ?? parseAlert(input);
  const unstorable = storageIssues(alert);
  if (unstorable.length > 0) throw new InvalidAlertError(unstorable);
  // Stores sort and filter times as text: every alert time is written in UTC.
  if (!alert.time.endsWith('Z')) alert.time = new Date(alert.time).toISOString();
  return alert;
}

function parseAlert(input: AlertInput): Alert {
  const parsed = AlertV1Schema.safeParse(input);
  if (!parsed.success) throw new InvalidAlertError(toFieldIssues(parsed.error));
  return parsed.data;
}

/** Bytes of an alert id: it is a primary key in both stores (a btree entry must stay under ~2.7 kB). */
export const MAX_ALERT_ID_BYTES = 512;
/** Bytes of a rule name: indexed with the alert time. */
export const MAX_RULE_NAME_BYTES = 1024;
/** At most this many storage issues are listed per record. */
const MAX_LISTED_ISSUES = 5;

/**
 * What no store can hold, found before the store is asked (where it would fail the whole batch):
 * U+0000 in any text outside `raw` (PostgreSQL text cannot hold it; `raw` is stored as escaped
 * JSON) and keys longer than an index entry allows. The record is dead-lettered, naming the field.
 */
function containsNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  // Walked without allocating (no Object.values): it runs on every field of every alert.
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) if (containsNul(value[index], depth + 1)) return true;
    return false;
  }
  for (const key in value) if (Object.hasOwn(value, key) && containsNul((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

function hasNulOutsideRaw(alert: Alert): boolean {
  for (const key in alert) if (key !== 'raw' && Object.hasOwn(alert, key) && containsNul(alert[key as keyof Alert], 0)) return true;
  return false;
}

/** True when an alert id passes every check the full path makes (text, no NUL, short enough to index). */
export function isStorableId(id: string): boolean {
  return id.length > 0 && !id.includes('\u0000') && bytesOver(id, MAX_ALERT_ID_BYTES) === 0;
}

/** The UTF-8 length of `text` when it is over `max` bytes, else 0. A UTF-16 unit is at most 3 bytes: short text is not counted. */
function bytesOver(text: string, max: number): number {
  if (text.length * 3 <= max) return 0;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > max ? bytes : 0;
}

function storageIssues(alert: Alert): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const idBytes = bytesOver(alert.id, MAX_ALERT_ID_BYTES);
  if (idBytes > 0) issues.push({ path: 'id', message: `is ${idBytes} bytes; at most ${MAX_ALERT_ID_BYTES} are allowed for an alert id: send the platform's short id` });
  const ruleBytes = bytesOver(alert.ruleName, MAX_RULE_NAME_BYTES);
  if (ruleBytes > 0) issues.push({ path: 'ruleName', message: `is ${ruleBytes} bytes; at most ${MAX_RULE_NAME_BYTES} are allowed for a rule name` });
  // The usual alert has no NUL anywhere: find that out without building a path for every field.
  if (!hasNulOutsideRaw(alert)) return issues;
  const pending: Array<{ path: string; value: unknown }> = Object.entries(alert)
    .filter(([key]) => key !== 'raw')
    .map(([key, value]) => ({ path: key, value }));
  while (pending.length > 0 && issues.length < MAX_LISTED_ISSUES) {
    const { path, value } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) issues.push({ path, message: 'contains a NUL character (U+0000), which the store cannot hold: remove it' });
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) pending.push({ path: `${path}.${key}`, value: child });
    }
  }
  return issues;
}

/**
 * Reads `a.b.c` from a record; a key containing dots (`kibana.alert.rule.name`) wins over nesting.
 * Through an array, the path continues into every element (`events.EventData.Image`).
 */
export function readPath(record: unknown, dottedPath: string): unknown {
  if (record === null || typeof record !== 'object') return undefined;
  if (Array.isArray(record)) {
    const values = record.map((element) => readPath(element, dottedPath)).filter((value) => value !== undefined);
    return values.length === 0 ? undefined : values.flat();
  }
  const object = record as Record<string, unknown>;
  if (dottedPath in object) return object[dottedPath];
  const dot = dottedPath.indexOf('.');
  if (dot === -1) return undefined;
  // Try the longest flat prefix first so mixed flat/nested documents resolve.
  for (let end = dottedPath.lastIndexOf('.'); end > 0; end = dottedPath.lastIndexOf('.', end - 1)) {
    const head = dottedPath.slice(0, end);
    if (head in object) return readPath(object[head], dottedPath.slice(end + 1));
  }
  return undefined;
}

/** A scalar as a trimmed string; arrays give their first scalar; anything else is undefined. */
export function readString(record: unknown, dottedPath: string): string | undefined {
  return asString(readPath(record, dottedPath));
}

export function asString(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? asString(value[0]) : undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** Every scalar under a path (arrays flattened), as strings. */
export function readStrings(record: unknown, dottedPath: string): string[] {
  const value = readPath(record, dottedPath);
  if (!Array.isArray(value)) {
    const text = asString(value);
    return text === undefined ? [] : [text];
  }
  return value.map(asString).filter((item): item is string => item !== undefined);
}

/**
 * Parses a time written as ISO 8601, epoch seconds or epoch milliseconds into ISO 8601.
 * Returns undefined when it is none of those, so the caller can name the field.
 */
export function parseTime(value: unknown, format: 'auto' | 'iso' | 'epoch_seconds' | 'epoch_millis' = 'auto'): string | undefined {
  // A number that String() writes in plain digits reads as itself: skip the text round trip.
  const numeric = typeof value === 'number' && isPlainDecimal(value) ? value : undefined;
  if (numeric === undefined) return parseTimeText(value, format);
  if (format === 'iso') return parseTimeText(value, format);
  return isoOf(format === 'epoch_seconds' || (format === 'auto' && Math.abs(numeric) < 1e11) ? numeric * 1000 : numeric);
}

/** True when String(value) is digits with an optional fraction (no exponent), as the text path's pattern requires. */
function isPlainDecimal(value: number): boolean {
  const magnitude = Math.abs(value);
  return Number.isFinite(value) && (magnitude === 0 || (magnitude >= 1e-6 && magnitude < 1e21));
}

function parseTimeText(value: unknown, format: 'auto' | 'iso' | 'epoch_seconds' | 'epoch_millis'): string | undefined {
  // Scalars only (arrays give their first): String() of an object can throw ({"toString": 1}).
  const text = asString(value);
  if (text === undefined) return undefined;
  const numeric = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  let millis: number;
  if (format === 'epoch_seconds' || (format === 'auto' && numeric !== undefined && Math.abs(numeric) < 1e11)) {
    if (numeric === undefined) return undefined;
    millis = numeric * 1000;
  } else if (format === 'epoch_millis' || (format === 'auto' && numeric !== undefined)) {
    if (numeric === undefined) return undefined;
    millis = numeric;
  } else {
    millis = Date.parse(text);
  }
  return isoOf(millis);
}

/** The last instant formatted: alerts of one second (a flood) arrive together, and toISOString is not free. */
let lastIsoMillis = Number.NaN;
let lastIso: string | undefined;

function isoOf(millis: number): string | undefined {
  if (millis === lastIsoMillis) return lastIso;
  if (!Number.isFinite(millis)) return undefined;
  const date = new Date(millis);
  const iso = Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  lastIsoMillis = millis;
  lastIso = iso;
  return iso;
}

/**
 * Runs a normalizer so that it keeps its promise of InvalidAlertError and nothing else. Valid JSON
 * can nest deeper than the call stack; reading or digesting such a record overflows, and that is
 * the record's fault, not a bug to report.
 */
export function withTypedErrors<T>(normalize: () => T): T {
  try {
    return normalize();
  } catch (error) {
    if (error instanceof RangeError) {
      throw new InvalidAlertError([{ path: '', message: `the record cannot be read (${error.message}): it is nested too deeply` }], { cause: error });
    }
    throw error;
  }
}

/** Below this many entities a list is scanned; from it on, a key set keeps each push O(1). */
const ENTITY_SCAN_LIMIT = 16;

/** The kind/value keys already in each long list pushEntity builds, so each push is O(1), not O(n). */
const entityKeysByList = new WeakMap<Entity[], Set<string>>();

/** Adds an entity unless the same kind and value is already there. */
export function pushEntity(entities: Entity[], entity: Entity): void {
  if (entities.length < ENTITY_SCAN_LIMIT) {
    // The usual alert has a handful of entities: a scan costs less than a set (and a WeakMap entry) per alert.
    for (const existing of entities) if (existing.kind === entity.kind && existing.value === entity.value) return;
    entities.push(entity);
    return;
  }
  let keys = entityKeysByList.get(entities);
  // Built on first use, and rebuilt if the list was changed by other means since.
  if (!keys || keys.size !== entities.length) {
    keys = new Set(entities.map((existing) => `${existing.kind}\u0000${existing.value}`));
    entityKeysByList.set(entities, keys);
  }
  const key = `${entity.kind}\u0000${entity.value}`;
  if (keys.has(key)) return;
  keys.add(key);
  entities.push(entity);
}

/** Reads a severity word or number (1–5, OCSF-style ids) as a Verdict severity. */
export function parseSeverity(value: unknown, map: Record<string, string> = {}): Alert['severity'] {
  const text = asString(value)?.toLowerCase();
  if (text === undefined) return undefined;
  // Own keys only: a severity written "constructor" or "__proto__" must not read Object.prototype.
  const mapped = (Object.hasOwn(map, text) ? String(map[text]) : text).toLowerCase();
  switch (mapped) {
    case 'informational':
    case 'info':
    case 'information':
    case '1':
      return 'informational';
    case 'low':
    case '2':
      return 'low';
    case 'medium':
    case 'moderate':
    case '3':
      return 'medium';
    case 'high':
    case '4':
      return 'high';
    case 'critical':
    case 'fatal':
    case 'urgent':
    case '5':
    case '6':
      return 'critical';
    default:
      return undefined;
  }
}
