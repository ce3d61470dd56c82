import type { TriageResult } from '../spec/result.js';
import type { RoutingPolicy, TokenBudget } from './reason-config.js';

/**
 * Routing and token accounting, as pure functions: the reasoner keeps the state and passes it in,
 * so replays are reproducible and the rules can be tested without a model.
 */

export type SkipReason = 'duplicate' | 'already-reasoned' | 'policy' | 'hour-budget';

export type RouteDecision = { shouldReason: true; because: string } | { shouldReason: false; skip: SkipReason; because: string };

/** Tokens spent in one clock hour (hour = floor(epoch ms / 3 600 000)). */
export interface HourBudgetState {
  hour: number;
  tokensUsed: number;
}

const HOUR_MS = 3_600_000;

export function emptyHourBudget(nowMs: number): HourBudgetState {
  return { hour: Math.floor(nowMs / HOUR_MS), tokensUsed: 0 };
}

export function remainingHourTokens(state: HourBudgetState, budget: TokenBudget, nowMs: number): number {
  const hour = Math.floor(nowMs / HOUR_MS);
  return hour === state.hour ? Math.max(0, budget.perHour - state.tokensUsed) : budget.perHour;
}

export function spendTokens(state: HourBudgetState, nowMs: number, tokens: number): HourBudgetState {
  const hour = Math.floor(nowMs / HOUR_MS);
  return hour === state.hour ? { hour, tokensUsed: state.tokensUsed + tokens } : { hour, tokensUsed: tokens };
}

/** Can a call estimated at `estimate` tokens be made without breaking either budget? */
export function checkAffordable(input: { estimate: number; alertTokensUsed: number; budget: TokenBudget; hourState: HourBudgetState; nowMs: number }): 'ok' | 'alert-budget' | 'hour-budget' {
  if (input.alertTokensUsed + input.estimate > input.budget.perAlert) return 'alert-budget';
  if (input.estimate > remainingHourTokens(input.hourState, input.budget, input.nowMs)) return 'hour-budget';
  return 'ok';
}

/**
 * Recommendations whose mistakes are expensive: containment that touches hosts, accounts or
 * mailboxes (blast radius medium or high). Closing or opening a case has none, even when policy
 * wants an approval for it, so benign verdicts are not all "high impact".
 */
export function isHighImpact(result: TriageResult): boolean {
  return result.recommendedActions.some((action) => action.blastRadius === 'high' || action.blastRadius === 'medium');
}

/**
 * A stable number in [0, 1) from the fingerprint, so sampling is reproducible: FNV-1a, then the
 * murmur3 finalizer, because FNV alone spreads similar short strings poorly over the top bits.
 */
export function sampleUnit(fingerprint: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < fingerprint.length; index++) {
    hash ^= fingerprint.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

export function decideRoute(input: {
  result: TriageResult;
  policy: RoutingPolicy;
  budget: TokenBudget;
  hourState: HourBudgetState;
  nowMs: number;
  /** The model already answered for this fingerprint. */
  isAlreadyReasoned: boolean;
  /** Estimated tokens of the first call. */
  estimate: number;
}): RouteDecision {
  const { result, policy } = input;
  if (result.duplicateOf !== undefined) {
    return { shouldReason: false, skip: 'duplicate', because: `duplicate of ${result.duplicateOf}; it reuses that verdict` };
  }
  if (input.isAlreadyReasoned) {
    return { shouldReason: false, skip: 'already-reasoned', because: `the model already reviewed fingerprint ${result.fingerprint}` };
  }
  const because = policyReason(result, policy);
  if (because === undefined) {
    return { shouldReason: false, skip: 'policy', because: `routing policy ${policy.when} does not ask the model for a ${result.verdict} verdict` };
  }
  const remaining = remainingHourTokens(input.hourState, input.budget, input.nowMs);
  if (input.estimate > remaining) {
    return {
      shouldReason: false,
      skip: 'hour-budget',
      because: `token budget exhausted (${remaining} of ${input.budget.perHour} tokens left this hour, ${input.estimate} needed)`,
    };
  }
  return { shouldReason: true, because };
}

function policyReason(result: TriageResult, policy: RoutingPolicy): string | undefined {
  if (result.verdict === 'inconclusive') return 'the offline engine abstained (inconclusive)';
  switch (policy.when) {
    case 'inconclusive-only':
      return undefined;
    case 'high-impact':
      return isHighImpact(result) ? 'a recommended action has a medium or high blast radius' : undefined;
    case 'sampled':
      return sampleUnit(result.fingerprint) < policy.share ? `sampled for quality control (share ${policy.share})` : undefined;
    case 'always':
      return 'routing policy asks the model for every alert';
  }
}
