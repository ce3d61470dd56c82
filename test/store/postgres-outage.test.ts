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

  /** `verdict serve` over this PostgreSQL: the runtime, the HTTP server and a triage token. */
  const startService = async () => {
    const repository = await createPostgresRepository(await freshUrl());
    const runtime = await createRuntime({ config: VerdictConfigSchema.parse({}), baseDir: process.cwd(), file: undefined, home: process.cwd() }, { repository });
    const app = createServer({ runtime, options: { logLevel: 'silent' } });
    const issued = issueToken({ name: 'soar', scopes: ['triage'] });
    await repository.createToken(issued.token);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const triage = (alerts: unknown[]) =>
      fetch(`${base}/v1/triage`, { method: 'POST', headers: { authorization: `Bearer ${issued.bearer}`, 'content-type': 'application/json' }, body: JSON.stringify({ alerts }) });
    return {
      repository,
      runtime,
      app,
      triage,
      close: async () => {
        await app.close();
        await runtime.close();
      },
    };
  };

  it('dead-letters only the record PostgreSQL cannot hold (NUL, over-long id) and stores the rest of the batch', async () => {
    const service = await startService();
    try {
      const longUrl = `https://example.test/${'a'.repeat(50_000)}`;
      const alerts = [
        sampleAlert('good-1'),
        sampleAlert('nul-title', { title: 'Suspicious\u0000download' }),
        sampleAlert('good-2'),
        sampleAlert('x'.repeat(100_000)),
        sampleAlert('long-url', {
          entities: [
            { kind: 'url', value: longUrl, role: 'related' },
            { kind: 'host', value: 'web01', role: 'target' },
          ],
        }),
        sampleAlert('good-3'),
      ];
      const response = await service.triage(alerts);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { results: Array<{ alertId: string }>; errors: Array<{ index: number; path: string; message: string }> };
      expect(body.results.map((result) => result.alertId).sort()).toEqual(['good-1', 'good-2', 'good-3', 'long-url']);
      expect(body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ index: 1, path: 'title', message: expect.stringContaining('NUL') }),
          expect.objectContaining({ index: 3, path: 'id', message: expect.stringContaining('at most 512') }),
        ]),
      );
      expect(await service.repository.getResult('good-3')).toMatchObject({ alertId: 'good-3' });
      const deadLetters = await service.repository.listDeadLetters(10);
      expect(deadLetters.map((deadLetter) => deadLetter.issues[0]?.path).sort()).toEqual(['id', 'title']);
      // The dead letter keeps the record (its NUL replaced, as PostgreSQL text needs).
      expect(deadLetters.find((deadLetter) => deadLetter.issues[0]?.path === 'title')?.record).toContain('Suspicious');
    } finally {
      await service.close();
    }
  }, 60_000);

  it('answers 503 with Retry-After while the database is down, and 200 once it is back', async () => {
    const service = await startService();
    const post = (id: string) => service.triage([sampleAlert(id)]);
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
      await service.close();
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
