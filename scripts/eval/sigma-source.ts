import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConcatenatedJson } from './json-stream.js';

/** One event of a test, whatever its layout in the source: Windows fields flattened, or a raw log line. */
export interface SigmaEvent {
  System: Record<string, unknown>;
  /** `EventData` fields, or the fields of the single `UserData` element; `{ RawLine }` for a `.raw` line. */
  EventData: Record<string, unknown>;
}

/** How a test's events were laid out in the source (reported per data set, so no layout is silently dropped). */
export type SigmaLayout = 'event-data' | 'user-data' | 'several-events' | 'raw-lines';

/** One Sigma regression test: the rule, its real event(s), and the labels (scoring only). */
export interface SigmaTest {
  testId: string;
  rule: {
    id: string;
    title: string;
    description: string;
    level: string;
    author: string;
    url: string;
    /** Rule creation date (YYYY-MM-DD, '' when unknown): the develop / validate split key. */
    date: string;
    /** ATT&CK technique ids from the rule's tags (the "full" rendering carries them). */
    techniques: string[];
    category: string | undefined;
    product: string | undefined;
    service: string | undefined;
  };
  events: SigmaEvent[];
  layouts: SigmaLayout[];
  /** Labels: never rendered into an alert. */
  labels: { expectedVerdict: string; expectedTechniques: string[] };
}

/** A test the eval could not score, and why (the eval reports these instead of crashing). */
export interface SkippedSigmaTest {
  testId: string;
  reason: string;
}

export interface SigmaData {
  tests: SigmaTest[];
  skipped: SkippedSigmaTest[];
  /** Scored tests per layout (a test with several layouts counts in each). */
  layouts: Record<SigmaLayout, number>;
}

interface IndexRow {
  test_id: string;
  rule_id: string;
  rule_title: string;
  rule_level: string;
  rule_date?: string;
  rule_author: string;
  rule_url: string;
  event_files: string[];
  logsource?: { product?: string; category?: string; service?: string };
  expected_verdict: string;
  expected_techniques: string[];
}

/** Reads `<dir>/index.jsonl` and each test folder (rule.yml + event files); tests it cannot read are left out. */
export function loadSigmaTests(directory: string): SigmaTest[] {
  return loadSigmaData(directory).tests;
}

/**
 * Reads every test it can, and names each one it cannot with the reason. Event files may hold
 * Windows JSON with `EventData` or `UserData`, several events back to back, or raw log lines
 * (`*.raw`, e.g. network-device syslog, read with the rule's `logsource`).
 */
export function loadSigmaData(directory: string): SigmaData {
  const indexFile = path.join(directory, 'index.jsonl');
  if (!existsSync(indexFile)) throw new Error(`${indexFile} is missing: a Sigma data folder holds index.jsonl and one folder per test`);
  const data: SigmaData = { tests: [], skipped: [], layouts: { 'event-data': 0, 'user-data': 0, 'several-events': 0, 'raw-lines': 0 } };
  const lines = readFileSync(indexFile, 'utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let row: IndexRow;
    try {
      row = JSON.parse(line) as IndexRow;
    } catch (error) {
      data.skipped.push({ testId: `index.jsonl line ${index + 1}`, reason: `not JSON: ${(error as Error).message}` });
      continue;
    }
    try {
      const test = readTest(directory, row);
      if (test.events.length === 0) {
        data.skipped.push({ testId: row.test_id, reason: `no readable event in ${row.event_files.join(', ') || 'the test folder'} (JSON with EventData/UserData, or .raw lines, are read)` });
        continue;
      }
      for (const layout of test.layouts) data.layouts[layout] += 1;
      data.tests.push(test);
    } catch (error) {
      data.skipped.push({ testId: row.test_id ?? `index.jsonl line ${index + 1}`, reason: (error as Error).message });
    }
  }
  return data;
}

function readTest(directory: string, row: IndexRow): SigmaTest {
  const folder = path.join(directory, row.test_id);
  const rule = (parseYaml(readFileSync(path.join(folder, 'rule.yml'), 'utf8')) ?? {}) as {
    description?: string;
    tags?: string[];
    author?: string;
    title?: string;
    date?: string | Date;
    logsource?: IndexRow['logsource'];
  };
  const logsource = row.logsource ?? rule.logsource ?? {};
  const events: SigmaEvent[] = [];
  const layouts = new Set<SigmaLayout>();
  for (const file of row.event_files ?? []) {
    const text = readFileSync(path.join(folder, file), 'utf8');
    if (file.endsWith('.raw') || file.endsWith('.log') || file.endsWith('.txt')) {
      for (const rawLine of text.split(/\r?\n/)) {
        if (rawLine.trim() === '') continue;
        events.push({ System: { Provider: { '#attributes': { Name: logsource.service ?? logsource.product ?? 'raw' } } }, EventData: { RawLine: rawLine } });
        layouts.add('raw-lines');
      }
      continue;
    }
    if (!file.endsWith('.json')) continue;
    for (const value of parseConcatenatedJson(text)) {
      const event = windowsEvent(value);
      if (event === undefined) continue;
      events.push(event.event);
      layouts.add(event.layout);
    }
  }
  if (events.length > 1) layouts.add('several-events');
  const techniques = (rule.tags ?? []).filter((tag) => typeof tag === 'string' && /^attack\.t\d{4}/i.test(tag)).map((tag) => tag.slice('attack.'.length).toUpperCase());
  const ruleDate = row.rule_date ?? (rule.date instanceof Date ? rule.date.toISOString().slice(0, 10) : String(rule.date ?? ''));
  return {
    testId: row.test_id,
    rule: {
      id: row.rule_id,
      title: rule.title ?? row.rule_title,
      description: rule.description ?? '',
      level: row.rule_level,
      author: rule.author ?? row.rule_author,
      url: row.rule_url,
      date: ruleDate.replaceAll('/', '-'),
      techniques,
      category: logsource.category,
      product: logsource.product,
      service: logsource.service,
    },
    events,
    layouts: [...layouts],
    labels: { expectedVerdict: row.expected_verdict, expectedTechniques: row.expected_techniques ?? [] },
  };
}

/**
 * `{ Event: { System, EventData | UserData } }` (or the inner object) as flat fields. EventData may
 * come as named `Data` elements (`[{ '#attributes': { Name }, '#text' }]`); UserData holds one
 * element named after the event whose children are the fields.
 */
function windowsEvent(value: unknown): { event: SigmaEvent; layout: SigmaLayout } | undefined {
  if (!isRecord(value)) return undefined;
  const event = isRecord(value.Event) ? value.Event : value;
  const system = isRecord(event.System) ? event.System : {};
  if (isRecord(event.EventData)) return { event: { System: system, EventData: namedData(event.EventData) }, layout: 'event-data' };
  if (isRecord(event.UserData)) {
    const fields: Record<string, unknown> = {};
    for (const inner of Object.values(event.UserData)) {
      if (!isRecord(inner)) continue;
      for (const [key, field] of Object.entries(inner)) if (key !== '#attributes') fields[key] = field;
    }
    return { event: { System: system, EventData: fields }, layout: 'user-data' };
  }
  if (isRecord(event.System)) return { event: { System: system, EventData: {} }, layout: 'event-data' };
  return undefined;
}

function namedData(eventData: Record<string, unknown>): Record<string, unknown> {
  const data = eventData.Data;
  if (!Array.isArray(data)) return eventData;
  const fields: Record<string, unknown> = { ...eventData };
  delete fields.Data;
  for (const item of data) {
    if (!isRecord(item)) continue;
    const name = isRecord(item['#attributes']) ? item['#attributes'].Name : undefined;
    if (typeof name === 'string') fields[name] = item['#text'] ?? '';
  }
  return fields;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The develop / validate protocol: tests sorted by rule creation date (then test id), the older
 * half to develop on and the newer half to validate. Knowledge is never tuned on either; the
 * newer half shows how inference holds on detections written later.
 */
export function splitByRuleDate<T extends { testId: string; rule: { date: string } }>(tests: readonly T[]): { develop: T[]; validate: T[] } {
  const sorted = [...tests].sort((left, right) => left.rule.date.localeCompare(right.rule.date) || left.testId.localeCompare(right.testId));
  const half = Math.floor(sorted.length / 2);
  return { develop: sorted.slice(0, half), validate: sorted.slice(half) };
}

/** The event time (System.TimeCreated.#attributes.SystemTime) as ISO 8601; epoch 0 when absent. */
export function sigmaEventTime(event: SigmaEvent | undefined): string {
  const created = event?.System?.TimeCreated as { '#attributes'?: { SystemTime?: string } } | undefined;
  const time = created?.['#attributes']?.SystemTime;
  return time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : new Date(0).toISOString();
}
