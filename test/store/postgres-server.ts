import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../free-port.js';

/**
 * A real, throw-away PostgreSQL for tests: `VERDICT_TEST_PG_URL` when set, else a server started
 * from Debian's binaries (/usr/lib/postgresql/<version>/bin) in a temp dir on a random port.
 * Where neither exists the caller skips with `skipReason` — except in CI, where it must exist.
 */
export type TestPostgres = { url: string; stop(): Promise<void>; skipReason?: undefined; control?: ServerControl } | { skipReason: string; url?: undefined; stop?: undefined; control?: undefined };

/** Fault tests: take the server down (immediate shutdown, as a crash) and bring it back on the same port. */
export interface ServerControl {
  halt(): void;
  resume(): void;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.VERDICT_TEST_PG_URL;
  if (given) return { url: given, async stop() {} };
  const bin = findServerBinaries();
  if (!bin) return unavailable('no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin; install postgresql or set VERDICT_TEST_PG_URL');
  // initdb and postgres refuse to run as root: run them as the postgres account the package creates.
  const runAs = process.getuid?.() === 0 ? accountIds('postgres') : undefined;
  if (process.getuid?.() === 0 && !runAs) return unavailable('running as root and there is no postgres account to run the server as');

  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-pg-'));
  const data = path.join(dir, 'data');
  if (runAs) chownSync(dir, runAs.uid, runAs.gid);
  const run = (program: string, args: string[]): void => {
    const command = path.join(bin, program);
    if (runAs) execFileSync('runuser', ['-u', 'postgres', '--', command, ...args], { stdio: 'pipe' });
    else execFileSync(command, args, { stdio: 'pipe' });
  };
  const port = await freePort();
  const startServer = (): void =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  try {
    run('initdb', ['-D', data, '-U', 'verdict', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    startServer();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start the test PostgreSQL: ${(error as { stderr?: Buffer }).stderr?.toString() ?? (error as Error).message}`);
  }
  return {
    url: `postgres://verdict@127.0.0.1:${port}/postgres`,
    control: {
      halt: () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
      resume: startServer,
    },
    async stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh schema on the server, and a URL whose connections use it: test isolation without CREATE DATABASE. */
export async function createTestSchema(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    await client.query(`CREATE SCHEMA ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

function unavailable(reason: string): TestPostgres {
  if (process.env.CI) throw new Error(`PostgreSQL is required in CI: ${reason}`);
  return { skipReason: reason };
}

function findServerBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

function accountIds(user: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}
