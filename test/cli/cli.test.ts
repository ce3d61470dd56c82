import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TriageResultV1Schema, type TriageResult } from '../../core/spec/result.js';
import { EXAMPLE_CONFIG, REPO_ROOT, SAMPLE_FILE, SAMPLE_ROWS } from '../core/sample-alerts.js';

// End to end through the built CLI (dist/verdict.js), each test with its own VERDICT_HOME.
const BUNDLE = path.join(REPO_ROOT, 'dist/verdict.js');
const SOURCES = ['bin', 'core', 'plugins'];
const TRIAGE_SAMPLE = ['triage', SAMPLE_FILE, '--config', EXAMPLE_CONFIG, '--map', 'ids-export'];

let scratch: string;

function newestSource(folder: string): number {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds dist/verdict.js unless it is newer than every source file (npm test builds first). */
function ensureBuilt(): void {
  const isFresh = (() => {
    try {
      const built = statSync(BUNDLE).mtimeMs;
      return SOURCES.every((folder) => newestSource(path.join(REPO_ROOT, folder)) < built);
    } catch {
      return false;
    }
  })();
  if (isFresh) return;
  const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function verdict(home: string, args: string[]): Run {
  const run = spawnSync(process.execPath, [BUNDLE, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, VERDICT_HOME: home, VERDICT_DEBUG: '' },
    timeout: 30_000,
    // The sample's verdicts pass 1 MB (spawnSync's default), which would kill the child.
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function freshHome(): string {
  return mkdtempSync(path.join(scratch, 'home-'));
}

function results(run: Run): TriageResult[] {
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => TriageResultV1Schema.parse(JSON.parse(line)));
}

const STACK_LINE = /^\s+at .+\(.*:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;

beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(path.join(tmpdir(), 'verdict-cli-'));
}, 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('verdict triage', () => {
  it('gives every bundled alert a verdict with evidence and a trace, marks duplicates, and summarizes', () => {
    const run = verdict(freshHome(), TRIAGE_SAMPLE);
    expect(run.status, run.stderr).toBe(0);
    const triaged = results(run);
    expect(triaged.map((result) => result.alertId)).toEqual(SAMPLE_ROWS.map((row) => row.id));
    for (const result of triaged) {
      expect(result.evidence.length, result.alertId).toBeGreaterThan(0);
      expect(result.trace.length, result.alertId).toBeGreaterThan(0);
    }
    // rm-00001 and rm-00002 are the same login in the same second.
    const second = triaged.find((result) => result.alertId === 'rm-00002')!;
    expect(second.duplicateOf).toBe('rm-00001');
    expect(second.summary).toMatch(/^Duplicate of rm-00001\./);
    const duplicates = triaged.filter((result) => result.duplicateOf).length;
    expect(duplicates).toBeGreaterThan(0);
    expect(run.stderr).toMatch(new RegExp(`Triaged ${SAMPLE_ROWS.length} alerts in [\\d.]+ s: .*; ${duplicates} duplicates reused an earlier verdict; 0 dead-lettered\\.`));
  });

  it('--format table prints one readable row per alert', () => {
    const run = verdict(freshHome(), [...TRIAGE_SAMPLE, '--format', 'table']);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ALERT\s+VERDICT\s+P\s+RULE\s+WHY$/);
    expect(lines).toHaveLength(SAMPLE_ROWS.length + 1);
    expect(lines.find((line) => line.startsWith('rm-00002'))).toContain('duplicate of rm-00001');
  });

  it('dead-letters a broken line and a record without its time (exit 3), naming the field, and triages the rest', () => {
    const home = freshHome();
    const input = path.join(scratch, 'broken.jsonl');
    const rows = SAMPLE_ROWS.slice(0, 4).map((row) => JSON.stringify(row));
    const { time: _time, ...untimed } = { ...SAMPLE_ROWS[4]!, id: 'rm-untimed' };
    writeFileSync(input, [rows[0], rows[1], '{"id": "rm-broken", "time": 16429', JSON.stringify(untimed), rows[2], rows[3], ''].join('\n'));
    const run = verdict(home, ['triage', input, '--config', EXAMPLE_CONFIG, '--map', 'ids-export']);
    expect(run.status).toBe(3);
    expect(results(run).map((result) => result.alertId)).toEqual(['rm-00001', 'rm-00002', 'rm-00003', 'rm-00004']);
    expect(run.stderr).toMatch(/2 dead-lettered/);
    expect(run.stderr).toMatch(/dead letter: line 3 is not JSON/);
    expect(run.stderr).toMatch(/dead letter: record 4: invalid alert: time: /);
    const listed = verdict(home, ['dead-letters', '--config', EXAMPLE_CONFIG]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/invalid alert: time: .*\n\t.*"id":"rm-untimed"/);
    expect(listed.stdout).toMatch(/line 3 is not JSON.*\n\t\{"id": "rm-broken"/);
    expect(listed.stdout).toContain(`file:${input}`);
  });
});

describe('memory across runs: verdict feedback', () => {
  it("analysts' false-positive dispositions change the next run's verdicts for that rule, citing them", () => {
    const home = freshHome();
    const rule = 'Wazuh: sshd: insecure connection attempt (scan).';
    const before = results(verdict(home, TRIAGE_SAMPLE)).filter((result) => result.ruleName === rule);
    expect(before.length).toBeGreaterThan(3);
    const feedbackFile = path.join(scratch, 'feedback.jsonl');
    writeFileSync(feedbackFile, before.map((result) => JSON.stringify({ alertId: result.alertId, verdict: 'false_positive', analyst: 'alice', note: 'lab scanner' })).join('\n'));
    const imported = verdict(home, ['feedback', feedbackFile, '--config', EXAMPLE_CONFIG]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stderr).toContain(`Imported ${before.length} dispositions; 0 rejected.`);

    // Sent again as they are, the alerts keep their stored verdicts: a re-pull never counts twice.
    const stored = results(verdict(home, TRIAGE_SAMPLE)).filter((result) => result.ruleName === rule);
    expect(stored.map((result) => [result.verdict, result.probabilityMalicious, result.revision])).toEqual(before.map((result) => [result.verdict, result.probabilityMalicious, 1]));
    // --retriage judges them again against what the analysts taught.
    const after = results(verdict(home, [...TRIAGE_SAMPLE, '--retriage'])).filter((result) => result.ruleName === rule);
    expect(after.map((result) => result.alertId)).toEqual(before.map((result) => result.alertId));
    after.forEach((result, index) => expect(result.revision).toBe(result.verdict === before[index]!.verdict ? 1 : 2));
    const changed = after.filter((result, index) => result.verdict !== before[index]!.verdict);
    expect(changed.length).toBeGreaterThan(0);
    after.forEach((result, index) => {
      expect(result.probabilityMalicious, result.alertId).toBeLessThan(before[index]!.probabilityMalicious);
      const memory = result.evidence.filter((item) => item.source === 'memory');
      expect(memory.length, result.alertId).toBeGreaterThan(0);
      expect(
        memory.some((item) => item.weight < 0 && new RegExp(`Analysts closed ${before.length} of ${before.length} .*false positive`).test(item.claim)),
        result.alertId,
      ).toBe(true);
    });
    for (const result of changed.filter((item) => item.verdict === 'false_positive' || item.verdict === 'benign_positive')) {
      // The new verdict's summary cites the analysts' dispositions by evidence id.
      const memoryIds = result.evidence.filter((item) => item.source === 'memory').map((item) => item.id);
      expect(
        memoryIds.some((id) => result.summary.includes(`[${id}]`)),
        result.summary,
      ).toBe(true);
    }
    expect(changed.some((result) => result.verdict === 'false_positive')).toBe(true);
  });

  it('rejects a disposition for an alert it never triaged, naming the field (exit 3)', () => {
    const home = freshHome();
    const feedbackFile = path.join(scratch, 'unknown.jsonl');
    writeFileSync(feedbackFile, `${JSON.stringify({ alertId: 'never-seen', verdict: 'false_positive' })}\n${JSON.stringify({ alertId: 'x', verdict: 'maybe' })}\n`);
    const run = verdict(home, ['feedback', feedbackFile, '--config', EXAMPLE_CONFIG]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('Imported 0 dispositions; 2 rejected.');
    expect(run.stderr).toMatch(/record 1: invalid alert: alertId: no stored verdict/);
    expect(run.stderr).toMatch(/record 2: invalid alert: verdict: /);
  });
});

describe('verdict explain', () => {
  it('prints the stored verdict with its evidence, trace and actions', () => {
    const home = freshHome();
    const triaged = results(verdict(home, TRIAGE_SAMPLE));
    const stored = triaged.find((result) => result.alertId === 'rm-00305')!; // "Wazuh: Common web attack."
    const run = verdict(home, ['explain', 'rm-00305', '--config', EXAMPLE_CONFIG]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Alert rm-00305 (generic) — ${stored.ruleName}`);
    expect(run.stdout).toContain(`Verdict: ${stored.verdict}`);
    expect(run.stdout).toContain(stored.summary);
    expect(run.stdout).toMatch(/\nEvidence:\n/);
    for (const item of stored.evidence) expect(run.stdout).toContain(`${item.id.padEnd(6)} `);
    for (const item of stored.evidence) expect(run.stdout).toContain(item.claim);
    expect(run.stdout).toMatch(/\nTrace:\n/);
    for (const stage of new Set(stored.trace.map((step) => step.stage))) expect(run.stdout).toMatch(new RegExp(`\\n  ${stage}\\s`));
    expect(run.stdout).toMatch(/\nRecommended actions:\n {2}\w+ /);
    const json = verdict(home, ['explain', 'rm-00305', '--json', '--config', EXAMPLE_CONFIG]);
    expect(TriageResultV1Schema.parse(JSON.parse(json.stdout))).toEqual(stored);
  });

  it('an unknown id is a clear error, not a stack trace', () => {
    const run = verdict(freshHome(), ['explain', 'no-such-alert', '--config', EXAMPLE_CONFIG]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^verdict: no stored verdict for alert no-such-alert: run verdict triage/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });
});

describe('verdict suppress', () => {
  it('a suppression added by name is cited by name in the next triage, and can be listed and removed', () => {
    const home = freshHome();
    const rule = 'Wazuh: ClamAV database update';
    const added = verdict(home, ['suppress', 'add', 'clamav-updates', '--owner', 'alice', '--reason', 'hourly signature updates', '--rule', rule, '--days', '30', '--config', EXAMPLE_CONFIG]);
    expect(added.status, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Suppression clamav-updates added; it expires \d{4}-/);
    const listed = verdict(home, ['suppress', 'list', '--config', EXAMPLE_CONFIG]);
    expect(listed.stdout).toMatch(new RegExp(`^clamav-updates\\tuntil \\d{4}-\\d\\d-\\d\\d\\towner alice\\trule=${rule}\\thourly signature updates$`, 'm'));

    // The bundled sample (2022) is the backlog the analyst means: every ClamAV alert cites it now.
    const run = verdict(home, TRIAGE_SAMPLE);
    expect(run.status, run.stderr).toBe(0);
    const triaged = results(run).filter((result) => result.ruleName === rule);
    expect(triaged.length).toBeGreaterThan(3);
    for (const result of triaged) {
      expect(result.verdict, result.alertId).toBe('benign_positive');
      expect(result.summary, result.alertId).toContain('Suppression "clamav-updates"');
      if (result.duplicateOf) continue; // a duplicate points at its original, which carries the evidence
      const cited = result.evidence.find((item) => item.source === 'suppression');
      expect(cited?.claim, result.alertId).toMatch(/^Suppression "clamav-updates" \(owner alice, expires \d{4}-\d\d-\d\d\) covers this alert: hourly signature updates\.$/);
      expect(cited?.refs).toEqual(['suppression:clamav-updates']);
    }
    // Other rules are untouched.
    expect(
      results(run)
        .filter((result) => result.ruleName !== rule)
        .flatMap((result) => result.evidence)
        .some((item) => item.source === 'suppression'),
    ).toBe(false);

    expect(verdict(home, ['suppress', 'remove', 'clamav-updates', '--config', EXAMPLE_CONFIG]).status).toBe(0);
    // Judged again after the removal, no verdict cites it any more.
    const again = results(verdict(home, [...TRIAGE_SAMPLE, '--retriage']));
    expect(again.flatMap((result) => result.evidence).some((item) => item.source === 'suppression')).toBe(false);
  });

  it('refuses a suppression without scope or with a bad pattern, saying how to fix it', () => {
    const home = freshHome();
    const unscoped = verdict(home, ['suppress', 'add', 'everything', '--owner', 'alice', '--reason', 'x', '--config', EXAMPLE_CONFIG]);
    expect(unscoped.status).toBe(2);
    expect(unscoped.stderr).toMatch(/needs a scope: give --rule, --entity or --pattern/);
    const badPattern = verdict(home, ['suppress', 'add', 'broken', '--owner', 'alice', '--reason', 'x', '--pattern', '(', '--config', EXAMPLE_CONFIG]);
    expect(badPattern.status).toBe(2);
    expect(badPattern.stderr).toMatch(/--pattern is not a valid regular expression/);
    expect(badPattern.stderr).not.toMatch(STACK_LINE);
  });
});

describe('user errors: one clear message, no stack trace', () => {
  it('a config with an unknown key names the file and the field and exits non-zero', () => {
    const config = path.join(scratch, 'bad-config.yaml');
    writeFileSync(config, 'decide:\n  thresholds: {truePositive: 0.6, benign: 0.2}\n  maxWeightPerEvidense: 3\n');
    const run = verdict(freshHome(), ['triage', SAMPLE_FILE, '--config', config, '--map', 'ids-export']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`config file ${config} has invalid settings`);
    expect(run.stderr).toMatch(/decide: .*maxWeightPerEvidense/);
    expect(run.stderr).not.toMatch(STACK_LINE);
    expect(run.stdout).toBe('');
  });

  it('a config value out of range names its full path', () => {
    const config = path.join(scratch, 'bad-threshold.yaml');
    writeFileSync(config, 'decide:\n  thresholds: {truePositive: 0.3, benign: 0.5}\n');
    const run = verdict(freshHome(), ['triage', SAMPLE_FILE, '--config', config]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/decide\.thresholds: benign must be below truePositive/);
  });

  it('a missing input file is named, with the fix', () => {
    const missing = path.join(scratch, 'no-such-alerts.jsonl');
    const run = verdict(freshHome(), ['triage', missing, '--config', EXAMPLE_CONFIG, '--map', 'ids-export']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`input file ${missing} does not exist`);
    expect(run.stderr).not.toMatch(/bug in Verdict/);
    expect(run.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing config file and an unknown field map are named', () => {
    const run = verdict(freshHome(), ['triage', SAMPLE_FILE, '--config', path.join(scratch, 'nope.yaml')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/config file .*nope\.yaml \(from --config\) does not exist/);
    const unknownMap = verdict(freshHome(), ['triage', SAMPLE_FILE, '--config', EXAMPLE_CONFIG, '--map', 'splunk-export']);
    expect(unknownMap.status).toBe(2);
    expect(unknownMap.stderr).toMatch(/field map "splunk-export" is not in the config: define fieldMaps\.splunk-export or use one of ids-export/);
  });

  it('reads the bundled sample as a file the user can pass on stdin too', () => {
    const home = freshHome();
    const run = spawnSync(process.execPath, [BUNDLE, 'triage', '-', '--config', EXAMPLE_CONFIG, '--map', 'ids-export'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, VERDICT_HOME: home },
      input: readFileSync(SAMPLE_FILE, 'utf8').split('\n').slice(0, 5).join('\n'),
    });
    expect(run.status, run.stderr).toBe(0);
    expect(results({ status: run.status, stdout: run.stdout, stderr: run.stderr })).toHaveLength(5);
  });
});
