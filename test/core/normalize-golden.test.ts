import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FieldMapSchema } from '../../core/config/config-schema.js';
import { normalizeWithFieldMap } from '../../core/normalize/field-map-normalize.js';
import { normalizeOcsfFinding } from '../../core/normalize/ocsf-normalize.js';
import type { Alert } from '../../core/spec/alert.js';
import { AIT_EXPORT_FIELD_MAP } from '../../scripts/eval/render-ait.js';
import { SIGMA_EXPORT_FIELD_MAP } from '../../scripts/eval/render-sigma.js';
import { invalidAlertIssues } from './expect-invalid-alert.js';

// Inputs: real AIT-ADS rows and SigmaHQ regression events rendered by the eval's renderers
// (regenerate with `npx tsx test/golden/render-inputs.ts`).
const here = path.dirname(fileURLToPath(import.meta.url));
const goldenDir = path.join(here, '../golden/normalize');

const aitMap = FieldMapSchema.parse(AIT_EXPORT_FIELD_MAP);
const sigmaMap = FieldMapSchema.parse(SIGMA_EXPORT_FIELD_MAP);

const cases: Array<{ name: string; normalize: (input: unknown) => Alert }> = [
  { name: 'ocsf-ait', normalize: normalizeOcsfFinding },
  { name: 'ocsf-sigma', normalize: normalizeOcsfFinding },
  { name: 'generic-ait', normalize: (input) => normalizeWithFieldMap(input, aitMap) },
  { name: 'generic-sigma', normalize: (input) => normalizeWithFieldMap(input, sigmaMap) },
];

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

describe('normalizers on real payloads', () => {
  // The reviewed Alert JSON for these payloads is the plugin contract suite's golden output
  // (test/contract/golden, `npm run golden:update`); here: what that snapshot cannot show.
  for (const { name, normalize } of cases) {
    it(`${name}: every real payload normalizes and keeps itself as raw`, () => {
      const inputs = readJson(path.join(goldenDir, `${name}.input.json`)) as unknown[];
      expect(inputs.length).toBeGreaterThan(4);
      const alerts = inputs.map(normalize);
      alerts.forEach((alert, index) => expect(alert.raw).toBe(inputs[index]));
    });
  }

  it('keeps the Sigma rule author through both paths (Detection Rule License)', () => {
    for (const [name, normalize] of [
      ['ocsf-sigma', normalizeOcsfFinding],
      ['generic-sigma', (input: unknown) => normalizeWithFieldMap(input, sigmaMap)],
    ] as const) {
      const inputs = readJson(path.join(goldenDir, `${name}.input.json`)) as unknown[];
      for (const input of inputs) expect(normalize(input).ruleAuthor, name).toMatch(/\S/);
    }
  });

  it("a multi-event record gives each event's process the properties of its own event", () => {
    const inputs = readJson(path.join(goldenDir, 'generic-sigma.input.json')) as unknown[];
    const processes = inputs.map((input) => normalizeWithFieldMap(input, sigmaMap)).flatMap((alert) => alert.entities.filter((entity) => entity.kind === 'process'));
    expect(processes.length).toBeGreaterThan(2);
    for (const process of processes) expect(process.properties?.commandLine).toBe(process.value);
  });

  it('the blind Sigma variant carries no ATT&CK ids, the full one does', () => {
    for (const name of ['ocsf-sigma', 'generic-sigma']) {
      const inputs = readJson(path.join(goldenDir, `${name}.input.json`)) as unknown[];
      const normalize = cases.find((item) => item.name === name)!.normalize;
      const full = normalize(inputs[0]);
      const blind = normalize(inputs[inputs.length - 1]);
      expect(full.ruleName).toBe(blind.ruleName);
      expect(full.attack).toEqual(['T1197', 'T1036.003', 'T1105']);
      expect(blind.attack).toEqual([]);
    }
  });
});

describe('normalizers reject bad input with InvalidAlertError naming the field', () => {
  const ocsfAit = (readJson(path.join(goldenDir, 'ocsf-ait.input.json')) as Array<Record<string, unknown>>)[0]!;
  const genericAit = (readJson(path.join(goldenDir, 'generic-ait.input.json')) as Array<Record<string, unknown>>)[0]!;

  it('OCSF: not an object, wrong class, missing title, unreadable time', () => {
    expect(invalidAlertIssues(() => normalizeOcsfFinding([ocsfAit])).map((issue) => issue.path)).toEqual(['']);
    expect(invalidAlertIssues(() => normalizeOcsfFinding({ ...ocsfAit, class_uid: 2003 })).map((issue) => issue.path)).toEqual(['class_uid']);
    const untitled = { ...ocsfAit, finding_info: { uid: 'x' } };
    expect(invalidAlertIssues(() => normalizeOcsfFinding(untitled)).map((issue) => issue.path)).toEqual(['title', 'ruleName']);
    const undated = { ...ocsfAit, time: 'yesterday' };
    expect(invalidAlertIssues(() => normalizeOcsfFinding(undated)).map((issue) => issue.path)).toEqual(['time']);
  });

  it('field map: names the record field the map reads, not only the Alert field', () => {
    const { time: _time, ...undated } = genericAit;
    const issues = invalidAlertIssues(() => normalizeWithFieldMap(undated, aitMap));
    expect(issues.map((issue) => issue.path)).toEqual(['time']);
    expect(issues[0]!.message).toMatch(/mapped to time/);
    expect(invalidAlertIssues(() => normalizeWithFieldMap({ ...genericAit, time: 'soon' }, aitMap))).toEqual([{ path: 'time', message: expect.stringMatching(/not a time/) }]);
    // The Sigma map reads the title from rule.title: that is the path an operator must fix.
    const sigma = (readJson(path.join(goldenDir, 'generic-sigma.input.json')) as Array<{ rule: Record<string, unknown> }>)[0]!;
    const untitled = { ...sigma, rule: { ...sigma.rule, title: '  ' } };
    expect(invalidAlertIssues(() => normalizeWithFieldMap(untitled, sigmaMap)).map((issue) => issue.path)).toEqual(['rule.title', 'rule.title']);
    expect(invalidAlertIssues(() => normalizeWithFieldMap('a,b,c', aitMap)).map((issue) => issue.path)).toEqual(['']);
  });

  it('a severity spelled like an Object.prototype member is read as no severity, not a crash', () => {
    const ocsf = { ...ocsfAit, severity_id: undefined, severity: 'constructor' };
    expect(normalizeOcsfFinding(ocsf).severity).toBeUndefined();
    const mapped = FieldMapSchema.parse({ ...AIT_EXPORT_FIELD_MAP, severity: 'level', severityMap: { urgent: 'critical' } });
    expect(normalizeWithFieldMap({ ...genericAit, level: '__proto__' }, mapped).severity).toBeUndefined();
    expect(normalizeWithFieldMap({ ...genericAit, level: 'URGENT' }, mapped).severity).toBe('critical');
  });

  it('a record nested deeper than the call stack is an InvalidAlertError', () => {
    let deep: unknown = [];
    for (let depth = 0; depth < 100_000; depth += 1) deep = [deep];
    expect(invalidAlertIssues(() => normalizeOcsfFinding({ ...ocsfAit, evidences: deep }))[0]!.message).toMatch(/nested too deeply/);
    expect(invalidAlertIssues(() => normalizeWithFieldMap({ ...genericAit, host: deep }, aitMap))[0]!.message).toMatch(/nested too deeply/);
  });
});
