import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { VerdictConfig } from '../config/config-schema.js';
import { ConfigError, VerdictError } from '../spec/errors.js';
import type { VerdictRepository } from './repository.js';
import { createSqliteRepository } from './sqlite-store.js';
import { withStoreErrors } from './store-errors.js';

/**
 * Opens the store the config names. PostgreSQL is loaded only when asked for. Transient failures
 * (server down, disk full) come out of every method as StoreUnavailableError.
 */
export async function openStore(config: VerdictConfig['store'], home: string, baseDir: string, tenant = 'default'): Promise<VerdictRepository> {
  return withStoreErrors(await openStoreOf(tenantStore(config, home, baseDir, tenant)));
}

type ResolvedStore = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string | undefined };

/**
 * Where a tenant's store is. Each tenant has one of its own, so verdicts, dispositions,
 * suppressions, tokens and triage state never mix: SQLite `verdict.<tenant>.db` beside the
 * configured file; PostgreSQL the schema `<schema>_<tenant>` (`verdict_<tenant>` by default) on
 * the same server. `default` is the store as configured.
 */
export function tenantStore(config: VerdictConfig['store'], home: string, baseDir: string, tenant: string): ResolvedStore {
  const suffix = tenant.replaceAll('-', '_');
  if (config.kind === 'postgres') {
    return { kind: 'postgres', url: config.url, schema: tenant === 'default' ? config.schema : `${config.schema ?? 'verdict'}_${suffix}` };
  }
  const file = config.path === ':memory:' ? ':memory:' : config.path ? path.resolve(baseDir, config.path) : path.join(home, 'verdict.db');
  if (tenant === 'default' || file === ':memory:') return { kind: 'sqlite', file };
  const extension = path.extname(file);
  return { kind: 'sqlite', file: `${file.slice(0, file.length - extension.length)}.${suffix}${extension || '.db'}` };
}

async function openStoreOf(store: ResolvedStore): Promise<VerdictRepository> {
  if (store.kind === 'sqlite') {
    const { file } = store;
    try {
      return createSqliteRepository(file);
    } catch (error) {
      throw new VerdictError(`cannot open the SQLite store at ${file}: ${whySqliteCannotOpen(file, error)}`, { cause: error });
    }
  }
  let module: { createPostgresRepository?: (url: string, options: { schema?: string }) => Promise<VerdictRepository> };
  try {
    module = (await import('./postgres-store.js')) as typeof module;
  } catch (error) {
    throw new ConfigError('store.kind is postgres but the PostgreSQL store could not be loaded; install the pg package (npm install pg)', { cause: error });
  }
  if (!module.createPostgresRepository) throw new ConfigError('store.kind postgres is not available in this build');
  return module.createPostgresRepository(store.url, store.schema === undefined ? {} : { schema: store.schema });
}

/** The user's side of a failed open: a folder where the file should be, a read-only folder, or the driver's own words. */
function whySqliteCannotOpen(file: string, error: unknown): string {
  if (existsSync(file) && statSync(file).isDirectory()) return 'that path is a folder, not a database file: remove it, or set store.path to a file';
  let folder = path.dirname(file);
  while (!existsSync(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder);
  try {
    accessSync(folder, constants.W_OK);
  } catch (access) {
    const code = (access as NodeJS.ErrnoException).code;
    return `the folder ${folder} is ${code === 'EROFS' ? 'on a read-only file system' : 'not writable'} (${code}): point VERDICT_HOME (or store.path) at a writable folder`;
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') return `the disk is full (${String(code)}): free space where the database lives`;
  if (code === 'SQLITE_READONLY' || code === 'EACCES' || code === 'EPERM') return `the database file is read-only (${String(code)}): make it writable`;
  if (code === 'SQLITE_NOTADB') return 'the file is not a Verdict (SQLite) database: point store.path at another file';
  return `${(error as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`;
}
