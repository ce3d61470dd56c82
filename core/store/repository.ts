import type { AnalystVerdict } from '../spec/disposition.js';
import type { FieldIssue } from '../spec/errors.js';
import type { Suppression } from '../spec/suppression.js';
import type { RecommendedAction, TriageResult, Verdict } from '../spec/result.js';
import type { StateDelta, StateRow } from '../pipeline/triage-state.js';

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

/** What a token may do; `admin` may do everything. */
export const TOKEN_SCOPES = ['triage', 'feedback', 'approve', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** An API token as stored: only the SHA-256 of its secret is kept, never the secret. */
export interface ApiToken {
  id: string;
  /** Who holds it (a person or a system); approvals compare holders by this name. */
  name: string;
  scopes: TokenScope[];
  /** Hex SHA-256 of the secret part of the token. */
  secretHash: string;
  createdAt: string;
  expiresAt: string | undefined;
  revokedAt: string | undefined;
  lastUsedAt: string | undefined;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** A recommended action that policy says needs a human before anything runs it. */
export interface Approval {
  id: string;
  alertId: string;
  action: RecommendedAction;
  /** Token name of whoever submitted the alert; they may never decide it. */
  requestedBy: string;
  createdAt: string;
  expiresAt: string;
  status: ApprovalStatus;
  decidedBy: string | undefined;
  decidedAt: string | undefined;
  comment: string | undefined;
}

export interface ApprovalQuery {
  status?: ApprovalStatus;
  alertId?: string;
  limit: number;
  cursor?: string;
}

export interface ApprovalPage {
  items: Approval[];
  nextCursor: string | undefined;
}

export interface ApprovalDecision {
  status: 'approved' | 'rejected' | 'expired';
  decidedBy: string;
  decidedAt: string;
  comment: string | undefined;
}

/** One write-back in the delivery ledger: 'pending' from before the platform call, 'done' once it succeeded. */
export interface DeliveryRecord {
  /** deliveryKey(result, target): a function of alert id, target and verdict revision only. */
  key: string;
  alertId: string;
  target: string;
  state: 'pending' | 'done';
  /** Attempts begun, including ones a crash interrupted. */
  attempts: number;
  startedAt: string;
  doneAt: string | undefined;
  /** Who holds the pending attempt (a worker's id); undefined when the caller gave none. */
  claim: string | undefined;
}

/**
 * An Idempotency-Key or an asynchronous job: who made the request, a hash of what was asked, and
 * once done the answer given (status and body), which a retry or a status poll gets back.
 */
export interface RequestRecord {
  id: string;
  /** Token id of the caller: only they (or an admin) see it. */
  owner: string;
  requestHash: string;
  state: 'pending' | 'done';
  statusCode: number | undefined;
  /** The response body as sent (JSON text). */
  response: string | undefined;
  createdAt: string;
  expiresAt: string;
  completedAt: string | undefined;
}

/**
 * Everything Verdict persists, behind one interface so SQLite (embedded) and PostgreSQL (shared)
 * are interchangeable. Asynchronous because PostgreSQL is; the triage hot path never waits on it.
 */
export interface SaveOptions {
  /**
   * Write only once this has resolved, and not at all if it rejects (the write this one was judged
   * after failed). The store may prepare the write before, so only the write itself waits.
   */
  after?: Promise<unknown>;
}

export interface VerdictRepository {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Stores verdicts and the triage state they produced in one transaction: a crash never leaves
   * verdicts without their state, or state ahead of its verdicts.
   */
  saveResults(items: readonly StoredResult[], state?: StateDelta, options?: SaveOptions): Promise<void>;
  getResult(alertId: string): Promise<TriageResult | undefined>;
  /** Stored verdicts of these alert ids (missing ids are absent from the map). */
  getResults(alertIds: readonly string[]): Promise<Map<string, TriageResult>>;
  /** Every triage-state row of a namespace (`default` unless a tenant is named). */
  loadState(namespace?: string): Promise<StateRow[]>;
  /**
   * How many writes that verdicts depend on (verdicts and state, dispositions, suppressions) the
   * namespace has had; 0 for a new store. Equal to the version a process loaded ⇔ its memory is current.
   */
  stateVersion(namespace?: string): Promise<number>;
  getResultByFingerprint(fingerprint: string): Promise<{ result: TriageResult; entityKeys: string[] } | undefined>;
  getEntityKeys(alertId: string): Promise<string[]>;
  listResults(query: VerdictQuery): Promise<VerdictPage>;
  /** Stores a disposition and the state it changed (calibration) in one transaction. */
  saveDisposition(disposition: StoredDisposition, state?: StateDelta): Promise<void>;
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
  createToken(token: ApiToken): Promise<void>;
  getToken(id: string): Promise<ApiToken | undefined>;
  listTokens(): Promise<ApiToken[]>;
  /** False when there is no such token or it was already revoked. */
  revokeToken(id: string, at: string): Promise<boolean>;
  touchToken(id: string, at: string): Promise<void>;
  /**
   * Inserts new approvals. One whose id exists already is left as it is — unless it expired
   * (swept or past its expiresAt): then it is requested again, pending with the new times.
   */
  saveApprovals(approvals: readonly Approval[]): Promise<void>;
  getApproval(id: string): Promise<Approval | undefined>;
  /** Newest first, keyset-paged over (createdAt, id). */
  listApprovals(query: ApprovalQuery): Promise<ApprovalPage>;
  /** Decides a pending approval atomically; false when it was no longer pending. */
  decideApproval(id: string, decision: ApprovalDecision): Promise<boolean>;
  /** Marks every pending approval whose expiresAt is at or before `now` expired; returns how many. */
  expireApprovals(now: string): Promise<number>;
  /**
   * Records that a write-back is about to be attempted (state 'pending', one more attempt, this
   * claim) and returns the ledger row as it now stands; a 'done' row is returned unchanged. With
   * `leaseSeconds`, a pending row claimed by someone else less than that long ago is also left as
   * it is (its `claim` then differs from the caller's): another worker is writing it right now.
   */
  beginDelivery(entry: { key: string; alertId: string; target: string; at: string; claim?: string; leaseSeconds?: number }): Promise<DeliveryRecord>;
  /** Marks a write-back done: later attempts with the same key are skipped. */
  completeDelivery(key: string, at: string): Promise<void>;
  getDelivery(key: string): Promise<DeliveryRecord | undefined>;
  /**
   * Remembers a webhook signature until `expiresAt` (dropping ones expired at `now`); false when
   * it is still remembered, i.e. the request is a replay.
   */
  rememberSignature(signature: string, expiresAt: string, now: string): Promise<boolean>;
  /**
   * Claims a request record id (dropping records expired at `createdAt`): `claimed` is false when
   * the id is already held, and `record` is then the earlier request's record as it stands.
   */
  claimRequest(entry: { id: string; owner: string; requestHash: string; createdAt: string; expiresAt: string }): Promise<{ claimed: boolean; record: RequestRecord }>;
  /**
   * Stores the answer of a claimed request, kept until `expiresAt`: later claims and reads get it
   * back. (A claim's own expiry is short, so one whose answer was never stored frees its id.)
   */
  completeRequest(id: string, answer: { statusCode: number; response: string; completedAt: string; expiresAt: string }): Promise<void>;
  /** Drops a still-pending claim (the request failed on the server's side; a retry may run it anew). */
  releaseRequest(id: string): Promise<void>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** Resolves when the store answers a trivial query (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
