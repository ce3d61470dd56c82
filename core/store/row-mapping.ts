import { createHash } from 'node:crypto';
import type { RecommendedAction, TriageResult } from '../spec/result.js';
import { resultJson } from './result-json.js';
import type { ApiToken, Approval, AuditEntry, DeadLetter, DeliveryRecord, RequestRecord, StoredDisposition, TokenScope } from './repository.js';

/**
 * Row ↔ record mapping shared by the SQLite and PostgreSQL stores, so both read the same columns
 * the same way. Rows come back as plain objects keyed by column name.
 */
type Row = Record<string, unknown>;

/** Columns of the verdicts table, in insert order; the whole result is kept as JSON in `body`. */
export function verdictParameters(result: TriageResult): unknown[] {
  return [
    result.alertId,
    result.fingerprint,
    result.ruleName,
    result.platform,
    result.verdict,
    result.confidence,
    result.probabilityMalicious,
    result.alertTime,
    result.createdAt,
    result.duplicateOf ?? null,
    resultJson(result),
  ];
}

/** The same disposition imported twice (same alert, analyst, time and verdict) is stored once. */
export function dispositionId(disposition: StoredDisposition): string {
  return createHash('sha256')
    .update(`${disposition.alertId ?? ''}|${disposition.fingerprint ?? ''}|${disposition.analyst}|${disposition.time}|${disposition.verdict}`)
    .digest('hex')
    .slice(0, 24);
}

export function dispositionParameters(disposition: StoredDisposition): unknown[] {
  return [
    dispositionId(disposition),
    disposition.alertId ?? null,
    disposition.fingerprint ?? null,
    disposition.ruleName,
    JSON.stringify(disposition.entityKeys),
    disposition.verdict,
    disposition.analyst,
    disposition.time,
    disposition.note ?? null,
    disposition.platform ?? null,
  ];
}

export function dispositionFromRow(row: Row): StoredDisposition {
  return {
    alertId: optionalText(row.alert_id),
    fingerprint: optionalText(row.fingerprint),
    ruleName: String(row.rule_name ?? ''),
    entityKeys: JSON.parse(String(row.entity_keys ?? '[]')) as string[],
    verdict: row.verdict as StoredDisposition['verdict'],
    analyst: String(row.analyst ?? 'unknown'),
    time: String(row.decided_at ?? ''),
    note: optionalText(row.note),
    platform: optionalText(row.platform),
  };
}

export function deadLetterFromRow(row: Row): DeadLetter {
  return {
    id: Number(row.id),
    source: String(row.source),
    reason: String(row.reason),
    issues: JSON.parse(String(row.issues)) as DeadLetter['issues'],
    record: String(row.record),
    createdAt: String(row.created_at),
  };
}

export function auditFromRow(row: Row): AuditEntry {
  return { id: Number(row.id), time: String(row.at), actor: String(row.actor), action: String(row.action), target: String(row.target), detail: String(row.detail) };
}

export function tokenParameters(token: ApiToken): unknown[] {
  return [token.id, token.name, JSON.stringify(token.scopes), token.secretHash, token.createdAt, token.expiresAt ?? null, token.revokedAt ?? null, token.lastUsedAt ?? null];
}

export function tokenFromRow(row: Row): ApiToken {
  return {
    id: String(row.id),
    name: String(row.name),
    scopes: JSON.parse(String(row.scopes)) as TokenScope[],
    secretHash: String(row.secret_hash),
    createdAt: String(row.created_at),
    expiresAt: optionalText(row.expires_at),
    revokedAt: optionalText(row.revoked_at),
    lastUsedAt: optionalText(row.last_used_at),
  };
}

export function approvalParameters(approval: Approval): unknown[] {
  return [
    approval.id,
    approval.alertId,
    JSON.stringify(approval.action),
    approval.requestedBy,
    approval.createdAt,
    approval.expiresAt,
    approval.status,
    approval.decidedBy ?? null,
    approval.decidedAt ?? null,
    approval.comment ?? null,
  ];
}

export function approvalFromRow(row: Row): Approval {
  return {
    id: String(row.id),
    alertId: String(row.alert_id),
    action: JSON.parse(String(row.action)) as RecommendedAction,
    requestedBy: String(row.requested_by),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    status: row.status as Approval['status'],
    decidedBy: optionalText(row.decided_by),
    decidedAt: optionalText(row.decided_at),
    comment: optionalText(row.comment),
  };
}

/**
 * Entity keys longer than this are kept in the verdict body but not indexed for entity lookups:
 * a btree entry (alert id + key) must stay under PostgreSQL's ~2.7 kB limit. Same rule in both stores.
 */
export const MAX_INDEXED_ENTITY_KEY_BYTES = 1024;

/** `[alertId, key]` rows for verdict_entities: lower-cased, without keys too long to index. */
export function entityRows(alertId: string, entityKeys: readonly string[]): string[][] {
  return entityKeys.filter((key) => Buffer.byteLength(key, 'utf8') <= MAX_INDEXED_ENTITY_KEY_BYTES).map((key) => [alertId, key.toLowerCase()]);
}

/** PostgreSQL text cannot hold U+0000: dead letters and audit details keep every other character. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

export function deliveryFromRow(row: Row): DeliveryRecord {
  return {
    key: String(row.delivery_key),
    alertId: String(row.alert_id),
    target: String(row.target),
    state: row.state === 'done' ? 'done' : 'pending',
    attempts: Number(row.attempts),
    startedAt: String(row.started_at),
    doneAt: optionalText(row.done_at),
    claim: optionalText(row.claim),
  };
}

/**
 * The instant before which a pending claim has lapsed: `at` minus the lease (an ISO time, compared
 * as text). Without a lease any pending claim is taken over (one process: a pending row is its own
 * crashed attempt).
 */
export function lapsedBefore(entry: { at: string; leaseSeconds?: number | undefined }): string {
  if (entry.leaseSeconds === undefined) return '9999-12-31T23:59:59.999Z';
  return new Date(Date.parse(entry.at) - entry.leaseSeconds * 1000).toISOString();
}

export function requestRecordFromRow(row: Row): RequestRecord {
  return {
    id: String(row.id),
    owner: String(row.owner),
    requestHash: String(row.request_hash),
    state: row.state === 'done' ? 'done' : 'pending',
    statusCode: row.status_code === null || row.status_code === undefined ? undefined : Number(row.status_code),
    response: optionalText(row.response),
    createdAt: String(row.created_at),
    expiresAt: String(row.expires_at),
    completedAt: optionalText(row.completed_at),
  };
}

function optionalText(value: unknown): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

/**
 * Stored verdicts by alert id, read from each body rather than from the alert_id column: an id
 * holding a lone surrogate comes back from either driver changed (U+FFFD, or the three bytes
 * SQLite keeps), while the body's JSON keeps it exactly.
 */
export function resultsById(rows: Iterable<Record<string, unknown>>): Map<string, TriageResult> {
  const found = new Map<string, TriageResult>();
  for (const row of rows) {
    const result = JSON.parse(String(row.body)) as TriageResult;
    found.set(result.alertId, result);
  }
  return found;
}
