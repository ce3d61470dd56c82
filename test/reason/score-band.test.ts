import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAnswer, createLeakGuard } from '../../core/reason/model-answer.js';
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

  it('never lowers the score on benign evidence that rests on alert text, whatever the model cites', () => {
    const textSources = ['knowledge', 'command-line', 'registry-file', 'email', 'domain-url', 'network', 'prompt-injection', 'unknown-enricher'];
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.array(fc.record({ source: fc.constantFrom(...textSources), weight: fc.double({ min: -3, max: 1.5, noNaN: true }) }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('benign_positive', 'false_positive') as fc.Arbitrary<'benign_positive' | 'false_positive'>,
        (probability, items, verdict) => {
          const evidence = items.map((item, index) => ({ id: `e${index}`, kind: 'x', claim: 'c', weight: item.weight, source: item.source, refs: [] }));
          const result = offlineResult(alert, { verdict: 'inconclusive', probability, evidence });
          const move = applyAnswer(result, { verdict, confidence: 1, rationale: 'r', citedEvidenceIds: evidence.map((item) => item.id), techniqueIds: [] }, band);
          expect(move.applied).toBeGreaterThanOrEqual(0);
          expect(move.probability).toBe(probability);
        },
      ),
    );
  });

  it('lowers within the band when the model cites benign history or Verdict knowledge', () => {
    for (const source of ['memory', 'context', 'suppression', 'inventory', 'threat-intel']) {
      const result = offlineResult(alert, { verdict: 'inconclusive', probability: 0.5, evidence: [{ id: 'e', kind: 'x', claim: 'c', weight: -0.7, source, refs: [] }] });
      const move = applyAnswer(result, { verdict: 'benign_positive', confidence: 0.95, rationale: 'r', citedEvidenceIds: ['e'], techniqueIds: [] }, band);
      expect(move.applied, source).toBe(-1);
      expect(move.limitedBy, source).not.toContain('provenance');
    }
    const cited = offlineResult(alert, {
      verdict: 'inconclusive',
      probability: 0.5,
      evidence: [
        { id: 'e', kind: 'x', claim: 'c', weight: -0.7, source: 'memory', refs: [] },
        { id: 't', kind: 'x', claim: 'c', weight: -1, source: 'knowledge', refs: [] },
      ],
    });
    expect(applyAnswer(cited, { verdict: 'benign_positive', confidence: 0.95, rationale: 'r', citedEvidenceIds: ['t'], techniqueIds: [] }, band).limitedBy).toContain('provenance');
  });

  it('checks proposed technique ids against the ATT&CK catalogue', () => {
    const guard = createLeakGuard('system prompt words that never appear in answers at all', 'CANARY');
    const base = { verdict: 'true_positive', confidence: 0.8, rationale: 'The download evidence shows ingress tool transfer.', citedEvidenceIds: ['e'] };
    expect(checkAnswer(JSON.stringify({ ...base, techniqueIds: ['T1105', 'T1059.001', 'T1685'] }), ['e'], guard).ok).toBe(true);
    const invented = checkAnswer(JSON.stringify({ ...base, techniqueIds: ['T1999', 'T1059.999'] }), ['e'], guard);
    expect(invented).toMatchObject({ ok: false, issues: [expect.stringMatching(/ATT&CK Enterprise techniques/)] });
    const revoked = checkAnswer(JSON.stringify({ ...base, techniqueIds: ['T1002'] }), ['e'], guard);
    expect(revoked.ok).toBe(false);
  });
});
