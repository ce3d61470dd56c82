import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { startQueueWorker } from '../../core/queue/worker.js';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { sampleAlert, startTestServer } from '../server/server-harness.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

/**
 * `verdict serve` with a queue section: an asynchronous POST /v1/triage is checked at once, put on
 * the tenant's queue and answered 202; a worker triages it, queues its approvals, audits it and
 * stores the answer under the job id, which GET /v1/jobs/{id} returns as for an in-process job.
 */
const redis: TestRedis = await startTestRedis();
afterAll(async () => redis.stop?.());

describe.skipIf(redis.skipReason !== undefined)(`the service with a queue${redis.skipReason ? ` (skipped: ${redis.skipReason})` : ''}`, () => {
  it('queues async requests for the workers and answers the poll with their verdicts', async () => {
    const work = mkdtempSync(join(tmpdir(), 'verdict-serve-queue-'));
    const config = { store: { kind: 'sqlite', path: join(work, 'verdict.db') }, queue: { redis: redis.url!, prefix: `serve-${process.pid}` } };
    const harness = await startTestServer({ callbackSecret: 'callback-secret-for-tests', callbackOrigins: ['https://soar.example'] }, config, {
      repository: createSqliteRepository(join(work, 'verdict.db')),
    });
    const loaded = { config: VerdictConfigSchema.parse(config), baseDir: work, file: undefined, home: work };
    let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
    try {
      const batch = { alerts: [sampleAlert('q-1'), sampleAlert('q-2'), sampleAlert('q-3', { severity: 'apocalyptic' })] };
      const accepted = await harness.request('POST', '/v1/triage?async=true&platform=verdict', { token: harness.tokens.triage, body: batch });
      expect(accepted.status).toBe(202);
      const { jobId, statusUrl } = accepted.json as { jobId: string; statusUrl: string };
      // Nobody works the queue yet: the job waits, and says so.
      expect((await harness.request('GET', statusUrl, { token: harness.tokens.triage })).json).toMatchObject({ jobId, status: 'pending' });
      // A bad request is still the client's error at once, not a failed job later.
      const bad = await harness.request('POST', '/v1/triage?async=true&map=nope', { token: harness.tokens.triage, body: batch });
      expect(bad.status).toBe(400);
      const withCallback = await harness.request('POST', '/v1/triage?async=true&callback=https://soar.example/hook', { token: harness.tokens.triage, body: batch });
      expect(withCallback.status).toBe(400);
      expect(withCallback.json).toMatchObject({ detail: expect.stringMatching(/poll the job/) });

      worker = await startQueueWorker({ loaded, plugins: [], writeBack: {}, logger: pino({ level: 'silent' }), discoverEveryMs: 100 });
      let document: { status: string; statusCode?: number; result?: { results: Array<{ alertId: string }>; errors: Array<{ index: number; path: string }> } } = { status: 'pending' };
      for (let waited = 0; document.status === 'pending' && waited < 20_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        document = (await harness.request('GET', statusUrl, { token: harness.tokens.triage })).json as typeof document;
      }
      expect(document).toMatchObject({ status: 'succeeded', statusCode: 200 });
      expect(document.result!.results.map((result) => result.alertId)).toEqual(['q-1', 'q-2']);
      expect(document.result!.errors).toEqual([expect.objectContaining({ index: 2, path: 'severity' })]);
      // The verdicts are in the store the service reads, and the request was audited for its holder.
      expect((await harness.request('GET', '/v1/verdicts/q-1', { token: harness.tokens.triage })).status).toBe(200);
      expect((await harness.runtime.repository.listAudit(100)).filter((entry) => entry.action === 'triage')).toEqual([expect.objectContaining({ actor: 'soar-playbook' })]);
      // Only its creator sees the job.
      expect((await harness.request('GET', statusUrl, { token: harness.tokens.approver })).status).toBe(404);
    } finally {
      await worker?.close();
      await harness.close();
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
