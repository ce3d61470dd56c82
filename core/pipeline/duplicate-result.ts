import type { Alert } from '../spec/alert.js';
import type { Evidence } from '../spec/evidence.js';
import type { TraceStep, TriageResult } from '../spec/result.js';

/** What every duplicate of one original says: built once per original and shared by its duplicates. */
interface DuplicateParts {
  originalId: string;
  summary: string;
  evidence: Evidence[];
  trace: TraceStep[];
}

/**
 * A duplicate reuses the earlier verdict and says so. It carries one evidence item pointing at the
 * original instead of a copy of its evidence and trace: `verdict explain` on the original shows
 * them, and a duplicate costs (and writes back) little. Like the original's ATT&CK list and actions,
 * the parts that depend only on the original are shared by all its duplicates (a flood has
 * thousands): results are never mutated after triage.
 */
export function createDuplicateMaker(bucketSeconds: number): (alert: Alert, original: TriageResult, createdAt: string) => TriageResult {
  const partsByOriginal = new WeakMap<TriageResult, DuplicateParts>();
  // A flood's duplicates come one after another: the last original's parts, without a lookup.
  let last: { original: TriageResult; parts: DuplicateParts } | undefined;
  function partsOf(original: TriageResult): DuplicateParts {
    if (last?.original === original) return last.parts;
    const parts = partsFor(original);
    last = { original, parts };
    return parts;
  }
  function partsFor(original: TriageResult): DuplicateParts {
    let parts = partsByOriginal.get(original);
    if (parts === undefined) {
      const originalId = original.duplicateOf ?? original.alertId;
      const claim = `Same rule and key entities as alert ${originalId} within the same ${bucketSeconds} s bucket; its verdict is reused.`;
      parts = {
        originalId,
        summary: `Duplicate of ${originalId}. ${original.summary}`,
        evidence: [{ id: 'ev-1', kind: 'group', claim, weight: 0, source: 'group', refs: [`verdict:${originalId}`] }],
        trace: [
          {
            stage: 'group',
            component: 'fingerprint',
            checked: 'rule + key entities in the same time bucket',
            found: `duplicate of ${originalId}; its verdict is reused`,
            delta: 0,
            scoreAfter: original.probabilityMalicious,
            evidenceIds: ['ev-1'],
          },
        ],
      };
      partsByOriginal.set(original, parts);
    }
    return parts;
  }
  return (alert, original, createdAt) => {
    const { originalId, summary, evidence, trace } = partsOf(original);
    // One literal, one shape for every duplicate: an absent author is an undefined property, which
    // the result's JSON leaves out as JSON.stringify does.
    return {
      alertId: alert.id,
      platform: alert.source.platform,
      ruleName: original.ruleName,
      ruleAuthor: original.ruleAuthor,
      verdict: original.verdict,
      confidence: original.confidence,
      probabilityMalicious: original.probabilityMalicious,
      summary,
      evidence,
      attack: original.attack,
      recommendedActions: original.recommendedActions,
      trace,
      engine: original.engine,
      fingerprint: original.fingerprint,
      duplicateOf: originalId,
      alertTime: alert.time,
      createdAt,
    };
  };
}
