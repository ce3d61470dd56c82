import type { DirtyKeys, PersistentState, StateDelta, StateRow } from '../pipeline/triage-state.js';

/**
 * The context enricher's state and how it is persisted: one row per subject (its alert types),
 * per alert type across the fleet, per subject in the wave, and one for the stream. Rows are
 * compact positional arrays; only what changed since the last drain is written.
 */

export const CONTEXT_STATE_PARTS = ['context.subject', 'context.fleet', 'context.wave', 'context.stream'] as const;

/** One rule's history on one subject (host, user or source address). */
export interface RuleHistory {
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  activeHours: number;
  lastHour: number;
  /** The rule was new on a subject whose baseline was mature: novelty that counts. */
  novelAtFirst: boolean;
  bucket: number;
  bucketCount: number;
  tactics: string[];
  /** Intrinsic probability of its latest alert (what the alert says by itself). */
  intrinsic: number;
}

export interface SubjectState {
  firstSeenMs: number;
  lastSeenMs: number;
  /** Alerts seen on this subject (its baseline's size). */
  alerts: number;
  rules: Map<string, RuleHistory>;
}

/** Fleet-wide view of a rule: on how many subjects and how long it has been firing. */
export interface RuleFleet {
  subjects: number;
  activeHours: number;
  lastHour: number;
}

/** The whole stream: when watching started and how much has been seen (the fleet baseline). */
export interface StreamState {
  startMs: number | undefined;
  alerts: number;
}

/** The maps and change trackers the context enricher works on. */
export interface ContextStore {
  subjects: Map<string, SubjectState>;
  fleet: Map<string, RuleFleet>;
  notableSubjects: Map<string, number>;
  stream: StreamState;
  dirtySubjects: DirtyKeys;
  dirtyFleet: DirtyKeys;
  dirtyWave: DirtyKeys;
  streamDirty: { value: boolean };
}

/** Loads, drains and snapshots a context store as state rows. */
export function createContextState(store: ContextStore): PersistentState {
  const { subjects, fleet, notableSubjects, stream, dirtySubjects, dirtyFleet, dirtyWave, streamDirty } = store;
  return {
    parts: CONTEXT_STATE_PARTS,
    load(rows: readonly StateRow[]) {
      subjects.clear();
      fleet.clear();
      notableSubjects.clear();
      stream.startMs = undefined;
      stream.alerts = 0;
      const subjectRows: Array<[string, SubjectState]> = [];
      const fleetRows: Array<[string, RuleFleet]> = [];
      for (const row of rows) {
        const body = JSON.parse(row.body) as unknown;
        if (row.part === 'context.subject') subjectRows.push([row.key, decodeSubject(body as EncodedSubject)]);
        else if (row.part === 'context.fleet') fleetRows.push([row.key, decodeFleet(body as EncodedFleet)]);
        else if (row.part === 'context.wave') notableSubjects.set(row.key, body as number);
        else if (row.part === 'context.stream') Object.assign(stream, decodeStream(body as EncodedStream));
      }
      // LRU order is recency of sight: restore it so eviction continues as it would have.
      subjectRows.sort((left, right) => left[1].lastSeenMs - right[1].lastSeenMs || (left[0] < right[0] ? -1 : 1));
      for (const [key, subject] of subjectRows) subjects.set(key, subject);
      fleetRows.sort((left, right) => left[1].lastHour - right[1].lastHour || (left[0] < right[0] ? -1 : 1));
      for (const [key, entry] of fleetRows) fleet.set(key, entry);
      dirtySubjects.clear();
      dirtyFleet.clear();
      dirtyWave.clear();
      streamDirty.value = false;
    },
    drain(delta: StateDelta) {
      dirtySubjects.drainInto(delta, (key) => {
        const subject = subjects.get(key);
        return subject ? JSON.stringify(encodeSubject(subject)) : undefined;
      });
      dirtyFleet.drainInto(delta, (key) => {
        const entry = fleet.get(key);
        return entry ? JSON.stringify(encodeFleet(entry)) : undefined;
      });
      dirtyWave.drainInto(delta, (key) => {
        const lastMs = notableSubjects.get(key);
        return lastMs === undefined ? undefined : JSON.stringify(lastMs);
      });
      if (streamDirty.value) delta.upserts.push({ part: 'context.stream', key: 'stream', body: JSON.stringify(encodeStream(stream)) });
      streamDirty.value = false;
    },
    snapshot() {
      const rows: StateRow[] = [];
      for (const [key, subject] of subjects) rows.push({ part: 'context.subject', key, body: JSON.stringify(encodeSubject(subject)) });
      for (const [key, entry] of fleet) rows.push({ part: 'context.fleet', key, body: JSON.stringify(encodeFleet(entry)) });
      for (const [key, lastMs] of notableSubjects) rows.push({ part: 'context.wave', key, body: JSON.stringify(lastMs) });
      if (stream.startMs !== undefined) rows.push({ part: 'context.stream', key: 'stream', body: JSON.stringify(encodeStream(stream)) });
      return rows;
    },
  };
}

// Compact row encodings: positional arrays keep a busy subject's row small.
type EncodedHistory = [string, number, number, number, number, number, 0 | 1, number, number, string[], number];
interface EncodedSubject {
  f: number;
  l: number;
  n: number;
  r: EncodedHistory[];
}
type EncodedFleet = [number, number, number];
type EncodedStream = [number, number];

function encodeSubject(subject: SubjectState): EncodedSubject {
  const rules: EncodedHistory[] = [];
  for (const [rule, h] of subject.rules) {
    rules.push([rule, h.firstSeenMs, h.lastSeenMs, h.count, h.activeHours, h.lastHour, h.novelAtFirst ? 1 : 0, h.bucket, h.bucketCount, h.tactics, h.intrinsic]);
  }
  return { f: subject.firstSeenMs, l: subject.lastSeenMs, n: subject.alerts, r: rules };
}

function decodeSubject(body: EncodedSubject): SubjectState {
  const rules = new Map<string, RuleHistory>();
  for (const [rule, firstSeenMs, lastSeenMs, count, activeHours, lastHour, novel, bucket, bucketCount, tactics, intrinsic] of body.r) {
    rules.set(rule, { firstSeenMs, lastSeenMs, count, activeHours, lastHour, novelAtFirst: novel === 1, bucket, bucketCount, tactics, intrinsic });
  }
  return { firstSeenMs: body.f, lastSeenMs: body.l, alerts: body.n, rules };
}

function encodeFleet(entry: RuleFleet): EncodedFleet {
  return [entry.subjects, entry.activeHours, entry.lastHour];
}

function decodeFleet([subjects, activeHours, lastHour]: EncodedFleet): RuleFleet {
  return { subjects, activeHours, lastHour };
}

function encodeStream(stream: StreamState): EncodedStream {
  return [stream.startMs ?? 0, stream.alerts];
}

function decodeStream([startMs, alerts]: EncodedStream): StreamState {
  return { startMs, alerts };
}
