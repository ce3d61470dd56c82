import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAitRow } from '../../scripts/eval/render-ait.js';
import { loadAitRows } from '../eval-data.js';
import { EXAMPLE_CONFIG, REPO_ROOT } from '../core/sample-alerts.js';
import { createTestSchema, startTestPostgres, type TestPostgres } from '../store/postgres-server.js';

// The same stream must give the same verdicts however the work is run: one process, one process
// per UTC day, several CLI runs, a restart in the middle, a kill -9 between batches — on SQLite and
// on PostgreSQL. Real processes (the built CLI) against a real store; the stream is four days of a
// real AIT scenario (every 16th row, so the context baseline matures and novelty comes into play).

const BUNDLE = path.join(REPO_ROOT, 'dist/verdict.js');
const DAY_MS = 86_400_000;

interface Row {
  id: string;
  time: number;
  name: string;
  ip: string;
  host: string;
  short: string;
}

let scratch: string;
let rows: Row[];
let server: TestPostgres;

beforeAll(async () => {
  const build = spawnSync(process.execPath, ['scripts/build.js'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  scratch = mkdtempSync(path.join(tmpdir(), 'verdict-state-'));
  const all = await loadAitRows('russellmitchell');
  rows = all.filter((_, index) => index % 16 === 0).map((row) => renderAitRow(row, 'generic') as Row);
  server = await startTestPostgres();
}, 120_000);

afterAll(async () => {
  await server?.stop?.();
  rmSync(scratch, { recursive: true, force: true });
});

function writeRows(name: string, part: readonly Row[]): string {
  const file = path.join(scratch, name);
  writeFileSync(file, part.map((row) => JSON.stringify(row)).join('\n') + '\n');
  return file;
}

function configFor(store: 'sqlite' | string): string {
  const file = path.join(scratch, `config-${Math.random().toString(36).slice(2)}.json`);
  // The example config's field map, and the store to share.
  const example = spawnSync(
    process.execPath,
    ['-e', `import('yaml').then(({ parse }) => process.stdout.write(JSON.stringify(parse(require('node:fs').readFileSync(${JSON.stringify(EXAMPLE_CONFIG)}, 'utf8')))))`],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  const config = JSON.parse(example.stdout) as Record<string, unknown>;
  // Data files (intel, inventory) resolve from the example's folder wherever this copy lives.
  const absolute = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(absolute);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === 'path' && typeof inner === 'string' && /\.(csv|json|ya?ml|txt)$/.test(inner) ? path.join(path.dirname(EXAMPLE_CONFIG), inner) : absolute(inner),
      ]),
    );
  };
  Object.assign(config, absolute(config));
  config.store = store === 'sqlite' ? { kind: 'sqlite' } : { kind: 'postgres', url: store };
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** `verdict triage` as its own process; returns verdict, probability and duplicate link by alert id. */
function triage(home: string, config: string, file: string, extra: string[] = []): Map<string, string> {
  const run = spawnSync(process.execPath, [BUNDLE, 'triage', file, '--config', config, '--map', 'ids-export', ...extra], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, VERDICT_HOME: home },
    maxBuffer: 512 * 1024 * 1024,
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`verdict triage exited ${run.status}: ${run.stderr}`);
  return outcomes(run.stdout);
}

function outcomes(stdout: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const result = JSON.parse(line) as { alertId: string; verdict: string; probabilityMalicious: number; duplicateOf?: string; revision?: number };
    found.set(result.alertId, `${result.verdict} ${result.probabilityMalicious} ${result.duplicateOf ?? '-'} r${result.revision ?? 1}`);
  }
  return found;
}

function merge(...parts: Array<Map<string, string>>): Map<string, string> {
  const all = new Map<string, string>();
  for (const part of parts) for (const [id, outcome] of part) all.set(id, outcome);
  return all;
}

/** Rows split at every UTC midnight: what a nightly restart, or a daily export, sees. */
function byDay(part: readonly Row[]): Row[][] {
  const days = new Map<number, Row[]>();
  for (const row of part) {
    const day = Math.floor((row.time < 1e11 ? row.time * 1000 : row.time) / DAY_MS);
    days.set(day, [...(days.get(day) ?? []), row]);
  }
  return [...days.values()];
}

function differences(left: Map<string, string>, right: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [id, outcome] of left) if (right.get(id) !== outcome) found.push(`${id}: ${outcome} ≠ ${right.get(id) ?? 'missing'}`);
  return found;
}

async function stateRows(store: 'sqlite' | string, home: string): Promise<string[]> {
  if (store === 'sqlite') {
    const db = new Database(path.join(home, 'verdict.db'), { readonly: true });
    try {
      return (db.prepare('SELECT part, state_key, body FROM triage_state ORDER BY part, state_key').all() as Array<{ part: string; state_key: string; body: string }>).map(
        (row) => `${row.part}|${row.state_key}|${row.body}`,
      );
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: store });
  await client.connect();
  try {
    return (await client.query<{ part: string; state_key: string; body: string }>('SELECT part, state_key, body FROM triage_state ORDER BY part, state_key')).rows.map(
      (row) => `${row.part}|${row.state_key}|${row.body}`,
    );
  } finally {
    await client.end();
  }
}

async function storeFor(kind: 'sqlite' | 'postgres', name: string): Promise<'sqlite' | string> {
  return kind === 'sqlite' ? 'sqlite' : createTestSchema(server.url!, name);
}

describe.each(['sqlite', 'postgres'] as const)('persisted triage state on %s', (kind) => {
  const skip = () => kind === 'postgres' && server.skipReason !== undefined;

  it('one process, one process per UTC day, and several CLI runs give identical verdicts', async (context) => {
    if (skip()) return context.skip();
    const whole = writeRows(`whole-${kind}.jsonl`, rows);
    const oneStore = await storeFor(kind, `state_one_${kind}`);
    const one = triage(mkdtempSync(path.join(scratch, 'one-')), configFor(oneStore), whole);
    expect(one.size).toBe(rows.length);

    const dailyStore = await storeFor(kind, `state_daily_${kind}`);
    const dailyHome = mkdtempSync(path.join(scratch, 'daily-'));
    const dailyConfig = configFor(dailyStore);
    const days = byDay(rows);
    expect(days.length).toBeGreaterThanOrEqual(3);
    const daily = merge(...days.map((day, index) => triage(dailyHome, dailyConfig, writeRows(`day-${kind}-${index}.jsonl`, day))));
    expect(differences(one, daily)).toEqual([]);

    // Two halves split in the middle of the stream, not at a day boundary.
    const halvesStore = await storeFor(kind, `state_halves_${kind}`);
    const halvesHome = mkdtempSync(path.join(scratch, 'halves-'));
    const halvesConfig = configFor(halvesStore);
    const middle = Math.floor(rows.length / 2);
    // Alerts of one second are judged together: the split moves to the next second, as a batch does.
    let split = middle;
    while (split < rows.length && rows[split]!.time === rows[split - 1]!.time) split += 1;
    const halves = merge(
      triage(halvesHome, halvesConfig, writeRows(`first-${kind}.jsonl`, rows.slice(0, split))),
      triage(halvesHome, halvesConfig, writeRows(`second-${kind}.jsonl`, rows.slice(split))),
    );
    expect(differences(one, halves)).toEqual([]);
    // The state the three deployments end with is the same, row for row.
    expect(await stateRows(dailyStore, dailyHome)).toEqual(await stateRows(halvesStore, halvesHome));
  }, 300_000);

  it('a kill -9 between batches loses no state and counts nothing twice: the re-run ends where one run ends', async (context) => {
    if (skip()) return context.skip();
    const file = writeRows(`kill-${kind}.jsonl`, rows);
    const cleanStore = await storeFor(kind, `state_clean_${kind}`);
    const cleanHome = mkdtempSync(path.join(scratch, 'clean-'));
    const clean = triage(cleanHome, configFor(cleanStore), file, ['--batch-size', '100']);

    const killedStore = await storeFor(kind, `state_killed_${kind}`);
    const killedHome = mkdtempSync(path.join(scratch, 'killed-'));
    const killedConfig = configFor(killedStore);
    // Killed as soon as its first batch is out (committed: output follows the store's commit).
    const emitted = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [BUNDLE, 'triage', file, '--config', killedConfig, '--map', 'ids-export', '--batch-size', '100'], {
        cwd: REPO_ROOT,
        env: { ...process.env, VERDICT_HOME: killedHome },
      });
      let lines = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        lines += chunk.toString('utf8').split('\n').length - 1;
        if (lines > 0) child.kill('SIGKILL');
      });
      child.on('error', reject);
      child.on('exit', () => resolve(lines));
    });
    expect(emitted).toBeGreaterThan(0);
    expect(emitted).toBeLessThan(rows.length);
    // The re-run of the whole file: stored alerts keep their verdicts, the rest continue the state.
    const resumed = triage(killedHome, killedConfig, file, ['--batch-size', '100']);
    expect(differences(clean, resumed)).toEqual([]);
    expect(await stateRows(killedStore, killedHome)).toEqual(await stateRows(cleanStore, cleanHome));
  }, 300_000);
});
