import pg from 'pg';
import { VerdictError } from '../spec/errors.js';
import type { Suppression } from '../spec/suppression.js';
import type { TriageResult } from '../spec/result.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { DEFAULT_NAMESPACE, isEmptyDelta, type StateDelta } from '../pipeline/triage-state.js';
import { MAX_RECORD_BYTES } from './paging.js';
import { StateConflictError, toStoreUnavailable } from './store-errors.js';
import { chunks, insertResults, placeholders, ROWS_PER_STATEMENT } from './postgres-bulk.js';
import { APPROVAL_CONFLICT, buildApprovalListQuery, buildVerdictListQuery, SQL, toPage, toPostgresPlaceholders } from './queries.js';
import type { VerdictRepository } from './repository.js';
import {
  approvalFromRow,
  approvalParameters,
  auditFromRow,
  deadLetterFromRow,
  dispositionFromRow,
  deliveryFromRow,
  requestRecordFromRow,
  dispositionParameters,
  tokenFromRow,
  tokenParameters,
  withoutNul,
  lapsedBefore,
  resultsById,
} from './row-mapping.js';

/** Any key: migrations from several Verdict processes starting at once run one after another. */
const MIGRATION_LOCK_KEY = 7_316_001;

type Row = Record<string, unknown>;

/**
 * A pg client that a stray 'error' event can never take the process down with: a backend
 * terminated while the client is between owners (connecting, being handed out, being released)
 * emits 'error' where no pool or transaction listener is attached. Queries in flight still reject
 * with the error, and the pool drops the broken connection.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/**
 * The shared store: PostgreSQL through a connection pool (`store: {kind: postgres, url}`). Same
 * tables, migrations and semantics as the SQLite store; the shared repository suite holds both to it.
 */
export async function createPostgresRepository(url: string, options: { schema?: string } = {}): Promise<VerdictRepository> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new VerdictError(`store schema ${JSON.stringify(schema)} is not a plain lower-case identifier`);
  // With a schema (a tenant's, or store.schema) every connection's search_path is that schema alone.
  const pool = new pg.Pool({ connectionString: url, max: 10, Client: GuardedClient, ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}) });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end();
    throw new VerdictError(`could not open the PostgreSQL store at ${describeUrl(url)}: ${(error as Error).message}; check store.url and that the server is running`, { cause: error });
  }

  async function rows(sql: string, parameters: readonly unknown[] = []): Promise<Row[]> {
    return (await pool.query(toPostgresPlaceholders(sql), parameters as unknown[])).rows as Row[];
  }
  async function changes(sql: string, parameters: readonly unknown[]): Promise<number> {
    return (await pool.query(toPostgresPlaceholders(sql), parameters as unknown[])).rowCount ?? 0;
  }

  async function getEntityKeys(alertId: string): Promise<string[]> {
    return (await rows('SELECT entity FROM verdict_entities WHERE alert_id = ? ORDER BY entity', [alertId])).map((row) => String(row.entity));
  }

  return {
    kind: 'postgres',
    async saveResults(items, state, options) {
      await options?.after;
      if (items.length === 0 && isEmptyDelta(state)) return;
      await transaction(pool, async (client) => {
        await applyState(client, state);
        await insertResults(client, items);
      });
    },
    async getResult(alertId) {
      const [row] = await rows('SELECT body FROM verdicts WHERE alert_id = ?', [alertId]);
      return row ? (JSON.parse(String(row.body)) as TriageResult) : undefined;
    },
    async getResults(alertIds) {
      if (alertIds.length === 0) return new Map();
      return resultsById((await pool.query('SELECT body FROM verdicts WHERE alert_id = ANY($1::text[])', [alertIds])).rows as Row[]);
    },
    async stateVersion(namespace = DEFAULT_NAMESPACE) {
      const [row] = await rows(SQL.selectStateVersion, [namespace]);
      return row ? Number(row.version) : 0;
    },
    async loadState(namespace = DEFAULT_NAMESPACE) {
      return (await rows(SQL.selectState, [namespace])).map((row) => ({ part: String(row.part), key: String(row.state_key), body: String(row.body) }));
    },
    async getResultByFingerprint(fingerprint) {
      const [row] = await rows('SELECT body, alert_id FROM verdicts WHERE fingerprint = ? ORDER BY created_at LIMIT 1', [fingerprint]);
      if (!row) return undefined;
      return { result: JSON.parse(String(row.body)) as TriageResult, entityKeys: await getEntityKeys(String(row.alert_id)) };
    },
    getEntityKeys,
    async listResults(query) {
      const { sql, parameters } = buildVerdictListQuery(query);
      const found = await rows(sql, parameters);
      return toPage(
        found,
        query.limit,
        (row) => ({ time: String(row.alert_time), id: String(row.alert_id) }),
        (row) => JSON.parse(String(row.body)) as TriageResult,
      );
    },
    async saveDisposition(disposition, state) {
      await transaction(pool, async (client) => {
        await client.query(toPostgresPlaceholders(SQL.insertDisposition), dispositionParameters(disposition) as unknown[]);
        await applyState(client, state);
      });
    },
    async listDispositions() {
      return (await rows('SELECT * FROM dispositions ORDER BY decided_at, id')).map(dispositionFromRow);
    },
    async addSuppression(suppression) {
      await transaction(pool, async (client) => {
        await client.query(toPostgresPlaceholders(SQL.upsertSuppression), [suppression.name, JSON.stringify(suppression), suppression.expiresAt]);
        await bumpVersion(client, DEFAULT_NAMESPACE, undefined);
      });
    },
    async listSuppressions() {
      return (await rows('SELECT body FROM suppressions ORDER BY name')).map((row) => JSON.parse(String(row.body)) as Suppression);
    },
    async removeSuppression(name) {
      let removed = false;
      await transaction(pool, async (client) => {
        removed = ((await client.query(toPostgresPlaceholders(SQL.deleteSuppression), [name])).rowCount ?? 0) > 0;
        await bumpVersion(client, DEFAULT_NAMESPACE, undefined);
      });
      return removed;
    },
    async addDeadLetter(deadLetter) {
      await changes(SQL.insertDeadLetter, [
        deadLetter.source,
        withoutNul(deadLetter.reason),
        withoutNul(JSON.stringify(deadLetter.issues)),
        withoutNul(deadLetter.record.slice(0, MAX_RECORD_BYTES)),
        deadLetter.createdAt,
      ]);
    },
    async listDeadLetters(limit) {
      return (await rows('SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?', [limit])).map(deadLetterFromRow);
    },
    async appendAudit(entry) {
      await changes(SQL.insertAudit, [entry.time, withoutNul(entry.actor), entry.action, withoutNul(entry.target), withoutNul(entry.detail)]);
    },
    async listAudit(limit) {
      return (await rows('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', [limit])).map(auditFromRow);
    },
    async getCheckpoint(name) {
      const [row] = await rows('SELECT value FROM checkpoints WHERE name = ?', [name]);
      return row ? String(row.value) : undefined;
    },
    async setCheckpoint(name, value) {
      await changes(SQL.upsertCheckpoint, [name, value, new Date().toISOString()]);
    },
    async createToken(token) {
      await changes(SQL.insertToken, tokenParameters(token));
    },
    async getToken(id) {
      const [row] = await rows(SQL.selectToken, [id]);
      return row ? tokenFromRow(row) : undefined;
    },
    async listTokens() {
      return (await rows(SQL.listTokens)).map(tokenFromRow);
    },
    async revokeToken(id, at) {
      return (await changes(SQL.revokeToken, [at, id])) > 0;
    },
    async touchToken(id, at) {
      await changes(SQL.touchToken, [at, id]);
    },
    async saveApprovals(approvals) {
      if (approvals.length === 0) return;
      await transaction(pool, async (client) => {
        for (const chunk of chunks(approvals, ROWS_PER_STATEMENT)) {
          await client.query(
            `INSERT INTO approvals (id, alert_id, action, requested_by, created_at, expires_at, status, decided_by, decided_at, comment)
             VALUES ${placeholders(chunk.length, 10)} ${APPROVAL_CONFLICT}`,
            chunk.flatMap(approvalParameters),
          );
        }
      });
    },
    async getApproval(id) {
      const [row] = await rows(SQL.selectApproval, [id]);
      return row ? approvalFromRow(row) : undefined;
    },
    async listApprovals(query) {
      const { sql, parameters } = buildApprovalListQuery(query);
      return toPage(await rows(sql, parameters), query.limit, (row) => ({ time: String(row.created_at), id: String(row.id) }), approvalFromRow);
    },
    async decideApproval(id, decision) {
      return (await changes(SQL.decideApproval, [decision.status, decision.decidedBy, decision.decidedAt, decision.comment ?? null, id])) > 0;
    },
    async expireApprovals(now) {
      return changes(SQL.expireApprovals, [now, now]);
    },
    async beginDelivery(entry) {
      await changes(SQL.beginDelivery, [entry.key, entry.alertId, entry.target, entry.at, entry.claim ?? null, lapsedBefore(entry)]);
      return deliveryFromRow((await rows(SQL.selectDelivery, [entry.key]))[0] ?? {});
    },
    async completeDelivery(key, at) {
      await changes(SQL.completeDelivery, [at, key]);
    },
    async getDelivery(key) {
      const [row] = await rows(SQL.selectDelivery, [key]);
      return row ? deliveryFromRow(row) : undefined;
    },
    async rememberSignature(signature, expiresAt, now) {
      await changes(SQL.deleteExpiredSignatures, [now]);
      return (await changes(SQL.insertSignature, [signature, expiresAt])) > 0;
    },
    async claimRequest(entry) {
      await changes(SQL.deleteExpiredRequests, [entry.createdAt]);
      const inserted = await changes(SQL.insertRequest, [entry.id, entry.owner, entry.requestHash, entry.createdAt, entry.expiresAt]);
      return { claimed: inserted > 0, record: requestRecordFromRow((await rows(SQL.selectRequest, [entry.id]))[0] ?? {}) };
    },
    async completeRequest(id, answer) {
      await changes(SQL.completeRequest, [answer.statusCode, answer.response, answer.completedAt, answer.expiresAt, id]);
    },
    async releaseRequest(id) {
      await changes(SQL.releaseRequest, [id]);
    },
    async getRequest(id) {
      const [row] = await rows(SQL.selectRequest, [id]);
      return row ? requestRecordFromRow(row) : undefined;
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}

async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
  await transaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Under the lock, so workers opening a new tenant's store at once cannot race to create it.
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migrationSql(migration.sql, 'postgres'));
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, new Date().toISOString()]);
    }
  });
}

/** Applies a triage-state delta inside a transaction: one statement for the deletes, one for the upserts. */
async function applyState(client: pg.PoolClient, state: StateDelta | undefined): Promise<void> {
  const namespace = state?.namespace ?? DEFAULT_NAMESPACE;
  await bumpVersion(client, namespace, state?.baseVersion);
  if (isEmptyDelta(state)) return;
  if (state!.deletes.length > 0) {
    await client.query('DELETE FROM triage_state WHERE namespace = $1 AND (part, state_key) IN (SELECT * FROM unnest($2::text[], $3::text[]))', [
      namespace,
      state!.deletes.map((row) => row.part),
      state!.deletes.map((row) => row.key),
    ]);
  }
  if (state!.upserts.length > 0) {
    await client.query(
      `INSERT INTO triage_state (namespace, part, state_key, body) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
        ON CONFLICT (namespace, part, state_key) DO UPDATE SET body = excluded.body`,
      [namespace, state!.upserts.map((row) => row.part), state!.upserts.map((row) => row.key), state!.upserts.map((row) => row.body)],
    );
  }
}

/** The namespace's version goes up by one; compare-and-set against `baseVersion` when given. */
async function bumpVersion(client: pg.PoolClient, namespace: string, baseVersion: number | undefined): Promise<void> {
  if (baseVersion === undefined) {
    await client.query(toPostgresPlaceholders(SQL.bumpStateVersion), [namespace]);
    return;
  }
  const outcome = await client.query(toPostgresPlaceholders(SQL.casStateVersion), [namespace, baseVersion + 1, baseVersion]);
  if (outcome.rowCount !== 1) throw new StateConflictError(namespace);
}

async function transaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  // pool.on('error') covers idle clients only: a checked-out client whose server goes away (a
  // restart, a terminated backend) emits 'error', and with no listener that kills the process.
  // The failed query rejects on its own; the connection is dropped on release, not reused.
  let connectionError: Error | undefined;
  const onError = (error: Error): void => {
    connectionError = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    if (!connectionError && toStoreUnavailable(error, 'postgres') && error instanceof Error) connectionError = error;
    if (!connectionError) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onError);
    // A lost connection is destroyed on release; its socket may still report errors after that.
    if (connectionError) client.on('error', ignoreLateError);
    client.release(connectionError);
  }
}

function ignoreLateError(): void {
  // The transaction that used this connection has already failed with the error that matters.
}

/** host:port/database only: the URL may carry a password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return '(unparsable store.url)';
  }
}
