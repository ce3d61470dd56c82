import { VerdictError } from '../spec/errors.js';
import type { VerdictRepository } from './repository.js';

/** What a client is told to wait (Retry-After, seconds) while the store is unavailable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/**
 * The store cannot be reached or cannot write right now (database down or restarting, disk full,
 * file locked): not the request's fault and not a bug. The server answers 503 with Retry-After;
 * the connector retries next cycle. The message names the cause and the fix.
 */
export class StoreUnavailableError extends VerdictError {
  readonly retryAfterSeconds: number;

  constructor(message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause, isRetryable: true });
    this.name = 'StoreUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? STORE_RETRY_AFTER_SECONDS;
  }

  /** Works across bundled copies of this module, like VerdictError.isInstance. */
  static override isInstance(error: unknown): error is StoreUnavailableError {
    return VerdictError.isInstance(error) && error.name === 'StoreUnavailableError';
  }
}

/**
 * The triage state changed in another process since this one loaded it (another worker, a second
 * CLI run): the write rolled back whole. Reload the state from the store and run the batch again.
 */
export class StateConflictError extends VerdictError {
  constructor(namespace: string, options: { cause?: unknown } = {}) {
    super(`the triage state of "${namespace}" was changed by another process since this one loaded it; nothing was written — reload the state and run the batch again (a worker does this by itself)`, {
      cause: options.cause,
      isRetryable: true,
    });
    this.name = 'StateConflictError';
  }

  static override isInstance(error: unknown): error is StateConflictError {
    return VerdictError.isInstance(error) && error.name === 'StateConflictError';
  }
}

/** Node socket errors: the database server is not there. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** node-postgres raises these as plain Errors, without a code. */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|not queryable|Client was closed|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * SQLSTATEs (PostgreSQL Appendix A) that mean "not now" rather than "never": class 08 connection
 * exceptions, 57P01–57P03 (shutdown / cannot connect now), class 53 insufficient resources (disk
 * full 53100, out of memory 53200, too many connections 53300).
 */
function isTransientSqlState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code === '57P01' || code === '57P02' || code === '57P03';
}

/** SQLite result codes for a full disk, an I/O failure or a lock that outlasted busy_timeout. */
const SQLITE_TRANSIENT = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|PROTOCOL)/;

/** The transient store failure this error is, or undefined when it is something else. */
export function toStoreUnavailable(error: unknown, store: 'sqlite' | 'postgres'): StoreUnavailableError | undefined {
  if (StoreUnavailableError.isInstance(error)) return error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  const message = error instanceof Error ? error.message : String(error);
  if (store === 'postgres') {
    if (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isTransientSqlState(code)) || PG_CONNECTION_MESSAGES.test(message)) {
      return new StoreUnavailableError(`the PostgreSQL store is unavailable (${code || message}); it is retried by itself — check that the database server is running and reachable`, { cause: error });
    }
    return undefined;
  }
  if (SQLITE_TRANSIENT.test(code)) {
    const cause = code.startsWith('SQLITE_FULL')
      ? 'the disk is full: free space where the database lives'
      : code.startsWith('SQLITE_IOERR')
        ? 'a disk I/O error: check the disk and free space'
        : 'the database is locked by another process';
    return new StoreUnavailableError(`the SQLite store cannot write now (${code}: ${cause}); writes resume by themselves once that is fixed`, { cause: error });
  }
  return undefined;
}

/**
 * The repository with every failure that means "store unavailable" raised as StoreUnavailableError,
 * so each caller (server, connector, CLI) can answer it the same way without knowing the driver.
 */
export function withStoreErrors(repository: VerdictRepository): VerdictRepository {
  const store = repository.kind;
  const guarded: Record<string, unknown> = { kind: store };
  for (const name of Object.keys(repository) as Array<keyof VerdictRepository>) {
    const member = repository[name];
    if (typeof member !== 'function') continue;
    guarded[name] = async (...parameters: unknown[]) => {
      try {
        return await (member as (...values: unknown[]) => Promise<unknown>).apply(repository, parameters);
      } catch (error) {
        throw toStoreUnavailable(error, store) ?? error;
      }
    };
  }
  return guarded as unknown as VerdictRepository;
}
