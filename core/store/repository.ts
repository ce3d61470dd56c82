import type { AnalystVerdict } from '../spec/disposition.js';
import type { FieldIssue } from '../spec/errors.js';
import type { Suppression } from '../spec/suppression.js';
import type { TriageResult, Verdict } from '../spec/result.js';

/** A disposition as memory needs it: matched to its rule and entities at import time. */
export interface StoredDisposition {
  alertId: string | undefined;
  fingerprint: string | undefined;
  ruleName: string;
  entityKeys: string[];
  verdict: AnalystVerdict;
  analyst: string;
  time: string;
  note: string | undefined;
  platform: string | undefined;
}

export interface DeadLetter {
  id?: number;
  source: string;
  reason: string;
  issues: FieldIssue[];
  /** The record as received (truncated to 64 kB): nothing is lost. */
  record: string;
  createdAt: string;
}

export interface AuditEntry {
  id?: number;
  time: string;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export interface VerdictQuery {
  rule?: string;
  /** `kind:value`, e.g. host:web01. */
  entity?: string;
  verdict?: Verdict;
  /** ISO time: only verdicts on alerts raised at or after it. */
  since?: string;
  limit: number;
  /** Opaque cursor from the previous page. */
  cursor?: string;
}

export interface VerdictPage {
  items: TriageResult[];
  nextCursor: string | undefined;
}

export interface StoredResult {
  result: TriageResult;
  /** `kind:value` keys of the alert's entities, for lookups by entity. */
  entityKeys: string[];
}

/**
 * Everything Verdict persists, behind one interface so SQLite (embedded) and PostgreSQL (shared)
 * are interchangeable. Asynchronous because PostgreSQL is; the triage hot path never waits on it.
 */
export interface VerdictRepository {
  readonly kind: 'sqlite' | 'postgres';
  saveResults(items: readonly StoredResult[]): Promise<void>;
  getResult(alertId: string): Promise<TriageResult | undefined>;
  getResultByFingerprint(fingerprint: string): Promise<{ result: TriageResult; entityKeys: string[] } | undefined>;
  getEntityKeys(alertId: string): Promise<string[]>;
  listResults(query: VerdictQuery): Promise<VerdictPage>;
  saveDisposition(disposition: StoredDisposition): Promise<void>;
  listDispositions(): Promise<StoredDisposition[]>;
  addSuppression(suppression: Suppression): Promise<void>;
  listSuppressions(): Promise<Suppression[]>;
  removeSuppression(name: string): Promise<boolean>;
  addDeadLetter(deadLetter: DeadLetter): Promise<void>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;
  getCheckpoint(name: string): Promise<string | undefined>;
  setCheckpoint(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}
