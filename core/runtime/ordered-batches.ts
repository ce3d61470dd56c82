/**
 * Judges batches one at a time, in the order they came, while the batch before commits.
 *
 * Judging needs the state every earlier batch produced; committing is the store's work (another
 * thread for SQLite, another process for PostgreSQL). Waiting for each commit before judging the
 * next batch left the judging thread idle about a third of the time. Here batch N+1 is judged on
 * memory that already holds batch N's effects, while N's write is in flight. N+1's write is handed
 * to the store at once (which prepares it) but runs only once N's has landed, and not at all if
 * N's fails. So the store receives writes strictly in order, exactly as before; only the judging
 * and the preparing moved earlier.
 *
 * When N's write fails, N+1 was judged on a state that never landed: its judgment is thrown away,
 * memory is reloaded from the store, and N+1 is judged again before any later batch. A write that
 * conflicts (another process wrote first) is judged again in its own place, ahead of N+1. So the
 * verdicts are those of batches sent one by one, whatever the timing: a failed write takes back
 * only its own batch, and no batch can overtake one sent before it.
 */

/** What judging a batch produced: the answer once its write lands, and that write. */
export interface Judged<R, O> {
  result: R;
  /** Results of this batch that later batches must see before they are in the store (a repeated id). */
  uncommitted: O;
  /**
   * Writes the verdicts and the state delta against the version judged on (and anything else the
   * batch must have landed), once `after` (the write before it) has landed; nothing if it fails.
   * The store may prepare the write meanwhile.
   */
  write: (after: Promise<void> | undefined) => Promise<void>;
  /** Whether the write moves the state version by one (false: nothing new to store). */
  changesVersion: boolean;
}

export interface OrderedBatchHooks<B, R, O> {
  /** The store's state version now (another process may have moved it). */
  storeVersion(): Promise<number>;
  /** Loads memory and state from the store; returns the version they equal. */
  reload(): Promise<number>;
  /** Judges a batch on memory at `baseVersion`; `ahead` holds the batch in flight's results, not yet stored. */
  judge(batch: B, baseVersion: number, ahead: O | undefined): Promise<Judged<R, O>>;
  /** A write refused because another process wrote first: judged again, up to `maxAttempts` times. */
  isConflict(error: unknown): boolean;
  maxAttempts: number;
}

type Job<B, R> =
  | { kind: 'batch'; batch: () => Promise<B>; attempts: number; resolve: (result: R) => void; reject: (error: unknown) => void }
  | { kind: 'exclusive'; work: (baseVersion: number) => Promise<{ wrote: boolean }>; attempts: number; resolve: () => void; reject: (error: unknown) => void };

export interface OrderedBatches<B, R> {
  /** Judges the batch after every batch submitted before it; resolves once its write has landed. */
  submit(batch: () => Promise<B>): Promise<R>;
  /**
   * Runs work with nothing in flight, on memory equal to the store (a disposition that teaches
   * memory and saves state). `wrote` says the work moved the state version by one.
   */
  exclusive(work: (baseVersion: number) => Promise<{ wrote: boolean }>): Promise<void>;
  /** Memory is reloaded from the store before the next batch (suppressions changed elsewhere). */
  invalidate(): Promise<void>;
  /** How many times memory was reloaded. */
  reloads(): number;
}

/** `loadedVersion`: the version memory was loaded at (the runtime loads it once at start). */
export function createOrderedBatches<B, R, O>(hooks: OrderedBatchHooks<B, R, O>, loadedVersion: number): OrderedBatches<B, R> {
  const waiting: Array<Job<B, R>> = [];
  /** The batch whose write is in flight (at most one). */
  let inFlight: { job: Extract<Job<B, R>, { kind: 'batch' }>; judged: Judged<R, O>; written: Promise<void> } | undefined;
  /** The version memory equals once the write in flight lands; undefined when memory may differ from the store. */
  let memoryVersion: number | undefined = loadedVersion;
  let reloads = 0;
  let isDriving = false;

  /** Memory equal to the store, checking the store's version only when no write is in flight. */
  async function current(): Promise<number> {
    if (memoryVersion !== undefined && (inFlight !== undefined || (await hooks.storeVersion()) === memoryVersion)) return memoryVersion;
    memoryVersion = undefined;
    reloads += 1;
    memoryVersion = await hooks.reload();
    return memoryVersion;
  }

  /** A failed attempt: memory may be ahead of the store; a conflict is tried again in its place. */
  function failed(job: Job<B, R>, error: unknown, requeue: Array<Job<B, R>>): void {
    memoryVersion = undefined;
    if (hooks.isConflict(error) && job.attempts < hooks.maxAttempts) {
      job.attempts += 1;
      requeue.unshift(job);
    } else {
      job.reject(error);
    }
  }

  /**
   * Waits for the write in flight. If it failed, `after` (judged on its state, or not yet run) goes
   * back to the front, behind the failed batch when that one is to be judged again. Returns
   * whether the write landed.
   */
  async function settle(after: Job<B, R> | undefined): Promise<boolean> {
    const flight = inFlight!;
    inFlight = undefined;
    try {
      await flight.written;
      flight.job.resolve(flight.judged.result);
      return true;
    } catch (error) {
      const requeue: Array<Job<B, R>> = after ? [after] : [];
      failed(flight.job, error, requeue);
      waiting.unshift(...requeue);
      return false;
    }
  }

  async function runBatch(job: Extract<Job<B, R>, { kind: 'batch' }>): Promise<void> {
    let batch: B;
    try {
      batch = await job.batch();
    } catch (error) {
      job.reject(error);
      return;
    }
    // A reload needs the store settled: the write in flight lands (or fails) first.
    if (memoryVersion === undefined && inFlight && !(await settle(job))) return;
    let judged: Judged<R, O>;
    let baseVersion: number;
    try {
      baseVersion = await current();
      judged = await hooks.judge(batch, baseVersion, inFlight?.judged.uncommitted);
    } catch (error) {
      // Not judged (the store could not be read): memory may hold part of it. The write in flight stays in flight.
      memoryVersion = undefined;
      job.reject(error);
      return;
    }
    if (judged.changesVersion) memoryVersion = baseVersion + 1;
    // Handed to the store now, written once the write in flight has landed.
    const written = judged.write(inFlight?.written);
    written.catch(() => undefined); // settled in order by the next job, or when the queue drains
    // This judgment stands only if the batch before it landed (if not, its write was dropped).
    if (inFlight && !(await settle(job))) return;
    inFlight = { job, judged, written };
  }

  async function runExclusive(job: Extract<Job<B, R>, { kind: 'exclusive' }>): Promise<void> {
    if (inFlight && !(await settle(job))) return;
    try {
      const baseVersion = await current();
      const { wrote } = await job.work(baseVersion);
      if (wrote) memoryVersion = baseVersion + 1;
      job.resolve();
    } catch (error) {
      const requeue: Array<Job<B, R>> = [];
      failed(job, error, requeue);
      waiting.unshift(...requeue);
    }
  }

  async function drive(): Promise<void> {
    while (waiting.length > 0 || inFlight) {
      const job = waiting.shift();
      try {
        if (job === undefined) await settle(undefined);
        else if (job.kind === 'batch') await runBatch(job);
        else await runExclusive(job);
      } catch (error) {
        // Not expected (every step above catches its own): fail the job rather than stop the loop.
        memoryVersion = undefined;
        job?.reject(error);
      }
    }
  }

  function start(): void {
    if (isDriving) return;
    isDriving = true;
    void drive().finally(() => {
      isDriving = false;
      if (waiting.length > 0 || inFlight) start();
    });
  }

  function enqueue(job: Job<B, R>): void {
    waiting.push(job);
    start();
  }

  return {
    submit: (batch) => new Promise<R>((resolve, reject) => enqueue({ kind: 'batch', batch, attempts: 1, resolve, reject })),
    exclusive: (work) => new Promise<void>((resolve, reject) => enqueue({ kind: 'exclusive', work, attempts: 1, resolve, reject })),
    invalidate: () =>
      new Promise<void>((resolve, reject) =>
        enqueue({
          kind: 'exclusive',
          work: async () => {
            memoryVersion = undefined;
            return { wrote: false };
          },
          attempts: 1,
          resolve,
          reject,
        }),
      ),
    reloads: () => reloads,
  };
}
