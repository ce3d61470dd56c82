import path from 'node:path';
import type { VerdictConfig } from '../config/config-schema.js';
import { ConfigError } from '../spec/errors.js';
import type { VerdictRepository } from './repository.js';
import { createSqliteRepository } from './sqlite-store.js';
import { withStoreErrors } from './store-errors.js';

/**
 * Opens the store the config names. PostgreSQL is loaded only when asked for. Transient failures
 * (server down, disk full) come out of every method as StoreUnavailableError.
 */
export async function openStore(config: VerdictConfig['store'], home: string, baseDir: string): Promise<VerdictRepository> {
  return withStoreErrors(await openStoreOf(config, home, baseDir));
}

async function openStoreOf(config: VerdictConfig['store'], home: string, baseDir: string): Promise<VerdictRepository> {
  if (config.kind === 'sqlite') {
    const file = config.path ? path.resolve(baseDir, config.path) : path.join(home, 'verdict.db');
    return createSqliteRepository(file);
  }
  let module: { createPostgresRepository?: (url: string) => Promise<VerdictRepository> };
  try {
    module = (await import('./postgres-store.js')) as typeof module;
  } catch (error) {
    throw new ConfigError('store.kind is postgres but the PostgreSQL store could not be loaded; install the pg package (npm install pg)', { cause: error });
  }
  if (!module.createPostgresRepository) throw new ConfigError('store.kind postgres is not available in this build');
  return module.createPostgresRepository(config.url);
}
