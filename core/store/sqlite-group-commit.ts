import type Database from 'better-sqlite3';

/**
 * Group commit for SQLite: writes queued during one turn of the event loop share one transaction,
 * so a busy server pays one commit per turn instead of one per request (a commit costs more than
 * the rows it writes). Each write still runs in its own savepoint: one that fails rolls back alone
 * and rejects only its own promise. A promise resolves only after the commit, so a caller that
 * awaited a write reads it back.
 */
export type GroupCommit = <T>(write: () => T) => Promise<T>;

interface QueuedWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  outcome?: { value: unknown } | { error: unknown };
}

export function createGroupCommit(db: Database.Database): GroupCommit {
  let queue: QueuedWrite[] = [];
  let isScheduled = false;

  function flush(): void {
    isScheduled = false;
    const batch = queue;
    queue = [];
    try {
      db.transaction(() => {
        for (const write of batch) {
          try {
            write.outcome = { value: db.transaction(write.run)() };
          } catch (error) {
            write.outcome = { error };
          }
        }
      })();
    } catch (error) {
      // The commit itself failed: nothing in the batch was written.
      for (const write of batch) write.outcome = { error };
    }
    for (const write of batch) {
      const outcome = write.outcome ?? { error: new Error('write was not run') };
      if ('error' in outcome) write.reject(outcome.error);
      else write.resolve(outcome.value);
    }
  }

  return <T>(run: () => T) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!isScheduled) {
        isScheduled = true;
        setImmediate(flush);
      }
    });
}
