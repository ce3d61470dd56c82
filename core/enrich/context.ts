import type { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ContextConfigSchema } from '../config/config-schema.js';
import { DirtyKeys, type PersistentState } from '../pipeline/triage-state.js';
import { createContextState, type RuleFleet, type SubjectState, type StreamState } from './context-state.js';
import { BASELINE_IMMATURE_REF } from '../pipeline/decide.js';
import { tacticRank, tacticsOf, tacticName } from './attack-catalog.js';
import type { EnrichContext, EnricherV1, Finding, ObservedOutcome } from './enricher.js';
import { formatSpan } from './format-span.js';
import { createBaselines } from './context-baseline.js';
import { createSubjectKeys, describesHostEvent } from './context-subjects.js';
import { createSecondPeers, ONSET_MS, SUSPICIOUS } from './context-peers.js';

export type ContextOptions = z.infer<typeof ContextConfigSchema>;

const HOUR_MS = 3_600_000;
const BURST_BUCKET_MS = 300_000;
const MAX_RULES_PER_SUBJECT = 2_000;
/** Most alert types tracked fleet-wide (bounded; the least recently active are dropped). */
const MAX_FLEET_RULES = 50_000;
/** Correlation at or above this puts a subject "in an incident". */
const INCIDENT_CORRELATION = 0.8;
/** Share of history-based benign weight that stops counting during an incident. */
const INCIDENT_HISTORY_DISCOUNT = 0.8;
/** Other subjects with new or suspicious activity that make a network-wide wave. */
const WAVE_SUBJECTS = 2;

/**
 * What else is happening around an alert, learned from the stream itself (no labels): whether the
 * rule is routine on this host, new to it, bursting; whether other new or suspicious alert types
 * fire on the same host (correlation) or across the network (a wave) at the same time; and, in
 * such an incident, that history learned in quiet times does not apply.
 *
 * Novelty ("first time here") and silence ("nothing else around it") mean something only against a
 * baseline: they carry weight once the subject and the fleet have been watched long enough
 * (`warmupSeconds`, `baselineMinAlerts`, `fleetBaselineSeconds`); before that the claim says there
 * is no baseline yet, with weight 0. Every context claim states the baseline it rests on.
 *
 * `enrich` only reads the state; `observe` changes it (the engine calls it once the alert's
 * second is over, in a canonical order, so same-second alerts see the same state). The state is
 * bounded (least recently seen subjects and rules are dropped) and persisted through `state`.
 */
export function createContextEnricher(options: Partial<ContextOptions> = {}): EnricherV1 & { readonly size: number; readonly state: PersistentState } {
  const settings = ContextConfigSchema.parse(options);
  const windowMs = settings.windowSeconds * 1000;
  const warmupMs = settings.warmupSeconds * 1000;
  const fleetBaselineMs = settings.fleetBaselineSeconds * 1000;
  const subjects = new Map<string, SubjectState>();
  const fleet = new Map<string, RuleFleet>();
  /** Subjects with a new or suspicious alert type, and when: the network-wide wave. */
  const notableSubjects = new Map<string, number>();
  const stream: StreamState = { startMs: undefined, alerts: 0 };
  const dirtySubjects = new DirtyKeys('context.subject');
  const dirtyFleet = new DirtyKeys('context.fleet');
  const dirtyWave = new DirtyKeys('context.wave');
  const streamDirty = { value: false };
  let lastPrunedSecond: number | undefined;
  /** The subject `observe` inserted last: the last in `subjects` order (a load makes new objects, so never matches a stale one). */
  let mostRecentSubject: SubjectState | undefined;
  const subjectKeys = createSubjectKeys();
  const baselines = createBaselines({ warmupMs, baselineMinAlerts: settings.baselineMinAlerts, fleetBaselineMs }, stream);
  const peers = createSecondPeers({ subjects, baselineOf: baselines.of, subjectKeys });

  /** Other subjects in the wave (read-only: expired entries are pruned when alerts are observed). */
  function wave(now: number, except: string): string[] {
    const active = new Set<string>();
    for (const [key, lastMs] of notableSubjects) {
      if (now - lastMs <= windowMs && key !== except) active.add(key);
    }
    for (const key of peers.notableSubjects()) if (key !== except) active.add(key);
    return [...active].sort();
  }

  function enrich(alert: Alert, context: EnrichContext): Finding[] {
    const now = context.timeMs;
    const rule = alert.ruleName.toLowerCase();
    const primary = subjectKeys(alert)[0];
    if (primary === undefined) return [];
    const findings: Finding[] = [];
    const subject = subjects.get(primary);
    const label = primary.replace(':', ' ');
    const baseline = baselines.of(subject, now);
    // The first hours of a deployment, before any subject can have a baseline: closing needs strong benign evidence.
    const isFleetImmature = baseline.fleetMs < Math.min(warmupMs, fleetBaselineMs);
    const refs = isFleetImmature ? [`entities(${primary})`, 'stream:context-window', BASELINE_IMMATURE_REF] : [`entities(${primary})`, 'stream:context-window'];
    const history = subject?.rules.get(rule);

    // Correlation: other alert types on this subject in the window, new to it or suspicious.
    let correlation = 0;
    const correlated: string[] = [];
    const counted = new Set<string>();
    const tactics = new Set<string>();
    const correlate = (otherRule: string, isNew: boolean, isSuspicious: boolean): void => {
      if (!isNew && !isSuspicious) return;
      counted.add(otherRule);
      correlation += (isNew ? 0.4 : 0) + (isSuspicious ? 0.8 : 0);
      correlated.push(`${otherRule}${isSuspicious ? ' (suspicious)' : ' (new)'}`);
    };
    for (const [otherRule, other] of subject?.rules ?? []) {
      if (now - other.lastSeenMs > windowMs) continue;
      for (const tactic of other.tactics) tactics.add(tactic);
      if (otherRule === rule) continue;
      correlate(otherRule, other.novelAtFirst && now - other.firstSeenMs <= windowMs, other.intrinsic >= SUSPICIOUS && now - other.firstSeenMs <= ONSET_MS);
    }
    // The other alerts of this very second on this subject count the same way, in both directions.
    for (const [peerRule, peer] of peers.rulesOn(primary) ?? []) {
      for (const tactic of peer.tactics) tactics.add(tactic);
      if (peerRule === rule || counted.has(peerRule)) continue;
      const { isNew, isSuspicious } = peers.isNotableOn(primary, peerRule, peer.intrinsic, now);
      correlate(peerRule, isNew, isSuspicious);
    }
    correlated.sort();
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
        findings.push({
          kind: 'context',
          claim: `"${alert.ruleName}" is bursting on ${label}: ${recent} alerts in 5 minutes against about ${expected.toFixed(1)} expected (${baselines.describe(label, baseline)}).`,
          weight: 1.0,
          refs,
        });
      }
    }

    const isRoutine = history !== undefined && history.activeHours >= settings.routineMinHours && now - history.firstSeenMs >= 12 * HOUR_MS;
    const isFirstHere = history === undefined && subject !== undefined;
    const isNewHere = isFirstHere && baseline.isMature;
    if (isRoutine && !isIncident) {
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" is routine on ${label}: it fired ${history.count} times in ${history.activeHours} distinct hours over ${formatSpan(now - history.firstSeenMs)} (${baselines.describe(label, baseline)}).`,
        weight: -Math.min(2.5, 0.8 + 0.6 * Math.log(history.activeHours / settings.routineMinHours + 1)),
        refs,
        benignReason: 'expected_activity',
      });
    } else if (isNewHere) {
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" fires on ${label} for the first time in ${formatSpan(baseline.subjectMs)} of watching it (${baselines.describe(label, baseline)}).`,
        weight: 0.6,
        refs,
      });
    } else if (isFirstHere) {
      findings.push({
        kind: 'context',
        claim: `"${alert.ruleName}" fires on ${label} for the first time, but there is no baseline yet to call that new (${baselines.describe(label, baseline)}; ${baselines.need()}): not counted.`,
        weight: 0,
        refs,
      });
    }
    if (history === undefined && !isIncident && !isNewHere) {
      const ruleFleet = fleet.get(rule);
      if (ruleFleet && ruleFleet.activeHours >= settings.routineMinHours && ruleFleet.subjects >= 3 && baseline.fleetMs >= fleetBaselineMs) {
        findings.push({
          kind: 'context',
          claim: `"${alert.ruleName}" is new on ${label} but routine across the fleet (${ruleFleet.subjects} subjects, ${ruleFleet.activeHours} hours; the network watched ${formatSpan(baseline.fleetMs)}).`,
          weight: -0.5,
          refs,
          benignReason: 'expected_activity',
        });
      }
    }

    if (correlation > 0) {
      findings.push({
        kind: 'context',
        claim: `${correlated.length} other alert type${correlated.length > 1 ? 's' : ''} new to ${label} or suspicious fired within ${formatSpan(windowMs)}: ${correlated.slice(0, 3).join('; ')}${correlated.length > 3 ? '; ...' : ''}.`,
        weight: correlation,
        refs,
      });
    }
    if (waveSubjects.length >= WAVE_SUBJECTS) {
      findings.push({
        kind: 'context',
        claim: `${waveSubjects.length} other hosts or accounts raised new or suspicious alert types within ${formatSpan(windowMs)} (${waveSubjects
          .slice(0, 4)
          .map((key) => key.replace(':', ' '))
          .join(', ')}${waveSubjects.length > 4 ? ', ...' : ''}): activity across the network.`,
        weight: waveSubjects.length >= 2 * WAVE_SUBJECTS ? 0.8 : 0.4,
        refs: ['stream:network-window'],
      });
    }
    for (const id of alert.attack) for (const tactic of tacticsOf(id)) tactics.add(tactic);
    if (tactics.size >= 3) {
      const ordered = [...tactics].sort((left, right) => tacticRank(left) - tacticRank(right) || left.localeCompare(right));
      findings.push({
        kind: 'context',
        claim: `Alerts on ${label} within ${formatSpan(windowMs)} span ${tactics.size} ATT&CK tactics: ${ordered.map(tacticName).join(' -> ')}.`,
        weight: Math.min(1.5, 0.5 * (tactics.size - 2)),
        refs,
      });
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
    } else if (correlation === 0 && !isBursting && !isFirstHere && !describesHostEvent(alert)) {
      // Silence is evidence only when there was a window's worth of watching to hear something in.
      const hasHeard = baseline.subjectMs >= windowMs && baseline.fleetMs >= fleetBaselineMs;
      findings.push(
        hasHeard
          ? {
              kind: 'context',
              claim: `Nothing else new or suspicious has been seen on ${label} or across the network in the last ${formatSpan(windowMs)} (${baselines.describe(label, baseline)}).`,
              weight: -0.4,
              refs,
              benignReason: 'expected_activity',
            }
          : {
              kind: 'context',
              claim: `Nothing else new or suspicious has been seen on ${label}, but there is no baseline yet to call that quiet (${baselines.describe(label, baseline)}): not counted.`,
              weight: 0,
              refs,
            },
      );
    }
    if (isFleetImmature && !findings.some((finding) => finding.refs.includes(BASELINE_IMMATURE_REF))) {
      findings.push({
        kind: 'context',
        claim: `The network has been watched for ${formatSpan(baseline.fleetMs)} (${baseline.fleetAlerts} alerts), less than the ${formatSpan(warmupMs)} any baseline needs: closing this alert needs strong benign evidence.`,
        weight: 0,
        refs: ['stream:network-window', BASELINE_IMMATURE_REF],
      });
    }
    return findings;
  }

  function observe(alert: Alert, context: EnrichContext, outcome: ObservedOutcome): void {
    const now = context.timeMs;
    if (stream.startMs === undefined || now < stream.startMs) stream.startMs = now;
    stream.alerts += 1;
    streamDirty.value = true;
    pruneWave(now);
    const rule = alert.ruleName.toLowerCase();
    const hour = Math.floor(now / HOUR_MS);
    for (const key of subjectKeys(alert)) {
      let subject = subjects.get(key);
      // Re-inserted so Map order is the LRU order, unless it is the last one in already (a flood on one host).
      const isMostRecent = subject !== undefined && subject === mostRecentSubject;
      if (subject) {
        if (!isMostRecent) subjects.delete(key);
      } else {
        subject = { firstSeenMs: now, lastSeenMs: now, alerts: 0, rules: new Map() };
        if (subjects.size >= settings.maxEntities) {
          const oldest = subjects.keys().next().value;
          if (oldest !== undefined) {
            subjects.delete(oldest);
            dirtySubjects.remove(oldest);
          }
        }
      }
      // Whether novelty counts is decided against the baseline before this alert joins it.
      const isMature = subject.rules.has(rule) ? false : baselines.of(subject, now).isMature;
      if (!isMostRecent) subjects.set(key, subject);
      mostRecentSubject = subject;
      dirtySubjects.touch(key);
      subject.lastSeenMs = Math.max(subject.lastSeenMs, now);
      subject.alerts += 1;
      let history = subject.rules.get(rule);
      if (!history) {
        if (subject.rules.size >= MAX_RULES_PER_SUBJECT) continue;
        const ruleFleet = fleet.get(rule) ?? { subjects: 0, activeHours: 0, lastHour: -1 };
        ruleFleet.subjects += 1;
        setFleet(rule, ruleFleet);
        history = {
          firstSeenMs: now,
          lastSeenMs: now,
          count: 0,
          activeHours: 0,
          lastHour: -1,
          novelAtFirst: isMature,
          bucket: Math.floor(now / BURST_BUCKET_MS),
          bucketCount: 0,
          tactics: alert.attack.flatMap(tacticsOf),
          intrinsic: outcome.intrinsicProbability,
        };
        subject.rules.set(rule, history);
        if (history.novelAtFirst) markNotable(key, now);
      }
      history.count += 1;
      history.lastSeenMs = Math.max(history.lastSeenMs, now);
      history.intrinsic = outcome.intrinsicProbability;
      if (outcome.intrinsicProbability >= SUSPICIOUS && now - history.firstSeenMs <= ONSET_MS) markNotable(key, now);
      if (hour !== history.lastHour) {
        history.activeHours += 1;
        history.lastHour = hour;
      }
      const bucket = Math.floor(now / BURST_BUCKET_MS);
      if (bucket !== history.bucket) {
        history.bucket = bucket;
        history.bucketCount = 0;
      }
      history.bucketCount += 1;
    }
    const ruleFleet = fleet.get(rule);
    if (ruleFleet && ruleFleet.lastHour !== hour) {
      ruleFleet.activeHours += 1;
      ruleFleet.lastHour = hour;
      setFleet(rule, ruleFleet);
    }
  }

  function setFleet(rule: string, entry: RuleFleet): void {
    fleet.delete(rule); // re-insert: Map order is the LRU order
    if (fleet.size >= MAX_FLEET_RULES) {
      const oldest = fleet.keys().next().value;
      if (oldest !== undefined) {
        fleet.delete(oldest);
        dirtyFleet.remove(oldest);
      }
    }
    fleet.set(rule, entry);
    dirtyFleet.touch(rule);
  }

  function markNotable(key: string, now: number): void {
    notableSubjects.set(key, Math.max(notableSubjects.get(key) ?? now, now));
    dirtyWave.touch(key);
  }

  function pruneWave(now: number): void {
    // Once a second is enough: entries expire by the window, whole seconds at a time.
    const second = Math.floor(now / 1000);
    if (second === lastPrunedSecond) return;
    lastPrunedSecond = second;
    for (const [key, lastMs] of notableSubjects) {
      if (now - lastMs > windowMs) {
        notableSubjects.delete(key);
        dirtyWave.remove(key);
      }
    }
  }

  const state = createContextState({ subjects, fleet, notableSubjects, stream, dirtySubjects, dirtyFleet, dirtyWave, streamDirty });

  return {
    id: 'context',
    description:
      'Other alerts on the same host, user or address and across the network in a sliding window: routine, new, bursting, correlated, waves, tactic progression; each against a stated baseline.',
    enrich,
    observe,
    beginTick: peers.begin,
    endTick: peers.end,
    state,
    get size() {
      return subjects.size;
    },
  };
}
