import { describe, expect, it } from 'vitest';
import { compileSuppression, createSuppressionEnricher, suppressionMatches } from '../../core/enrich/suppression/suppression.js';
import type { Alert } from '../../core/spec/alert.js';
import { SuppressionV1Schema, type Suppression } from '../../core/spec/suppression.js';
import { HOSTS, RULES, sampleAlert } from './sample-alerts.js';

// Real AIT alerts: ClamAV updates on the mail server are the textbook expected activity.
const clamav = sampleAlert(RULES.clamavUpdate, HOSTS.mail);
const nowMs = Date.parse(clamav.time);
const DAY_MS = 86_400_000;

function suppression(fields: Partial<Suppression>): Suppression {
  return SuppressionV1Schema.parse({
    name: 'clamav-updates',
    owner: 'alice',
    reason: 'signature updates run every hour on the mail servers',
    createdAt: new Date(nowMs - DAY_MS).toISOString(),
    expiresAt: new Date(nowMs + DAY_MS).toISOString(),
    ...fields,
  });
}
const matches = (fields: Partial<Suppression>, alert: Alert = clamav, atMs = nowMs): boolean => suppressionMatches(compileSuppression(suppression(fields)), alert, atMs);

describe('suppression scope', () => {
  it('by rule name, exact but case-insensitive', () => {
    expect(matches({ rule: RULES.clamavUpdate })).toBe(true);
    expect(matches({ rule: RULES.clamavUpdate.toUpperCase() })).toBe(true);
    expect(matches({ rule: 'Wazuh: ClamAV database' })).toBe(false);
    expect(matches({ rule: RULES.clamavUpdate }, sampleAlert(RULES.dovecotLogin, HOSTS.mail))).toBe(false);
  });

  it('by entity kind:value', () => {
    expect(matches({ entity: 'host:mail' })).toBe(true);
    expect(matches({ entity: 'host:MAIL' })).toBe(true);
    expect(matches({ entity: 'ip:172.19.130.4' })).toBe(true);
    expect(matches({ entity: 'host:webserver' })).toBe(false);
    expect(matches({ entity: 'user:mail' })).toBe(false);
    expect(matches({ rule: RULES.clamavUpdate, entity: 'host:mail' }, sampleAlert(RULES.clamavUpdate, HOSTS.davey))).toBe(false);
  });

  it('by field pattern: title by default, ruleName, or any alert field', () => {
    expect(matches({ pattern: '^clamav database' })).toBe(true); // the title without the "Wazuh:" prefix
    expect(matches({ field: 'ruleName', pattern: '^wazuh: clamav' })).toBe(true);
    expect(matches({ field: 'ruleName', pattern: '^clamav' })).toBe(false);
    const withField: Alert = { ...clamav, fields: { signature_id: 'W-Sys-Cav' } };
    expect(matches({ field: 'signature_id', pattern: '^W-Sys-' }, withField)).toBe(true);
    expect(matches({ field: 'signature_id', pattern: '^W-Sys-' })).toBe(false); // field absent
  });

  it('applies to alerts raised until it expires, the backlog from before it was written included', () => {
    expect(matches({ rule: RULES.clamavUpdate }, clamav, nowMs + DAY_MS - 1)).toBe(true);
    expect(matches({ rule: RULES.clamavUpdate }, clamav, nowMs + DAY_MS)).toBe(false);
    expect(matches({ rule: RULES.clamavUpdate }, clamav, nowMs - 30 * DAY_MS)).toBe(true);
  });

  it('a bad pattern fails when compiled (when added), not at match time', () => {
    expect(() => compileSuppression(suppression({ pattern: '(' }))).toThrow(SyntaxError);
  });

  it('refuses a pattern that repeats a repeat: (a+)+ on 31 characters held one triage over 30 s (issue 11 fuzz)', () => {
    for (const pattern of ['^(a+)+$', '(\\w+\\s?)+$', '(x+x+)+y']) {
      expect(() => compileSuppression(suppression({ pattern })), pattern).toThrow(/repeats a group that itself repeats/);
    }
    expect(() => compileSuppression(suppression({ pattern: 'clamav|freshclam' }))).not.toThrow();
  });
});

describe('suppression enricher', () => {
  it('cites a matching suppression by name, owner and expiry as strong expected activity', () => {
    const enricher = createSuppressionEnricher([suppression({ rule: RULES.clamavUpdate, entity: 'host:mail' }), suppression({ name: 'web-scans', rule: RULES.nmapUserAgent })]);
    const findings = enricher.enrich(clamav, { timeMs: nowMs, evidence: [] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'suppression', weight: -4, refs: ['suppression:clamav-updates'], benignReason: 'expected_activity' });
    expect(findings[0]!.claim).toContain('"clamav-updates"');
    expect(findings[0]!.claim).toContain('alice');
    expect(findings[0]!.claim).toContain(new Date(nowMs + DAY_MS).toISOString().slice(0, 10));
    expect(findings[0]!.claim).toContain('signature updates run every hour');
  });

  it('uses the stream time, not the wall clock, and can be replaced at run time', () => {
    const enricher = createSuppressionEnricher([suppression({ rule: RULES.clamavUpdate })]);
    expect(enricher.enrich(clamav, { timeMs: nowMs + 2 * DAY_MS, evidence: [] })).toEqual([]);
    enricher.replace([]);
    expect(enricher.enrich(clamav, { timeMs: nowMs, evidence: [] })).toEqual([]);
    enricher.replace([suppression({ name: 'mail-host', entity: 'host:mail' })]);
    expect(enricher.enrich(clamav, { timeMs: nowMs, evidence: [] }).map((finding) => finding.refs)).toEqual([['suppression:mail-host']]);
  });

  it('leaves out a stored suppression whose pattern could hang (added by an older version): triage stays fast', () => {
    const stored = { ...suppression({ name: 'slow', rule: undefined }), pattern: '^(a+)+$' };
    const enricher = createSuppressionEnricher([stored, suppression({ name: 'mail-host', entity: 'host:mail' })]);
    const nearMiss = { ...clamav, title: `${'a'.repeat(40)}!` };
    const started = performance.now();
    expect(enricher.enrich(nearMiss, { timeMs: nowMs, evidence: [] }).map((finding) => finding.refs)).toEqual([['suppression:mail-host']]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
