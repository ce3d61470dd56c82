import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A live Verdict for the SOAR step tests: the built CLI (dist/verdict.js) serving on a random
 * loopback port in a child process, over its own SQLite store, with tokens made by `verdict token
 * create`. A separate process, because XSOAR's `http()` is synchronous and the steps under test
 * (Python connectors, the XSOAR script) call it over real HTTP.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/verdict.js');
/** A real fixture: an OCSF Detection Finding from a Sigma rule (examples/one-alert.json). */
export const FIXTURE_ALERT_FILE = path.join(ROOT, 'examples/one-alert.json');

export interface LiveService {
  baseUrl: string;
  home: string;
  /** Bearer of a token with the triage and feedback scopes (what a SOAR step holds). */
  token: string;
  /** Runs the CLI with this service's home; returns stdout. */
  cli(...args: string[]): string;
  stop(): Promise<void>;
}

export function ensureBuilt(): void {
  const newestSource = Math.max(
    ...['bin', 'core', 'plugins'].flatMap((folder) => sourceTimes(path.join(ROOT, folder))),
    ...['package.json', 'scripts/build.js'].map((file) => statSync(path.join(ROOT, file)).mtimeMs),
  );
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource) return;
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stderr}${build.stdout}`);
}

function sourceTimes(folder: string): number[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|json|md|txt|yaml)$/.test(entry.name))
    .map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
}

export function runCli(home: string, args: string[], environment: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: home, env: { ...process.env, VERDICT_HOME: home, NO_COLOR: '1', ...environment }, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export async function startLiveService(environment: Record<string, string> = {}): Promise<LiveService> {
  ensureBuilt();
  const home = mkdtempSync(path.join(tmpdir(), 'verdict-soar-'));
  const cli = (...args: string[]) => {
    const run = runCli(home, args, environment);
    if (run.status !== 0) throw new Error(`verdict ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    return run.stdout;
  };
  const token = cli('token', 'create', '--name', 'soar-step', '--scope', 'triage', '--scope', 'feedback').trim();
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: home, env: { ...process.env, VERDICT_HOME: home, ...environment }, stdio: ['ignore', 'ignore', 'pipe'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (\S+) /.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`verdict serve exited with ${code}: ${stderr}`)));
  });
  return {
    baseUrl,
    home,
    token,
    cli,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Verdicts the service has given (verdict_verdicts_total on /metrics): a replayed request adds none. */
export async function verdictsGiven(service: LiveService): Promise<number> {
  const response = await fetch(`${service.baseUrl}/metrics`, { headers: { authorization: `Bearer ${service.token}` } });
  const text = await response.text();
  return [...text.matchAll(/^verdict_verdicts_total\{verdict="\w+"\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** The verdict `verdict triage` gives the fixture alert, from a home of its own (nothing learned, nothing stored). */
export function cliVerdict(file = FIXTURE_ALERT_FILE): { alertId: string; verdict: string; confidence: number } {
  const home = mkdtempSync(path.join(tmpdir(), 'verdict-soar-cli-'));
  try {
    const run = runCli(home, ['triage', file]);
    if (run.status !== 0) throw new Error(`verdict triage exited ${run.status}: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n')[0]!) as { alertId: string; verdict: string; confidence: number };
    return { alertId: result.alertId, verdict: result.verdict, confidence: result.confidence };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
