import { describe, expect, it } from 'vitest';
import { createEmailEnricher } from '../../../core/enrich/email/email.js';
import { parseAuthenticationResults, parseReceivedSpf } from '../../../core/enrich/email/email-headers.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const context = { timeMs: Date.parse('2026-03-02T09:15:00Z'), evidence: [] };

function makeAlert(overrides: Partial<AlertInput>): Alert {
  return testAlert({ title: 'Suspicious inbound email', ruleName: 'Inbound phishing suspected', ...overrides });
}

// Shaped like a header Exchange Online Protection adds, with invented names and documentation addresses.
const SPOOFED_HEADER = `Authentication-Results: mx.corp.example;
       spf=fail (corp.example: domain of billing@corp-payments.test does not designate 198.51.100.23 as permitted sender) smtp.mailfrom=billing@corp-payments.test;
       dkim=fail (body hash did not verify) header.d=corp.example header.s=selector1 header.b=Qm9ndXM=;
       dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=corp.example;
       compauth=fail reason=000`;

const GENUINE_HEADER =
  'mx.corp.example 1; spf=pass (sender IP is 203.0.113.40) smtp.mailfrom=news.partner.example;' +
  ' dkim=pass (signature was verified) header.d=partner.example header.i=@partner.example;' +
  'dmarc=pass action=none header.from=partner.example;compauth=pass reason=100';

describe('parseAuthenticationResults', () => {
  it('reads every method, its properties and its comments from a multi-method header', () => {
    const results = parseAuthenticationResults(SPOOFED_HEADER);
    expect(results.map((result) => `${result.method}=${result.result}`)).toEqual(['spf=fail', 'dkim=fail', 'dmarc=fail', 'compauth=fail']);
    expect(results[0]!.properties).toEqual({ 'smtp.mailfrom': 'billing@corp-payments.test' });
    expect(results[0]!.comment).toContain('does not designate 198.51.100.23');
    expect(results[1]!.properties['header.d']).toBe('corp.example');
    expect(results[2]!.comment).toBe('p=REJECT sp=REJECT dis=QUARANTINE');
    expect(results[3]!.properties['reason']).toBe('000');
  });

  it('skips the authserv-id and its version, and tolerates missing spaces and vendor properties', () => {
    const results = parseAuthenticationResults(GENUINE_HEADER);
    expect(results.map((result) => result.method)).toEqual(['spf', 'dkim', 'dmarc', 'compauth']);
    expect(results[2]!.properties).toEqual({ action: 'none', 'header.from': 'partner.example' });
    expect(results[2]!.text).toBe('dmarc=pass action=none header.from=partner.example');
  });

  it('keeps semicolons inside comments and quoted reasons, and reads stacked headers', () => {
    const results = parseAuthenticationResults(
      'mx.a.example; dkim=permerror reason="key; not found" (comment; with semicolon) header.d=b.example\n' + 'Authentication-Results: mx.b.example; spf=softfail smtp.mailfrom=c.example',
    );
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ method: 'dkim', result: 'permerror', comment: 'comment; with semicolon' });
    expect(results[0]!.properties).toEqual({ reason: 'key; not found', 'header.d': 'b.example' });
    expect(results[1]).toMatchObject({ method: 'spf', result: 'softfail' });
  });

  it('returns nothing for "none" and for an empty header', () => {
    expect(parseAuthenticationResults('mx.corp.example; none')).toEqual([]);
    expect(parseAuthenticationResults('')).toEqual([]);
  });
});

describe('parseReceivedSpf', () => {
  it('reads the result word and the key=value pairs after the comment', () => {
    const spf = parseReceivedSpf(
      'Received-SPF: SoftFail (protection.outlook.com: domain of transitioning corp.example discourages use of 198.51.100.23 as permitted sender) receiver=protection.outlook.com; client-ip=198.51.100.23; envelope-from=ap@corp.example;',
    );
    expect(spf).toMatchObject({ method: 'spf', result: 'softfail' });
    expect(spf!.properties['client-ip']).toBe('198.51.100.23');
    expect(spf!.properties['envelope-from']).toBe('ap@corp.example');
  });
});

describe('email enricher', () => {
  const enricher = createEmailEnricher({
    organizationDomains: ['corp.example'],
    executiveNames: ['Dana Whitfield'],
  });

  it('flags a spoof of the organisation domain: SPF, DKIM and DMARC fail, display name and Reply-To', () => {
    const alert = makeAlert({
      entities: [
        {
          kind: 'email',
          value: 'billing@corp-payments.test',
          role: 'actor',
          properties: {
            displayName: 'Accounts Payable (ap@corp.example)',
            replyTo: 'Accounts <remit.ap.2026@gmail.com>',
            returnPath: '<billing@corp-payments.test>',
            subject: 'URGENT: overdue invoice — wire transfer today',
            authenticationResults: SPOOFED_HEADER,
            recipient: 'mokafor@corp.example',
          },
        },
        { kind: 'email', value: 'mokafor@corp.example', role: 'target' },
      ],
    });
    const findings = enricher.enrich(alert, context);
    const byClaimStart = (start: string) => findings.find((finding) => finding.claim.startsWith(start));

    expect(byClaimStart('SPF fail')).toMatchObject({ weight: 0.6, refs: ['entities[0].properties.authenticationResults'] });
    expect(byClaimStart('SPF fail')!.claim).toContain('"spf=fail smtp.mailfrom=billing@corp-payments.test"');
    expect(byClaimStart('DKIM fail')).toMatchObject({ weight: 0.5 });
    expect(byClaimStart('DMARC fail')).toMatchObject({ weight: 1.2, attack: ['T1672'] });
    expect(byClaimStart('DMARC fail')!.claim).toContain('p=reject');
    // compauth repeats DMARC here and must not be counted twice.
    expect(findings.some((finding) => finding.claim.startsWith('Composite'))).toBe(false);
    expect(byClaimStart('The display name')).toMatchObject({ weight: 1.2, attack: ['T1656'] });
    expect(byClaimStart('The display name')!.claim).toContain('ap@corp.example');
    expect(byClaimStart('Reply-To')).toMatchObject({ weight: 0.9, refs: ['entities[0].properties.replyTo'] });
    expect(byClaimStart('Return-Path')).toBeUndefined();
    expect(byClaimStart('The subject')).toMatchObject({ weight: 0.3 });
    expect(byClaimStart('The subject')!.claim).toContain('urgent, overdue, invoice, wire transfer');
    expect(findings.every((finding) => finding.kind === 'email' && finding.weight >= 0)).toBe(true);
  });

  it('reads a quoted address in the display name as the display name, not as the sender (RFC 5322)', () => {
    for (const from of ['"security@corp.example" <attacker@evil.example>', '"IT Security <security@corp.example>" <attacker@evil.example>', 'security@corp.example <attacker@evil.example>']) {
      const findings = enricher.enrich(makeAlert({ fields: { 'email.from': from, 'email.subject': 'Password reset required' } }), context);
      const display = findings.find((finding) => finding.claim.startsWith('The display name'));
      expect(display?.claim, from).toContain('shows the address security@corp.example');
      expect(display?.claim, from).toContain('but the message was sent from attacker@evil.example');
      expect(display?.weight, from).toBe(1.2);
    }
  });

  it('reads a group and a Reply-To list with the parser', () => {
    const findings = enricher.enrich(makeAlert({ fields: { 'email.from': 'Billing <billing@partner.example>', 'Reply-To': 'Accounts: "Pay, Desk" <desk@freemail.example>;' } }), context);
    expect(findings.find((finding) => finding.claim.startsWith('Reply-To'))?.claim).toContain('desk@freemail.example');
  });

  it('reads flat fields: an executive display name on a free-mail address', () => {
    const alert = makeAlert({
      fields: {
        'email.from': '"Whitfield, Dana" <dana.whitfield.office@gmail.com>',
        'email.subject': 'Quick favour',
        'Authentication-Results': 'mx.google.com; spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com',
      },
    });
    const findings = enricher.enrich(alert, context);
    expect(findings).toEqual([
      {
        kind: 'email',
        claim: 'The display name "Whitfield, Dana" names the executive Dana Whitfield, but the message comes from the free-mail address dana.whitfield.office@gmail.com.',
        weight: 1.3,
        refs: ['fields.email.from'],
        attack: ['T1656'],
      },
    ]);
  });

  it('gives weak benign weight when authentication passes aligned with the From domain', () => {
    const alert = makeAlert({
      entities: [
        {
          kind: 'email',
          value: 'news@partner.example',
          properties: { authenticationResults: GENUINE_HEADER, returnPath: 'bounces+1234@esp-bounces.test' },
        },
      ],
    });
    const findings = enricher.enrich(alert, context);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({ weight: -0.4, benignReason: 'expected_activity' });
    expect(findings[0]!.claim).toContain('partner.example');
    expect(findings[0]!.claim).toContain('"dmarc=pass action=none header.from=partner.example"');
    // With DMARC aligned, a bulk-mail Return-Path is context only.
    expect(findings[1]).toMatchObject({ weight: 0, refs: ['entities[0].properties.returnPath'] });
  });

  it('treats an SPF failure as context when an aligned DKIM signature verifies (forwarded mail)', () => {
    const alert = makeAlert({
      entities: [
        {
          kind: 'email',
          value: 'team@partner.example',
          properties: {
            authenticationResults: 'mx.corp.example; spf=fail smtp.mailfrom=partner.example; dkim=pass header.d=partner.example; dmarc=pass header.from=partner.example',
          },
        },
      ],
    });
    const findings = enricher.enrich(alert, context);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ weight: 0 });
    expect(findings[0]!.claim).toContain('forwarded');
  });

  it('uses Received-SPF when Authentication-Results has no SPF, and counts compauth when DMARC is silent', () => {
    const alert = makeAlert({
      fields: {
        'email.from': 'it-support@helpdesk-portal.test',
        'Received-SPF': 'SoftFail (protection.outlook.com: domain of helpdesk-portal.test discourages use of 192.0.2.77) receiver=protection.outlook.com',
        'Authentication-Results': 'spf=none; dkim=none (message not signed) header.d=none; dmarc=none action=none header.from=helpdesk-portal.test; compauth=fail reason=601',
      },
    });
    const findings = enricher.enrich(alert, context);
    expect(findings.map((finding) => [finding.weight, finding.refs[0]])).toEqual([[0.8, 'fields.Authentication-Results']]);

    const spfOnly = makeAlert({
      fields: { 'email.from': 'it-support@helpdesk-portal.test', 'received-spf': 'SoftFail receiver=mx.corp.example' },
    });
    expect(enricher.enrich(spfOnly, context)).toMatchObject([{ weight: 0.3, refs: ['fields.received-spf'] }]);
  });

  it('does not flag mail from the organisation itself or ordinary subjects', () => {
    const alert = makeAlert({
      entities: [{ kind: 'email', value: 'dwhitfield@corp.example', properties: { displayName: 'Dana Whitfield', subject: 'Board pack for Thursday' } }],
    });
    expect(enricher.enrich(alert, context)).toEqual([]);
  });

  it('returns nothing when the alert carries no email facts', () => {
    const alert = makeAlert({ entities: [{ kind: 'host', value: 'fin-ws-014.corp.example' }], fields: { subject: 'CN=corp' } });
    expect(enricher.enrich(alert, context)).toEqual([]);
  });

  it('rejects bad options with a ConfigError naming the field', () => {
    expect(() => createEmailEnricher({ organizationDomains: ['corp example'] })).toThrow(ConfigError);
    expect(() => createEmailEnricher({ organizationDomains: ['corp example'] })).toThrow(/organizationDomains/);
    expect(() => createEmailEnricher({ executives: ['x'] } as never)).toThrow(/executives/);
  });
});
