import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { createRuntime } from '../../core/runtime/runtime.js';
import { createServer } from '../../core/server/create-server.js';
import { signHookBody } from '../../core/server/hook-signature.js';
import type { ServerOptions } from '../../core/server/server-context.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { sampleAlert } from './server-harness.js';

/**
 * Issue 11, findings 9 and 10. A webhook replay was refused only by the process that saw the
 * first delivery: after a restart, or on a second instance over the same store, it got 200. And
 * a flood of badly signed requests used up the platform's rate limit before any signature was
 * checked (8 of 10 signed deliveries got 429), while invalid tokens were never limited.
 */
const SECRET = 'replay-test-hook-secret-42';
const dir = mkdtempSync(path.join(tmpdir(), 'verdict-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startInstance(file: string, options: Partial<ServerOptions> = {}) {
  const runtime = await createRuntime({ config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home: dir }, { repository: createSqliteRepository(file) });
  const app = createServer({ runtime, options: { logLevel: 'silent', hookSecrets: { verdict: SECRET }, hookToleranceSeconds: 300, ...options } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    runtime,
    port,
    close: async () => {
      await app.close();
      await runtime.close();
    },
  };
}

/** One request from a chosen loopback source address (127.0.0.0/8 is all loopback on Linux). */
function send(port: number, init: { path: string; body: string; headers: Record<string, string>; from?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, path: init.path, method: 'POST', localAddress: init.from ?? '127.0.0.1', headers: { 'content-type': 'application/json', ...init.headers } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

function signed(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { 'x-verdict-timestamp': String(timestamp), 'x-verdict-signature': signHookBody(SECRET, timestamp, body) };
}

describe('webhook replays are refused across restarts and instances', () => {
  it('a delivery replayed after a restart, or to a second instance on the same store, gets 401', async () => {
    const file = path.join(dir, 'shared.db');
    const body = JSON.stringify(sampleAlert('replayed-1'));
    const headers = signed(body);
    const first = await startInstance(file);
    const second = await startInstance(file);
    try {
      expect(await send(first.port, { path: '/v1/hooks/verdict', body, headers })).toBe(200);
      expect(await send(second.port, { path: '/v1/hooks/verdict', body, headers }), 'second instance').toBe(401);
    } finally {
      await first.close();
    }
    const restarted = await startInstance(file);
    try {
      expect(await send(restarted.port, { path: '/v1/hooks/verdict', body, headers }), 'after a restart').toBe(401);
      const fresh = JSON.stringify(sampleAlert('replayed-2'));
      expect(await send(restarted.port, { path: '/v1/hooks/verdict', body: fresh, headers: signed(fresh) })).toBe(200);
    } finally {
      await restarted.close();
      await second.close();
    }
  });
});

describe('rate limits: per source before authentication, per token or platform after', () => {
  it('a flood of badly signed requests does not use up the platform limit of signed deliveries', async () => {
    const instance = await startInstance(path.join(dir, 'flood.db'), { rateLimit: { requestsPerSecond: 1, burst: 10 } });
    try {
      const flood = await Promise.all(
        Array.from({ length: 40 }, (_, index) => {
          const body = JSON.stringify(sampleAlert(`forged-${index}`));
          return send(instance.port, { path: '/v1/hooks/verdict', body, headers: { ...signed(body), 'x-verdict-signature': `sha256=${'0'.repeat(64)}` }, from: '127.0.0.2' });
        }),
      );
      expect(flood.filter((status) => status === 401).length).toBeGreaterThan(0);
      expect(flood.filter((status) => status === 429).length, 'the flooding source is limited').toBeGreaterThan(0);
      const deliveries: number[] = [];
      for (let index = 0; index < 10; index += 1) {
        const body = JSON.stringify(sampleAlert(`signed-${index}`));
        deliveries.push(await send(instance.port, { path: '/v1/hooks/verdict', body, headers: signed(body), from: '127.0.0.3' }));
      }
      expect(deliveries).toEqual(Array.from({ length: 10 }, () => 200));
    } finally {
      await instance.close();
    }
  });

  it('invalid tokens are rate-limited per source address', async () => {
    const instance = await startInstance(path.join(dir, 'tokens.db'), { rateLimit: { requestsPerSecond: 1, burst: 5 } });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 12; attempt += 1) {
        statuses.push(
          await send(instance.port, { path: '/v1/triage', body: JSON.stringify(sampleAlert(`t-${attempt}`)), headers: { authorization: `Bearer vdt_guess${attempt}.secret` }, from: '127.0.0.4' }),
        );
      }
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses.slice(6)).toContain(429);
      expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
    } finally {
      await instance.close();
    }
  });
});
