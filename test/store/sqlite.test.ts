import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { runRepositorySuite } from './repository-suite.js';

// A file: writes run on the worker-thread writer.
runRepositorySuite('sqlite (temp file)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-sqlite-'));
  const file = path.join(dir, 'verdict.db');
  return {
    repository: createSqliteRepository(file),
    reopen: async () => createSqliteRepository(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// In memory: writes run on the calling thread.
runRepositorySuite('sqlite (:memory:)', async () => ({ repository: createSqliteRepository(':memory:'), reopen: async () => createSqliteRepository(':memory:') }), {
  skipTests: {
    reason: 'an in-memory database is gone once closed',
    tests: [
      'answers ping and keeps its data when reopened (migrations run once)',
      'keeps the delivery ledger and seen signatures when reopened (another process sees them)',
      'saves triage state with the verdicts in one transaction: upserts, deletes, namespaces, and reads it back after a reopen',
    ],
  },
});
