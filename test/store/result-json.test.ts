import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VerdictConfigSchema } from '../../core/config/config-schema.js';
import { MemoryIndex } from '../../core/enrich/memory.js';
import { createTriageEngine } from '../../core/pipeline/engine.js';
import { buildEnrichers } from '../../core/runtime/enricher-registry.js';
import type { TriageResult } from '../../core/spec/result.js';
import { resultJson } from '../../core/store/result-json.js';
import { REPO_ROOT, sampleAlerts } from '../core/sample-alerts.js';

// The store keeps resultJson's text as the verdict row and the server sends it: it must be
// JSON.stringify's text exactly, for duplicates (written part by part) as for originals.

describe('resultJson', () => {
  it('writes every result of the sample, duplicates included, as JSON.stringify does', () => {
    const config = VerdictConfigSchema.parse({});
    const memory = new MemoryIndex(config.memory.halfLifeDays);
    const engine = createTriageEngine({ config, enrichers: buildEnrichers({ config, baseDir: REPO_ROOT, memory }).enrichers, memory });
    const alerts = sampleAlerts();
    // Twice: the second pass is all duplicates of the first (same second, same content, new ids).
    const results = engine.triageBatch([...alerts, ...alerts.map((alert) => ({ ...alert, id: `${alert.id}-again` }))]);
    const duplicates = results.filter((result) => result.duplicateOf !== undefined);
    expect(duplicates.length).toBeGreaterThanOrEqual(alerts.length);
    for (const result of results) expect(resultJson(result)).toBe(JSON.stringify(result));
    // A second call returns the same text (originals are cached per result object, duplicates written again).
    for (const result of duplicates) expect(resultJson(result)).toBe(JSON.stringify(result));
  });

  it('writes any duplicate-shaped value as JSON.stringify does (escapes, odd numbers, undefined, shared parts)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ minLength: 60, maxLength: 90 }), fc.constantFrom('"', '\\', '\u0000', '\ud800', '\udc00x', '😀', '\u2028'));
    const scalar = fc.oneof(text, fc.double(), fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-7), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const shared = fc.array(fc.record({ claim: text, weight: fc.double() }), { maxLength: 2 });
    const duplicate = fc.record(
      { alertId: text, summary: text, confidence: scalar, ruleAuthor: scalar, evidence: shared, attack: shared, engine: fc.object(), duplicateOf: text },
      { requiredKeys: ['duplicateOf'] },
    );
    fc.assert(
      fc.property(duplicate, (value) => {
        const result = value as unknown as TriageResult;
        expect(resultJson(result)).toBe(JSON.stringify(result));
        // The same shared parts in another result (their JSON is cached by object).
        const sibling = { ...value, alertId: 'other' } as unknown as TriageResult;
        expect(resultJson(sibling)).toBe(JSON.stringify(sibling));
      }),
      { numRuns: 2000 },
    );
  });
});
