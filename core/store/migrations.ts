/**
 * Schema migrations, in order. Each runs once, inside a transaction, and is recorded in
 * schema_migrations. Written in the SQL both SQLite and PostgreSQL accept; never edit a shipped
 * migration — add the next one.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'initial',
    sql: `
CREATE TABLE verdicts (
  alert_id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  platform TEXT NOT NULL,
  verdict TEXT NOT NULL,
  confidence REAL NOT NULL,
  probability REAL NOT NULL,
  alert_time TEXT NOT NULL,
  created_at TEXT NOT NULL,
  duplicate_of TEXT,
  body TEXT NOT NULL
);
CREATE INDEX verdicts_fingerprint ON verdicts (fingerprint);
CREATE INDEX verdicts_rule ON verdicts (rule_name, alert_time);
CREATE INDEX verdicts_time ON verdicts (alert_time);
CREATE TABLE verdict_entities (
  alert_id TEXT NOT NULL,
  entity TEXT NOT NULL,
  PRIMARY KEY (alert_id, entity)
);
CREATE INDEX verdict_entities_entity ON verdict_entities (entity);
CREATE TABLE dispositions (
  id TEXT PRIMARY KEY,
  alert_id TEXT,
  fingerprint TEXT,
  rule_name TEXT NOT NULL,
  entity_keys TEXT NOT NULL,
  verdict TEXT NOT NULL,
  analyst TEXT NOT NULL,
  decided_at TEXT NOT NULL,
  note TEXT,
  platform TEXT
);
CREATE TABLE suppressions (
  name TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY GENERATED_ID,
  source TEXT NOT NULL,
  reason TEXT NOT NULL,
  issues TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY GENERATED_ID,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE TABLE checkpoints (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'tokens-and-approvals',
    // Times are ISO 8601 UTC strings (toISOString), so text order is time order in both dialects.
    sql: `
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  scopes TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL,
  action TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  status TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  comment TEXT
);
CREATE INDEX approvals_status ON approvals (status, created_at);
CREATE INDEX approvals_alert ON approvals (alert_id);
CREATE INDEX approvals_expiry ON approvals (status, expires_at);
`,
  },
  {
    version: 3,
    name: 'triage-state',
    sql: `
CREATE TABLE triage_state (
  namespace TEXT NOT NULL,
  part TEXT NOT NULL,
  state_key TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (namespace, part, state_key)
);
`,
  },
  {
    version: 4,
    name: 'delivery-ledger-and-seen-signatures',
    // deliveries: one row per write-back key (deliveryKey), 'pending' before the platform call and
    // 'done' after, so a crash or a re-pull never writes the same verdict twice.
    // seen_signatures: webhook signatures until their tolerance window ends (replay protection
    // that holds across restarts and instances).
    sql: `
CREATE TABLE deliveries (
  delivery_key TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL,
  target TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  done_at TEXT
);
CREATE INDEX deliveries_alert ON deliveries (alert_id);
CREATE TABLE seen_signatures (
  signature TEXT PRIMARY KEY,
  expires_at TEXT NOT NULL
);
CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_at);
`,
  },
  {
    version: 5,
    name: 'request-records',
    // One row per Idempotency-Key (id idem:<token id>:<route>:<key>) or asynchronous triage job
    // (id job:<uuid>): 'pending' while the request runs, then 'done' with the answer it gave, so a
    // retried request gets the first answer (on any server process) and counts once.
    sql: `
CREATE TABLE request_records (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  status_code INTEGER,
  response TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX request_records_expiry ON request_records (expires_at);
`,
  },
  {
    version: 6,
    name: 'state-versions',
    // One row per triage-state namespace, bumped in the same transaction as every write that
    // changes what verdicts depend on (verdicts and their state, dispositions, suppressions). A
    // process compares it with the version it loaded: equal means its memory is the store's;
    // a write made against an older version rolls back (compare-and-set), so two workers or two
    // CLI runs can never interleave stale state.
    sql: `
CREATE TABLE state_versions (
  namespace TEXT PRIMARY KEY,
  version BIGINT NOT NULL
);
`,
  },
  {
    version: 7,
    name: 'delivery-claims',
    // Who holds a pending write-back: a worker that lost its job's lock (Redis away, a long pause)
    // may still be writing when another worker takes the job; the second waits for the first's
    // claim to finish or lapse instead of writing the same verdict again.
    sql: `
ALTER TABLE deliveries ADD COLUMN claim TEXT;
`,
  },
];

/** `GENERATED_ID` marks an auto-increment key; each dialect spells it its own way. */
export function migrationSql(sql: string, dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'sqlite'
    ? sql.replaceAll('INTEGER PRIMARY KEY GENERATED_ID', 'INTEGER PRIMARY KEY AUTOINCREMENT')
    : sql.replaceAll('INTEGER PRIMARY KEY GENERATED_ID', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY');
}
