import { describe, expect, it } from 'vitest';
import { RoutingPolicySchema, TokenBudgetSchema } from '../../core/reason/reason-config.js';
import { checkAffordable, decideRoute, emptyHourBudget, remainingHourTokens, sampleUnit, spendTokens } from '../../core/reason/routing.js';
import { bitsadminAlert, isolateHostAction, offlineResult } from './fixtures.js';

const alert = bitsadminAlert();
const budget = TokenBudgetSchema.parse({ perAlert: 5_000, perHour: 10_000 });
const now = Date.parse('2024-05-01T10:15:00Z');
const route = (result: ReturnType<typeof offlineResult>, when: string, extra: Partial<Parameters<typeof decideRoute>[0]> = {}) =>
  decideRoute({ result, policy: RoutingPolicySchema.parse({ when, share: 0.1 }), budget, hourState: emptyHourBudget(now), nowMs: now, isAlreadyReasoned: false, estimate: 1_000, ...extra });

describe('routing (pure)', () => {
  const inconclusive = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5 });
  const decided = offlineResult(alert, { verdict: 'true_positive', probability: 0.8 });

  it('never routes a duplicate or an already reasoned fingerprint, whatever the policy', () => {
    const duplicate = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5, duplicateOf: 'a-1' });
    expect(route(duplicate, 'always')).toMatchObject({ shouldReason: false, skip: 'duplicate' });
    expect(route(inconclusive, 'always', { isAlreadyReasoned: true })).toMatchObject({ shouldReason: false, skip: 'already-reasoned' });
  });

  it('routes by policy', () => {
    expect(route(inconclusive, 'inconclusive-only').shouldReason).toBe(true);
    expect(route(decided, 'inconclusive-only')).toMatchObject({ shouldReason: false, skip: 'policy' });
    expect(route(decided, 'high-impact').shouldReason).toBe(false);
    expect(route(offlineResult(alert, { verdict: 'true_positive', probability: 0.8, actions: [isolateHostAction('h')] }), 'high-impact').shouldReason).toBe(true);
    expect(route(decided, 'always').shouldReason).toBe(true);
  });

  it('samples a stable share by fingerprint', () => {
    const picked = Array.from({ length: 5_000 }, (_, index) => offlineResult(alert, { verdict: 'false_positive', probability: 0.1, fingerprint: `fp-${index}` })).filter(
      (result) => route(result, 'sampled').shouldReason,
    );
    expect(picked.length / 5_000).toBeGreaterThan(0.08);
    expect(picked.length / 5_000).toBeLessThan(0.12);
    expect(sampleUnit('fp-1')).toBe(sampleUnit('fp-1'));
  });

  it('accounts tokens per clock hour', () => {
    let state = emptyHourBudget(now);
    state = spendTokens(state, now, 9_500);
    expect(remainingHourTokens(state, budget, now)).toBe(500);
    expect(route(inconclusive, 'inconclusive-only', { hourState: state })).toMatchObject({ shouldReason: false, skip: 'hour-budget' });
    const nextHour = now + 3_600_000;
    expect(remainingHourTokens(state, budget, nextHour)).toBe(10_000);
    expect(spendTokens(state, nextHour, 10)).toEqual({ hour: Math.floor(nextHour / 3_600_000), tokensUsed: 10 });
  });

  it('checks both budgets before a call', () => {
    const hourState = emptyHourBudget(now);
    expect(checkAffordable({ estimate: 1_000, alertTokensUsed: 3_000, budget, hourState, nowMs: now })).toBe('ok');
    expect(checkAffordable({ estimate: 2_500, alertTokensUsed: 3_000, budget, hourState, nowMs: now })).toBe('alert-budget');
    expect(checkAffordable({ estimate: 1_000, alertTokensUsed: 0, budget, hourState: spendTokens(hourState, now, 9_500), nowMs: now })).toBe('hour-budget');
  });
});
