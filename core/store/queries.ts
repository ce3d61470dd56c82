import { decodeCursor, encodeCursor } from './paging.js';
import type { ApprovalQuery, VerdictQuery } from './repository.js';

/**
 * SQL both stores run, written once with `?` placeholders (PostgreSQL numbers them with
 * `toPostgresPlaceholders`). Only statements the two dialects spell the same way live here.
 */
/** Shared by both stores' approval inserts (PostgreSQL's is multi-row). */
export const APPROVAL_CONFLICT = `ON CONFLICT (id) DO UPDATE SET requested_by = excluded.requested_by, created_at = excluded.created_at, expires_at = excluded.expires_at,
      status = 'pending', decided_by = NULL, decided_at = NULL, comment = NULL
      WHERE approvals.status = 'expired' OR (approvals.status = 'pending' AND approvals.expires_at <= excluded.created_at)`;

export const SQL = {
  upsertVerdict: `INSERT INTO verdicts (alert_id, fingerprint, rule_name, platform, verdict, confidence, probability, alert_time, created_at, duplicate_of, body)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (alert_id) DO UPDATE SET fingerprint = excluded.fingerprint, rule_name = excluded.rule_name, platform = excluded.platform,
      verdict = excluded.verdict, confidence = excluded.confidence, probability = excluded.probability, alert_time = excluded.alert_time,
      created_at = excluded.created_at, duplicate_of = excluded.duplicate_of, body = excluded.body`,
  // Triage state rows (context window, duplicate cache, open second, calibration), per namespace.
  upsertState: 'INSERT INTO triage_state (namespace, part, state_key, body) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, part, state_key) DO UPDATE SET body = excluded.body',
  deleteState: 'DELETE FROM triage_state WHERE namespace = ? AND part = ? AND state_key = ?',
  selectState: 'SELECT part, state_key, body FROM triage_state WHERE namespace = ? ORDER BY part, state_key',
  selectStateVersion: 'SELECT version FROM state_versions WHERE namespace = ?',
  // Compare-and-set: parameters (namespace, base + 1, base); changes one row only when the stored
  // version is `base` (or there is none and base is 0).
  casStateVersion: 'INSERT INTO state_versions (namespace, version) VALUES (?, ?) ON CONFLICT (namespace) DO UPDATE SET version = excluded.version WHERE state_versions.version = ?',
  bumpStateVersion: 'INSERT INTO state_versions (namespace, version) VALUES (?, 1) ON CONFLICT (namespace) DO UPDATE SET version = state_versions.version + 1',
  insertEntity: 'INSERT INTO verdict_entities (alert_id, entity) VALUES (?, ?) ON CONFLICT DO NOTHING',
  upsertSuppression: 'INSERT INTO suppressions (name, body, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at',
  deleteSuppression: 'DELETE FROM suppressions WHERE name = ?',
  insertDeadLetter: 'INSERT INTO dead_letters (source, reason, issues, record, created_at) VALUES (?, ?, ?, ?, ?)',
  insertAudit: 'INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
  upsertCheckpoint: 'INSERT INTO checkpoints (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  insertDisposition: `INSERT INTO dispositions (id, alert_id, fingerprint, rule_name, entity_keys, verdict, analyst, decided_at, note, platform)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  insertToken: `INSERT INTO api_tokens (id, name, scopes, secret_hash, created_at, expires_at, revoked_at, last_used_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  selectToken: 'SELECT * FROM api_tokens WHERE id = ?',
  listTokens: 'SELECT * FROM api_tokens ORDER BY created_at, id',
  revokeToken: 'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
  touchToken: 'UPDATE api_tokens SET last_used_at = ? WHERE id = ?',
  // An approval that expired (or is past its expiry, not yet swept) is requested again; a decided one never reopens.
  insertApproval: `INSERT INTO approvals (id, alert_id, action, requested_by, created_at, expires_at, status, decided_by, decided_at, comment)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${APPROVAL_CONFLICT}`,
  selectApproval: 'SELECT * FROM approvals WHERE id = ?',
  // The status guard makes a decision atomic: of two concurrent deciders exactly one wins.
  decideApproval: `UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, comment = ? WHERE id = ? AND status = 'pending'`,
  expireApprovals: `UPDATE approvals SET status = 'expired', decided_at = ? WHERE status = 'pending' AND expires_at <= ?`,
  // A done delivery is never reopened; a pending one (an attempt that crashed) counts another attempt.
  // Parameters (key, alert id, target, at, claim, lapsed-before): a new key is claimed; a pending
  // one is taken over only when its claim started before `lapsed-before` (the holder died or
  // gave up); a done one is left as it is.
  beginDelivery: `INSERT INTO deliveries (delivery_key, alert_id, target, state, attempts, started_at, done_at, claim) VALUES (?, ?, ?, 'pending', 1, ?, NULL, ?)
    ON CONFLICT (delivery_key) DO UPDATE SET attempts = deliveries.attempts + 1, started_at = excluded.started_at, claim = excluded.claim
    WHERE deliveries.state = 'pending' AND deliveries.started_at < ?`,
  completeDelivery: `UPDATE deliveries SET state = 'done', done_at = ? WHERE delivery_key = ?`,
  selectDelivery: 'SELECT * FROM deliveries WHERE delivery_key = ?',
  deleteExpiredSignatures: 'DELETE FROM seen_signatures WHERE expires_at <= ?',
  insertSignature: 'INSERT INTO seen_signatures (signature, expires_at) VALUES (?, ?) ON CONFLICT (signature) DO NOTHING',
  // Idempotency keys and async jobs: the first claim wins; an expired record no longer holds its id.
  deleteExpiredRequests: 'DELETE FROM request_records WHERE expires_at <= ?',
  insertRequest: `INSERT INTO request_records (id, owner, request_hash, state, status_code, response, created_at, expires_at, completed_at)
    VALUES (?, ?, ?, 'pending', NULL, NULL, ?, ?, NULL) ON CONFLICT (id) DO NOTHING`,
  completeRequest: `UPDATE request_records SET state = 'done', status_code = ?, response = ?, completed_at = ?, expires_at = ? WHERE id = ?`,
  releaseRequest: `DELETE FROM request_records WHERE id = ? AND state = 'pending'`,
  selectRequest: 'SELECT * FROM request_records WHERE id = ?',
} as const;

export interface BuiltQuery {
  sql: string;
  parameters: unknown[];
}

/** Newest verdicts first, keyset-paged over (alert_time, alert_id); fetches one extra row to know if a next page exists. */
export function buildVerdictListQuery(query: VerdictQuery): BuiltQuery {
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
  return { sql, parameters: [...parameters, query.limit + 1] };
}

/** Newest approvals first, keyset-paged over (created_at, id). */
export function buildApprovalListQuery(query: ApprovalQuery): BuiltQuery {
  const where: string[] = [];
  const parameters: unknown[] = [];
  if (query.status) {
    where.push('status = ?');
    parameters.push(query.status);
  }
  if (query.alertId) {
    where.push('alert_id = ?');
    parameters.push(query.alertId);
  }
  const cursor = decodeCursor(query.cursor);
  if (cursor) {
    where.push('(created_at < ? OR (created_at = ? AND id < ?))');
    parameters.push(cursor.time, cursor.time, cursor.id);
  }
  const sql = `SELECT * FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
  return { sql, parameters: [...parameters, query.limit + 1] };
}

/** Cuts the extra row off a `limit + 1` fetch and turns the last kept row into the next cursor. */
export function toPage<Row, Item>(rows: readonly Row[], limit: number, key: (row: Row) => { time: string; id: string }, map: (row: Row) => Item): { items: Item[]; nextCursor: string | undefined } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const lastKey = last === undefined ? undefined : key(last);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit && lastKey ? encodeCursor(lastKey.time, lastKey.id) : undefined,
  };
}

/** `?` → `$1, $2, …` (no statement here has a `?` inside a literal). */
export function toPostgresPlaceholders(sql: string): string {
  let index = 0;
  return sql.replace(/\?/g, () => `$${(index += 1)}`);
}
