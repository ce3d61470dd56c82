import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyAnswer, logit, verdictFor } from '../../core/reason/score-band.js';
import { bitsadminAlert, offlineResult, THRESHOLDS } from './fixtures.js';

const band = { thresholds: THRESHOLDS, maxLogitShift: 1, strongEvidenceWeight: 2 };
const alert = bitsadminAlert();

describe('score band (pure)', () => {
  it('maps probabilities to verdicts with the caller thresholds', () => {
    expect(verdictFor(0.6, THRESHOLDS, 'inconclusive')).toBe('true_positive');
    expect(verdictFor(0.2, THRESHOLDS, 'benign_positive')).toBe('benign_positive');
    expect(verdictFor(0.2, THRESHOLDS, 'true_positive')).toBe('false_positive');
    expect(verdictFor(0.4, THRESHOLDS, 'false_positive')).toBe('inconclusive');
  });

  it('never moves the log-odds more than the band, and a verdict moves only its own way', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.constantFrom('true_positive', 'benign_positive', 'false_positive', 'inconclusive') as fc.Arbitrary<'true_positive' | 'benign_positive' | 'false_positive' | 'inconclusive'>,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (probability, verdict, confidence) => {
          const result = offlineResult(alert, { verdict: 'inconclusive', probability, evidence: [{ id: 'e', kind: 'x', claim: 'c', weight: 0.5, source: 's', refs: [] }] });
          const move = applyAnswer(result, { verdict, confidence, rationale: 'r', citedEvidenceIds: ['e'], techniqueIds: [] }, band);
          const shift = logit(move.probability) - logit(probability);
          expect(Math.abs(shift)).toBeLessThanOrEqual(1 + 1e-9);
          if (verdict === 'true_positive') expect(shift).toBeGreaterThanOrEqual(-1e-9);
          if (verdict !== 'true_positive') expect(shift).toBeLessThanOrEqual(1e-9);
        },
      ),
    );
  });

  it('keeps the score when strong malicious evidence is present and the model reads benign', () => {
    const result = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5, evidence: [{ id: 'e', kind: 'threat_intel', claim: 'c', weight: 2, source: 's', refs: [] }] });
    const move = applyAnswer(result, { verdict: 'benign_positive', confidence: 1, rationale: 'r', citedEvidenceIds: ['e'], techniqueIds: [] }, band);
    expect(move).toMatchObject({ applied: 0, probability: 0.5, verdict: 'inconclusive' });
    expect(move.limitedBy).toContain('strong-evidence');
  });
});
