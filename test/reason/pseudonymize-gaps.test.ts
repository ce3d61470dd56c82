import { describe, expect, it } from 'vitest';
import { createPseudonymizer } from '../../core/reason/pseudonymize.js';
import { AlertV1Schema } from '../../core/spec/alert.js';

/**
 * Issue 11, finding 12: three identifiers reached the model in clear — `user:pass@` in URLs (sent
 * 13 times), other alerts' host names quoted inside context claims ("host ws01, host ws02 …"),
 * and mailboxes on bare host names (`x@localhost`). Every one must be a token in what is sent,
 * and restore to the original in what comes back.
 */
const alert = AlertV1Schema.parse({
  id: 'a1',
  source: { platform: 'verdict' },
  title: 'Download with embedded credentials',
  ruleName: 'Credentials in URL',
  time: '2026-03-01T10:00:00.000Z',
  entities: [
    { kind: 'host', value: 'web01', role: 'target' },
    { kind: 'url', value: 'https://svc_backup:Hunter2!@files.example.com/dump.zip', role: 'related' },
  ],
});

describe('pseudonymization gaps', () => {
  it('replaces the user and password of a URL, keeping the host (threat intel needs it)', () => {
    const pseudonymizer = createPseudonymizer({ fields: [], internalDomains: [] });
    pseudonymizer.registerAlert(alert);
    const sent = pseudonymizer.text('curl -o x https://svc_backup:Hunter2!@files.example.com/dump.zip and ftp://ops:a@10.1.2.3/');
    expect(sent).not.toMatch(/svc_backup|Hunter2|ops:a@/);
    expect(sent).toContain('files.example.com/dump.zip');
    expect(sent).toMatch(/https:\/\/USER_\d+:VALUE_\d+@files/);
    expect(pseudonymizer.restore(sent)).toBe('curl -o x https://svc_backup:Hunter2!@files.example.com/dump.zip and ftp://ops:a@10.1.2.3/');
  });

  it('replaces host and user names of other alerts quoted in a context claim', () => {
    const pseudonymizer = createPseudonymizer({ fields: [], internalDomains: [] });
    pseudonymizer.registerAlert(alert);
    const claim = '3 other hosts or accounts raised new or suspicious alert types within 30 min (host ws01, host ws02, user bob.smith, host db-7, …): activity across the network.';
    const sent = pseudonymizer.text(claim);
    for (const name of ['ws01', 'ws02', 'bob.smith', 'db-7']) expect(sent).not.toContain(name);
    expect(sent).toContain('activity across the network');
    // The same names elsewhere in the conversation get the same tokens.
    const ws02 = pseudonymizer.text('ws02');
    expect(ws02).toMatch(/^HOST_\d+$/);
    expect(sent).toContain(`host ${ws02},`);
    expect(pseudonymizer.text('lateral movement from ws02')).toBe(`lateral movement from ${ws02}`);
    expect(pseudonymizer.restore(sent)).toBe(claim);
  });

  it('replaces mailboxes on bare host names (x@localhost, root@ws01)', () => {
    const pseudonymizer = createPseudonymizer({ fields: [], internalDomains: [] });
    pseudonymizer.registerAlert(alert);
    const sent = pseudonymizer.text('mail from x@localhost to root@ws01 and alice@corp.example.com');
    expect(sent).not.toMatch(/x@localhost|root@ws01|alice@corp/);
    expect(sent.match(/EMAIL_\d+/g)).toHaveLength(3);
  });
});
