import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { VerdictError } from '../spec/errors.js';
import { StateConflictError, toStoreUnavailable } from './store-errors.js';

/** One SQL statement run once per row of parameters. */
export interface WriteStatement {
  sql: string;
  rows: unknown[][];
  /**
   * Rows this statement must change in all; otherwise the whole write rolls back with code
   * VERDICT_STATE_CONFLICT (a compare-and-set, e.g. the triage state's version).
   */
  expectChanges?: number;
}

/** The error code of a write whose `expectChanges` did not hold. */
export const STATE_CONFLICT_CODE = 'VERDICT_STATE_CONFLICT';

/** A write that was to run after another, which failed: nothing of it was written. */
export const NOT_WRITTEN_MESSAGE = 'not written: the write it was to follow failed';

/**
 * Where the SQLite store's writes run. Writes queued during one turn of the event loop share one
 * transaction (group commit: a commit costs more than the rows it writes); each write still runs
 * in its own savepoint, so one that fails rolls back alone and rejects only its own promise. A
 * promise resolves after the commit, so a caller that awaited a write reads it back.
 */
export interface SqliteWriter {
  /**
   * Runs the statements as one atomic write; resolves with the rows changed by each. With
   * `after`, the write is prepared and handed to the writer now but runs only once `after` has
   * resolved; if `after` rejects, it is not written and rejects with NotWrittenError.
   */
  execute(statements: WriteStatement[], options?: { after?: Promise<unknown> }): Promise<number[]>;
  /** Resolves once every queued write is committed and the writer is closed. */
  close(): Promise<void>;
}

/**
 * WAL pages a busy writer may let pile up before a commit checkpoints them itself. Checkpoints
 * normally run when the writer's queue is empty (see WORKER_SOURCE), where they delay no write;
 * this cap only bounds the WAL (about 16 MB with the store's 16 KiB pages) under sustained load.
 * Much higher caps make that one checkpoint long enough to show in request latency (80 MB of WAL
 * put p99 at 1,000 rps over 100 ms).
 */
const WAL_CHECKPOINT_CAP_PAGES = 1000;

/**
 * Least time between two idle-time checkpoints. Each one syncs the WAL and the database file; one
 * after every commit put the writer thread in fsync half of the time under load (measured with
 * --cpu-prof on the batch bench) and capped single-alert requests at the disk's sync rate.
 */
const CHECKPOINT_INTERVAL_MS = 200;

/**
 * Runs writes on a worker thread with its own connection, so commits (and WAL checkpoints) leave
 * the event loop alone. A worker that dies (a disk I/O error, a full disk at the wrong moment)
 * fails only the writes in flight: the next write starts a new one, so the store recovers by
 * itself once the cause is gone instead of failing every write until a restart.
 */
export function createWorkerWriter(file: string): SqliteWriter {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  const pending = new Map<number, { resolve: (changes: number[]) => void; reject: (error: unknown) => void }>();
  let nextId = 1;
  let worker: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let isClosing = false;
  let isClosed = false;

  function start(): Worker {
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driverPath, walCheckpointCapPages: WAL_CHECKPOINT_CAP_PAGES } });
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    // Kept referenced only while writes are in flight: an idle store never holds the process open.
    started.unref();
    started.on('message', (replies: WriterReply[]) => {
      for (const reply of replies) settle(reply.id, reply);
    });
    started.on('error', (error: unknown) => stopped(started, { error: messageOf(error), ...codeOf(error) }));
    started.on('exit', () => stopped(started, { error: 'the SQLite writer thread exited' }));
    return started;
  }
  function stopped(which: Worker, outcome: Omit<WriterReply, 'id'>): void {
    if (worker !== which) return;
    worker = undefined;
    for (const id of [...pending.keys()]) settle(id, outcome);
  }
  function settle(id: number, outcome: Omit<WriterReply, 'id'>): void {
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    if (pending.size === 0 && !isClosing) worker?.unref();
    if (outcome.error !== undefined) waiting.reject(writeError(file, outcome.error, outcome.code));
    else waiting.resolve(outcome.changes ?? []);
  }

  function send(message: { statements?: WriteStatement[]; close?: true }, after?: Promise<unknown>): Promise<number[]> {
    if (isClosed) return Promise.reject(new VerdictError(`the SQLite store ${file} is closed`));
    const current = (worker ??= start());
    const id = nextId;
    nextId += 1;
    return new Promise((resolve, reject) => {
      if (pending.size === 0) current.ref();
      pending.set(id, { resolve, reject });
      // A held write is cloned to the worker now (the costly part) and released or dropped later.
      current.postMessage({ id, ...message, ...(after ? { held: true } : {}) });
      after?.then(
        () => current.postMessage({ id, go: true }),
        () => current.postMessage({ id, drop: true }),
      );
    });
  }

  return {
    execute: (statements, options) => send({ statements }, options?.after),
    async close() {
      if (isClosed) return;
      if (!worker) {
        isClosed = true;
        return;
      }
      // Stay referenced until the worker has exited, or the process could end before its last commit.
      isClosing = true;
      worker.ref();
      await send({ close: true }).catch(() => undefined);
      await exited;
      isClosed = true;
    },
  };
}

interface WriterReply {
  id: number;
  changes?: number[];
  error?: string;
  /** SQLite's result code (SQLITE_FULL, SQLITE_IOERR_WRITE…): says whether it is worth retrying. */
  code?: string;
}

/** A full disk or an I/O error is StoreUnavailableError (503, retried); anything else names the store and the cause. */
function writeError(file: string, message: string, code: string | undefined): VerdictError {
  if (code === STATE_CONFLICT_CODE) return new StateConflictError('default', { cause: new Error(message) });
  return toStoreUnavailable({ code, message }, 'sqlite') ?? new VerdictError(`the SQLite store ${file} could not write: ${message}${code ? ` (${code})` : ''}`);
}

function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : String(error);
}

function codeOf(error: unknown): { code?: string } {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? { code } : {};
}

/** Runs writes on the calling thread (`:memory:` databases cannot be shared with a worker). */
export function createInThreadWriter(db: Database.Database): SqliteWriter {
  const prepared = new Map<string, Database.Statement>();
  const prepare = (sql: string) => prepared.get(sql) ?? prepared.set(sql, db.prepare(sql)).get(sql)!;
  const runWrite = db.transaction((statements: WriteStatement[]) =>
    statements.map(({ sql, rows, expectChanges }) => {
      const changes = rows.reduce<number>((sum, row) => sum + prepare(sql).run(row).changes, 0);
      if (expectChanges !== undefined && changes !== expectChanges) throw Object.assign(new Error(`expected ${expectChanges} changed rows, got ${changes}`), { code: STATE_CONFLICT_CODE });
      return changes;
    }),
  );
  let queue: Array<{ statements: WriteStatement[]; resolve: (changes: number[]) => void; reject: (error: unknown) => void }> = [];
  let isScheduled = false;

  function flush(): void {
    isScheduled = false;
    const batch = queue;
    queue = [];
    const outcomes: Array<{ changes: number[] } | { error: unknown }> = [];
    try {
      db.transaction(() => {
        for (const write of batch) {
          try {
            outcomes.push({ changes: runWrite(write.statements) });
          } catch (error) {
            outcomes.push({ error });
          }
        }
      })();
    } catch (error) {
      outcomes.length = 0;
      for (let index = 0; index < batch.length; index += 1) outcomes.push({ error });
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index] ?? { error: new Error('write was not run') };
      if ('error' in outcome) write.reject(outcome.error);
      else write.resolve(outcome.changes);
    });
  }

  return {
    async execute(statements, options) {
      if (options?.after) {
        const went = await options.after.then(
          () => true,
          () => false,
        );
        if (!went) throw new Error(NOT_WRITTEN_MESSAGE);
      }
      return new Promise((resolve, reject) => {
        queue.push({ statements, resolve, reject });
        if (!isScheduled) {
          isScheduled = true;
          setImmediate(flush);
        }
      });
    },
    async close() {
      await this.execute([]);
    },
  };
}

/**
 * The worker's code, plain JavaScript evaluated in the worker (so it works the same under tsx and
 * in the esbuild bundle). Same group commit as the in-thread writer above; keep the two in step.
 * Only the worker checkpoints (a `:memory:` database has no WAL): a PASSIVE checkpoint once the
 * queue has drained (at most one per CHECKPOINT_INTERVAL_MS), so copying WAL pages into the database rarely sits in front of a commit, and
 * SQLite's own autocheckpoint, raised to the cap, for when the queue never drains. Durability is
 * unchanged: a write is acknowledged after its commit reaches the WAL, as before.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = ' + Number(workerData.walCheckpointCapPages));
const prepared = new Map();
const prepare = (sql) => { let statement = prepared.get(sql); if (!statement) { statement = db.prepare(sql); prepared.set(sql, statement); } return statement; };
const runWrite = db.transaction((statements) => statements.map(({ sql, rows, expectChanges }) => {
  const changes = rows.reduce((sum, row) => sum + prepare(sql).run(row).changes, 0);
  if (expectChanges !== undefined && changes !== expectChanges) throw Object.assign(new Error('expected ' + expectChanges + ' changed rows, got ' + changes), { code: '${STATE_CONFLICT_CODE}' });
  return changes;
}));
let queue = [];
let isScheduled = false;
let hasUncheckpointedCommits = false;
function flush() {
  isScheduled = false;
  const batch = queue;
  queue = [];
  let replies = [];
  try {
    db.transaction(() => {
      for (const write of batch) {
        try { replies.push({ id: write.id, changes: runWrite(write.statements) }); }
        catch (error) { replies.push({ id: write.id, error: String(error && error.message || error), code: error && error.code }); }
      }
    })();
  } catch (error) {
    replies = batch.map((write) => ({ id: write.id, error: 'commit failed: ' + String(error && error.message || error), code: error && error.code }));
  }
  parentPort.postMessage(replies);
  hasUncheckpointedCommits = true;
  scheduleCheckpoint();
}
// A checkpoint syncs the WAL and the database file: at most one per interval, not one per commit.
// Earliest one loop turn later (a timer), so writes that arrived meanwhile go first and it is skipped.
let lastCheckpointMs = -Infinity;
let checkpointTimer;
function scheduleCheckpoint() {
  if (checkpointTimer !== undefined) return;
  const wait = Math.max(0, lastCheckpointMs + ${CHECKPOINT_INTERVAL_MS} - Date.now());
  checkpointTimer = setTimeout(() => { checkpointTimer = undefined; checkpointIfIdle(); }, wait);
}
function checkpointIfIdle() {
  // A busy queue: the flush to come schedules the next try.
  if (!db.open || isScheduled || queue.length > 0 || !hasUncheckpointedCommits) return;
  hasUncheckpointedCommits = false;
  lastCheckpointMs = Date.now();
  // A checkpoint that fails (a full disk) is not a lost write: the WAL keeps the pages, the next idle turn tries again.
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { hasUncheckpointedCommits = true; }
}
// Writes handed over ahead of their turn: run on \`go\`, answered as not written on \`drop\`.
const held = new Map();
parentPort.on('message', (message) => {
  if (message.close) {
    clearTimeout(checkpointTimer);
    if (queue.length > 0) flush();
    db.close();
    parentPort.postMessage([...held.keys()].map((id) => ({ id, error: '${NOT_WRITTEN_MESSAGE}' })).concat([{ id: message.id, changes: [] }]));
    parentPort.close();
    return;
  }
  if (message.held) { held.set(message.id, message); return; }
  if (message.drop) { held.delete(message.id); parentPort.postMessage([{ id: message.id, error: '${NOT_WRITTEN_MESSAGE}' }]); return; }
  const write = message.go ? held.get(message.id) : message;
  held.delete(message.id);
  if (write === undefined) return;
  queue.push(write);
  if (!isScheduled) { isScheduled = true; setImmediate(flush); }
});
`;
