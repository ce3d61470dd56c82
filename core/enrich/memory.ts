import type { Alert } from '../spec/alert.js';
import type { AnalystVerdict } from '../spec/disposition.js';
import { clampProbability, logit } from '../pipeline/log-odds.js';
import type { EnrichContext, EnricherV1, Finding } from './enricher.js';
import { formatSpan } from './format-span.js';

const DAY_MS = 86_400_000;
/** A confirmed compromise of a host or account raises its other alerts for this long. */
const ENTITY_INCIDENT_MS = 2 * 3_600_000;

/** Decayed disposition counts for one key (a rule, a rule on an entity, or an entity). */
interface Tally {
  malicious: number;
  benign: number;
  falsePositive: number;
  lastMs: number;
  lastAlertId: string | undefined;
}

export interface LearnedDisposition {
  ruleName: string;
  /** `kind:value` keys of the alert's host and user entities. */
  entityKeys: string[];
  verdict: AnalystVerdict;
  timeMs: number;
  alertId?: string;
}

/**
 * What analysts decided before, by rule, by rule on an entity, and by entity, with exponential
 * forgetting. Rebuilt from the store's dispositions at start; updated as feedback arrives.
 */
export class MemoryIndex {
  readonly byRule = new Map<string, Tally>();
  readonly byRuleEntity = new Map<string, Tally>();
  readonly byEntity = new Map<string, Tally>();
  private readonly halfLifeMs: number;
  /** Bumped on every learn: duplicate caches compare it to know their verdicts are stale. */
  generation = 0;

  constructor(halfLifeDays = 30) {
    this.halfLifeMs = halfLifeDays * DAY_MS;
  }

  /** Forgets everything (before learning the store's dispositions again). */
  clear(): void {
    this.byRule.clear();
    this.byRuleEntity.clear();
    this.byEntity.clear();
    // As in a fresh process: after learning the store's dispositions again, the generation equals
    // their count, which the persisted duplicate cache compares against.
    this.generation = 0;
  }

  learn(disposition: LearnedDisposition): void {
    const rule = disposition.ruleName.toLowerCase();
    this.add(this.byRule, rule, disposition);
    for (const entityKey of disposition.entityKeys) {
      this.add(this.byRuleEntity, `${rule}\u0000${entityKey}`, disposition);
      this.add(this.byEntity, entityKey, disposition);
    }
    this.generation += 1;
  }

  /** Counts decayed to `nowMs` (never negative time: a replay never looks ahead). */
  read(map: Map<string, Tally>, key: string, nowMs: number): Tally | undefined {
    const tally = map.get(key);
    if (!tally) return undefined;
    const factor = 0.5 ** (Math.max(0, nowMs - tally.lastMs) / this.halfLifeMs);
    return {
      malicious: tally.malicious * factor,
      benign: tally.benign * factor,
      falsePositive: tally.falsePositive * factor,
      lastMs: tally.lastMs,
      lastAlertId: tally.lastAlertId,
    };
  }

  private add(map: Map<string, Tally>, key: string, disposition: LearnedDisposition): void {
    const existing = map.get(key);
    const referenceMs = Math.max(existing?.lastMs ?? disposition.timeMs, disposition.timeMs);
    const tally = existing ? this.read(map, key, referenceMs)! : { malicious: 0, benign: 0, falsePositive: 0, lastMs: referenceMs, lastAlertId: undefined };
    // A disposition older than the tally arrives already decayed, like the ones counted before it.
    const weight = 0.5 ** ((referenceMs - disposition.timeMs) / this.halfLifeMs);
    if (disposition.verdict === 'true_positive') tally.malicious += weight;
    else if (disposition.verdict === 'benign_positive') tally.benign += weight;
    else tally.falsePositive += weight;
    if (disposition.timeMs >= tally.lastMs || tally.lastAlertId === undefined) tally.lastAlertId = disposition.alertId ?? tally.lastAlertId;
    tally.lastMs = referenceMs;
    map.set(key, tally);
  }
}

/** The host and user keys memory files a disposition under. */
export function memoryEntityKeys(entities: ReadonlyArray<{ kind: string; value: string }>): string[] {
  // A Set keeps this linear: alerts can carry thousands of hosts.
  const keys = new Set<string>();
  for (const entity of entities) {
    if (entity.kind === 'host' || entity.kind === 'user') keys.add(`${entity.kind}:${entity.value.toLowerCase()}`);
  }
  return [...keys];
}

export interface MemoryEnricherOptions {
  memory: MemoryIndex;
  /** Pseudo-count of the prior when blending in history. */
  priorStrength: number;
  /** The prior the decide stage starts from, for this alert. */
  priorFor(alert: Alert): number;
}

/** Learned rates never reach certainty: a few dispositions must not pin a rule to 0 or 1. */
const RATE_EPSILON = 0.005;

/**
 * Turns history into evidence: a Beta-smoothed rate of malicious dispositions for the rule, then
 * for the rule on this host/user (shrunk toward the rule's rate), and any confirmed compromise of
 * the entity. Each weight is the log-odds step from the level before it.
 */
export function createMemoryEnricher(options: MemoryEnricherOptions): EnricherV1 {
  const { memory, priorStrength } = options;
  return {
    id: 'memory',
    description: 'How analysts dispositioned this rule, this rule on this host or user, and this entity before.',
    enrich(alert: Alert, context: EnrichContext): Finding[] {
      const findings: Finding[] = [];
      const now = context.timeMs;
      const rule = alert.ruleName.toLowerCase();
      const prior = options.priorFor(alert);
      let level = prior;
      const ruleTally = memory.read(memory.byRule, rule, now);
      if (ruleTally) {
        const total = ruleTally.malicious + ruleTally.benign + ruleTally.falsePositive;
        const rate = clampProbability((ruleTally.malicious + priorStrength * prior) / (total + priorStrength), RATE_EPSILON);
        findings.push(tallyFinding(`"${alert.ruleName}"`, ruleTally, total, logit(rate) - logit(level), now, 'memory:rule'));
        level = rate;
      }
      let best: { key: string; tally: Tally; total: number } | undefined;
      for (const entityKey of memoryEntityKeys(alert.entities)) {
        const tally = memory.read(memory.byRuleEntity, `${rule}\u0000${entityKey}`, now);
        if (!tally) continue;
        const total = tally.malicious + tally.benign + tally.falsePositive;
        if (!best || total > best.total) best = { key: entityKey, tally, total };
      }
      if (best) {
        const rate = clampProbability((best.tally.malicious + priorStrength * level) / (best.total + priorStrength), RATE_EPSILON);
        findings.push(tallyFinding(`"${alert.ruleName}" on ${best.key.replace(':', ' ')}`, best.tally, best.total, logit(rate) - logit(level), now, 'memory:rule-entity'));
      }
      for (const entityKey of memoryEntityKeys(alert.entities)) {
        const tally = memory.read(memory.byEntity, entityKey, now);
        if (!tally || tally.malicious < 0.5 || now - tally.lastMs > ENTITY_INCIDENT_MS) continue;
        findings.push({
          kind: 'memory',
          claim: `Analysts confirmed ${Math.round(tally.malicious)} alert${tally.malicious >= 1.5 ? 's' : ''} on ${entityKey.replace(':', ' ')} as malicious in the last ${formatSpan(now - tally.lastMs)}${tally.lastAlertId ? ` (latest ${tally.lastAlertId})` : ''}.`,
          weight: Math.min(0.5, 0.25 * tally.malicious),
          refs: [`memory:entity:${entityKey}`],
        });
      }
      return findings;
    },
  };
}

function tallyFinding(subject: string, tally: Tally, total: number, weight: number, now: number, ref: string): Finding {
  const benignShare = tally.benign >= tally.falsePositive;
  const closed = tally.benign + tally.falsePositive;
  return {
    kind: 'memory',
    claim: `Analysts closed ${formatCount(closed)} of ${formatCount(total)} earlier ${subject} alerts as ${benignShare ? 'benign' : 'false positive'} and confirmed ${formatCount(tally.malicious)} (${describeLatest(now, tally)}).`,
    weight,
    refs: [ref],
    ...(weight < 0 ? { benignReason: benignShare ? ('expected_activity' as const) : ('detection_error' as const) } : {}),
  };
}

/** When the newest disposition was made, relative to the alert (a replay may see later ones). */
function describeLatest(now: number, tally: Tally): string {
  const when = now >= tally.lastMs ? `latest ${formatSpan(now - tally.lastMs)} ago` : 'latest made after this alert was raised';
  return tally.lastAlertId ? `${when}, ${tally.lastAlertId}` : when;
}

function formatCount(value: number): string {
  const rounded = Math.round(value);
  return Math.abs(value - rounded) < 0.05 ? String(rounded) : value.toFixed(1);
}
