import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { REPO_ROOT } from '../core/sample-alerts.js';

// `npm run eval` on a small slice of the public data (CI stays fast): the first 2,000 rows of one
// AIT scenario plus 1,000 rows from its first attack window, and five Sigma tests with their
// index lines, laid out like ../shared/eval so the runner discovers them by layout alone.
const EVAL_DIR = process.env.VERDICT_SHARED_DIR ? path.join(process.env.VERDICT_SHARED_DIR, 'eval') : path.resolve(REPO_ROOT, '../shared/eval');
const HEADLINE_KEYS = ['alerts', 'scored', 'truePositiveRecall', 'autoClosePrecision', 'reduction', 'abstainRate', 'macroF1', 'ece', 'groupRecall', 'groupReduction'];
const hasData = existsSync(path.join(EVAL_DIR, 'ait/russellmitchell.csv.gz')) && existsSync(path.join(EVAL_DIR, 'sigma/index.jsonl'));

type Figures = Record<string, unknown>;
interface EvalOutput {
  datasets: Record<string, Figures>;
  baselines: Record<'ruleMemory' | 'ruleHostMemory' | 'closeNothing', Record<string, Figures>>;
  engine: { version: string; config: string };
}

let work: string;
let output: EvalOutput;
let expectedScored: number;

describe.skipIf(!hasData)('eval runner on a slice of the public data (skipped when ../shared/eval is absent)', () => {
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'verdict-eval-'));
    const data = path.join(work, 'data');
    mkdirSync(path.join(data, 'ait'), { recursive: true });
    mkdirSync(path.join(data, 'sigma'), { recursive: true });
    const lines = gunzipSync(readFileSync(path.join(EVAL_DIR, 'ait/russellmitchell.csv.gz')))
      .toString('utf8')
      .split('\n');
    const firstAttack = lines.findIndex((line, index) => index > 0 && line.split(',')[6] !== '-' && line !== '');
    const rows = [...lines.slice(1, 2001), ...lines.slice(firstAttack, firstAttack + 1000)];
    // Scored rows by the data README: caused by an attack step, or outside every attack window.
    expectedScored = rows.filter((line) => line.split(',')[6] !== '-' || line.split(',')[5] === 'false_positive').length;
    writeFileSync(path.join(data, 'ait/russellmitchell-head.csv.gz'), gzipSync(`${[lines[0], ...rows].join('\n')}\n`));
    const index = readFileSync(path.join(EVAL_DIR, 'sigma/index.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(0, 5);
    writeFileSync(path.join(data, 'sigma/index.jsonl'), `${index.join('\n')}\n`);
    for (const line of index) {
      const testId = (JSON.parse(line) as { test_id: string }).test_id;
      cpSync(path.join(EVAL_DIR, 'sigma', testId), path.join(data, 'sigma', testId), { recursive: true });
    }
    const out = path.join(work, 'eval.json');
    const run = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/eval/run-eval.ts', '--data', data, '--out', out, '--quiet'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`run-eval exited ${run.status}: ${run.stderr}`);
    output = JSON.parse(readFileSync(out, 'utf8')) as EvalOutput;
  }, 60_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('names data sets after the data folder: ait/<file name>, and the Sigma folder', () => {
    expect(Object.keys(output.datasets).sort()).toEqual(['ait/russellmitchell-head', 'sigma']);
  });

  it('writes the headline figures the issue specifies for every data set', () => {
    for (const [name, figures] of Object.entries(output.datasets)) {
      for (const key of [...HEADLINE_KEYS, 'techniqueAccuracy']) expect(figures, `${name}.${key}`).toHaveProperty(key);
      for (const key of HEADLINE_KEYS.slice(2)) {
        const value = figures[key];
        expect(value === null || (typeof value === 'number' && value >= 0 && value <= 1), `${name}.${key} = ${String(value)}`).toBe(true);
      }
    }
    const ait = output.datasets['ait/russellmitchell-head']!;
    expect(ait.alerts).toBe(3000);
    expect(ait.scored).toBe(expectedScored);
    expect(ait.truePositiveRecall).toEqual(expect.any(Number)); // the slice holds attack rows
    expect(ait.techniqueAccuracy).toBeNull(); // AIT has no technique labels
    const sigma = output.datasets.sigma!;
    expect(sigma).toMatchObject({ alerts: 5, scored: 5 });
    expect(sigma.techniqueAccuracy).toEqual(expect.any(Number));
    expect(sigma).toHaveProperty('blindTechniqueRecall');
  });

  it('reports the three baselines for every data set with the same figures', () => {
    for (const baseline of ['ruleMemory', 'ruleHostMemory', 'closeNothing'] as const) {
      expect(Object.keys(output.baselines[baseline]).sort(), baseline).toEqual(['ait/russellmitchell-head', 'sigma']);
      for (const figures of Object.values(output.baselines[baseline])) {
        for (const key of HEADLINE_KEYS) expect(figures, `${baseline}.${key}`).toHaveProperty(key);
      }
    }
    // Closing nothing closes nothing and abstains on everything.
    expect(output.baselines.closeNothing['ait/russellmitchell-head']).toMatchObject({ alerts: 3000, reduction: 0, abstainRate: 1, truePositiveRecall: 1 });
  });

  it('names the engine version and config', () => {
    expect(output.engine.version).toBe(packageJson.version);
    expect(output.engine.config).toEqual(expect.any(String));
  });
});
