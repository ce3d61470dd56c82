import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Suppression } from '../spec/suppression.js';
import type { TriageResult } from '../spec/result.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { DEFAULT_NAMESPACE, isEmptyDelta, type StateDelta } from '../pipeline/triage-state.js';
import { MAX_RECORD_BYTES } from './paging.js';
import { buildApprovalListQuery, buildVerdictListQuery, SQL, toPage } from './queries.js';
import type { VerdictPage, VerdictQuery, VerdictRepository } from './repository.js';
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
  verdictParameters,
  entityRows,
  lapsedBefore,
  resultsById,
} from './row-mapping.js';
import { createInThreadWriter, createWorkerWriter, STATE_CONFLICT_CODE, type WriteStatement } from './sqlite-writer.js';
import { StateConflictError } from './store-errors.js';

type Row = Record<string, unknown>;

/** The statements that apply a triage-state delta (deletes first; a key is never in both lists). */
function stateStatements(state: StateDelta | undefined): WriteStatement[] {
  const namespace = state?.namespace ?? DEFAULT_NAMESPACE;
  const version = versionStatement(namespace, state?.baseVersion);
  if (isEmptyDelta(state)) return [version];
  return [
    version,
    { sql: SQL.deleteState, rows: state!.deletes.map((row) => [namespace, row.part, row.key]) },
    { sql: SQL.upsertState, rows: state!.upserts.map((row) => [namespace, row.part, row.key, row.body]) },
  ];
}

/** The namespace's version goes up by one: compare-and-set against `baseVersion` when given. */
function versionStatement(namespace: string, baseVersion: number | undefined): WriteStatement {
  return baseVersion === undefined ? { sql: SQL.bumpStateVersion, rows: [[namespace]] } : { sql: SQL.casStateVersion, rows: [[namespace, baseVersion + 1, baseVersion]], expectChanges: 1 };
}

const PAGE_SIZE_BYTES = 16_384;

/**
 * The embedded default store: one SQLite file (WAL mode), or `:memory:` for tests. Reads run on
 * this thread; writes on a worker thread with its own connection (see sqlite-writer.ts), which
 * WAL allows alongside readers. A write's promise resolves after its commit, so it reads back.
 */
export function createSqliteRepository(file: string): VerdictRepository {
  const isMemory = file === ':memory:';
  if (!isMemory) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  // A new database gets 16 KiB pages: a result body is about 3 kB, and with 4 KiB pages most
  // rows took a page each (the writer thread spent a quarter more CPU per alert, measured on the
  // batch bench). An existing database keeps the page size it was created with.
  db.pragma(`page_size = ${PAGE_SIZE_BYTES}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const writer = isMemory ? createInThreadWriter(db) : createWorkerWriter(file);
  const write = (...statements: WriteStatement[]) => writer.execute(statements);
  /** A write that carries a state version: a conflict names the namespace. */
  const writeState = (namespace: string | undefined, statements: WriteStatement[], after?: Promise<unknown>) =>
    writer.execute(statements, after ? { after } : undefined).catch((error: unknown) => {
      const isConflict = StateConflictError.isInstance(error) || (error as { code?: unknown } | null)?.code === STATE_CONFLICT_CODE;
      throw isConflict ? new StateConflictError(namespace ?? DEFAULT_NAMESPACE, { cause: error }) : error;
    });

  const selectResult = db.prepare<[string], { body: string }>('SELECT body FROM verdicts WHERE alert_id = ?');
  const selectResults = db.prepare<[string], { body: string }>('SELECT body FROM verdicts WHERE alert_id IN (SELECT value FROM json_each(?))');
  const selectByFingerprint = db.prepare<[string], { body: string; alert_id: string }>('SELECT body, alert_id FROM verdicts WHERE fingerprint = ? ORDER BY created_at LIMIT 1');
  const selectEntities = db.prepare<[string], { entity: string }>('SELECT entity FROM verdict_entities WHERE alert_id = ? ORDER BY entity');
  const selectStateVersion = db.prepare<[string], { version: number | bigint }>(SQL.selectStateVersion);
  const selectState = db.prepare<[string], { part: string; state_key: string; body: string }>(SQL.selectState);
  const selectToken = db.prepare<[string], Row>(SQL.selectToken);
  const selectApproval = db.prepare<[string], Row>(SQL.selectApproval);
  const all = (sql: string, ...parameters: unknown[]) => db.prepare(sql).all(...parameters) as Row[];

  return {
    kind: 'sqlite',
    async saveResults(items, state, options) {
      if (items.length === 0 && isEmptyDelta(state)) {
        await options?.after;
        return;
      }
      await writeState(
        state?.namespace,
        [
          { sql: SQL.upsertVerdict, rows: items.map(({ result }) => verdictParameters(result)) },
          { sql: SQL.insertEntity, rows: items.flatMap(({ result, entityKeys }) => entityRows(result.alertId, entityKeys)) },
          ...stateStatements(state),
        ],
        options?.after,
      );
    },
    async getResults(alertIds) {
      // A batch's ids in one statement (one index probe each), not one statement per id.
      return resultsById(selectResults.all(JSON.stringify(alertIds)));
    },
    async stateVersion(namespace = DEFAULT_NAMESPACE) {
      return Number(selectStateVersion.get(namespace)?.version ?? 0);
    },
    async loadState(namespace = DEFAULT_NAMESPACE) {
      return selectState.all(namespace).map((row) => ({ part: row.part, key: row.state_key, body: row.body }));
    },
    async getResult(alertId) {
      const row = selectResult.get(alertId);
      return row ? (JSON.parse(row.body) as TriageResult) : undefined;
    },
    async getResultByFingerprint(fingerprint) {
      const row = selectByFingerprint.get(fingerprint);
      if (!row) return undefined;
      return { result: JSON.parse(row.body) as TriageResult, entityKeys: selectEntities.all(row.alert_id).map((entity) => entity.entity) };
    },
    async getEntityKeys(alertId) {
      return selectEntities.all(alertId).map((row) => row.entity);
    },
    async listResults(query: VerdictQuery): Promise<VerdictPage> {
      const { sql, parameters } = buildVerdictListQuery(query);
      return toPage(
        all(sql, ...parameters),
        query.limit,
        (row) => ({ time: String(row.alert_time), id: String(row.alert_id) }),
        (row) => JSON.parse(String(row.body)) as TriageResult,
      );
    },
    async saveDisposition(disposition, state) {
      await writeState(state?.namespace, [{ sql: SQL.insertDisposition, rows: [dispositionParameters(disposition)] }, ...stateStatements(state)]);
    },
    async listDispositions() {
      return all('SELECT * FROM dispositions ORDER BY decided_at, id').map(dispositionFromRow);
    },
    async addSuppression(suppression) {
      await write({ sql: SQL.upsertSuppression, rows: [[suppression.name, JSON.stringify(suppression), suppression.expiresAt]] }, versionStatement(DEFAULT_NAMESPACE, undefined));
    },
    async listSuppressions() {
      return all('SELECT body FROM suppressions ORDER BY name').map((row) => JSON.parse(String(row.body)) as Suppression);
    },
    async removeSuppression(name) {
      const [changes] = await write({ sql: SQL.deleteSuppression, rows: [[name]] }, versionStatement(DEFAULT_NAMESPACE, undefined));
      return (changes ?? 0) > 0;
    },
    async addDeadLetter(deadLetter) {
      await write({
        sql: SQL.insertDeadLetter,
        rows: [[deadLetter.source, deadLetter.reason, JSON.stringify(deadLetter.issues), deadLetter.record.slice(0, MAX_RECORD_BYTES), deadLetter.createdAt]],
      });
    },
    async listDeadLetters(limit) {
      return all('SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?', limit).map(deadLetterFromRow);
    },
    async appendAudit(entry) {
      await write({ sql: SQL.insertAudit, rows: [[entry.time, entry.actor, entry.action, entry.target, entry.detail]] });
    },
    async listAudit(limit) {
      return all('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?', limit).map(auditFromRow);
    },
    async getCheckpoint(name) {
      const [row] = all('SELECT value FROM checkpoints WHERE name = ?', name);
      return row ? String(row.value) : undefined;
    },
    async setCheckpoint(name, value) {
      await write({ sql: SQL.upsertCheckpoint, rows: [[name, value, new Date().toISOString()]] });
    },
    async createToken(token) {
      await write({ sql: SQL.insertToken, rows: [tokenParameters(token)] });
    },
    async getToken(id) {
      const row = selectToken.get(id);
      return row ? tokenFromRow(row) : undefined;
    },
    async listTokens() {
      return all(SQL.listTokens).map(tokenFromRow);
    },
    async revokeToken(id, at) {
      const [changes] = await write({ sql: SQL.revokeToken, rows: [[at, id]] });
      return (changes ?? 0) > 0;
    },
    async touchToken(id, at) {
      await write({ sql: SQL.touchToken, rows: [[at, id]] });
    },
    async saveApprovals(approvals) {
      if (approvals.length > 0) await write({ sql: SQL.insertApproval, rows: approvals.map(approvalParameters) });
    },
    async getApproval(id) {
      const row = selectApproval.get(id);
      return row ? approvalFromRow(row) : undefined;
    },
    async listApprovals(query) {
      const { sql, parameters } = buildApprovalListQuery(query);
      return toPage(all(sql, ...parameters), query.limit, (row) => ({ time: String(row.created_at), id: String(row.id) }), approvalFromRow);
    },
    async decideApproval(id, decision) {
      const [changes] = await write({ sql: SQL.decideApproval, rows: [[decision.status, decision.decidedBy, decision.decidedAt, decision.comment ?? null, id]] });
      return (changes ?? 0) > 0;
    },
    async expireApprovals(now) {
      const [changes] = await write({ sql: SQL.expireApprovals, rows: [[now, now]] });
      return changes ?? 0;
    },
    async beginDelivery(entry) {
      await write({ sql: SQL.beginDelivery, rows: [[entry.key, entry.alertId, entry.target, entry.at, entry.claim ?? null, lapsedBefore(entry)]] });
      return deliveryFromRow(all(SQL.selectDelivery, entry.key)[0] ?? {});
    },
    async completeDelivery(key, at) {
      await write({ sql: SQL.completeDelivery, rows: [[at, key]] });
    },
    async getDelivery(key) {
      const [row] = all(SQL.selectDelivery, key);
      return row ? deliveryFromRow(row) : undefined;
    },
    async rememberSignature(signature, expiresAt, now) {
      const [, inserted] = await write({ sql: SQL.deleteExpiredSignatures, rows: [[now]] }, { sql: SQL.insertSignature, rows: [[signature, expiresAt]] });
      return (inserted ?? 0) > 0;
    },
    async claimRequest(entry) {
      const [, inserted] = await write(
        { sql: SQL.deleteExpiredRequests, rows: [[entry.createdAt]] },
        { sql: SQL.insertRequest, rows: [[entry.id, entry.owner, entry.requestHash, entry.createdAt, entry.expiresAt]] },
      );
      return { claimed: (inserted ?? 0) > 0, record: requestRecordFromRow(all(SQL.selectRequest, entry.id)[0] ?? {}) };
    },
    async completeRequest(id, answer) {
      await write({ sql: SQL.completeRequest, rows: [[answer.statusCode, answer.response, answer.completedAt, answer.expiresAt, id]] });
    },
    async releaseRequest(id) {
      await write({ sql: SQL.releaseRequest, rows: [[id]] });
    },
    async getRequest(id) {
      const [row] = all(SQL.selectRequest, id);
      return row ? requestRecordFromRow(row) : undefined;
    },
    async ping() {
      db.prepare('SELECT 1').get();
      await writer.execute([]);
    },
    async close() {
      await writer.close();
      db.close();
    },
  };
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migrationSql(migration.sql, 'sqlite'));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
    })();
  }
}
