import { createHash } from 'node:crypto';
import type { TriageResult } from './result.js';

/**
 * The idempotency key of one write-back: a function of (alert id, target, verdict revision) only.
 * Never of the summary, the score or the time, which change when an alert is re-pulled and
 * re-triaged; so a retried or duplicated delivery of the same verdict is recognised and skipped.
 * `target` names what is written (e.g. `splunk:notable_update`, `elastic:case-comment`).
 */
export function deliveryKey(result: Pick<TriageResult, 'alertId' | 'revision'>, target: string): string {
  const material = [result.alertId, target, String(result.revision ?? 1)].join('\u0000');
  return `vk-${createHash('sha256').update(material).digest('hex').slice(0, 32)}`;
}
