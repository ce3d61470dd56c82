import { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ContextConfigSchema } from '../config/config-schema.js';
import { tacticRank, tacticsOf, tacticName } from './attack-catalog.js';
import type { EnrichContext, EnricherV1, Finding, ObservedOutcome } from './enricher.js';
import { formatSpan } from './format-span.js';

export type ContextOptions = z.infer<typeof ContextConfigSchema>;

const HOUR_MS = 3_600_000;
const BURST_BUCKET_MS = 300_000;
const MAX_RULES_PER_SUBJECT = 2_000;
/** An alert type counts as suspicious on its own at this intrinsic probability. */
const SUSPICIOUS = 0.45;
/** Correlation at or above this puts a subject "in an incident". */
const INCIDENT_CORRELATION = 0.8;
/** Share of history-based benign weight that stops counting during an incident. */
const INCIDENT_HISTORY_DISCOUNT = 0.8;
/** A suspicious alert type counts as a change only this long after it first fired on a subject. */
const ONSET_MS = 6 * HOUR_MS;
/** Other subjects with new or suspicious activity that make a network-wide wave. */
const WAVE_SUBJECTS = 2;

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
  /** Intrinsic probability of its latest alert (what the alert says by itself). */
  intrinsic: number;
}

interface SubjectState {
  firstSeenMs: number;
  lastSeenMs: number;
  rules: Map<string, RuleHistory>;
}

/** Fleet-wide view of a rule: on how many subjects and how long it has been firing. */
interface RuleFleet {
  subjects: number;
  activeHours: number;
  lastHour: number;
}

/**
 * What else is happening around an alert, learned from the stream itself (no labels): whether the
 * rule is routine on this host, new to it, bursting; whether other new or suspicious alert types
 * fire on the same host (correlation) or across the network (a wave) at the same time; and, in
 * such an incident, that history learned in quiet times does not apply. Bounded memory: least
 * recently seen subjects are dropped.
 */
export function createContextEnricher(options: Partial<ContextOptions> = {}): EnricherV1 & { readonly size: number } {
  const settings = ContextConfigSchema.parse(options);
  const windowMs = settings.windowSeconds * 1000;
  const warmupMs = settings.warmupSeconds * 1000;
  const subjects = new Map<string, SubjectState>();
  const fleet = new Map<string, RuleFleet>();
  /** Subjects with a new or suspicious alert type, and when: the network-wide wave. */
  const notableSubjects = new Map<string, number>();
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

  function wave(now: number, except: string): string[] {
    const active: string[] = [];
    for (const [key, lastMs] of notableSubjects) {
      if (now - lastMs > windowMs) notableSubjects.delete(key);
      else if (key !== except) active.push(key);
    }
    return active;
  }

  function enrich(alert: Alert, context: EnrichContext): Finding[] {
    const now = context.timeMs;
    const rule = alert.ruleName.toLowerCase();
    const primary = subjectKeys(alert)[0];
    if (primary === undefined) return [];
    const findings: Finding[] = [];
    const subject = subjects.get(primary);
    const label = primary.replace(':', ' ');
    const refs = [`entities(${primary})`, 'stream:context-window'];
    const watchedMs = subject ? now - subject.firstSeenMs : 0;
    const history = subject?.rules.get(rule);

    // Correlation: other alert types on this subject in the window, new to it or suspicious.
    let correlation = 0;
    const correlated: string[] = [];
    const tactics = new Set<string>();
    if (subject) {
      for (const [otherRule, other] of subject.rules) {
        if (now - other.lastSeenMs > windowMs) continue;
        for (const tactic of other.tactics) tactics.add(tactic);
        if (otherRule === rule) continue;
        const isNew = other.novelAtFirst && now - other.firstSeenMs <= windowMs;
        const isSuspicious = other.intrinsic >= SUSPICIOUS && now - other.firstSeenMs <= ONSET_MS;
        if (!isNew && !isSuspicious) continue;
        correlation += (isNew ? 0.4 : 0) + (isSuspicious ? 0.8 : 0);
        correlated.push(`${otherRule}${isSuspicious ? ' (suspicious)' : ' (new)'}`);
      }
    }
    correlation = Math.min(2.5, correlation);
    const waveSubjects = wave(now, primary);
    const isIncident = correlation >= INCIDENT_CORRELATION || waveSubjects.length >= WAVE_SUBJECTS;

    // Burst of this rule against its own baseline.
    let isBursting = false;
    if (history) {
      const bucket = Math.floor(now / BURST_BUCKET_MS);
      // The current 5-minute bucket, or the one just before it when this alert opens a new bucket.
      const recent = bucket === history.bucket || bucket === history.bucket + 1 ? history.bucketCount : 0;
      const expected = (history.count * BURST_BUCKET_MS) / Math.max(HOUR_MS, history.lastSeenMs - history.firstSeenMs);
      if (recent >= 20 && recent > 10 * expected && now - history.firstSeenMs <= 24 * HOUR_MS) {
        isBursting = true;
        findings.push({ kind: 'context', claim: `"${alert.ruleName}" is bursting on ${label}: ${recent} alerts in 5 minutes against about ${expected.toFixed(1)} expected.`, weight: 1.0, refs });
      }
    }

    const isRoutine = history !== undefined && history.activeHours >= settings.routineMinHours && now - history.firstSeenMs >= 12 * HOUR_MS;
    const isNewHere = history === undefined && watchedMs >= warmupMs;
    if (isRoutine && !isIncident) {
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" is routine on ${label}: it fired ${history.count} times in ${history.activeHours} distinct hours over ${formatSpan(now - history.firstSeenMs)}.`,
        weight: -Math.min(2.5, 0.8 + 0.6 * Math.log(history.activeHours / settings.routineMinHours + 1)),
        refs,
        benignReason: 'expected_activity',
      });
    } else if (isNewHere) {
      findings.push({ kind: 'context', claim: `"${alert.ruleName}" fires on ${label} for the first time in ${formatSpan(watchedMs)} of watching it.`, weight: 0.6, refs });
    } else if (history === undefined && !isIncident) {
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

    if (correlation > 0) {
      findings.push({
        kind: 'context',
        claim: `${correlated.length} other alert type${correlated.length > 1 ? 's' : ''} new to ${label} or suspicious fired within ${formatSpan(windowMs)}: ${correlated.slice(0, 3).join('; ')}${correlated.length > 3 ? '; …' : ''}.`,
        weight: correlation,
        refs,
      });
    }
    if (waveSubjects.length >= WAVE_SUBJECTS) {
      findings.push({
        kind: 'context',
        claim: `${waveSubjects.length} other hosts or accounts raised new or suspicious alert types within ${formatSpan(windowMs)} (${waveSubjects.slice(0, 4).map((key) => key.replace(':', ' ')).join(', ')}${waveSubjects.length > 4 ? ', …' : ''}): activity across the network.`,
        weight: waveSubjects.length >= 2 * WAVE_SUBJECTS ? 0.8 : 0.4,
        refs: ['stream:network-window'],
      });
    }
    for (const id of alert.attack) for (const tactic of tacticsOf(id)) tactics.add(tactic);
    if (tactics.size >= 3) {
      const ordered = [...tactics].sort((left, right) => tacticRank(left) - tacticRank(right));
      findings.push({ kind: 'context', claim: `Alerts on ${label} within ${formatSpan(windowMs)} span ${tactics.size} ATT&CK tactics: ${ordered.map(tacticName).join(' → ')}.`, weight: Math.min(1.5, 0.5 * (tactics.size - 2)), refs });
    }

    if (isIncident) {
      // History describes quiet times; in the middle of an incident it must not close alerts alone.
      const historyWeight = context.evidence.filter((item) => item.source === 'memory' && item.weight < 0).reduce((sum, item) => sum + item.weight, 0);
      if (historyWeight < 0) {
        findings.push({
          kind: 'context',
          claim: `${label} is in an active incident, so the quiet-time history above counts for less (${Math.round(INCIDENT_HISTORY_DISCOUNT * 100)}% discounted).`,
          weight: -historyWeight * INCIDENT_HISTORY_DISCOUNT,
          refs,
        });
      }
    } else if (correlation === 0 && !isBursting && !isNewHere && !describesHostEvent(alert)) {
      findings.push({ kind: 'context', claim: `Nothing else new or suspicious has been seen on ${label} or across the network in the last ${formatSpan(windowMs)}.`, weight: -0.4, refs, benignReason: 'expected_activity' });
    }
    return findings;
  }

  function observe(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void {
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
        const ruleFleet = fleet.get(rule) ?? { subjects: 0, activeHours: 0, lastHour: -1 };
        ruleFleet.subjects += 1;
        fleet.set(rule, ruleFleet);
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
          intrinsic: outcome.intrinsicProbability,
        };
        subject.rules.set(rule, history);
        if (history.novelAtFirst) notableSubjects.set(key, now);
      }
      history.count += 1;
      history.lastSeenMs = Math.max(history.lastSeenMs, now);
      history.intrinsic = outcome.intrinsicProbability;
      if (outcome.intrinsicProbability >= SUSPICIOUS && now - history.firstSeenMs <= ONSET_MS) notableSubjects.set(key, now);
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
    description: 'Other alerts on the same host, user or address and across the network in a sliding window: routine, new, bursting, correlated, waves, tactic progression.',
    enrich,
    observe,
    get size() {
      return subjects.size;
    },
  };
}

/**
 * An alert about one endpoint event (a process, registry or file change) is often the only trace
 * an intrusion leaves: silence around it says little, unlike for a noisy network or log detector.
 */
function describesHostEvent(alert: Alert): boolean {
  return alert.entities.some((entity) => entity.kind === 'process' || entity.kind === 'registry' || entity.kind === 'file');
}
