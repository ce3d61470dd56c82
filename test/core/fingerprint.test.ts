import { describe, expect, it } from 'vitest';
import { fingerprintAlert, ruleKey } from '../../core/pipeline/fingerprint.js';
import type { Alert } from '../../core/spec/alert.js';
import { HOSTS, RULES, sampleAlert } from './sample-alerts.js';

const BUCKET = 600;
// Sample row rm-00215, 2022-01-24 (a time inside a 600 s bucket, not on its edge).
const base = sampleAlert(RULES.sshScan);
const baseSeconds = Date.parse(base.time) / 1000;
const bucketStart = Math.floor(baseSeconds / BUCKET) * BUCKET;
const at = (seconds: number, overrides: Parameters<typeof sampleAlert>[1] = {}): Alert => sampleAlert(RULES.sshScan, { time: seconds, ...overrides });

describe('fingerprint (group stage)', () => {
  it('is equal for the same rule and entities in one bucket, whatever the alert id', () => {
    const first = at(bucketStart + 1, { id: 'a' });
    const last = at(bucketStart + BUCKET - 1, { id: 'b' });
    expect(fingerprintAlert(first, BUCKET)).toBe(fingerprintAlert(last, BUCKET));
    expect(fingerprintAlert(first, BUCKET)).toMatch(/^[0-9a-f]{24}$/);
  });

  it('differs in the next bucket, for another rule, or for another entity', () => {
    const reference = fingerprintAlert(at(bucketStart + 1), BUCKET);
    expect(fingerprintAlert(at(bucketStart + BUCKET), BUCKET)).not.toBe(reference);
    expect(fingerprintAlert(sampleAlert(RULES.webAttack, { time: bucketStart + 1, ...HOSTS.intranet }), BUCKET)).not.toBe(fingerprintAlert(at(bucketStart + 1, HOSTS.intranet), BUCKET));
    expect(fingerprintAlert(at(bucketStart + 1, HOSTS.mail), BUCKET)).not.toBe(reference);
    expect(fingerprintAlert(at(bucketStart + 1, { ip: '10.143.2.5' }), BUCKET)).not.toBe(reference);
  });

  it('ignores entity order and letter case of values and rule name', () => {
    const alert = at(bucketStart + 1);
    const reordered: Alert = { ...alert, entities: [...alert.entities].reverse() };
    const shouted: Alert = { ...alert, ruleName: alert.ruleName.toUpperCase(), entities: alert.entities.map((entity) => ({ ...entity, value: entity.value.toUpperCase() })) };
    expect(fingerprintAlert(reordered, BUCKET)).toBe(fingerprintAlert(alert, BUCKET));
    expect(fingerprintAlert(shouted, BUCKET)).toBe(fingerprintAlert(alert, BUCKET));
  });

  it('keys a process by its image, so a changed command line of the same tool still groups', () => {
    const alert = at(bucketStart + 1);
    const withProcess = (commandLine: string): Alert => ({
      ...alert,
      entities: [...alert.entities, { kind: 'process', value: commandLine, role: 'actor', properties: { image: '/usr/sbin/sshd' } }],
    });
    expect(fingerprintAlert(withProcess('sshd: root [priv]'), BUCKET)).toBe(fingerprintAlert(withProcess('sshd: root [net]'), BUCKET));
    expect(fingerprintAlert(withProcess('sshd: root [priv]'), BUCKET)).not.toBe(fingerprintAlert(alert, BUCKET));
  });

  it('uses the bucket length it is given and the explicit time over alert.time', () => {
    const alert = at(bucketStart + 1);
    expect(fingerprintAlert(alert, BUCKET, (bucketStart + BUCKET) * 1000)).toBe(fingerprintAlert(at(bucketStart + BUCKET), BUCKET));
    expect(fingerprintAlert(at(bucketStart + 1), 2 * BUCKET)).not.toBe(fingerprintAlert(at(bucketStart + 1), BUCKET));
  });

  it('is the same whatever was fingerprinted before it: a flood alternating between hosts, an entity changed in place', () => {
    const variants = [HOSTS.mail, HOSTS.intranet, { ip: '10.143.2.5' }, { ip: '10.143.2.6' }, { ip: '10.143.2.7' }, { ip: '10.143.2.8' }].map((host) => at(bucketStart + 1, host));
    const alone = variants.map((alert) => fingerprintAlert(structuredClone(alert), BUCKET));
    // More variants than the cache holds, in an order that hits, misses and evicts.
    for (const index of [0, 1, 0, 1, 2, 3, 4, 5, 0, 5, 4, 1, 1, 3]) expect(fingerprintAlert(variants[index]!, BUCKET)).toBe(alone[index]);
    const changed = variants[0]!;
    fingerprintAlert(changed, BUCKET);
    changed.entities[0] = { ...changed.entities[0]!, value: 'another-host' };
    expect(fingerprintAlert(changed, BUCKET)).not.toBe(alone[0]);
  });

  it('ruleKey is the lower-cased rule name', () => {
    expect(ruleKey(base)).toBe('wazuh: sshd: insecure connection attempt (scan).');
  });
});
