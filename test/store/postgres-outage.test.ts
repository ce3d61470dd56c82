import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { createRuntime } from '../../core/runtime/runtime.js';
import { createServer } from '../../core/server/create-server.js';
import { issueToken } from '../../core/server/tokens.js';
import type { TriageResult } from '../../core/spec/result.js';
import { createPostgresRepository } from '../../core/store/postgres-store.js';
import { StoreUnavailableError, withStoreErrors } from '../../core/store/store-errors.js';
import { sampleAlert } from '../server/server-harness.js';
import { createTestSchema, startTestPostgres } from './postgres-server.js';

/**
 * Issue 11, findings 1–3, against a real PostgreSQL: backends terminated mid-transaction must not
 * kill the process (a checked-out client had no 'error' listener); a stopped database answers 503
 * with Retry-After, not 500; a record PostgreSQL cannot hold (NUL, over the btree row limit) is
 * dead-lettered alone and the rest of its batch is stored.
 */
const server = await startTestPostgres();
afterAll(async () => {
  await server.stop?.();
});
let schemas = 0;
const freshUrl = () => createTestSchema(server.url!, `outage_${process.pid}_${(schemas += 1)}`);

describe.skipIf(server.skipReason !== undefined)(`PostgreSQL outages${server.skipReason ? ` (skipped: ${server.skipReason})` : ''}`, () => {
  it('survives backends terminated in the middle of write transactions, and writes again after', async () => {
    const url = await freshUrl();
    const repository = withStoreErrors(await createPostgresRepository(url));
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    const failures: unknown[] = [];
    try {
      let isWriting = true;
      const writer = (async () => {
        for (let round = 0; isWriting; round += 1) {
          const batch = Array.from({ length: 400 }, (_, index) => ({ result: result(`r${round}-${index}`), entityKeys: [`host:h${index}`, `user:u${index}`] }));
          await repository.saveResults(batch).catch((error: unknown) => void failures.push(error));
        }
      })();
      for (let kill = 0; kill < 15; kill += 1) {
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      isWriting = false;
      await writer;
    } finally {
      await admin.end();
    }
    // The process is alive (an unhandled 'error' event would have failed this run), writes that
    // failed say why, and the store works again.
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(StoreUnavailableError.isInstance(failure), String(failure)).toBe(true);
    await repository.saveResults([{ result: result('after'), entityKeys: [] }]);
    expect(await repository.getResult('after')).toMatchObject({ alertId: 'after' });
    await repository.close();
  }, 60_000);

  it('answers 503 with Retry-After while the database is down, and 200 once it is back', async () => {
    const url = await freshUrl();
    const repository = await createPostgresRepository(url);
    const runtime = await createRuntime({ config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home: process.cwd() }, { repository });
    const app = createServer({ runtime, options: { logLevel: 'silent' } });
    const issued = issueToken({ name: 'soar', scopes: ['triage'] });
    await repository.createToken(issued.token);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const post = (id: string) => fetch(`${base}/v1/triage`, { method: 'POST', headers: { authorization: `Bearer ${issued.bearer}`, 'content-type': 'application/json' }, body: JSON.stringify({ alerts: [sampleAlert(id)] }) });
    try {
      expect((await post('before')).status).toBe(200);
      server.control!.halt();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        const response = await post(`during-${attempt}`);
        statuses.push(response.status);
        const body = (await response.json()) as { detail?: string; type?: string };
        if (response.status === 503) {
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          expect(body.detail).toMatch(/PostgreSQL store is unavailable/);
        }
      }
      // The token check reads the store too: either way the answer is 503, never 500.
      expect(statuses.filter((status) => status !== 503)).toEqual([]);
      server.control!.resume();
      let recovered = 0;
      for (let attempt = 0; attempt < 20 && recovered === 0; attempt += 1) {
        if ((await post(`after-${attempt}`)).status === 200) recovered += 1;
        else await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(recovered).toBe(1);
    } finally {
      await app.close();
      await runtime.close();
    }
  }, 60_000);
});

function result(alertId: string): TriageResult {
  return {
    alertId,
    platform: 'verdict',
    ruleName: 'Brute force',
    verdict: 'inconclusive',
    confidence: 0.5,
    probabilityMalicious: 0.5,
    summary: 'summary',
    evidence: [],
    attack: [],
    recommendedActions: [],
    trace: [],
    engine: { version: '0.0.0', mode: 'offline', configDigest: 'abc' },
    fingerprint: `fp-${alertId}`,
    alertTime: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}
