import { describe, expect, it } from 'vitest';
import { createReasoner } from '../../core/reason/reasoner.js';
import { ConfigError } from '../../core/spec/errors.js';
import { aitSudoAlert, bitsadminAlert, isolateHostAction, offlineResult, THRESHOLDS } from './fixtures.js';
import { answer, reasonConfig, TEST_ENV, useOpenAIEmulator } from './harness.js';

describe('reasoner: routing and token budgets', () => {
  const emulator = useOpenAIEmulator((running) => running.setHandler(() => answer({ verdict: 'inconclusive', confidence: 0.5 })));

  const alert = bitsadminAlert();

  it('never asks for a duplicate, nor twice for one fingerprint', async () => {
    const reasoner = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV });
    const first = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45, fingerprint: 'fp-a' });
    const duplicate = offlineResult(alert, { verdict: 'inconclusive', probability: 0.45, fingerprint: 'fp-a', duplicateOf: 'sigma-83c4dfac' });
    expect(await reasoner.reason({ alert, result: duplicate })).toEqual(duplicate);
    await reasoner.reason({ alert, result: first });
    const again = await reasoner.reason({ alert, result: first });
    expect(emulator.completionRequests()).toHaveLength(1);
    expect(again.engine.mode).toBe('offline');
    expect(again.trace.at(-1)!.found).toContain('already reviewed fingerprint fp-a');
    expect(reasoner.stats().skipped).toMatchObject({ duplicate: 1, 'already-reasoned': 1 });
  });

  it('applies the policy: inconclusive-only by default, high-impact and always on request', async () => {
    const decided = offlineResult(alert, { verdict: 'true_positive', probability: 0.8, fingerprint: 'fp-tp', actions: [isolateHostAction('swachchhanda')] });
    const byDefault = createReasoner(reasonConfig(emulator), { thresholds: THRESHOLDS, env: TEST_ENV });
    expect(await byDefault.reason({ alert, result: decided })).toEqual(decided);
    expect(emulator.completionRequests()).toHaveLength(0);

    const highImpact = createReasoner(reasonConfig(emulator, { routing: { when: 'high-impact' } }), { thresholds: THRESHOLDS, env: TEST_ENV });
    await highImpact.reason({ alert, result: decided });
    const lowImpact = offlineResult(alert, { verdict: 'true_positive', probability: 0.8, fingerprint: 'fp-low' });
    await highImpact.reason({ alert, result: lowImpact });
    expect(emulator.completionRequests()).toHaveLength(1);

    const always = createReasoner(reasonConfig(emulator, { routing: { when: 'always' } }), { thresholds: THRESHOLDS, env: TEST_ENV });
    await always.reason({ alert, result: lowImpact });
    expect(emulator.completionRequests()).toHaveLength(2);
  });

  it('stops within the per-alert budget', async () => {
    emulator.setHandler(() => ({ kind: 'tool_calls', calls: [{ name: 'lookupThreatIntel', arguments: { indicator: '8.8.8.8' } }], promptTokens: 2_500, completionTokens: 100 }));
    const reasoner = createReasoner(reasonConfig(emulator, { budget: { perAlert: 4_000, perHour: 100_000 } }), {
      thresholds: THRESHOLDS,
      env: TEST_ENV,
      tools: { lookupThreatIntel: async () => ({ matches: [] }) },
    });
    const result = await reasoner.reason({ alert, result: offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 }) });
    expect(emulator.completionRequests()).toHaveLength(1);
    expect(result.engine).toMatchObject({ mode: 'degraded', tokens: 2_600 });
    expect(result.trace.at(-1)!.found).toContain('per-alert token budget');
  });

  it('skips once the hourly budget is spent and asks again the next hour', async () => {
    let clock = Date.parse('2024-05-01T10:00:00Z');
    emulator.setHandler(() => ({ ...answer({ verdict: 'inconclusive', confidence: 0.5 }), promptTokens: 5_000, completionTokens: 500 }));
    const reasoner = createReasoner(reasonConfig(emulator, { budget: { perAlert: 8_000, perHour: 6_500 } }), { thresholds: THRESHOLDS, env: TEST_ENV, now: () => clock });
    const other = aitSudoAlert();
    await reasoner.reason({ alert, result: offlineResult(alert, { verdict: 'inconclusive', probability: 0.45 }) });
    const skipped = await reasoner.reason({ alert: other, result: offlineResult(other, { verdict: 'inconclusive', probability: 0.45 }) });
    expect(emulator.completionRequests()).toHaveLength(1);
    expect(skipped.engine.mode).toBe('offline');
    expect(skipped.trace.at(-1)!.found).toContain('token budget exhausted');

    clock += 3_600_000;
    const later = await reasoner.reason({ alert: other, result: offlineResult(other, { verdict: 'inconclusive', probability: 0.45 }) });
    expect(later.engine.mode).toBe('llm');
    expect(emulator.completionRequests()).toHaveLength(2);
  });

  it('refuses a per-alert budget too small for a single call at start-up', () => {
    expect(() => createReasoner(reasonConfig(emulator, { budget: { perAlert: 500, perHour: 10_000 } }), { thresholds: THRESHOLDS, env: TEST_ENV })).toThrow(ConfigError);
  });
});
