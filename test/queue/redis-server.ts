import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port.js';

/**
 * A real, throw-away Redis for tests: `redis-server` (Debian's package) in a temp dir on a random
 * port, with the append-only file fsynced on every write — as the deployment guide configures it,
 * so a restart (even kill -9) loses no acknowledged job. Where the binary is missing the caller
 * skips with `skipReason` — except in CI, where it must exist.
 */
export type TestRedis =
  | { url: string; port: number; control: RedisControl; stop(): Promise<void>; skipReason?: undefined }
  | { skipReason: string; url?: undefined; port?: undefined; control?: undefined; stop?: undefined };

export interface RedisControl {
  /** kill -9 the server (a crash), then start it again on the same port and data. */
  crashAndRestart(downMs?: number): Promise<void>;
}

export async function startTestRedis(): Promise<TestRedis> {
  const binary = findRedis();
  if (!binary) {
    const reason = 'no redis-server on PATH; install the redis-server package';
    if (process.env.CI) throw new Error(`Redis is required in CI: ${reason}`);
    return { skipReason: reason };
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: 'ignore',
    });
    await waitForPort(port, 10_000);
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    control: {
      async crashAndRestart(downMs = 500) {
        const running = child;
        if (running && running.exitCode === null) {
          const exited = new Promise((resolve) => running.once('exit', resolve));
          running.kill('SIGKILL');
          await exited;
        }
        await new Promise((resolve) => setTimeout(resolve, downMs));
        await start();
      },
    },
    async stop() {
      const running = child;
      if (running && running.exitCode === null) {
        const exited = new Promise((resolve) => running.once('exit', resolve));
        running.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function findRedis(): string | undefined {
  for (const candidate of ['redis-server', '/usr/bin/redis-server', '/usr/sbin/redis-server']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'pipe' });
      return candidate;
    } catch {
      // try the next
    }
  }
  return undefined;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const isOpen = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (isOpen) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
