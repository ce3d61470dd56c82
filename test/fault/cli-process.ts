import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built CLI (dist/verdict.js), as users run it; fault tests kill it for real. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/verdict.js');

/** Builds dist/verdict.js when it is missing or older than any source it bundles. */
export function ensureBuilt(): void {
  const newestSource = Math.max(
    ...['bin', 'core', 'plugins'].flatMap((folder) => sourceTimes(join(ROOT, folder))),
    ...['package.json', 'scripts/build.js'].map((file) => statSync(join(ROOT, file)).mtimeMs),
  );
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
}

function sourceTimes(folder: string): number[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs);
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliRun>;
  output(): string;
}

/** Starts `node dist/verdict.js …args` in `cwd` with extra environment. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string; nodeArgs?: string[] }): RunningCli {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin!.on('error', () => undefined); // the child may exit before reading its input
  child.stdin!.end(options.input ?? '');
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => `${stdout}${stderr}` };
}

/** A small deterministic generator (mulberry32): fault timings differ per step, the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const sleep = (milliseconds: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, milliseconds));
