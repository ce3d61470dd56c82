import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { AlertV1Schema, ATTACK_ID_PATTERN, SeveritySchema, type Alert, type AlertInput, type Entity } from '../../core/spec/alert.js';
import { InvalidAlertError, type FieldIssue } from '../../core/spec/errors.js';
import { allValues, firstValue, SplunkResultRowSchema, type SplunkResultRow } from './splunk-alert.js';

/**
 * Splunk notable / finding / search result row → Alert. Pure: the same row always gives the same
 * Alert (ids of rows without `event_id` are content hashes, never random).
 */

/** Fields that hold the analyst's workflow state, not alert content: kept out of `fields` so that
 * neither the analyst's decision nor Verdict's own earlier comment can feed back into a verdict. */
const WORKFLOW_FIELDS = new Set([
  'status',
  'status_label',
  'status_description',
  'status_group',
  'status_end',
  'owner',
  'owner_realname',
  'disposition',
  'disposition_label',
  'disposition_description',
  'comment',
  'review_time',
  'reviewer',
  'reviewer_realname',
  'time_to_triage',
]);

const ATTACK_FIELDS = ['annotations.mitre_attack', 'annotations.mitre_attack.mitre_technique_id'];
const NOTABLE_ID_PATTERN = /@@notable@@/;

export function looksLikeSplunkAlert(native: unknown): boolean {
  const row = unwrapExportLine(native);
  if (row === undefined) return false;
  const eventId = firstValue(row, 'event_id') ?? firstValue(row, 'finding_id');
  if (eventId !== undefined && NOTABLE_ID_PATTERN.test(eventId)) return true;
  // A search result row: Splunk's `_time` plus a Splunk rule name or CIM provenance field.
  return '_time' in row && ['search_name', 'orig_sourcetype', 'orig_sid', 'rule_name'].some((field) => field in row);
}

export function normalizeSplunkAlert(native: unknown): Alert {
  const row = unwrapExportLine(native);
  if (row === undefined) {
    throw new InvalidAlertError([{ path: '', message: 'expected a Splunk result row (a JSON object of field: value)' }]);
  }
  const issues: FieldIssue[] = [];
  const findingId = firstValue(row, 'finding_id');
  const eventId = firstValue(row, 'event_id') ?? findingId;
  const epochSeconds = parseSplunkTime(row, findingId);
  if (epochSeconds === undefined) {
    issues.push({ path: '_time', message: 'missing or unreadable; expected epoch seconds or an ISO 8601 time' });
  }
  const ruleName = firstValue(row, 'rule_name') ?? firstValue(row, 'search_name') ?? firstValue(row, 'rule_title') ?? firstValue(row, 'signature');
  if (ruleName === undefined) {
    issues.push({ path: 'rule_name', message: 'missing; a notable needs rule_name, search_name or rule_title' });
  }
  if (issues.length > 0 || epochSeconds === undefined || ruleName === undefined) throw new InvalidAlertError(issues);

  const nativeIds: Record<string, string> = { notable_time: String(Math.floor(epochSeconds)) };
  for (const field of ['event_id', 'finding_id', 'rule_id', 'orig_sid', 'orig_rid', 'search_name']) {
    const value = firstValue(row, field);
    if (value !== undefined) nativeIds[field] = value;
  }
  const alert: AlertInput = {
    id: eventId ?? `splunk-row-${contentDigest(row)}`,
    source: { platform: 'splunk', product: firstValue(row, 'orig_sourcetype') ?? firstValue(row, 'security_domain'), nativeIds },
    title: firstValue(row, 'rule_title') ?? ruleName,
    ruleName,
    ruleId: firstValue(row, 'rule_id') ?? firstValue(row, 'signature_id'),
    ruleAuthor: firstValue(row, 'rule_author'),
    description: firstValue(row, 'rule_description'),
    severity: readSeverity(row),
    time: new Date(epochSeconds * 1000).toISOString(),
    entities: readEntities(row),
    attack: readAttack(row),
    fields: readFields(row),
    raw: row,
  };
  const parsed = AlertV1Schema.safeParse(alert);
  if (!parsed.success) {
    throw new InvalidAlertError(parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })));
  }
  return parsed.data;
}

/** Accepts a bare result row or a whole export line `{preview, offset, result}`. */
function unwrapExportLine(native: unknown): SplunkResultRow | undefined {
  if (typeof native !== 'object' || native === null || Array.isArray(native)) return undefined;
  const candidate = 'result' in native && typeof native.result === 'object' && native.result !== null ? native.result : native;
  const parsed = SplunkResultRowSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  // Lenient: drop values of unexpected shapes (nested objects) rather than reject the row.
  const row: SplunkResultRow = {};
  for (const [key, value] of Object.entries(candidate)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) row[key] = value;
    else if (Array.isArray(value)) row[key] = value.filter((item) => typeof item === 'string');
  }
  return row;
}

/** `_time` as epoch seconds (`"1642213952.000"`) or ISO (`"2022-01-15T02:32:32.000+00:00"`). */
export function parseSplunkTime(row: SplunkResultRow, findingId?: string): number | undefined {
  for (const field of ['_time', 'time', 'orig_time']) {
    const seconds = parseTimeValue(firstValue(row, field));
    if (seconds !== undefined) return seconds;
  }
  const fromRef = findingId?.match(/time(\d+)$/)?.[1];
  return fromRef === undefined ? undefined : Number(fromRef);
}

/** Seconds a JavaScript Date can hold (±8.64e15 ms): beyond it a time has no ISO 8601 form. */
const MAX_EPOCH_SECONDS = 8.64e12;

function parseTimeValue(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  // Out of range is unreadable (named as `_time`), not a RangeError from toISOString later.
  return Number.isFinite(seconds) && Math.abs(seconds) <= MAX_EPOCH_SECONDS ? seconds : undefined;
}

function readSeverity(row: SplunkResultRow): Alert['severity'] {
  for (const field of ['urgency', 'severity']) {
    const parsed = SeveritySchema.safeParse(firstValue(row, field)?.toLowerCase());
    if (parsed.success) return parsed.data;
  }
  return undefined;
}

function readAttack(row: SplunkResultRow): string[] {
  const ids = ATTACK_FIELDS.flatMap((field) => allValues(row, field));
  // Some searches keep annotations as one JSON object string: {"mitre_attack": ["T1003", …]}.
  const annotations = firstValue(row, 'annotations');
  if (annotations?.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(annotations);
      const listed = typeof parsed === 'object' && parsed !== null && 'mitre_attack' in parsed ? parsed.mitre_attack : undefined;
      if (Array.isArray(listed)) ids.push(...listed.filter((item): item is string => typeof item === 'string'));
    } catch {
      // Not JSON: the field is free text and carries no technique ids.
    }
  }
  return [...new Set(ids.map((id) => id.trim().toUpperCase()).filter((id) => ATTACK_ID_PATTERN.test(id)))];
}

function readEntities(row: SplunkResultRow): Entity[] {
  const entities: Entity[] = [];
  const seen = new Set<string>();
  const add = (kind: Entity['kind'], value: string, role: Entity['role'], properties?: Record<string, string>): void => {
    const key = `${kind}\u0000${value.toLowerCase()}\u0000${role}`;
    if (seen.has(key)) return;
    seen.add(key);
    entities.push(properties && Object.keys(properties).length > 0 ? { kind, value, role, properties } : { kind, value, role });
  };
  const addHostOrIp = (value: string, role: Entity['role'], ipRole: Entity['role']): void => {
    if (isIP(value) !== 0) add('ip', value, ipRole);
    else add('host', value, role);
  };

  for (const dest of [...allValues(row, 'dest'), ...allValues(row, 'dest_host')]) addHostOrIp(dest, 'target', 'destination');
  for (const ip of allValues(row, 'dest_ip')) add('ip', ip, 'destination');
  for (const src of [...allValues(row, 'src'), ...allValues(row, 'src_host')]) addHostOrIp(src, 'source', 'source');
  for (const ip of allValues(row, 'src_ip')) add('ip', ip, 'source');
  for (const user of allValues(row, 'user')) add('user', user, 'actor');
  for (const process of readProcesses(row)) add('process', process.value, 'actor', process.properties);
  for (const hash of [...allValues(row, 'process_hash'), ...allValues(row, 'file_hash')].flatMap(parseHashes)) {
    add('hash', hash.value, 'related', { algorithm: hash.algorithm });
  }
  for (const url of allValues(row, 'url')) add('url', url, 'related');
  const registryDetails = firstValue(row, 'registry_value_data');
  for (const path of allValues(row, 'registry_path')) {
    add('registry', path, 'target', registryDetails === undefined ? undefined : { details: registryDetails });
  }
  for (const path of allValues(row, 'file_path')) add('file', path, 'target');
  readRiskObject(row, addHostOrIp, add);
  return entities;
}

interface ProcessEntity {
  value: string;
  properties: Record<string, string>;
}

/** One process per command line (or image); multivalue fields are zipped by position. */
function readProcesses(row: SplunkResultRow): ProcessEntity[] {
  const commandLines = allValues(row, 'process');
  const images = allValues(row, 'process_path');
  const count = Math.max(commandLines.length, images.length);
  const processes: ProcessEntity[] = [];
  for (let index = 0; index < count; index += 1) {
    const pick = (field: string): string | undefined => {
      const values = allValues(row, field);
      return values.length === count ? values[index] : values[0];
    };
    const commandLine = commandLines.length === count ? commandLines[index] : commandLines[0];
    const image = images.length === count ? images[index] : images[0];
    const value = commandLine ?? image;
    if (value === undefined) continue;
    const properties: Record<string, string> = {};
    const set = (key: string, item: string | undefined): void => {
      if (item !== undefined) properties[key] = item;
    };
    set('image', image);
    set('commandLine', commandLine);
    set('parentImage', pick('parent_process_path'));
    set('parentCommandLine', pick('parent_process'));
    set('user', pick('user'));
    set('hashes', pick('process_hash'));
    processes.push({ value, properties });
  }
  return processes;
}

const HASH_ALGORITHM_BY_LENGTH: Record<number, string> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/** `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` (Sysmon) or a bare hex digest. IMPHASH is not a file hash. */
function parseHashes(text: string): Array<{ algorithm: string; value: string }> {
  const hashes: Array<{ algorithm: string; value: string }> = [];
  for (const part of text.split(/[,;\s]+/)) {
    const [label, digest] = part.includes('=') ? part.split('=', 2) : [undefined, part];
    if (digest === undefined || !/^[0-9a-fA-F]+$/.test(digest)) continue;
    const algorithm = label?.toLowerCase() ?? HASH_ALGORITHM_BY_LENGTH[digest.length];
    if (algorithm === undefined || algorithm === 'imphash' || HASH_ALGORITHM_BY_LENGTH[digest.length] !== algorithm) continue;
    hashes.push({ algorithm, value: digest.toLowerCase() });
  }
  return hashes;
}

/** ES 8 findings and risk notables name their main entity as risk_object + risk_object_type. */
function readRiskObject(
  row: SplunkResultRow,
  addHostOrIp: (value: string, role: Entity['role'], ipRole: Entity['role']) => void,
  add: (kind: Entity['kind'], value: string, role: Entity['role']) => void,
): void {
  const object = firstValue(row, 'risk_object');
  if (object === undefined) return;
  const type = firstValue(row, 'risk_object_type')?.toLowerCase();
  if (type === 'user') add('user', object, 'actor');
  else if (type === 'system') addHostOrIp(object, 'target', 'destination');
}

function readFields(row: SplunkResultRow): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(row)) {
    if ((key.startsWith('_') && key !== '_time') || key.startsWith('__mv_') || WORKFLOW_FIELDS.has(key)) continue;
    const values = Array.isArray(value) ? value : value === null ? [] : [String(value)];
    if (values.length > 0) fields[key] = values.join('\n');
  }
  return fields;
}

/** A stable digest of a row: key order does not matter. */
function contentDigest(row: SplunkResultRow): string {
  const sorted = Object.keys(row)
    .sort()
    .map((key) => [key, row[key]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 32);
}
