import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Suppression } from '../spec/suppression.js';
import type { TriageResult } from '../spec/result.js';
import { MIGRATIONS, migrationSql } from './migrations.js';
import { decodeCursor, encodeCursor, MAX_RECORD_BYTES } from './paging.js';
import type { AuditEntry, DeadLetter, StoredDisposition, StoredResult, VerdictPage, VerdictQuery, VerdictRepository } from './repository.js';

/** The embedded default store: one SQLite file (WAL mode), or `:memory:` for tests. */
export function createSqliteRepository(file: string): VerdictRepository {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);

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
  const selectEntities = db.prepare<[string], { entity: string }>('SELECT entity FROM verdict_entities WHERE alert_id = ?');

  return {
    kind: 'sqlite',
    async saveResults(items) {
      saveMany(items);
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
      const where: string[] = [];
      const parameters: unknown[] = [];
      if (query.rule) {
        where.push('v.rule_name = ?');
        parameters.push(query.rule);
      }
      if (query.verdict) {
        where.push('v.verdict = ?');
        parameters.push(query.verdict);
      }
      if (query.since) {
        where.push('v.alert_time >= ?');
        parameters.push(query.since);
      }
      if (query.entity) {
        where.push('v.alert_id IN (SELECT alert_id FROM verdict_entities WHERE entity = ?)');
        parameters.push(query.entity.toLowerCase());
      }
      const cursor = decodeCursor(query.cursor);
      if (cursor) {
        where.push('(v.alert_time < ? OR (v.alert_time = ? AND v.alert_id < ?))');
        parameters.push(cursor.time, cursor.time, cursor.id);
      }
      const sql = `SELECT v.body, v.alert_time, v.alert_id FROM verdicts v ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY v.alert_time DESC, v.alert_id DESC LIMIT ?`;
      const rows = db.prepare(sql).all(...parameters, query.limit + 1) as Array<{ body: string; alert_time: string; alert_id: string }>;
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((row) => JSON.parse(row.body) as TriageResult),
        nextCursor: rows.length > query.limit && last ? encodeCursor(last.alert_time, last.alert_id) : undefined,
      };
    },
    async saveDisposition(disposition: StoredDisposition) {
      const id = createHash('sha256')
        .update(`${disposition.alertId ?? ''}|${disposition.fingerprint ?? ''}|${disposition.analyst}|${disposition.time}|${disposition.verdict}`)
        .digest('hex')
        .slice(0, 24);
      db.prepare(
        `INSERT OR IGNORE INTO dispositions (id, alert_id, fingerprint, rule_name, entity_keys, verdict, analyst, decided_at, note, platform)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, disposition.alertId ?? null, disposition.fingerprint ?? null, disposition.ruleName, JSON.stringify(disposition.entityKeys), disposition.verdict, disposition.analyst, disposition.time, disposition.note ?? null, disposition.platform ?? null);
    },
    async listDispositions() {
      const rows = db.prepare('SELECT * FROM dispositions ORDER BY decided_at').all() as Array<Record<string, string | null>>;
      return rows.map((row) => ({
        alertId: row.alert_id ?? undefined,
        fingerprint: row.fingerprint ?? undefined,
        ruleName: row.rule_name ?? '',
        entityKeys: JSON.parse(row.entity_keys ?? '[]') as string[],
        verdict: row.verdict as StoredDisposition['verdict'],
        analyst: row.analyst ?? 'unknown',
        time: row.decided_at ?? '',
        note: row.note ?? undefined,
        platform: row.platform ?? undefined,
      }));
    },
    async addSuppression(suppression: Suppression) {
      db.prepare('INSERT INTO suppressions (name, body, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at')
        .run(suppression.name, JSON.stringify(suppression), suppression.expiresAt);
    },
    async listSuppressions() {
      return (db.prepare('SELECT body FROM suppressions ORDER BY name').all() as Array<{ body: string }>).map((row) => JSON.parse(row.body) as Suppression);
    },
    async removeSuppression(name) {
      return db.prepare('DELETE FROM suppressions WHERE name = ?').run(name).changes > 0;
    },
    async addDeadLetter(deadLetter: DeadLetter) {
      db.prepare('INSERT INTO dead_letters (source, reason, issues, record, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(deadLetter.source, deadLetter.reason, JSON.stringify(deadLetter.issues), deadLetter.record.slice(0, MAX_RECORD_BYTES), deadLetter.createdAt);
    },
    async listDeadLetters(limit) {
      const rows = db.prepare('SELECT * FROM dead_letters ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, string | number>>;
      return rows.map((row) => ({
        id: Number(row.id),
        source: String(row.source),
        reason: String(row.reason),
        issues: JSON.parse(String(row.issues)) as DeadLetter['issues'],
        record: String(row.record),
        createdAt: String(row.created_at),
      }));
    },
    async appendAudit(entry: AuditEntry) {
      db.prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)').run(entry.time, entry.actor, entry.action, entry.target, entry.detail);
    },
    async listAudit(limit) {
      const rows = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Array<Record<string, string | number>>;
      return rows.map((row) => ({ id: Number(row.id), time: String(row.at), actor: String(row.actor), action: String(row.action), target: String(row.target), detail: String(row.detail) }));
    },
    async getCheckpoint(name) {
      const row = db.prepare('SELECT value FROM checkpoints WHERE name = ?').get(name) as { value: string } | undefined;
      return row?.value;
    },
    async setCheckpoint(name, value) {
      db.prepare('INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
        .run(name, value, new Date().toISOString());
    },
    async close() {
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
