import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresRepository } from '../../core/store/postgres-store.js';
import { createTestSchema, startTestPostgres } from './postgres-server.js';
import { runRepositorySuite } from './repository-suite.js';

// Top-level await: the suite must know before collection whether a server exists, to skip with the reason.
const server = await startTestPostgres();
afterAll(async () => {
  await server.stop?.();
});

let schemas = 0;
runRepositorySuite(
  'postgres',
  async () => {
    if (!server.url) throw new Error('unreachable: the suite is skipped without a server');
    const url = await createTestSchema(server.url, `suite_${process.pid}_${(schemas += 1)}`);
    return { repository: await createPostgresRepository(url), reopen: () => createPostgresRepository(url) };
  },
  server.skipReason ? { skip: server.skipReason } : {},
);

describe('postgres store errors', () => {
  it('says which server it could not reach, without echoing the password in the URL', async () => {
    const error = await createPostgresRepository('postgres://verdict:hunter2-secret@127.0.0.1:1/verdict').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('127.0.0.1:1/verdict');
    expect((error as Error).message).not.toContain('hunter2-secret');
  });
});
