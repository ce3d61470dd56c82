import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { Row } from './emulator-search.js';
import { splitConcatenatedJson } from './splunk-emulator.js';

/**
 * Renders the public eval data as ES 7 notables, by the Splunk mapping in shared/eval/README.md.
 * No official notable example exists to copy, so these rendered rows are the emulator's seed.
 * Labels never reach a notable: AIT rows are read as (time, name, ip, host, short) only, and the
 * Sigma `expected_*` fields of index.jsonl are never read.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const EVAL_DIR = process.env.VERDICT_SHARED_DIR
  ? join(process.env.VERDICT_SHARED_DIR, 'eval')
  : resolve(here, '../../../../shared/eval');

/** An AIT row without its label columns. */
export interface AitRow {
  time: string;
  name: string;
  ip: string;
  host: string;
  short: string;
}

export const AIT_SCENARIOS = ['fox', 'harrison', 'russellmitchell', 'santos', 'shaw'] as const;
export type AitScenario = (typeof AIT_SCENARIOS)[number];

/** Rows of one scenario in replay order (stable sort by time). `distinct` keeps the first row of
 * each (name, host) pair, a small sample that still covers every alert type. */
export function loadAitRows(scenario: AitScenario, options: { limit?: number; distinct?: boolean } = {}): AitRow[] {
  const text = gunzipSync(readFileSync(join(EVAL_DIR, 'ait', `${scenario}.csv.gz`))).toString('utf8');
  const lines = text.split('\n');
  const header = (lines[0] ?? '').split(',');
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`AIT ${scenario}: no ${name} column`);
    return index;
  };
  const [timeAt, nameAt, ipAt, hostAt, shortAt] = ['time', 'name', 'ip', 'host', 'short'].map(column) as [number, number, number, number, number];
  const rows: AitRow[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    const cells = line.split(',');
    rows.push({ time: cells[timeAt] ?? '', name: cells[nameAt] ?? '', ip: cells[ipAt] ?? '', host: cells[hostAt] ?? '', short: cells[shortAt] ?? '' });
  }
  rows.sort((left, right) => Number(left.time) - Number(right.time));
  const seen = new Set<string>();
  const selected = options.distinct ? rows.filter((row) => {
    const key = `${row.name}\u0000${row.host}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }) : rows;
  return options.limit === undefined ? selected : selected.slice(0, options.limit);
}

/** AIT row → notable: `_time`, search_name/rule_name, signature, signature_id, orig_sourcetype,
 * dest, dest_ip, status. No urgency: AIT carries no severity and none may be invented. */
export function renderAitNotable(row: AitRow, context: { scenario: string; index: number }): Row {
  const separator = row.name.indexOf(':');
  const detector = separator > 0 ? row.name.slice(0, separator).trim() : row.name;
  const signature = separator > 0 ? row.name.slice(separator + 1).trim() : row.name;
  return {
    _time: row.time,
    event_id: notableEventId(`ait:${context.scenario}:${context.index}`),
    search_name: row.name,
    rule_name: row.name,
    signature,
    signature_id: row.short,
    orig_sourcetype: detector,
    dest: row.host,
    dest_ip: row.ip,
    status: '1',
  };
}

export function loadAitNotables(scenario: AitScenario, options: { limit?: number; distinct?: boolean } = {}): Row[] {
  return loadAitRows(scenario, options).map((row, index) => renderAitNotable(row, { scenario, index }));
}

/** One Sigma regression test: the rule and its events. Only non-label index fields are read. */
export interface SigmaTest {
  testId: string;
  ruleId: string;
  rule: { title: string; description?: string; author?: string; level?: string; tags?: string[] };
  events: Array<Record<string, unknown>>;
}

export function loadSigmaTests(options: { limit?: number } = {}): SigmaTest[] {
  const index = readFileSync(join(EVAL_DIR, 'sigma', 'index.jsonl'), 'utf8').split('\n').filter((line) => line.trim() !== '');
  const tests: SigmaTest[] = [];
  for (const line of index.slice(0, options.limit ?? index.length)) {
    const entry = JSON.parse(line) as { test_id: string; rule_id: string; event_files: string[] };
    const directory = join(EVAL_DIR, 'sigma', entry.test_id);
    const rule = parseYaml(readFileSync(join(directory, 'rule.yml'), 'utf8')) as SigmaTest['rule'];
    const events = entry.event_files.flatMap((file) => splitConcatenatedJson(readFileSync(join(directory, file), 'utf8')));
    tests.push({ testId: entry.test_id, ruleId: entry.rule_id, rule, events });
  }
  return tests;
}

const URGENCY_BY_LEVEL: Record<string, string> = {
  informational: 'informational', low: 'low', medium: 'medium', high: 'high', critical: 'critical',
};

/** EventData field → CIM field (README "Field mapping for a Sigma test", Splunk row). */
const CIM_BY_EVENT_FIELD: Record<string, string> = {
  CommandLine: 'process',
  Image: 'process_path',
  ParentCommandLine: 'parent_process',
  ParentImage: 'parent_process_path',
  User: 'user',
  Hashes: 'process_hash',
  TargetObject: 'registry_path',
  Details: 'registry_value_data',
  TargetFilename: 'file_path',
};

/** Sigma test → notable. `blind` leaves out the rule's ATT&CK tags (technique scoring variant). */
export function renderSigmaNotable(test: SigmaTest, options: { blind?: boolean } = {}): Row {
  const systems = test.events.map((event) => record(record(event.Event).System));
  const eventData = test.events.map((event) => record(record(event.Event).EventData));
  const firstSystem = systems[0] ?? {};
  const timeCreated = String(record(record(firstSystem.TimeCreated)['#attributes']).SystemTime ?? '');
  const seconds = Date.parse(timeCreated) / 1000;
  const notable: Row = {
    _time: Number.isNaN(seconds) ? '0' : String(seconds),
    event_id: notableEventId(`sigma:${test.testId}:${options.blind ? 'blind' : 'full'}`),
    search_name: test.rule.title,
    rule_name: test.rule.title,
    rule_id: test.ruleId,
    status: '1',
    _raw: test.events.map((event) => JSON.stringify(event)).join('\n'),
  };
  if (test.rule.description) notable.rule_description = test.rule.description.trim();
  if (test.rule.author) notable.rule_author = test.rule.author;
  const urgency = URGENCY_BY_LEVEL[test.rule.level ?? ''];
  if (urgency) notable.urgency = urgency;
  const channel = firstSystem.Channel;
  if (typeof channel === 'string') notable.orig_sourcetype = `XmlWinEventLog:${channel}`;
  setValues(notable, 'dest', systems.map((system) => system.Computer));
  for (const [eventField, cimField] of Object.entries(CIM_BY_EVENT_FIELD)) {
    setValues(notable, cimField, eventData.map((data) => data[eventField]));
  }
  if (!options.blind) {
    const techniques = (test.rule.tags ?? []).filter((tag) => /^attack\.t\d{4}(\.\d{3})?$/i.test(tag)).map((tag) => tag.slice('attack.'.length).toUpperCase());
    if (techniques.length > 0) notable['annotations.mitre_attack.mitre_technique_id'] = techniques;
  }
  return notable;
}

export function loadSigmaNotables(options: { limit?: number; blind?: boolean } = {}): Row[] {
  return loadSigmaTests(options).map((test) => renderSigmaNotable(test, options));
}

/** Splunk-shaped notable id `<GUID>@@notable@@<md5>`, derived from a stable seed string. */
export function notableEventId(seed: string): string {
  const guid = createHash('sha1').update(seed).digest('hex').toUpperCase();
  const formatted = `${guid.slice(0, 8)}-${guid.slice(8, 12)}-${guid.slice(12, 16)}-${guid.slice(16, 20)}-${guid.slice(20, 32)}`;
  return `${formatted}@@notable@@${createHash('md5').update(seed).digest('hex')}`;
}

/** Distinct non-empty values: one → a string, several → a multivalue field. */
function setValues(row: Row, field: string, values: unknown[]): void {
  const distinct = [...new Set(values.filter((value) => value !== undefined && value !== null && String(value).trim() !== '').map(String))];
  if (distinct.length === 1) row[field] = distinct[0] ?? '';
  else if (distinct.length > 1) row[field] = distinct;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
