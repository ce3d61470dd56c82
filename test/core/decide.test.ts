import { describe, expect, it } from 'vitest';
import { DecideConfigSchema } from '../../core/config/config-schema.js';
import { decide, logit, priorFor, sigmoid } from '../../core/pipeline/decide.js';
import type { Alert } from '../../core/spec/alert.js';
import type { Evidence } from '../../core/spec/evidence.js';
import { loadConfig } from '../../core/config/load-config.js';
import { EXAMPLE_CONFIG, RULES, sampleAlert } from './sample-alerts.js';

const defaults = DecideConfigSchema.parse({});
const alert = sampleAlert(RULES.sshScan); // AIT rows carry no severity: the `unset` prior applies
const PRIOR = defaults.severityPrior.unset;

function withSeverity(severity: Alert['severity']): Alert {
  return { ...alert, severity };
}

let counter = 0;
function evidence(source: string, weight: number, extra: Partial<Evidence> = {}): Evidence {
  counter += 1;
  return { id: `ev-${counter}`, kind: source, claim: `${source} says ${weight}.`, weight, source, refs: [], ...extra };
}

describe('decide: prior by severity', () => {
  it.each(['informational', 'low', 'medium', 'high', 'critical', undefined] as const)('severity %s starts from its own prior', (severity) => {
    const prior = defaults.severityPrior[severity ?? 'unset'];
    const decision = decide(withSeverity(severity), [], defaults);
    expect(priorFor(withSeverity(severity), defaults)).toBe(prior);
    expect(decision.prior).toBe(prior);
    expect(decision.probabilityMalicious).toBeCloseTo(prior, 12);
  });

  it('defaults rise with severity and match the documented example config', () => {
    const { informational, low, medium, high, critical } = defaults.severityPrior;
    expect([informational, low, medium, high, critical]).toEqual([...[informational, low, medium, high, critical]].sort((left, right) => left - right));
    expect(new Set([informational, low, medium, high, critical]).size).toBe(5);
    expect(loadConfig(EXAMPLE_CONFIG, {}).config.decide).toEqual(defaults);
  });

  it('reads the prior from config, not a constant', () => {
    const config = DecideConfigSchema.parse({ severityPrior: { high: 0.9 } });
    expect(decide(withSeverity('high'), [], config).verdict).toBe('true_positive');
    expect(decide(withSeverity('high'), [], DecideConfigSchema.parse({ severityPrior: { high: 0.1 } })).verdict).toBe('benign_positive');
  });
});

describe('decide: weights', () => {
  it('adds signed weights to the prior log-odds', () => {
    const decision = decide(alert, [evidence('knowledge', 1.2), evidence('context', -0.4)], defaults);
    expect(decision.probabilityMalicious).toBeCloseTo(sigmoid(logit(PRIOR) + 0.8), 12);
  });

  it('clamps each item to maxWeightPerEvidence on both sides', () => {
    const config = DecideConfigSchema.parse({ maxWeightPerEvidence: 2 });
    const strong = evidence('threat-intel', 9);
    const benign = evidence('suppression', -7);
    const decision = decide(alert, [strong, benign], config);
    expect(decision.appliedWeights.get(strong.id)).toBe(2);
    expect(decision.appliedWeights.get(benign.id)).toBe(-2);
    expect(decision.probabilityMalicious).toBeCloseTo(PRIOR, 12);
  });

  it('applies per-enricher multipliers, and the cap still holds after them', () => {
    const config = DecideConfigSchema.parse({ maxWeightPerEvidence: 4, enricherWeights: { context: 0.5, knowledge: 0, 'threat-intel': 2 } });
    const context = evidence('context', -1.6);
    const knowledge = evidence('knowledge', 2.5);
    const intel = evidence('threat-intel', 3);
    const untouched = evidence('network', 0.7);
    const decision = decide(alert, [context, knowledge, intel, untouched], config);
    expect(decision.appliedWeights.get(context.id)).toBeCloseTo(-0.8, 12);
    expect(decision.appliedWeights.get(knowledge.id)).toBe(0); // observe only
    expect(decision.appliedWeights.get(intel.id)).toBe(4); // 3 × 2 = 6, capped at 4
    expect(decision.appliedWeights.get(untouched.id)).toBe(0.7);
    expect(decision.probabilityMalicious).toBeCloseTo(sigmoid(logit(PRIOR) - 0.8 + 4 + 0.7), 12);
  });

  it('keeps stream context out of the intrinsic probability', () => {
    const decision = decide(alert, [evidence('knowledge', 1), evidence('context', 2)], defaults);
    expect(decision.intrinsicProbability).toBeCloseTo(sigmoid(logit(PRIOR) + 1), 12);
    expect(decision.probabilityMalicious).toBeCloseTo(sigmoid(logit(PRIOR) + 3), 12);
  });
});

describe('decide: thresholds and the abstain band', () => {
  // Weights that put p exactly on or either side of each threshold from the prior (all under the cap of 4).
  const toProbability = (p: number): Evidence => evidence('knowledge', logit(p) - logit(PRIOR));

  it.each([
    [0.9, 'true_positive'],
    [0.6, 'true_positive'],
    [0.59, 'inconclusive'],
    [0.3, 'inconclusive'],
    [0.21, 'inconclusive'],
    [0.2, 'benign_positive'],
    [0.01, 'benign_positive'],
  ] as const)('p = %s → %s with the default thresholds 0.2 / 0.6', (p, verdict) => {
    const decision = decide(alert, [toProbability(p)], defaults);
    expect(decision.probabilityMalicious).toBeCloseTo(p, 9);
    expect(decision.verdict).toBe(verdict);
  });

  it('moves with configured thresholds', () => {
    const config = DecideConfigSchema.parse({ thresholds: { truePositive: 0.9, benign: 0.05 } });
    expect(decide(alert, [toProbability(0.8)], config).verdict).toBe('inconclusive');
    expect(decide(alert, [toProbability(0.1)], config).verdict).toBe('inconclusive');
    expect(decide(alert, [toProbability(0.04)], config).verdict).toBe('benign_positive');
  });
});

describe('decide: benign positive or false positive', () => {
  it('expected activity outweighing detection error → benign_positive', () => {
    const decision = decide(alert, [evidence('suppression', -3, { benignReason: 'expected_activity' }), evidence('knowledge', -1, { benignReason: 'detection_error' })], defaults);
    expect(decision.verdict).toBe('benign_positive');
  });

  it('detection error outweighing expected activity → false_positive', () => {
    const decision = decide(alert, [evidence('knowledge', -2.5, { benignReason: 'detection_error' }), evidence('context', -0.4, { benignReason: 'expected_activity' })], defaults);
    expect(decision.verdict).toBe('false_positive');
  });

  it('counts applied weights, not emitted ones, and a tie or no reason reads as benign_positive', () => {
    const config = DecideConfigSchema.parse({ enricherWeights: { knowledge: 0.25 } });
    const scaledDown = decide(alert, [evidence('knowledge', -4, { benignReason: 'detection_error' }), evidence('context', -1.5, { benignReason: 'expected_activity' })], config);
    expect(scaledDown.verdict).toBe('benign_positive');
    const tie = decide(alert, [evidence('knowledge', -1, { benignReason: 'detection_error' }), evidence('context', -1, { benignReason: 'expected_activity' })], defaults);
    expect(tie.verdict).toBe('benign_positive');
    expect(decide(alert, [evidence('network', -2)], defaults).verdict).toBe('benign_positive');
  });

  it('a benign reason on evidence that points toward malicious does not count', () => {
    const decision = decide(
      alert,
      [evidence('knowledge', -2, { benignReason: 'expected_activity' }), evidence('memory', 0.5, { benignReason: 'detection_error' }), evidence('context', -0.5, { benignReason: 'detection_error' })],
      defaults,
    );
    expect(decision.verdict).toBe('benign_positive');
  });
});

describe('decide: confidence and trace', () => {
  it('confidence is the probability of the verdict given; an abstention is never confident', () => {
    const positive = decide(alert, [evidence('knowledge', logit(0.8) - logit(PRIOR))], defaults);
    expect(positive.confidence).toBeCloseTo(0.8, 9);
    const closed = decide(alert, [evidence('knowledge', logit(0.1) - logit(PRIOR))], defaults);
    expect(closed.confidence).toBeCloseTo(0.9, 9);
    // In the abstain band (0.2 … 0.6) confidence is 0 at its middle and at most 0.5 at its edges.
    const middle = decide(alert, [evidence('knowledge', logit(0.4) - logit(PRIOR))], defaults);
    expect(middle.verdict).toBe('inconclusive');
    expect(middle.confidence).toBeCloseTo(0, 9);
    const leaning = decide(alert, [evidence('knowledge', logit(0.5) - logit(PRIOR))], defaults);
    expect(leaning.confidence).toBeCloseTo(0.25, 9);
    for (const p of [0.21, 0.3, 0.45, 0.59]) {
      const decision = decide(alert, [evidence('knowledge', logit(p) - logit(PRIOR))], defaults);
      expect(decision.verdict).toBe('inconclusive');
      expect(decision.confidence).toBeLessThanOrEqual(0.5);
      expect(decision.confidence).toBeLessThan(positive.confidence);
    }
  });

  it('traces one enrich step per item with its applied delta and running score, then the decision', () => {
    const items = [evidence('knowledge', 1), evidence('context', -0.5), evidence('network', 0)];
    const decision = decide(alert, items, DecideConfigSchema.parse({ enricherWeights: { context: 2 } }));
    expect(decision.trace.map((step) => [step.stage, step.component, step.delta, step.evidenceIds])).toEqual([
      ['enrich', 'knowledge', 1, [items[0]!.id]],
      ['enrich', 'context', -1, [items[1]!.id]],
      ['enrich', 'network', 0, [items[2]!.id]],
      ['decide', 'scorer', 0, []],
    ]);
    expect(decision.trace[0]!.scoreAfter).toBeCloseTo(sigmoid(logit(PRIOR) + 1), 3);
    expect(decision.trace[1]!.scoreAfter).toBeCloseTo(PRIOR, 3);
    expect(decision.trace[3]!.found).toMatch(/-> inconclusive$/);
    expect(decision.trace[3]!.checked).toContain(`prior ${PRIOR} from unset severity`);
  });
});

describe('decide: conservative closing (minBenignEvidence)', () => {
  const weakSigns = () => [evidence('knowledge', -0.3, { benignReason: 'detection_error' }), evidence('context', -0.4, { benignReason: 'expected_activity' })];

  it('closes on the score alone by default', () => {
    const decision = decide(alert, weakSigns(), defaults);
    expect(decision.probabilityMalicious).toBeLessThanOrEqual(defaults.thresholds.benign);
    expect(decision.verdict).toBe('benign_positive');
  });

  it('abstains when no single benign item is strong enough, and closes when one is', () => {
    const conservative = DecideConfigSchema.parse({ minBenignEvidence: 0.8 });
    expect(decide(alert, weakSigns(), conservative).verdict).toBe('inconclusive');
    const withHistory = [...weakSigns(), evidence('memory', -0.9, { benignReason: 'detection_error' })];
    expect(decide(alert, withHistory, conservative).verdict).toBe('false_positive');
    expect(decide(alert, withHistory, conservative).trace.at(-1)!.checked).toContain('closing needs benign evidence of weight 0.8');
  });
});
