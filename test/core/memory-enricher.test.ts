import { describe, expect, it } from 'vitest';
import type { Finding } from '../../core/enrich/enricher.js';
import { createMemoryEnricher, MemoryIndex, memoryEntityKeys, type LearnedDisposition } from '../../core/enrich/memory.js';
import type { AnalystVerdict } from '../../core/spec/disposition.js';
import type { Alert } from '../../core/spec/alert.js';
import { HOSTS, RULES, sampleAlert } from './sample-alerts.js';

const DAY_MS = 86_400_000;
const PRIOR = 0.3;
const STRENGTH = 3;
const logit = (p: number): number => Math.log(p / (1 - p));

// A real AIT alert type on a real host; dispositions are what analysts would have filed on it.
const alert = sampleAlert(RULES.sshScan, HOSTS.intranet);
const nowMs = Date.parse(alert.time);
const hostKey = 'host:intranet_server';

function disposition(verdict: AnalystVerdict, timeMs = nowMs, entityKeys = [hostKey], alertId?: string): LearnedDisposition {
  return { ruleName: alert.ruleName, entityKeys, verdict, timeMs, ...(alertId ? { alertId } : {}) };
}

function setup(dispositions: LearnedDisposition[], halfLifeDays = 30) {
  const memory = new MemoryIndex(halfLifeDays);
  for (const item of dispositions) memory.learn(item);
  const enricher = createMemoryEnricher({ memory, priorStrength: STRENGTH, priorFor: () => PRIOR });
  const enrich = (target: Alert = alert, timeMs = nowMs): Finding[] => enricher.enrich(target, { timeMs, evidence: [] });
  return { memory, enrich };
}

const byRef = (findings: Finding[], ref: string): Finding | undefined => findings.find((finding) => finding.refs.includes(ref));

describe('MemoryIndex', () => {
  it('files a disposition under the rule, the rule on each host/user, and each entity', () => {
    const { memory } = setup([disposition('false_positive', nowMs, [hostKey, 'user:www-data'])]);
    const rule = alert.ruleName.toLowerCase();
    expect(memory.read(memory.byRule, rule, nowMs)).toMatchObject({ malicious: 0, benign: 0, falsePositive: 1 });
    expect(memory.read(memory.byRuleEntity, `${rule}\u0000${hostKey}`, nowMs)?.falsePositive).toBe(1);
    expect(memory.read(memory.byRuleEntity, `${rule}\u0000user:www-data`, nowMs)?.falsePositive).toBe(1);
    expect(memory.read(memory.byEntity, hostKey, nowMs)?.falsePositive).toBe(1);
    expect(memory.read(memory.byRule, 'another rule', nowMs)).toBeUndefined();
  });

  it('forgets with the half-life: half after one, a quarter after two, never grows for a past reader', () => {
    const { memory } = setup([disposition('benign_positive', nowMs), disposition('benign_positive', nowMs)], 10);
    const rule = alert.ruleName.toLowerCase();
    expect(memory.read(memory.byRule, rule, nowMs + 10 * DAY_MS)?.benign).toBeCloseTo(1, 12);
    expect(memory.read(memory.byRule, rule, nowMs + 20 * DAY_MS)?.benign).toBeCloseTo(0.5, 12);
    expect(memory.read(memory.byRule, rule, nowMs - 5 * DAY_MS)?.benign).toBe(2);
  });

  it('decays the earlier tally to the time of the new disposition before adding it', () => {
    const { memory } = setup([disposition('true_positive', nowMs), disposition('true_positive', nowMs + 30 * DAY_MS)], 30);
    const tally = memory.read(memory.byRule, alert.ruleName.toLowerCase(), nowMs + 30 * DAY_MS)!;
    expect(tally.malicious).toBeCloseTo(1.5, 12);
    expect(tally.lastMs).toBe(nowMs + 30 * DAY_MS);
  });

  it('bumps its generation on every learn, so duplicate caches know their verdicts are stale', () => {
    const memory = new MemoryIndex();
    expect(memory.generation).toBe(0);
    memory.learn(disposition('false_positive'));
    memory.learn(disposition('true_positive'));
    expect(memory.generation).toBe(2);
  });

  it('memoryEntityKeys keeps hosts and users, lower-cased and once each', () => {
    expect(
      memoryEntityKeys([
        { kind: 'host', value: 'Intranet_Server' },
        { kind: 'ip', value: '10.143.2.4' },
        { kind: 'user', value: 'CORP\\Alice' },
        { kind: 'host', value: 'intranet_server' },
      ]),
    ).toEqual(['host:intranet_server', 'user:corp\\alice']);
  });
});

describe('memory enricher', () => {
  it('says nothing without history', () => {
    expect(setup([]).enrich()).toEqual([]);
  });

  it('turns false-positive dispositions into Beta-smoothed benign weights citing the analysts', () => {
    const findings = setup([disposition('false_positive'), disposition('false_positive'), disposition('false_positive', undefined, undefined, 'rm-00215')]).enrich();
    // Rule: (0 + 3 · 0.3) / (3 + 3) = 0.15; rule on host: (0 + 3 · 0.15) / (3 + 3) = 0.075.
    const rule = byRef(findings, 'memory:rule')!;
    const onHost = byRef(findings, 'memory:rule-entity')!;
    expect(rule.weight).toBeCloseTo(logit(0.15) - logit(PRIOR), 9);
    expect(onHost.weight).toBeCloseTo(logit(0.075) - logit(0.15), 9);
    for (const finding of [rule, onHost]) {
      expect(finding.kind).toBe('memory');
      expect(finding.benignReason).toBe('detection_error');
      expect(finding.claim).toMatch(/Analysts closed 3 of 3 earlier .*false positive/);
      expect(finding.claim).toContain('rm-00215');
    }
    expect(rule.claim).toContain(`"${alert.ruleName}"`);
    expect(onHost.claim).toContain('host intranet_server');
  });

  it('calls closures expected activity when analysts said benign positive more often', () => {
    const findings = setup([disposition('benign_positive'), disposition('benign_positive'), disposition('false_positive')]).enrich();
    expect(byRef(findings, 'memory:rule')?.benignReason).toBe('expected_activity');
    expect(byRef(findings, 'memory:rule')?.claim).toMatch(/closed 3 of 3 .* as benign/);
  });

  it('moves toward the analysts: more agreeing dispositions, larger steps; confirmations push up', () => {
    const weightAfter = (count: number, verdict: AnalystVerdict): number => byRef(setup(Array.from({ length: count }, () => disposition(verdict))).enrich(), 'memory:rule')!.weight;
    expect(weightAfter(1, 'false_positive')).toBeLessThan(0);
    expect(weightAfter(5, 'false_positive')).toBeLessThan(weightAfter(1, 'false_positive'));
    expect(weightAfter(20, 'false_positive')).toBeLessThan(weightAfter(5, 'false_positive'));
    // Clamped: never past 0.5 %.
    expect(weightAfter(10_000, 'false_positive')).toBeCloseTo(logit(0.005) - logit(PRIOR), 9);
    const confirmed = setup([disposition('true_positive'), disposition('true_positive')]).enrich();
    // Rule: (2 + 0.9) / 5 = 0.58.
    expect(byRef(confirmed, 'memory:rule')!.weight).toBeCloseTo(logit(0.58) - logit(PRIOR), 9);
    expect(byRef(confirmed, 'memory:rule')!.benignReason).toBeUndefined();
  });

  it('rule-on-host history shrinks toward the rule rate and uses the host with the most history', () => {
    const mixed = setup([
      disposition('false_positive', undefined, ['host:webserver']),
      disposition('false_positive', undefined, ['host:webserver']),
      disposition('true_positive', undefined, [hostKey]),
    ]);
    const findings = mixed.enrich();
    // Rule: (1 + 0.9) / 6 ≈ 0.3167, up from the prior; on intranet_server: (1 + 3 · 0.3167) / 4.
    const ruleRate = 1.9 / 6;
    expect(byRef(findings, 'memory:rule')!.weight).toBeCloseTo(logit(ruleRate) - logit(PRIOR), 9);
    expect(byRef(findings, 'memory:rule-entity')!.weight).toBeCloseTo(logit((1 + 3 * ruleRate) / 4) - logit(ruleRate), 9);
    // On webserver the two closures are the host's own history and pull down.
    const onWebserver = mixed.enrich(sampleAlert(RULES.sshScan, HOSTS.webserver));
    expect(byRef(onWebserver, 'memory:rule-entity')!.weight).toBeLessThan(0);
    expect(byRef(onWebserver, 'memory:rule-entity')!.claim).toContain('host webserver');
  });

  it('old history counts for less: weights shrink toward zero with the half-life', () => {
    const { enrich } = setup(
      Array.from({ length: 6 }, () => disposition('false_positive', nowMs)),
      30,
    );
    const fresh = byRef(enrich(alert, nowMs), 'memory:rule')!.weight;
    const twoHalfLives = byRef(enrich(alert, nowMs + 60 * DAY_MS), 'memory:rule')!.weight;
    // 6 dispositions decay to 1.5: (0 + 0.9) / 4.5 = 0.2.
    expect(twoHalfLives).toBeCloseTo(logit(0.2) - logit(PRIOR), 9);
    expect(Math.abs(twoHalfLives)).toBeLessThan(Math.abs(fresh));
  });

  it('a confirmed compromise of the host raises its other alerts for two hours', () => {
    const { enrich } = setup([{ ruleName: RULES.webAttack, entityKeys: [hostKey], verdict: 'true_positive', timeMs: nowMs - 30 * 60_000, alertId: 'rm-00305' }]);
    const entity = byRef(enrich(), `memory:entity:${hostKey}`);
    expect(entity?.kind).toBe('memory');
    expect(entity!.weight).toBeCloseTo(0.25, 3); // 0.25 per confirmation, decayed for 30 minutes
    expect(entity!.claim).toMatch(/confirmed 1 alert on host intranet_server as malicious.*rm-00305/);
    expect(byRef(enrich(alert, nowMs + 3 * 3_600_000), `memory:entity:${hostKey}`)).toBeUndefined();
    // The rule's own memory is untouched by another rule's disposition.
    expect(byRef(enrich(), 'memory:rule')).toBeUndefined();
  });
});
