import { createHash } from 'node:crypto';
import type { Alert } from '../spec/alert.js';

/** Entity kinds that identify "the same thing happening again". Command lines vary too much. */
const KEY_KINDS = new Set(['host', 'user', 'ip', 'domain', 'url', 'hash', 'email', 'file', 'registry', 'cloud_resource']);

/**
 * Group stage (pure): rule + key entities + time bucket. Two alerts with one fingerprint are the
 * same event repeating, so the later one may reuse the earlier verdict.
 */
export function fingerprintAlert(alert: Alert, bucketSeconds: number, timeMs = Date.parse(alert.time)): string {
  const keys: string[] = [];
  for (const entity of alert.entities) {
    if (KEY_KINDS.has(entity.kind)) keys.push(`${entity.kind}=${entity.value.toLowerCase()}`);
    else if (entity.kind === 'process') keys.push(`image=${(entity.properties?.image ?? '').toLowerCase()}`);
  }
  keys.sort();
  const bucket = Math.floor(timeMs / 1000 / bucketSeconds);
  return createHash('sha1')
    .update(`${alert.ruleName.toLowerCase()}\u0000${keys.join('\u0001')}\u0000${bucket}`)
    .digest('hex')
    .slice(0, 24);
}

/** The rule and entities without the time bucket: the key memory and suppressions use. */
export function ruleKey(alert: Pick<Alert, 'ruleName'>): string {
  return alert.ruleName.toLowerCase();
}
