import type { Alert } from '../spec/alert.js';
import type { BenignReason } from '../spec/evidence.js';

/**
 * One finding of an enricher. The pipeline gives it an evidence id and records the enricher as its
 * source, so enrichers only say what they saw.
 */
export interface Finding {
  kind: string;
  /** One sentence an analyst can check. */
  claim: string;
  /** Signed log-likelihood ratio (natural log): + toward malicious, − toward benign, 0 = context. */
  weight: number;
  /** Alert field paths, file names or digests the claim rests on. */
  refs: string[];
  benignReason?: BenignReason;
  /** ATT&CK technique ids read from the event itself. */
  attack?: string[];
  detail?: string;
}

export interface EnrichContext {
  /** Alert time in epoch milliseconds (stream time, not wall-clock: replays must not look ahead). */
  timeMs: number;
  /** Evidence gathered by the enrichers that ran before this one (read-only). */
  evidence: ReadonlyArray<Readonly<Finding & { source: string }>>;
}

/** What the pipeline concluded about an alert, reported back to stateful enrichers. */
export interface ObservedOutcome {
  probabilityMalicious: number;
  /** Probability from what the alert says by itself: prior plus all evidence except stream context. */
  intrinsicProbability: number;
}

/**
 * An offline enricher: a pure function of the alert and the data it loaded when created.
 * Enrichers that keep state over the stream (context, memory) say so in `observe`.
 */
export interface EnricherV1 {
  readonly id: string;
  /** One line: what it checks, for the README and the trace. */
  readonly description: string;
  enrich(alert: Alert, context: EnrichContext): Finding[];
  /** Called for every alert, duplicates included, after decide: update streaming state. */
  observe?(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void;
  /**
   * Alerts that share a second are judged together: before any of them is enriched, a stream
   * enricher is told all of them (with what each says by itself), so each sees the others whatever
   * order they arrived in; `endTick` follows once they are observed.
   */
  beginTick?(peers: ReadonlyArray<TickPeer>): void;
  endTick?(): void;
}

/** One alert of the second being judged, with its intrinsic probability (no stream context). */
export interface TickPeer {
  alert: Alert;
  intrinsic: number;
}
export type Enricher = EnricherV1;

/** Entities of one kind, deduplicated, in order of appearance. */
export function entityValues(alert: Alert, kind: Alert['entities'][number]['kind']): string[] {
  const values = new Set<string>();
  for (const entity of alert.entities) {
    if (entity.kind === kind) values.add(entity.value);
  }
  return [...values];
}

/** Per entity list, the indices that repeat an earlier kind and value: computed once, in one pass. */
const repeatedIndices = new WeakMap<Alert['entities'], { length: number; repeated: Set<number> }>();

/** True when an earlier entity has the same kind and value (so a fact is reported once). */
export function isRepeatedEntity(entities: Alert['entities'], index: number): boolean {
  // Enrichers ask this for every entity; comparing with all earlier ones made that quadratic.
  let cached = repeatedIndices.get(entities);
  if (!cached || cached.length !== entities.length) {
    const repeated = new Set<number>();
    const seen = new Set<string>();
    entities.forEach((entity, position) => {
      const key = `${entity.kind}\u0000${entity.value}`;
      if (seen.has(key)) repeated.add(position);
      else seen.add(key);
    });
    cached = { length: entities.length, repeated };
    repeatedIndices.set(entities, cached);
  }
  return cached.repeated.has(index);
}
