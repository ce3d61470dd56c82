/**
 * Triage state: everything a verdict depends on besides the alert and the config — the context
 * window, the duplicate cache, the calibration map, stream start — as rows the store persists in
 * the same transaction as the verdicts that produced them. Rows are keyed by (part, key) so one
 * subject's history is one row: a restart, a second CLI run or another worker loads exactly what
 * the first one would have had in memory.
 */
export interface StateRow {
  /** Owner and kind of the row, e.g. `context.subject`, `engine.duplicate`. */
  part: string;
  key: string;
  /** JSON. */
  body: string;
}

export interface StateDelta {
  /** Whose state (a tenant); `default` when unset. */
  namespace?: string;
  /**
   * The state version this delta was computed against (see VerdictRepository.stateVersion): the
   * store writes it only if that is still the stored version, else nothing is written
   * (StateConflictError). Unset: written whatever the version (single-writer tools, tests).
   */
  baseVersion?: number;
  upserts: StateRow[];
  deletes: Array<{ part: string; key: string }>;
}

/** A component whose state must survive a restart. */
export interface PersistentState {
  /** Row parts this component owns (rows of other parts are never passed to it). */
  readonly parts: readonly string[];
  /** Replaces the in-memory state with the persisted rows. */
  load(rows: readonly StateRow[]): void;
  /** Appends what changed since the last drain (or load) to `delta`, and forgets it. */
  drain(delta: StateDelta): void;
  /** Every row of the current state (for a full snapshot: tests, benchmarks). */
  snapshot(): StateRow[];
}

export const DEFAULT_NAMESPACE = 'default';

export function emptyDelta(): StateDelta {
  return { upserts: [], deletes: [] };
}

export function isEmptyDelta(delta: StateDelta | undefined): boolean {
  return delta === undefined || (delta.upserts.length === 0 && delta.deletes.length === 0);
}

/**
 * Tracks which keys of one part changed: upserted (serialized at drain time, so a key that
 * changed a thousand times in a batch is written once) or deleted.
 */
export class DirtyKeys {
  private readonly changed = new Set<string>();
  private readonly removed = new Set<string>();

  constructor(readonly part: string) {}

  touch(key: string): void {
    this.removed.delete(key);
    this.changed.add(key);
  }

  remove(key: string): void {
    this.changed.delete(key);
    this.removed.add(key);
  }

  clear(): void {
    this.changed.clear();
    this.removed.clear();
  }

  drainInto(delta: StateDelta, serialize: (key: string) => string | undefined): void {
    for (const key of this.changed) {
      const body = serialize(key);
      if (body === undefined) delta.deletes.push({ part: this.part, key });
      else delta.upserts.push({ part: this.part, key, body });
    }
    for (const key of this.removed) delta.deletes.push({ part: this.part, key });
    this.clear();
  }
}
