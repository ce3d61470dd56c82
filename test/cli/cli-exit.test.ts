import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, SAMPLE_FILE } from '../core/sample-alerts.js';
import { ensureBuilt, startCli, CLI } from '../fault/cli-process.js';
import { mountSmallDisk, type SmallDisk } from '../store/disk-full.js';
import { startTestPostgres } from '../store/postgres-server.js';

/**
 * Issue 11, finding 7, through the built CLI: after a config error it printed the message and
 * never exited (the store stayed open); user and environment errors (a folder or unreadable
 * input, a read-only home, a full disk, stdout on a full device) exited 70 "This is a bug"; an
 * empty VERDICT_HOME wrote into the current folder. Each must end with exit 2, one line saying
 * what and how to fix it, and no stack trace.
 */
const TRIAGE = ['triage', SAMPLE_FILE, '--config', EXAMPLE_CONFIG, '--map', 'ids-export', '--format', 'jsonl'];
const postgres = await startTestPostgres();
let work: string;
afterAll(async () => {
  await postgres.stop?.();
});
beforeAll(() => {
  ensureBuilt();
  work = mkdtempSync(path.join(tmpdir(), 'verdict-cli-exit-'));
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI; a run that has not exited after 20 s is killed and reported as a hang. */
async function run(args: string[], env: Record<string, string> = {}, cwd = work) {
  const cli = startCli(args, { cwd, env: { VERDICT_HOME: path.join(work, 'home'), ...env } });
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 20_000);
  const finished = await cli.done;
  clearTimeout(timer);
  return { ...finished, hung: finished.signal === 'SIGKILL' };
}

function expectUserError(outcome: Awaited<ReturnType<typeof run>>, pattern: RegExp): void {
  expect(outcome.hung, 'the CLI exits').toBe(false);
  expect(outcome.code, outcome.stderr).toBe(2);
  expect(outcome.stderr).toMatch(pattern);
  expect(outcome.stderr).not.toMatch(/This is a bug|\n\s+at .+:\d+:\d+/);
}

function config(name: string, body: unknown): string {
  const file = path.join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

describe('verdict CLI exits with 2 and a fix for user and environment errors', () => {
  it('exits after an unknown enricher, a missing intel file or an unset API-key variable (the store is closed)', async () => {
    expectUserError(await run(['triage', SAMPLE_FILE, '--config', config('unknown-enricher', { enrichers: { 'no-such-enricher': {} } })]), /unknown enricher "no-such-enricher"/);
    expectUserError(
      await run(['triage', SAMPLE_FILE, '--config', config('missing-intel', { enrichers: { 'threat-intel': { files: [{ path: 'missing.stix.json', format: 'stix' }] } } })]),
      /missing\.stix\.json/,
    );
    const reason = { provider: { baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKey: { env: 'VERDICT_TEST_UNSET_KEY' } } };
    expectUserError(await run(['triage', SAMPLE_FILE, '--config', config('unset-key', { reason })]), /VERDICT_TEST_UNSET_KEY is empty or unset/);
  }, 90_000);

  it.skipIf(postgres.skipReason !== undefined)(
    `exits after a config error with the PostgreSQL store open (its pool is closed)${postgres.skipReason ? ` (skipped: ${postgres.skipReason})` : ''}`,
    async () => {
      const store = { kind: 'postgres', url: postgres.url };
      expectUserError(await run(['triage', SAMPLE_FILE, '--config', config('pg-unknown-enricher', { store, enrichers: { 'no-such-enricher': {} } })]), /unknown enricher/);
    },
    60_000,
  );

  it('a folder as input says so', async () => {
    mkdirSync(path.join(work, 'a-folder'), { recursive: true });
    expectUserError(await run(['triage', path.join(work, 'a-folder')]), /a-folder is a folder/);
  });

  it('an unreadable input file says so (run as nobody when the tests run as root, who reads everything)', async () => {
    const asRoot = process.getuid?.() === 0;
    // A folder every user may use: mkdtemp's are private to their owner.
    const open = mkdtempSync(path.join(tmpdir(), 'verdict-unreadable-'));
    try {
      chmodSync(open, 0o777);
      const input = path.join(open, 'alerts.jsonl');
      writeFileSync(input, '{"id":"a"}\n');
      chmodSync(input, 0o000);
      const nobody = asRoot ? { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) } : {};
      const outcome = await new Promise<Awaited<ReturnType<typeof run>>>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'triage', input], { cwd: open, env: { ...process.env, VERDICT_HOME: path.join(open, 'home') }, ...nobody });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout: '', stderr, hung: signal === 'SIGKILL' });
        });
      });
      expectUserError(outcome, /alerts\.jsonl.*\(EACCES\): permission denied/);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('VERDICT_HOME="" is refused, and nothing is written into the current folder', async () => {
    const cwd = mkdtempSync(path.join(work, 'cwd-'));
    expectUserError(await run(TRIAGE, { VERDICT_HOME: '' }, cwd), /VERDICT_HOME is set but empty/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a database path that is a folder says which file and how to fix it', async () => {
    const home = path.join(work, 'home-with-folder-db');
    mkdirSync(path.join(home, 'verdict.db'), { recursive: true });
    expectUserError(await run(TRIAGE, { VERDICT_HOME: home }), /verdict\.db/);
  });

  it('stdout on a full device (/dev/full) ends with a message, not a stack trace', async () => {
    if (!existsSync('/dev/full')) return expect.soft(existsSync('/dev/full'), 'no /dev/full on this machine').toBe(false);
    const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" ${TRIAGE.map((arg) => `'${arg}'`).join(' ')} > /dev/full`], {
        env: { ...process.env, VERDICT_HOME: path.join(work, 'home-full-stdout') },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(outcome.code, outcome.stderr).toBe(2);
    expect(outcome.stderr).toMatch(/cannot write the output.*ENOSPC/);
    expect(outcome.stderr).not.toMatch(/This is a bug|\n\s+at .+:\d+:\d+/);
  });

  it('stdout closed early (| head -1) ends quietly', async () => {
    const output = execFileSync('sh', ['-c', `"${process.execPath}" "${CLI}" ${TRIAGE.map((arg) => `'${arg}'`).join(' ')} 2>&1 | head -c 200 > /dev/null; echo "exit=$?"`], {
      env: { ...process.env, VERDICT_HOME: path.join(work, 'home-epipe') },
      encoding: 'utf8',
    });
    expect(output).toContain('exit=0');
  });
});

describe('environment errors on real file systems (read-only, full)', () => {
  let readOnly: SmallDisk;
  let full: SmallDisk;
  beforeAll(() => {
    readOnly = mountSmallDisk(2);
    full = mountSmallDisk(2);
    if (readOnly.dir) {
      mkdirSync(path.join(readOnly.dir, 'home'));
      readOnly.remountReadOnly!();
    }
  });
  afterAll(() => {
    readOnly.unmount?.();
    full.unmount?.();
  });

  it('a read-only VERDICT_HOME says so and how to fix it', async (context) => {
    if (readOnly.skipReason) return context.skip(readOnly.skipReason);
    expectUserError(await run(TRIAGE, { VERDICT_HOME: path.join(readOnly.dir!, 'home') }), /read-only/);
  });

  it('a full disk under VERDICT_HOME says the disk is full', async (context) => {
    if (full.skipReason) return context.skip(full.skipReason);
    full.fill!();
    expectUserError(await run(TRIAGE, { VERDICT_HOME: path.join(full.dir!, 'home') }), /disk is full|no space left/i);
    full.free!();
  });
});
