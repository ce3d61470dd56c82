import { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ContextConfigSchema } from '../config/config-schema.js';
import { tacticRank, tacticsOf, tacticName } from './attack-catalog.js';
import type { EnrichContext, EnricherV1, Finding } from './enricher.js';

export type ContextOptions = z.infer<typeof ContextConfigSchema>;

const HOUR_MS = 3_600_000;
const BURST_BUCKET_MS = 300_000;

/** One rule's history on one subject (host, user or source address). */
interface RuleHistory {
  firstSeenMs: number;
  lastSeenMs: number;
  count: number;
  activeHours: number;
  lastHour: number;
  /** The rule was new on a subject that had been watched for the warm-up period. */
  novelAtFirst: boolean;
  bucket: number;
  bucketCount: number;
  previousBucketCount: number;
  tactics: string[];
}

interface SubjectState {
  firstSeenMs: number;
  lastSeenMs: number;
  rules: Map<string, RuleHistory>;
}

/** Fleet-wide view of a rule: on how many subjects and how long it has been firing. */
interface RuleFleet {
  firstSeenMs: number;
  subjects: number;
  activeHours: number;
  lastHour: number;
}

const MAX_RULES_PER_SUBJECT = 2_000;

/**
 * What else is happening around an alert, learned from the stream itself (no labels): whether the
 * rule is routine on this host, new to it, bursting, and whether other new alert types are firing
 * on the same host at the same time. State is bounded: least recently seen subjects are dropped.
 */
export function createContextEnricher(options: Partial<ContextOptions> = {}): EnricherV1 & {
  /** Subjects tracked now (for tests and the memory bound). */
  readonly size: number;
} {
  const settings = ContextConfigSchema.parse(options);
  const windowMs = settings.windowSeconds * 1000;
  const warmupMs = settings.warmupSeconds * 1000;
  const subjects = new Map<string, SubjectState>();
  const fleet = new Map<string, RuleFleet>();
  let streamStartMs: number | undefined;

  function subjectKeys(alert: Alert): string[] {
    const keys: string[] = [];
    for (const entity of alert.entities) {
      if (entity.kind === 'host' || entity.kind === 'user') keys.push(`${entity.kind}:${entity.value.toLowerCase()}`);
      else if (entity.kind === 'ip' && entity.role === 'source') keys.push(`ip:${entity.value}`);
    }
    if (keys.length === 0) {
      for (const entity of alert.entities) if (entity.kind === 'ip') keys.push(`ip:${entity.value}`);
    }
    return keys;
  }

  function enrich(alert: Alert, context: EnrichContext): Finding[] {
    const now = context.timeMs;
    const rule = alert.ruleName.toLowerCase();
    const findings: Finding[] = [];
    const keys = subjectKeys(alert);
    const primary = keys[0];
    if (primary === undefined) return findings;
    const subject = subjects.get(primary);
    const label = primary.replace(':', ' ');
    const refs = [`entities(${primary})`, 'stream:context-window'];
    const watchedMs = subject ? now - subject.firstSeenMs : 0;
    const isWarm = watchedMs >= warmupMs;
    const history = subject?.rules.get(rule);

    if (history && history.activeHours >= settings.routineMinHours && now - history.firstSeenMs >= 12 * HOUR_MS) {
      const weight = -Math.min(2.5, 0.8 + 0.6 * Math.log(history.activeHours / settings.routineMinHours + 1));
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" is routine on ${label}: it fired ${history.count} times in ${history.activeHours} distinct hours over ${formatSpan(now - history.firstSeenMs)}.`,
        weight,
        refs,
        benignReason: 'expected_activity',
      });
    } else if (!history && isWarm) {
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" fires on ${label} for the first time in ${formatSpan(watchedMs)} of watching it.`,
        weight: 0.6,
        refs,
      });
    } else if (!history) {
      const ruleFleet = fleet.get(rule);
      const streamAge = streamStartMs === undefined ? 0 : now - streamStartMs;
      if (ruleFleet && ruleFleet.activeHours >= settings.routineMinHours && ruleFleet.subjects >= 3 && streamAge >= warmupMs) {
        findings.push({
          kind: 'context',
          claim: `"${alert.ruleName}" is new on ${label} but routine across the fleet (${ruleFleet.subjects} subjects, ${ruleFleet.activeHours} hours).`,
          weight: -0.5,
          refs,
          benignReason: 'expected_activity',
        });
      }
    }

    if (history) {
      const bucket = Math.floor(now / BURST_BUCKET_MS);
      const recent = bucket === history.bucket ? history.bucketCount : bucket === history.bucket + 1 ? history.previousBucketCount : 0;
      const spanMs = Math.max(HOUR_MS, history.lastSeenMs - history.firstSeenMs);
      const expected = (history.count * BURST_BUCKET_MS) / spanMs;
      if (recent >= 20 && recent > 10 * expected && now - history.firstSeenMs <= 24 * HOUR_MS) {
        findings.push({
          kind: 'context',
          claim: `"${alert.ruleName}" is bursting on ${label}: ${recent} alerts in 5 minutes against about ${expected.toFixed(1)} expected.`,
          weight: 1.0,
          refs,
        });
      }
    }

    if (subject) {
      const novelRules: string[] = [];
      const tactics = new Set<string>();
      for (const [otherRule, other] of subject.rules) {
        if (now - other.lastSeenMs > windowMs) continue;
        for (const tactic of other.tactics) tactics.add(tactic);
        if (otherRule !== rule && other.novelAtFirst && now - other.firstSeenMs <= windowMs) novelRules.push(otherRule);
      }
      if (novelRules.length > 0) {
        findings.push({
          kind: 'context',
          claim: `${novelRules.length} other alert type${novelRules.length > 1 ? 's' : ''} new to ${label} fired within ${formatSpan(windowMs)}: ${novelRules.slice(0, 3).join('; ')}${novelRules.length > 3 ? '; …' : ''}.`,
          weight: Math.min(2.4, 0.6 * novelRules.length + 0.2),
          refs,
        });
      }
      for (const id of alert.attack) for (const tactic of tacticsOf(id)) tactics.add(tactic);
      if (tactics.size >= 3) {
        const ordered = [...tactics].sort((left, right) => tacticRank(left) - tacticRank(right));
        findings.push({
          kind: 'context',
          claim: `Alerts on ${label} within ${formatSpan(windowMs)} span ${tactics.size} ATT&CK tactics: ${ordered.map(tacticName).join(' → ')}.`,
          weight: Math.min(1.5, 0.5 * (tactics.size - 2)),
          refs,
        });
      }
    }
    return findings;
  }

  function observe(alert: Alert, context: EnrichContext): void {
    const now = context.timeMs;
    streamStartMs ??= now;
    const rule = alert.ruleName.toLowerCase();
    const hour = Math.floor(now / HOUR_MS);
    const tactics = alert.attack.flatMap(tacticsOf);
    for (const key of subjectKeys(alert)) {
      let subject = subjects.get(key);
      if (subject) {
        subjects.delete(key); // re-insert: Map order is the LRU order
      } else {
        subject = { firstSeenMs: now, lastSeenMs: now, rules: new Map() };
        if (subjects.size >= settings.maxEntities) {
          const oldest = subjects.keys().next().value;
          if (oldest !== undefined) subjects.delete(oldest);
        }
      }
      subjects.set(key, subject);
      subject.lastSeenMs = Math.max(subject.lastSeenMs, now);
      let history = subject.rules.get(rule);
      if (!history) {
        if (subject.rules.size >= MAX_RULES_PER_SUBJECT) continue;
        const isFirstForFleet = !fleet.has(rule);
        const ruleFleet = fleet.get(rule) ?? { firstSeenMs: now, subjects: 0, activeHours: 0, lastHour: -1 };
        ruleFleet.subjects += 1;
        if (isFirstForFleet) fleet.set(rule, ruleFleet);
        history = {
          firstSeenMs: now,
          lastSeenMs: now,
          count: 0,
          activeHours: 0,
          lastHour: -1,
          novelAtFirst: now - subject.firstSeenMs >= warmupMs,
          bucket: Math.floor(now / BURST_BUCKET_MS),
          bucketCount: 0,
          previousBucketCount: 0,
          tactics,
        };
        subject.rules.set(rule, history);
      }
      history.count += 1;
      history.lastSeenMs = Math.max(history.lastSeenMs, now);
      if (hour !== history.lastHour) {
        history.activeHours += 1;
        history.lastHour = hour;
      }
      const bucket = Math.floor(now / BURST_BUCKET_MS);
      if (bucket !== history.bucket) {
        history.previousBucketCount = bucket === history.bucket + 1 ? history.bucketCount : 0;
        history.bucket = bucket;
        history.bucketCount = 0;
      }
      history.bucketCount += 1;
    }
    const ruleFleet = fleet.get(rule);
    if (ruleFleet && ruleFleet.lastHour !== hour) {
      ruleFleet.activeHours += 1;
      ruleFleet.lastHour = hour;
    }
  }

  return {
    id: 'context',
    description: 'Other alerts on the same host, user or address in a sliding window: routine, new, bursting, correlated, tactic progression.',
    enrich,
    observe,
    get size() {
      return subjects.size;
    },
  };
}

export function formatSpan(milliseconds: number): string {
  const minutes = Math.round(milliseconds / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}
