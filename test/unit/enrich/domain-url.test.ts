import { describe, expect, it } from 'vitest';
import { editDistance, skeleton, splitDomain, urlHost } from '../../../core/enrich/domain-url/domain-name.js';
import { measureRandomness } from '../../../core/enrich/domain-url/domain-randomness.js';
import { createDomainUrlEnricher } from '../../../core/enrich/domain-url/domain-url.js';
import type { Finding } from '../../../core/enrich/enricher.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const context = { timeMs: Date.parse('2026-03-02T09:15:00Z'), evidence: [] };

function makeAlert(entities: AlertInput['entities']): Alert {
  return testAlert({ title: 'Suspicious link clicked', ruleName: 'Suspicious link clicked', entities });
}

const enricher = createDomainUrlEnricher({ organizationDomains: ['example.com', 'contoso.co.uk', 'acme.org', 'northwindtraders.com'] });

function enrichOne(kind: 'domain' | 'url' | 'email', value: string): Finding[] {
  return enricher.enrich(makeAlert([{ kind, value }]), context);
}

/** Well-known real registrable labels (10+ characters, where the randomness test applies). */
const ORDINARY_LABELS = (
  'googleapis cloudfront microsoftonline amazonaws doubleclick stackoverflow salesforce windowsupdate ' +
  'githubusercontent letsencrypt msftconnecttest googlesyndication googletagmanager googleadservices ' +
  'rubiconproject scorecardresearch sharethrough contextweb smartadserver quantserve crashlytics ' +
  'sumologic splunkcloud prometheus kubernetes visualstudio trafficmanager sharepointonline ' +
  'skypeforbusiness officeapps centurylink deutschetelekom bundesregierung bundesfinanzministerium ' +
  'kreissparkasse commerzbank schwarzkopf thyssenkrupp rheinmetall heidelbergcement nordrheinwestfalen ' +
  'zweckverband bahnhofstrasse schwarzwaldmilch wikipedia instagram facebookcorp atlassian'
).split(' ');

/** Deterministic pseudo-random labels (LCG) standing in for DGA output. */
function randomLabels(alphabet: string, count: number, seed: number): string[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const labels: string[] = [];
  for (let index = 0; index < count; index++) {
    const length = 12 + Math.floor(next() * 10);
    let label = '';
    for (let position = 0; position < length; position++) label += alphabet[Math.floor(next() * alphabet.length)];
    labels.push(label);
  }
  return labels;
}

describe('domain helpers', () => {
  it('splits hosts at the registrable domain, knowing multi-label and hosting suffixes', () => {
    expect(splitDomain('a.b.example.com')).toEqual({ registrable: 'example.com', label: 'example', suffix: 'com', isHostingSuffix: false, subdomainDepth: 2 });
    expect(splitDomain('www.contoso.co.uk')).toMatchObject({ registrable: 'contoso.co.uk', label: 'contoso', suffix: 'co.uk', subdomainDepth: 1 });
    expect(splitDomain('phish.github.io')).toMatchObject({ registrable: 'phish.github.io', label: 'phish', isHostingSuffix: true });
    expect(splitDomain('co.uk')).toBeUndefined();
    expect(splitDomain('localhost')).toBeUndefined();
  });

  it('reads the host of a URL without user info, port, brackets or trailing dot', () => {
    expect(urlHost('HTTPS://User:pw@Login.Example.COM.:8443/a?b#c')).toBe('login.example.com');
    expect(urlHost('http://[2001:db8::1]:8080/')).toBe('2001:db8::1');
    expect(urlHost('example.org/path')).toBe('example.org');
    expect(urlHost('http://evil.example\\@good.example/')).toBe('evil.example');
  });

  it('maps confusable characters and digit swaps to one skeleton', () => {
    expect(skeleton('example')).toBe('example');
    expect(skeleton('exаmple')).toBe('example'); // Cyrillic а
    expect(skeleton('ехаmрlе')).toBe('example'); // mostly Cyrillic
    expect(skeleton('examp1e')).toBe('example');
    expect(skeleton('exarnple')).toBe('example');
    expect(skeleton('micr0soft')).toBe(skeleton('microsoft'));
    expect(skeleton('paypa1')).toBe(skeleton('paypal'));
  });

  it('measures Damerau-Levenshtein distance with adjacent transpositions as one edit', () => {
    expect(editDistance('example', 'exmaple', 2)).toBe(1);
    expect(editDistance('example', 'exampel', 2)).toBe(1);
    expect(editDistance('example', 'examples', 2)).toBe(1);
    expect(editDistance('example', 'exmple', 2)).toBe(1);
    expect(editDistance('example', 'exampleco', 2)).toBe(2);
    expect(editDistance('example', 'sample', 2)).toBe(2);
    expect(editDistance('example', 'different', 2)).toBe(3);
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
  });

  it('flags random labels and leaves ordinary names alone', () => {
    const flagged = (labels: string[]): number => labels.filter((label) => measureRandomness(label).signals >= 2).length;
    expect(ORDINARY_LABELS.filter((label) => measureRandomness(label).signals >= 2)).toEqual([]);
    expect(flagged(randomLabels('abcdefghijklmnopqrstuvwxyz', 200, 1))).toBeGreaterThanOrEqual(140);
    expect(flagged(randomLabels('abcdefghijklmnopqrstuvwxyz0123456789', 200, 2))).toBeGreaterThanOrEqual(160);
    const measured = measureRandomness('xjkqpwzvbtrlmn');
    expect(measured.entropy).toBeCloseTo(3.807, 3);
    expect(measured.longestConsonantRun).toBe(14);
    expect(measured.vowelRatio).toBe(0);
    expect(measureRandomness('qzxwvkj').signals).toBe(0); // too short to judge
  });
});

describe('domain-url enricher: look-alikes', () => {
  it.each([
    ['exаmple.com', 2, 'looks like example.com'], // Cyrillic а
    ['xn--exmple-cua.com', 2, 'xn--exmple-cua.com (exämple) looks like example.com'],
    ['examp1e.com', 2, 'skeleton "example"'],
    ['exarnple.com', 2, 'skeleton "example"'],
    ['exmaple.com', 1.5, 'Damerau-Levenshtein distance 1'],
    ['exampel.net', 1.5, 'Damerau-Levenshtein distance 1'],
    ['exammple.co', 1.5, 'Damerau-Levenshtein distance 1'],
    ['nortwindtrader.com', 1, 'is 2 edits away from northwindtraders.com (Damerau-Levenshtein distance 2)'],
    ['example.net', 1, 'copies the label of example.com under another suffix (.net)'],
    ['contoso.com', 1, 'copies the label of contoso.co.uk'],
    ['c0ntoso.co.uk', 2, 'looks like contoso.co.uk'],
    ['example-login.com', 1, 'embeds the organisation name "example"'],
    ['secure-acme.net', 1, 'embeds the organisation name "acme"'],
    ['login.example.com.account-verify.net', 1.25, "puts the organisation's domain example.com in front of the unrelated domain account-verify.net"],
    ['example-com.secure-mail.net', 1.25, "puts the organisation's domain example.com in front of the unrelated domain secure-mail.net"],
  ])('flags %s (%d)', (domain, weight, claimPart) => {
    const findings = enrichOne('domain', domain);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.weight).toBe(weight);
    expect(findings[0]?.claim).toContain(claimPart);
    expect(findings[0]?.refs).toEqual(['entities[0].value']);
    expect(findings[0]?.attack).toEqual(['T1583.001']);
  });

  it.each([
    'example.com',
    'mail.example.com',
    'EXAMPLE.COM.',
    'www.contoso.co.uk',
    'acme.org',
    'pineapple.com',
    'acne.org',
    'example.sharepoint.com',
    'example-my.sharepoint.com',
    'example-com.mail.protection.outlook.com',
    'google.com',
    'sample.com',
    'example.zendesk.com',
    'example.atlassian.net',
    // Short labels only allow one edit: two edits from "example" is a different word.
    'eksample.com',
  ])('leaves %s alone', (domain) => {
    expect(enrichOne('domain', domain)).toEqual([]);
  });

  it('checks the domain of an email address and the host of a URL', () => {
    expect(enrichOne('email', 'ceo@examp1e.com')[0]?.claim).toContain('examp1e.com looks like example.com');
    expect(enrichOne('url', 'https://login.exmaple.com/reset')[0]?.weight).toBe(1.5);
  });

  it('reports one look-alike per host even when several entities carry it', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'domain', value: 'exmaple.com' },
        { kind: 'url', value: 'https://exmaple.com/login' },
        { kind: 'domain', value: 'exmaple.com', role: 'destination' },
      ]),
      context,
    );
    expect(findings).toHaveLength(1);
  });
});

describe('domain-url enricher: structure', () => {
  it('flags a DGA-like registrable label and states the measured entropy', () => {
    const findings = enrichOne('domain', 'xjkqpwzvbtrlmn.com');
    expect(findings).toEqual([
      {
        kind: 'domain',
        claim: 'xjkqpwzvbtrlmn.com looks machine-generated (DGA-like): entropy 3.81 bits/char, longest consonant run 14, vowel ratio 0.00, 14 characters.',
        weight: 1.5,
        refs: ['entities[0].value'],
        attack: ['T1568.002'],
      },
    ]);
  });

  it('does not judge machine-assigned labels under CDN and cloud suffixes', () => {
    expect(enrichOne('domain', 'd3k9xq7vbtlwz2.cloudfront.net')).toEqual([]);
    expect(enrichOne('domain', 'googleapis.com')).toEqual([]);
  });

  it('flags deep subdomains', () => {
    const findings = enrichOne('domain', 'a.b.c.d.e.login.net');
    expect(findings).toEqual([{ kind: 'domain', claim: 'a.b.c.d.e.login.net has 5 subdomain levels above login.net (more than 4).', weight: 0.5, refs: ['entities[0].value'] }]);
    expect(enrichOne('domain', 'a.b.c.d.login.net')).toEqual([]);
  });

  it('flags raw public IP hosts, and keeps private or documentation IP hosts as context', () => {
    expect(enrichOne('url', 'http://8.8.4.4/panel')).toEqual([
      { kind: 'url', claim: 'http://8.8.4.4/panel uses a raw public IP address as host (8.8.4.4) instead of a domain name.', weight: 1, refs: ['entities[0].value'] },
    ]);
    expect(enrichOne('url', 'http://10.1.2.3:8080/')[0]).toMatchObject({ weight: 0, claim: 'http://10.1.2.3:8080/ uses a raw IP address as host (10.1.2.3, private-use).' });
    expect(enrichOne('url', 'https://[2001:db8::1]/')[0]?.weight).toBe(0);
  });

  it('flags IP hosts written in decimal or hex', () => {
    expect(enrichOne('url', 'http://3232235777/x')[0]).toMatchObject({ weight: 1.5, claim: expect.stringContaining('(3232235777)') });
    expect(enrichOne('url', 'http://0x7f.0x0.0x0.0x1/')[0]?.weight).toBe(1.5);
  });

  it('flags user info in front of the host', () => {
    const findings = enrichOne('url', 'http://www.example.com@203.0.113.5/login');
    expect(findings[0]).toMatchObject({ weight: 1, claim: expect.stringContaining('user info before the host (203.0.113.5)') });
  });

  it('flags risky file types and double extensions in the URL path, not in the query', () => {
    expect(enrichOne('url', 'https://files.vendor-downloads.net/dl/setup.msi')).toEqual([
      { kind: 'url', claim: 'https://files.vendor-downloads.net/dl/setup.msi serves "setup.msi", a risky .msi file type.', weight: 1, refs: ['entities[0].value'] },
    ]);
    expect(enrichOne('url', 'https://files.vendor-downloads.net/Invoice.PDF.exe?download=1')[0]).toMatchObject({
      weight: 1.5,
      claim: 'https://files.vendor-downloads.net/Invoice.PDF.exe?download=1 serves "Invoice.PDF.exe": a .exe file disguised with a .pdf double extension.',
    });
    expect(enrichOne('url', 'https://files.vendor-downloads.net/report.pdf?name=x.exe')).toEqual([]);
    expect(enrichOne('url', 'https://files.vendor-downloads.net/bin.exe/')).toEqual([]);
    expect(enrichOne('url', 'https://files.vendor-downloads.net/notes.one')[0]?.claim).toContain('.one');
  });

  it('uses the configured extension list instead of the default', () => {
    const custom = createDomainUrlEnricher({ riskyExtensions: ['.pdf'] });
    expect(custom.enrich(makeAlert([{ kind: 'url', value: 'https://x.example.net/a.pdf' }]), context)).toHaveLength(1);
    expect(custom.enrich(makeAlert([{ kind: 'url', value: 'https://x.example.net/a.exe' }]), context)).toEqual([]);
  });

  it('returns an empty array for alerts without domains, URLs or emails', () => {
    expect(
      enricher.enrich(
        makeAlert([
          { kind: 'ip', value: '8.8.8.8' },
          { kind: 'host', value: 'web01' },
        ]),
        context,
      ),
    ).toEqual([]);
  });
});

describe('domain-url options', () => {
  it('rejects malformed organisation domains and unknown options with a ConfigError', () => {
    expect(() => createDomainUrlEnricher({ organizationDomains: ['not a domain'] })).toThrow(ConfigError);
    expect(() => createDomainUrlEnricher({ organizationDomains: ['not a domain'] })).toThrow(/organizationDomains\[0\]/);
    expect(() => createDomainUrlEnricher({ orgDomains: ['example.com'] } as never)).toThrow(/orgDomains/);
  });
});

// Speed is measured by `npm run bench`, not by timed tests.
describe('domain-url on repeated alerts', () => {
  it('finds the same things on every repetition of 20,000 alerts', () => {
    const alerts = [
      makeAlert([
        { kind: 'url', value: 'https://login.exmaple.com/reset/setup.exe' },
        { kind: 'email', value: 'a@contoso.co.uk' },
      ]),
      makeAlert([
        { kind: 'domain', value: 'updates.vendor-cdn.net' },
        { kind: 'host', value: 'web01' },
      ]),
      makeAlert([{ kind: 'host', value: 'web01' }]),
    ];
    const perAlert = alerts.map((alert) => enricher.enrich(alert, context).length);
    let count = 0;
    for (let index = 0; index < 20_000; index++) count += enricher.enrich(alerts[index % 3] as Alert, context).length;
    expect(perAlert[0]).toBeGreaterThan(0);
    expect(count).toBe(perAlert.reduce((sum, value, index) => sum + value * Math.ceil((20_000 - index) / 3), 0));
  });
});

describe('registrable domains (Public Suffix List through tldts)', () => {
  it.each([
    ['paypa1.co.at', 'paypa1.co.at', 'co.at'],
    ['paypa1.com.ru', 'paypa1.com.ru', 'com.ru'],
    ['paypa1.com.au', 'paypa1.com.au', 'com.au'],
    ['login.paypal.co.jp', 'paypal.co.jp', 'co.jp'],
    ['a.b.example.co.uk', 'example.co.uk', 'co.uk'],
    ['shop.example.com.br', 'example.com.br', 'com.br'],
    ['portal.example.gv.at', 'example.gv.at', 'gv.at'],
    ['mail.example.org.mx', 'example.org.mx', 'org.mx'],
    ['www.example.kiev.ua', 'example.kiev.ua', 'kiev.ua'],
    ['example.ac.be', 'example.ac.be', 'ac.be'],
    ['cdn.example.nom.za', 'example.nom.za', 'nom.za'],
    ['foo.github.io', 'foo.github.io', 'github.io'],
    ['x.s3.amazonaws.com', 'x.s3.amazonaws.com', 's3.amazonaws.com'],
    ['contoso.sharepoint.com', 'contoso.sharepoint.com', 'sharepoint.com'],
    ['login.example.com.evil.net', 'evil.net', 'net'],
  ])('%s → %s (suffix %s)', (host, registrable, suffix) => {
    expect(splitDomain(host)).toMatchObject({ registrable, suffix });
  });

  it('has no registrable domain for a bare suffix, a single label or an IP address', () => {
    for (const host of ['co.uk', 'com.ru', 'localhost', '192.0.2.10']) expect(splitDomain(host), host).toBeUndefined();
  });

  it('raises look-alike evidence for paypa1 under any country suffix', () => {
    const paypal = createDomainUrlEnricher({ organizationDomains: ['paypal.com'] });
    for (const host of ['paypa1.co.at', 'paypa1.com.ru', 'paypa1.com.au']) {
      const findings = paypal.enrich(makeAlert([{ kind: 'domain', value: host }]), context);
      const lookAlike = findings.find((finding) => finding.attack?.includes('T1583.001'));
      expect(lookAlike?.claim, host).toContain(`${host} looks like paypal.com`);
      expect(lookAlike!.weight, host).toBeGreaterThanOrEqual(2);
    }
  });
});
