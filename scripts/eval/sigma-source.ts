import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConcatenatedJson } from './json-stream.js';

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
    /** ATT&CK technique ids from the rule's tags (the "full" rendering carries them). */
    techniques: string[];
    category: string | undefined;
    product: string | undefined;
    service: string | undefined;
  };
  events: Array<{ System: Record<string, unknown>; EventData: Record<string, unknown> }>;
  /** Labels: never rendered into an alert. */
  labels: { expectedVerdict: string; expectedTechniques: string[] };
}

interface IndexRow {
  test_id: string;
  rule_id: string;
  rule_title: string;
  rule_level: string;
  rule_author: string;
  rule_url: string;
  event_files: string[];
  logsource: { product?: string; category?: string; service?: string };
  expected_verdict: string;
  expected_techniques: string[];
}

/** Reads `<dir>/index.jsonl` and each test folder (rule.yml + event files). */
export function loadSigmaTests(directory: string): SigmaTest[] {
  const indexFile = path.join(directory, 'index.jsonl');
  if (!existsSync(indexFile)) throw new Error(`${indexFile} is missing: a Sigma data folder holds index.jsonl and one folder per test`);
  const tests: SigmaTest[] = [];
  for (const line of readFileSync(indexFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as IndexRow;
    const folder = path.join(directory, row.test_id);
    const rule = parseYaml(readFileSync(path.join(folder, 'rule.yml'), 'utf8')) as { description?: string; tags?: string[]; author?: string; title?: string };
    const events = row.event_files.flatMap((file) =>
      parseConcatenatedJson(readFileSync(path.join(folder, file), 'utf8')).map((value) => (value as { Event: SigmaTest['events'][number] }).Event),
    );
    const techniques = (rule.tags ?? [])
      .filter((tag) => /^attack\.t\d{4}/i.test(tag))
      .map((tag) => tag.slice('attack.'.length).toUpperCase());
    tests.push({
      testId: row.test_id,
      rule: {
        id: row.rule_id,
        title: rule.title ?? row.rule_title,
        description: rule.description ?? '',
        level: row.rule_level,
        author: rule.author ?? row.rule_author,
        url: row.rule_url,
        techniques,
        category: row.logsource.category,
        product: row.logsource.product,
        service: row.logsource.service,
      },
      events: events.filter((event) => event && typeof event === 'object'),
      labels: { expectedVerdict: row.expected_verdict, expectedTechniques: row.expected_techniques },
    });
  }
  return tests;
}

/** The event time (System.TimeCreated.#attributes.SystemTime) as ISO 8601. */
export function sigmaEventTime(event: SigmaTest['events'][number]): string {
  const created = event.System.TimeCreated as { '#attributes'?: { SystemTime?: string } } | undefined;
  const time = created?.['#attributes']?.SystemTime;
  return time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : new Date(0).toISOString();
}
