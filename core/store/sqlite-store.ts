import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Suppression } from '../spec/suppression.js';
import type { TriageResult } from '../spec/result.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { createGroupCommit } from './sqlite-group-commit.js';
import { MAX_RECORD_BYTES } from './paging.js';
import { buildApprovalListQuery, buildVerdictListQuery, SQL, toPage } from './queries.js';
import type { Approval, AuditEntry, DeadLetter, StoredDisposition, StoredResult, VerdictPage, VerdictQuery, VerdictRepository } from './repository.js';
import {
  approvalFromRow,
  approvalParameters,
  auditFromRow,
  deadLetterFromRow,
  dispositionFromRow,
  dispositionParameters,
  tokenFromRow,
  tokenParameters,
} from './row-mapping.js';

/** The embedded default store: one SQLite file (WAL mode), or `:memory:` for tests. */
export function createSqliteRepository(file: string): VerdictRepository {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  const write = createGroupCommit(db);

  const insertVerdict = db.prepare(
    `INSERT INTO verdicts (alert_id, fingerprint, rule_name, platform, verdict, confidence, probability, alert_time, created_at, duplicate_of, body)
     VALUES (@alertId, @fingerprint, @ruleName, @platform, @verdict, @confidence, @probability, @alertTime, @createdAt, @duplicateOf, @body)
     ON CONFLICT (alert_id) DO UPDATE SET fingerprint = excluded.fingerprint, rule_name = excluded.rule_name, platform = excluded.platform,
       verdict = excluded.verdict, confidence = excluded.confidence, probability = excluded.probability, alert_time = excluded.alert_time,
       created_at = excluded.created_at, duplicate_of = excluded.duplicate_of, body = excluded.body`,
  );
  const insertEntity = db.prepare('INSERT OR IGNORE INTO verdict_entities (alert_id, entity) VALUES (?, ?)');
  const saveMany = db.transaction((items: readonly StoredResult[]) => {
    for (const { result, entityKeys } of items) {
      insertVerdict.run({
        alertId: result.alertId,
        fingerprint: result.fingerprint,
        ruleName: result.ruleName,
        platform: result.platform,
        verdict: result.verdict,
        confidence: result.confidence,
        probability: result.probabilityMalicious,
        alertTime: result.alertTime,
        createdAt: result.createdAt,
        duplicateOf: result.duplicateOf ?? null,
        body: JSON.stringify(result),
      });
      for (const key of entityKeys) insertEntity.run(result.alertId, key.toLowerCase());
    }
  });
  const selectResult = db.prepare<[string], { body: string }>('SELECT body FROM verdicts WHERE alert_id = ?');
  const selectByFingerprint = db.prepare<[string], { body: string; alert_id: string }>(
    'SELECT body, alert_id FROM verdicts WHERE fingerprint = ? ORDER BY created_at LIMIT 1',
  );
  const selectEntities = db.prepare<[string], { entity: string }>('SELECT entity FROM verdict_entities WHERE alert_id = ? ORDER BY entity');
  const insertDisposition = db.prepare(SQL.insertDisposition);
  const selectToken = db.prepare(SQL.selectToken);
  const insertApproval = db.prepare(SQL.insertApproval);
  const insertAudit = db.prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)');
  const saveApprovalsMany = db.transaction((approvals: readonly Approval[]) => {
    for (const approval of approvals) insertApproval.run(...approvalParameters(approval));
  });

  return {
    kind: 'sqlite',
    async saveResults(items) {
      if (items.length > 0) await write(() => saveMany(items));
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
      const rows = db.prepare(sql).all(...parameters) as Array<{ body: string; alert_time: string; alert_id: string }>;
      return toPage(rows, query.limit, (row) => ({ time: row.alert_time, id: row.alert_id }), (row) => JSON.parse(row.body) as TriageResult);
    },
    async saveDisposition(disposition: StoredDisposition) {
      await write(() => insertDisposition.run(...dispositionParameters(disposition)));
    },
    async listDispositions() {
      return (db.prepare('SELECT * FROM dispositions ORDER BY decided_at, id').all() as Array<Record<string, unknown>>).map(dispositionFromRow);
    },
    async addSuppression(suppression: Suppression) {
      await write(() =>
        db.prepare('INSERT INTO suppressions (name, body, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at')
          .run(suppression.name, JSON.stringify(suppression), suppression.expiresAt));
    },
    async listSuppressions() {
      return (db.prepare('SELECT body FROM suppressions ORDER BY name').all() as Array<{ body: string }>).map((row) => JSON.parse(row.body) as Suppression);
    },
    async removeSuppression(name) {
      return write(() => db.prepare('DELETE FROM suppressions WHERE name = ?').run(name).changes > 0);
    },
    async addDeadLetter(deadLetter: DeadLetter) {
      await write(() =>
        db.prepare('INSERT INTO dead_letters (source, reason, issues, record, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(deadLetter.source, deadLetter.reason, JSON.stringify(deadLetter.issues), deadLetter.record.slice(0, MAX_RECORD_BYTES), deadLetter.createdAt));
    },
    async listDeadLetters(limit) {
      return (db.prepare('SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>).map(deadLetterFromRow);
    },
    async appendAudit(entry: AuditEntry) {
      await write(() => insertAudit.run(entry.time, entry.actor, entry.action, entry.target, entry.detail));
    },
    async listAudit(limit) {
      return (db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>).map(auditFromRow);
    },
    async getCheckpoint(name) {
      const row = db.prepare('SELECT value FROM checkpoints WHERE name = ?').get(name) as { value: string } | undefined;
      return row?.value;
    },
    async setCheckpoint(name, value) {
      await write(() =>
        db.prepare('INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
          .run(name, value, new Date().toISOString()));
    },
    async createToken(token) {
      await write(() => db.prepare(SQL.insertToken).run(...tokenParameters(token)));
    },
    async getToken(id) {
      const row = selectToken.get(id) as Record<string, unknown> | undefined;
      return row ? tokenFromRow(row) : undefined;
    },
    async listTokens() {
      return (db.prepare(SQL.listTokens).all() as Array<Record<string, unknown>>).map(tokenFromRow);
    },
    async revokeToken(id, at) {
      return write(() => db.prepare(SQL.revokeToken).run(at, id).changes > 0);
    },
    async touchToken(id, at) {
      await write(() => db.prepare(SQL.touchToken).run(at, id));
    },
    async saveApprovals(approvals) {
      if (approvals.length > 0) await write(() => saveApprovalsMany(approvals));
    },
    async getApproval(id) {
      const row = db.prepare(SQL.selectApproval).get(id) as Record<string, unknown> | undefined;
      return row ? approvalFromRow(row) : undefined;
    },
    async listApprovals(query) {
      const { sql, parameters } = buildApprovalListQuery(query);
      const rows = db.prepare(sql).all(...parameters) as Array<Record<string, unknown>>;
      return toPage(rows, query.limit, (row) => ({ time: String(row.created_at), id: String(row.id) }), approvalFromRow);
    },
    async decideApproval(id, decision) {
      return write(() => db.prepare(SQL.decideApproval).run(decision.status, decision.decidedBy, decision.decidedAt, decision.comment ?? null, id).changes > 0);
    },
    async expireApprovals(now) {
      return write(() => db.prepare(SQL.expireApprovals).run(now, now).changes);
    },
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      // Queued after every pending write, so it resolves once they are committed.
      await write(() => undefined);
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
