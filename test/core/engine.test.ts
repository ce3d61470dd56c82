import { describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { MemoryIndex, memoryEntityKeys } from '../../core/enrich/memory.js';
import { createTriageEngine, type TriageEngine } from '../../core/pipeline/engine.js';
import { buildEnrichers } from '../../core/runtime/enricher-registry.js';
import { TriageResultV1Schema } from '../../core/spec/result.js';
import { REPO_ROOT, RULES, sampleAlert, sampleAlerts } from './sample-alerts.js';

const config = VerdictConfigSchema.parse({});
const CLOCK = new Date('2026-03-02T09:00:00.000Z');

function createEngine(): { engine: TriageEngine; memory: MemoryIndex } {
  const memory = new MemoryIndex(config.memory.halfLifeDays);
  const { enrichers } = buildEnrichers({ config, baseDir: REPO_ROOT, memory });
  return { engine: createTriageEngine({ config, enrichers, memory, clock: () => CLOCK }), memory };
}

// rm-00001 and rm-00002 of the sample: the same Dovecot login on davey_mail in the same second.
const first = sampleAlert(RULES.dovecotLogin);
const second = { ...first, id: 'rm-00002' };
const seconds = Date.parse(first.time) / 1000;

describe('triage engine', () => {
  it('gives every sample alert a schema-valid result with evidence and a trace', () => {
    const { engine } = createEngine();
    const alerts = sampleAlerts();
    for (const alert of alerts) {
      const result = TriageResultV1Schema.parse(engine.triage(alert));
      expect(result.alertId).toBe(alert.id);
      expect(result.trace.length, alert.id).toBeGreaterThan(0);
      expect(result.evidence.length, alert.id).toBeGreaterThan(0);
      expect(result.createdAt).toBe(CLOCK.toISOString());
      expect(result.engine).toMatchObject({ mode: 'offline', configDigest: engine.configDigest });
      // Trace ids point at evidence the result carries.
      const ids = new Set(result.evidence.map((item) => item.id));
      for (const step of result.trace) for (const id of step.evidenceIds) expect(ids.has(id), `${alert.id} ${id}`).toBe(true);
    }
    expect(engine.stats.triaged).toBe(alerts.length);
    expect(engine.stats.duplicates).toBeGreaterThan(0);
  });

  it('a full result traces group, every evidence item, decide and recommend in order', () => {
    const { engine } = createEngine();
    const result = engine.triage(first);
    expect(result.trace[0]).toMatchObject({ stage: 'group', component: 'fingerprint' });
    expect(result.trace[0]!.found).toContain(result.fingerprint);
    expect(result.trace.filter((step) => step.stage === 'enrich').map((step) => step.evidenceIds[0])).toEqual(result.evidence.map((item) => item.id));
    expect(result.trace.slice(-2).map((step) => step.stage)).toEqual(['decide', 'recommend']);
    expect(result.duplicateOf).toBeUndefined();
  });

  it('a duplicate in the same bucket reuses the verdict and says so in the summary, evidence and trace', () => {
    const { engine } = createEngine();
    const original = engine.triage(first);
    const duplicate = TriageResultV1Schema.parse(engine.triage(second));
    expect(duplicate).toMatchObject({
      alertId: 'rm-00002',
      duplicateOf: first.id,
      verdict: original.verdict,
      confidence: original.confidence,
      probabilityMalicious: original.probabilityMalicious,
      fingerprint: original.fingerprint,
      recommendedActions: original.recommendedActions,
      alertTime: second.time,
    });
    expect(duplicate.summary).toBe(`Duplicate of ${first.id}. ${original.summary}`);
    const groupSteps = duplicate.trace.filter((step) => step.stage === 'group');
    expect(groupSteps).toHaveLength(1);
    expect(groupSteps[0]!.found).toMatch(new RegExp(`duplicate of ${first.id}\\b.*reused`));
    // Its evidence points at the original verdict rather than pretending to be fresh.
    expect(duplicate.evidence.some((item) => item.refs.some((ref) => ref.includes(first.id)) || item.claim.includes(first.id))).toBe(true);
    expect(engine.stats.duplicates).toBe(1);
    // A third one points at the original, not at the duplicate.
    expect(engine.triage({ ...first, id: 'rm-third', time: new Date((seconds + 5) * 1000).toISOString() }).duplicateOf).toBe(first.id);
  });

  it('the next bucket is not a duplicate', () => {
    const { engine } = createEngine();
    engine.triage(first);
    const later = engine.triage({ ...second, time: new Date((seconds + config.group.bucketSeconds) * 1000).toISOString() });
    expect(later.duplicateOf).toBeUndefined();
    expect(later.trace[0]!.found).toContain('no earlier alert in this bucket');
  });

  it('learn() invalidates cached verdicts: the next alert of the bucket is triaged afresh with the new memory', () => {
    const { engine, memory } = createEngine();
    const original = engine.triage(first);
    expect(original.evidence.some((item) => item.source === 'memory')).toBe(false);
    for (let index = 0; index < 5; index += 1) {
      engine.learn({ ruleName: first.ruleName, entityKeys: memoryEntityKeys(first.entities), verdict: 'false_positive', timeMs: Date.parse(first.time), alertId: first.id });
    }
    expect(memory.generation).toBe(5);
    const fresh = TriageResultV1Schema.parse(engine.triage(second));
    expect(fresh.duplicateOf).toBeUndefined();
    expect(fresh.probabilityMalicious).toBeLessThan(original.probabilityMalicious);
    expect(fresh.evidence.filter((item) => item.source === 'memory').every((item) => item.weight < 0)).toBe(true);
    expect(fresh.evidence.some((item) => item.source === 'memory' && /Analysts closed 5 of 5/.test(item.claim))).toBe(true);
    // And the fresh verdict is cached in turn.
    expect(engine.triage({ ...second, id: 'rm-after' }).duplicateOf).toBe('rm-00002');
  });

  it('remembers at most group.maxTracked fingerprints', () => {
    const small = VerdictConfigSchema.parse({ group: { maxTracked: 2 } });
    const memory = new MemoryIndex();
    const engine = createTriageEngine({ config: small, enrichers: buildEnrichers({ config: small, baseDir: REPO_ROOT, memory }).enrichers, memory });
    engine.triage(first);
    engine.triage(sampleAlert(RULES.clamavUpdate, { time: seconds }));
    engine.triage(sampleAlert(RULES.sshScan, { time: seconds }));
    // The first fingerprint was evicted, so its twin is triaged afresh.
    expect(engine.triage(second).duplicateOf).toBeUndefined();
  });

  it('keeps the rule author on results and duplicates', () => {
    const { engine } = createEngine();
    const authored = { ...first, ruleAuthor: 'Wazuh, Inc.' };
    expect(engine.triage(authored).ruleAuthor).toBe('Wazuh, Inc.');
    expect(engine.triage({ ...authored, id: 'rm-00002' }).ruleAuthor).toBe('Wazuh, Inc.');
  });
});
