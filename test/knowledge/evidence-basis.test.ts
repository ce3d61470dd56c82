import { describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { evidenceBasis } from '../../core/enrich/evidence-basis.js';
import { MemoryIndex } from '../../core/enrich/memory.js';
import { createTriageEngine } from '../../core/pipeline/engine.js';
import { buildEnrichers } from '../../core/runtime/enricher-registry.js';
import { TriageResultV1Schema } from '../../core/spec/result.js';
import { REPO_ROOT, sampleAlerts } from '../core/sample-alerts.js';

/** Every evidence item says what it rests on: alert text, Verdict's own knowledge, or history. */
describe('evidence basis', () => {
  it('is written on every evidence item the engine produces, and survives the result schema', () => {
    const config = VerdictConfigSchema.parse({});
    const memory = new MemoryIndex(config.memory.halfLifeDays);
    const { enrichers } = buildEnrichers({ config, baseDir: REPO_ROOT, memory });
    const engine = createTriageEngine({ config, enrichers, memory, clock: () => new Date('2026-03-02T09:00:00.000Z') });
    const bases = new Map<string, Set<string>>();
    for (const alert of sampleAlerts().slice(0, 150)) {
      const result = TriageResultV1Schema.parse(engine.triage(alert));
      for (const evidence of result.evidence) {
        if (evidence.source === 'group') continue; // a duplicate's pointer to its original
        expect(evidence.basis, `${evidence.source} ${evidence.claim}`).toBeDefined();
        bases.set(evidence.source, (bases.get(evidence.source) ?? new Set()).add(evidence.basis!));
      }
    }
    expect(bases.get('knowledge')).toEqual(new Set(['alert_text']));
    expect(bases.get('context')).toEqual(new Set(['history']));
  });

  it('maps enrichers by what they read; unknown sources count as alert text', () => {
    expect(['knowledge', 'command-line', 'registry-file', 'email', 'domain-url', 'network', 'prompt-injection', 'someone-new'].map((source) => evidenceBasis({ source }))).toEqual(
      Array(8).fill('alert_text'),
    );
    expect(['memory', 'context', 'suppression', 'group'].map((source) => evidenceBasis({ source }))).toEqual(Array(4).fill('history'));
    expect(['threat-intel', 'inventory'].map((source) => evidenceBasis({ source }))).toEqual(Array(2).fill('verdict_knowledge'));
    expect(evidenceBasis({ source: 'knowledge', basis: 'history' })).toBe('history');
  });
});
