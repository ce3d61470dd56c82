import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSqliteRepository } from '../../core/store/sqlite-store.js';
import { runRepositorySuite } from './repository-suite.js';

runRepositorySuite('sqlite (temp file)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-sqlite-'));
  const file = path.join(dir, 'verdict.db');
  return {
    repository: createSqliteRepository(file),
    reopen: async () => createSqliteRepository(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
