import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderSigmaTest } from '../../scripts/eval/render-sigma.js';
import { loadSigmaData, splitByRuleDate } from '../../scripts/eval/sigma-source.js';

/**
 * Every Sigma regression-test layout of the SigmaHQ repository either scores or is reported as
 * skipped with its reason: EventData, UserData, several events per file, `.raw` lines read with
 * the rule's logsource. The events here are written for the test (layouts, not eval content).
 */
const directory = mkdtempSync(path.join(tmpdir(), 'verdict-sigma-layouts-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const system = { Provider: { '#attributes': { Name: 'Example' } }, EventID: 1, Computer: 'host-1', TimeCreated: { '#attributes': { SystemTime: '2024-01-02T03:04:05Z' } } };
const tests: Array<{ id: string; date: string; files: Record<string, string>; logsource?: Record<string, string> }> = [
  { id: 'event-data', date: '2020-01-01', files: { 'a.json': JSON.stringify({ Event: { System: system, EventData: { CommandLine: 'tool.exe /x', Image: 'C:\\tool.exe' } } }) } },
  {
    id: 'named-data',
    date: '2021-01-01',
    files: { 'a.json': JSON.stringify({ Event: { System: system, EventData: { Data: [{ '#attributes': { Name: 'TargetObject' }, '#text': 'HKLM\\Software\\Example' }] } } }) },
  },
  {
    id: 'user-data',
    date: '2022-01-01',
    files: { 'a.json': JSON.stringify({ Event: { System: { ...system, EventID: 1102 }, UserData: { LogFileCleared: { '#attributes': { xmlns: 'x' }, SubjectUserName: 'alice' } } } }) },
  },
  {
    id: 'several',
    date: '2023-01-01',
    files: {
      'a.json': `${JSON.stringify({ Event: { System: system, EventData: { TargetFilename: 'C:\\a {b}.txt' } } }, null, 2)}\n${JSON.stringify({ Event: { System: system, EventData: { TargetFilename: 'C:\\c.txt' } } }, null, 2)}`,
    },
  },
  {
    id: 'raw',
    date: '2024-01-01',
    logsource: { product: 'cisco', service: 'syslog' },
    files: { 'a.raw': '<189>Jan 1 00:00:00 router %SYS-5-CONFIG_I: Configured from console\n\n<189>Jan 1 00:00:01 router %SEC-6-IPACCESSLOGP: list 101 denied\n' },
  },
  { id: 'evtx-only', date: '2025-01-01', files: { 'a.evtx': 'binary' } },
  { id: 'broken-rule', date: '2025-02-01', files: {} },
];
const index: string[] = [];
for (const test of tests) {
  const folder = path.join(directory, test.id);
  mkdirSync(folder);
  if (test.id !== 'broken-rule') writeFileSync(path.join(folder, 'rule.yml'), `title: Example ${test.id}\ndate: ${test.date}\ntags:\n  - attack.t1059.001\nauthor: Someone\n`);
  for (const [file, content] of Object.entries(test.files)) writeFileSync(path.join(folder, file), content);
  index.push(
    JSON.stringify({
      test_id: test.id,
      rule_id: `rule-${test.id}`,
      rule_title: `Example ${test.id}`,
      rule_level: 'medium',
      rule_date: test.date,
      rule_author: 'Someone',
      rule_url: 'https://example.invalid',
      event_files: Object.keys(test.files),
      logsource: test.logsource ?? { product: 'windows' },
      expected_verdict: 'true_positive',
      expected_techniques: ['T1059.001'],
    }),
  );
}
index.push('{not json');
writeFileSync(path.join(directory, 'index.jsonl'), `${index.join('\n')}\n`);

describe('Sigma test layouts', () => {
  const data = loadSigmaData(directory);

  it('reads EventData, named Data elements, UserData, several events and raw lines', () => {
    expect(data.tests.map((test) => test.testId)).toEqual(['event-data', 'named-data', 'user-data', 'several', 'raw']);
    expect(data.layouts).toEqual({ 'event-data': 3, 'user-data': 1, 'several-events': 2, 'raw-lines': 1 });
    const byId = new Map(data.tests.map((test) => [test.testId, test]));
    expect(byId.get('named-data')?.events[0]?.EventData.TargetObject).toBe('HKLM\\Software\\Example');
    expect(byId.get('user-data')?.events[0]?.EventData).toEqual({ SubjectUserName: 'alice' });
    expect(byId.get('several')?.events).toHaveLength(2);
    expect(byId.get('raw')?.events.map((event) => event.EventData.RawLine)).toHaveLength(2);
    expect(byId.get('raw')?.rule.service).toBe('syslog');
  });

  it('reports what it cannot read with the reason instead of crashing', () => {
    const reasons = new Map(data.skipped.map((skipped) => [skipped.testId, skipped.reason]));
    expect(reasons.get('evtx-only')).toMatch(/no readable event/);
    expect(reasons.get('broken-rule')).toMatch(/rule\.yml/);
    expect([...reasons.keys()].some((id) => id.startsWith('index.jsonl line'))).toBe(true);
  });

  it('renders every layout for every platform', () => {
    for (const test of data.tests) {
      for (const rendering of ['generic', 'splunk', 'ocsf'] as const) {
        for (const variant of ['full', 'blind'] as const) expect(() => JSON.stringify(renderSigmaTest(test, rendering, variant))).not.toThrow();
      }
    }
    const raw = renderSigmaTest(data.tests.find((test) => test.testId === 'raw')!, 'splunk', 'blind') as { _raw: string };
    expect(raw._raw).toContain('%SYS-5-CONFIG_I');
  });

  it('splits by rule creation date: older half develops, newer half validates', () => {
    const { develop, validate } = splitByRuleDate(data.tests);
    expect(develop.map((test) => test.rule.date)).toEqual(['2020-01-01', '2021-01-01']);
    expect(validate.map((test) => test.rule.date)).toEqual(['2022-01-01', '2023-01-01', '2024-01-01']);
  });
});
