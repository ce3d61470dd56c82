import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, REPO_ROOT, SAMPLE_ROWS } from '../core/sample-alerts.js';

// `verdict backtest` as a team runs it on its own closed alerts, through the built CLI.
const BUNDLE = path.join(REPO_ROOT, 'dist/verdict.js');
let scratch: string;

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  scratch = mkdtempSync(path.join(tmpdir(), 'verdict-backtest-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function backtest(file: string, args: string[]) {
  return spawnSync(process.execPath, [BUNDLE, 'backtest', file, '--config', EXAMPLE_CONFIG, '--map', 'ids-export', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, VERDICT_HOME: path.join(scratch, 'home') },
    timeout: 60_000,
  });
}

describe('verdict backtest', () => {
  it('fails clearly when no record has the label field, instead of a green report', () => {
    const file = path.join(scratch, 'unlabelled.jsonl');
    writeFileSync(
      file,
      SAMPLE_ROWS.slice(0, 20)
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const run = backtest(file, ['--label', 'disposition']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no record has the label field "disposition".*--label.*fields seen: id, time, name/);
  });

  it('counts missed attacks instead of rounding them away, and reports ids, run details, the matrix and the trade-off', () => {
    // A labelling that makes every closed alert a miss: the whole night confirmed as an attack.
    const file = path.join(scratch, 'labelled.jsonl');
    writeFileSync(file, SAMPLE_ROWS.map((row) => JSON.stringify({ ...row, disposition: 'true_positive' })).join('\n'));
    const out = path.join(scratch, 'report.json');
    const html = path.join(scratch, 'report.html');
    const run = backtest(file, ['--label', 'disposition', '--out', out, '--report', html, '--share', '0']);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report.metrics.missedAttacks).toBeGreaterThan(0);
    const attacks = SAMPLE_ROWS.length;
    expect(run.stdout).toContain(`Attacks kept open: ${attacks - report.metrics.missedAttacks} of ${attacks} (`);
    expect(run.stdout).not.toMatch(/100\.0 %/);
    expect(report.missedAlertIds).toHaveLength(report.metrics.missedAttacks);
    expect(run.stdout).toContain(report.missedAlertIds[0]);
    expect(report.run).toMatchObject({
      version: expect.any(String),
      configDigest: expect.stringMatching(/^[0-9a-f]{12}$/),
      thresholds: { truePositive: 0.6, benign: 0.2 },
      share: 0,
      delaySeconds: 3600,
    });
    const rows = Object.values(report.confusion as Record<string, Record<string, number>>).reduce((sum, cell) => sum + cell.malicious! + cell.benign! + cell.ambiguous!, 0);
    expect(rows).toBe(SAMPLE_ROWS.length);
    expect(report.tradeoff.map((point: { benignThreshold: number }) => point.benignThreshold)).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
    // Closing at a higher score can only close more.
    for (let index = 1; index < report.tradeoff.length; index += 1) expect(report.tradeoff[index].missedAttacks).toBeGreaterThanOrEqual(report.tradeoff[index - 1].missedAttacks);
    const page = readFileSync(html, 'utf8');
    for (const text of ['Verdict against label', 'Recall and reduction by closing threshold', report.run.configDigest, report.missedAlertIds[0]]) expect(page).toContain(text);
  });
});
