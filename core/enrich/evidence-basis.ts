import type { Evidence, EvidenceBasis } from '../spec/evidence.js';

/**
 * What each enricher's evidence rests on. Reading alert text with Verdict's knowledge (a command
 * line against LOLBAS rows, a title against the taxonomy) still rests on the alert text: whoever
 * wrote the text chose what the knowledge sees. Only evidence from Verdict's own data and history
 * is outside the alert source's control. Unknown sources count as alert text.
 */
const BASIS_BY_SOURCE: Readonly<Record<string, EvidenceBasis>> = {
  memory: 'history',
  context: 'history',
  suppression: 'history',
  group: 'history',
  'threat-intel': 'verdict_knowledge',
  inventory: 'verdict_knowledge',
};

export function evidenceBasis(evidence: Pick<Evidence, 'source'> & { basis?: EvidenceBasis | undefined }): EvidenceBasis {
  return evidence.basis ?? BASIS_BY_SOURCE[evidence.source] ?? 'alert_text';
}

/** The evidence with every item's basis written out. */
export function withEvidenceBasis<T extends Pick<Evidence, 'source'> & { basis?: EvidenceBasis | undefined }>(evidence: readonly T[]): Array<T & { basis: EvidenceBasis }> {
  return evidence.map((item) => ({ ...item, basis: evidenceBasis(item) }));
}
