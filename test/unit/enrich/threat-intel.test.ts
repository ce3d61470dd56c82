import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createThreatIntelEnricher, type ThreatIntelOptionsInput } from '../../../core/enrich/threat-intel/threat-intel.js';
import { urlKey } from '../../../core/enrich/threat-intel/threat-intel-indicator.js';
import { sufficientComparisons } from '../../../core/enrich/threat-intel/threat-intel-stix-pattern.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError, VerdictError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const exampleOptions: ThreatIntelOptionsInput = {
  files: [
    { path: 'intel/example-campaign.stix.json', format: 'stix' },
    { path: 'intel/example-event.misp.json', format: 'misp', name: 'example-cert' },
    { path: 'intel/example-blocklist.csv', format: 'csv' },
  ],
};
const context = { timeMs: Date.parse('2024-06-01T09:15:00Z'), evidence: [] };
/** The context at another stream time. */
const at = (time: string) => ({ ...context, timeMs: Date.parse(time) });

function makeAlert(entities: AlertInput['entities']): Alert {
  return testAlert({ title: 'Outbound connection', ruleName: 'Outbound connection', time: '2024-06-01T09:15:00Z', entities });
}

function writeTemp(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'verdict-intel-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

function loadError(options: ThreatIntelOptionsInput, baseDir: string): ConfigError {
  try {
    createThreatIntelEnricher(options, { baseDir });
  } catch (error) {
    expect(VerdictError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('threat-intel enricher with the example files', () => {
  const enricher = createThreatIntelEnricher(exampleOptions, { baseDir: examplesDir });

  it('loads every example file and reports what it left out', () => {
    expect(enricher.id).toBe('threat-intel');
    expect(enricher.files).toEqual([
      {
        source: 'intel/example-campaign.stix.json',
        format: 'stix',
        indicators: 8,
        skipped: { revoked: 1, 'pattern needs more than one observable or a time window': 1 },
      },
      { source: 'example-cert', format: 'misp', indicators: 7, skipped: { 'to_ids is false (not for detection)': 4 } },
      { source: 'intel/example-blocklist.csv', format: 'csv', indicators: 6, skipped: {} },
    ]);
  });

  it('matches an IP indicator with a weight scaled by its confidence', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'host', value: 'ws01' },
        { kind: 'ip', value: '203.0.113.10', role: 'destination' },
      ]),
      context,
    );
    expect(findings).toEqual([
      {
        kind: 'threat_intel',
        claim: 'ip 203.0.113.10 matches ip indicator 203.0.113.10 "Example C2 server" in intel/example-campaign.stix.json (confidence 85).',
        weight: 2.13,
        refs: ['entities[1].value', 'intel:intel/example-campaign.stix.json'],
        detail: 'intel/example-campaign.stix.json indicator--a932fcc6-e032-476c-826f-cb970a5a1ade (objects[1])',
      },
    ]);
  });

  it('matches addresses inside a STIX ISSUBSET range and a CSV cidr, IPv4-mapped included', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '198.51.100.140' },
        { kind: 'ip', value: '::ffff:192.0.2.130' },
      ]),
      context,
    );
    expect(findings.map((finding) => [finding.weight, finding.claim])).toEqual([
      [1, 'ip 198.51.100.140 matches ip indicator 198.51.100.0/24 "Example bulletproof hosting range" in intel/example-campaign.stix.json (confidence 40).'],
      [1.13, 'ip ::ffff:192.0.2.130 matches ip indicator 192.0.2.128/25 "Example scanning subnet" in intel/example-blocklist.csv (confidence 45).'],
    ]);
  });

  it('matches a domain through its parent domain, but not a name that merely ends the same', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'domain', value: 'cdn.files.evil.example' },
        { kind: 'domain', value: 'notevil.example' },
        { kind: 'domain', value: 'example' },
      ]),
      context,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.claim).toBe(
      'domain cdn.files.evil.example via parent domain evil.example matches domain indicator evil.example "Example campaign domains" in intel/example-campaign.stix.json (confidence 80).',
    );
    expect(findings[0]?.weight).toBe(2);
  });

  it('checks a URL exactly (scheme and case of the host ignored) and its host as a domain or address', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'url', value: 'HTTPS://Malware.Example.NET/payload.exe' },
        { kind: 'url', value: 'https://mail.secure-login.example/owa/' },
        { kind: 'url', value: 'http://192.0.2.200/stage2.ps1' },
      ]),
      context,
    );
    expect(findings.map((finding) => finding.claim)).toEqual([
      'url HTTPS://Malware.Example.NET/payload.exe matches url indicator malware.example.net/payload.exe "Example payload download" in intel/example-campaign.stix.json (confidence 90).',
      'url https://mail.secure-login.example/owa/ via host mail.secure-login.example matches domain indicator mail.secure-login.example "Example credential-phishing campaign" in example-cert (confidence 90).',
      'url http://192.0.2.200/stage2.ps1 matches url indicator 192.0.2.200/stage2.ps1 "Example second-stage script" in intel/example-blocklist.csv (confidence 95).',
    ]);
    // The last URL's host is also inside the CSV's 192.0.2.128/25: kept as a further match.
    expect(findings[2]?.detail).toBe('intel/example-blocklist.csv line 6; also 1 more: 192.0.2.128/25 (intel/example-blocklist.csv line 4)');
    expect(findings[1]?.detail).toContain('Attribute[4]');
  });

  it('matches hashes case-insensitively, from STIX, MISP objects and CSV', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'hash', value: '517318D4D4A539384F7687A7402C5E04BAFBA9CF87AABCD203D6EB7CAE4BCE97' },
        { kind: 'hash', value: '2C82056F63B6D0FB01AF7FBDC17CB446' },
        { kind: 'hash', value: 'aec7577c51f17862e33cb6967943cac4cf548f63' },
        { kind: 'hash', value: '0000000000000000000000000000000000000000' },
      ]),
      context,
    );
    expect(findings.map((finding) => [finding.refs[0], finding.weight])).toEqual([
      ['entities[0].value', 1.75], // STIX without confidence: the file default (70)
      ['entities[1].value', 2.25], // MISP threat level 1 (high): 90
      ['entities[2].value', 1.75], // CSV with an empty confidence: the file default (70)
    ]);
  });

  it('matches an email address and, failing that, its domain', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'email', value: 'Billing@Phish.example', role: 'actor' },
        { kind: 'email', value: 'noreply@secure-login.example' },
      ]),
      context,
    );
    expect(findings.map((finding) => finding.claim)).toEqual([
      'email Billing@Phish.example matches email indicator billing@phish.example "Example phishing sender" in intel/example-campaign.stix.json (confidence 75).',
      'email noreply@secure-login.example via domain secure-login.example matches domain indicator secure-login.example "Example credential-phishing campaign" in example-cert (confidence 90).',
    ]);
  });

  it('ignores MISP attributes not meant for detection and victim addresses', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '198.51.100.200' },
        { kind: 'email', value: 'victim@example.com' },
      ]),
      context,
    );
    // 198.51.100.200 still falls in the STIX /24 range; the to_ids:false MISP attribute adds nothing.
    expect(findings).toHaveLength(1);
    expect(findings[0]?.claim).toContain('198.51.100.0/24');
  });

  it('respects valid_from and valid_until against the alert time, and drops revoked indicators', () => {
    const old = makeAlert([{ kind: 'domain', value: 'old-campaign.example' }]);
    expect(enricher.enrich(old, at('2023-03-01T00:00:00Z'))).toHaveLength(1);
    expect(enricher.enrich(old, at('2023-07-10T08:00:00Z'))).toEqual([]);
    const c2 = makeAlert([{ kind: 'ip', value: '203.0.113.10' }]);
    expect(enricher.enrich(c2, at('2024-01-10T07:59:59Z'))).toEqual([]);
    expect(enricher.enrich(makeAlert([{ kind: 'ip', value: '192.0.2.99' }]), context)).toEqual([]);
  });

  it('reports a repeated entity once', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '203.0.113.10', role: 'destination' },
        { kind: 'ip', value: '203.0.113.10', role: 'related' },
      ]),
      context,
    );
    expect(findings).toHaveLength(1);
  });

  it('returns an empty array when nothing matches or no entity is relevant', () => {
    expect(
      enricher.enrich(
        makeAlert([
          { kind: 'ip', value: '8.8.8.8' },
          { kind: 'domain', value: 'example.org' },
        ]),
        context,
      ),
    ).toEqual([]);
    expect(enricher.enrich(makeAlert([{ kind: 'user', value: 'alice' }]), context)).toEqual([]);
    expect(createThreatIntelEnricher({}, { baseDir: examplesDir }).enrich(makeAlert([{ kind: 'ip', value: '203.0.113.10' }]), context)).toEqual([]);
  });

  // Speed is measured by `npm run bench`, not here: this checks repeated lookups stay consistent.
  it('gives the same findings for 20,000 repeated alerts', () => {
    const alerts = [
      makeAlert([
        { kind: 'ip', value: '10.0.0.5' },
        { kind: 'url', value: 'https://www.example.org/index.html' },
      ]),
      makeAlert([
        { kind: 'domain', value: 'a.b.c.vendor.example.net' },
        { kind: 'hash', value: '2c82056f63b6d0fb01af7fbdc17cb446' },
      ]),
      makeAlert([{ kind: 'host', value: 'web01' }]),
    ];
    let count = 0;
    for (let index = 0; index < 20_000; index++) count += enricher.enrich(alerts[index % 3] as Alert, context).length;
    expect(count).toBe(6_667);
  });
});

describe('STIX patterns', () => {
  it.each([
    ["[ipv4-addr:value = '192.0.2.1']", [{ kind: 'ip', value: '192.0.2.1' }]],
    ["[ipv4-addr:value ISSUBSET '192.0.2.0/24']", [{ kind: 'ip', value: '192.0.2.0/24' }]],
    ["[ipv6-addr:value = '2001:DB8::1']", [{ kind: 'ip', value: '2001:db8::1' }]],
    [
      "[domain-name:value = 'Evil.Example' OR domain-name:value = 'b.example']",
      [
        { kind: 'domain', value: 'evil.example' },
        { kind: 'domain', value: 'b.example' },
      ],
    ],
    [
      "[url:value = 'http://a.example/x'] OR [file:hashes.'SHA-256' = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']",
      [
        { kind: 'url', value: 'a.example/x' },
        { kind: 'hash', value: 'a'.repeat(64) },
      ],
    ],
    ["[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", [{ kind: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e' }]],
    ["[email-addr:value = 'x@phish.example']", [{ kind: 'email', value: 'x@phish.example' }]],
    [
      "[domain-name:value IN ('a.example', 'b.example')]",
      [
        { kind: 'domain', value: 'a.example' },
        { kind: 'domain', value: 'b.example' },
      ],
    ],
    ["([domain-name:value = 'a.example']) WITHIN 300 SECONDS", [{ kind: 'domain', value: 'a.example' }]],
    ["[domain-name:value = 'it\\'s.example']", []],
    ["[file:name = 'x.exe' AND file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", []],
    ["[file:name = 'x.exe' AND file:size = 10] OR [ipv4-addr:value = '192.0.2.7']", [{ kind: 'ip', value: '192.0.2.7' }]],
    ["[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']", []],
    ["[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']", []],
    ["[ipv4-addr:value != '192.0.2.1']", []],
    ["[ipv4-addr:value NOT = '192.0.2.1']", []],
    ["[domain-name:value MATCHES '^a']", []],
    ["[process:name = 'evil.exe']", []],
    ["[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES", []],
    ["[ipv4-addr:value = '192.0.2.1'] START t'2024-01-01T00:00:00Z' STOP t'2024-02-01T00:00:00Z'", []],
  ])('%s', (pattern, expected) => {
    if (pattern.includes("it\\'s")) {
      // An escaped quote is read, then rejected as a domain name: proof the literal was unescaped.
      expect(() => sufficientComparisons(pattern)).toThrow(`"it's.example" is not a domain name`);
      return;
    }
    expect(sufficientComparisons(pattern)).toEqual(expected);
  });

  it.each([
    ["[ipv4-addr:value = '192.0.2.1'", 'expected "]" at character 31 (end of pattern)'],
    ["[ipv4-addr:value '192.0.2.1']", 'expected a comparison operator at character 18'],
    ["[ipv4-addr:value = '192.0.2.1]", 'unterminated string literal'],
    ["ipv4-addr:value = '192.0.2.1'", 'expected "[" at character 1'],
    ["[ipv4-addr:value = 'not-an-ip']", '"not-an-ip" is not an IP address or CIDR block'],
  ])('rejects %s', (pattern, message) => {
    expect(() => sufficientComparisons(pattern)).toThrow(message);
  });
});

describe('urlKey', () => {
  it('ignores scheme, user info, host case, a bare trailing slash and the fragment', () => {
    expect(urlKey('HTTP://user@Evil.Example/')).toBe('evil.example');
    expect(urlKey('https://evil.example:8443/a/B?c=1#frag')).toBe('evil.example:8443/a/B?c=1');
    expect(urlKey('/relative/only')).toBeUndefined();
  });
});

describe('threat-intel file errors', () => {
  it('names a missing file and where relative paths start', () => {
    const error = loadError({ files: [{ path: 'intel/missing.json', format: 'stix' }] }, examplesDir);
    expect(error.message).toContain('threat-intel file intel/missing.json (enrichers.threat-intel.files[0], format stix)');
    expect(error.message).toContain('ENOENT');
    expect(error.message).toContain(`relative paths start at ${examplesDir}`);
  });

  it('names invalid JSON and a document that is not a bundle', () => {
    const dir = writeTemp({ 'broken.json': '{"type": "bundle", ', 'event.json': '{"Event": {"Attribute": []}}' });
    expect(loadError({ files: [{ path: 'broken.json', format: 'stix' }] }, dir).message).toContain('is not valid JSON');
    expect(loadError({ files: [{ path: 'event.json', format: 'stix' }] }, dir).message).toContain('is not a STIX 2.1 bundle: expected {"type": "bundle", "objects": [...]}');
  });

  it('names the STIX object whose pattern does not parse', () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--1',
      objects: [
        { type: 'indicator', id: 'indicator--ok', pattern: "[ipv4-addr:value = '192.0.2.1']", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' },
        { type: 'indicator', id: 'indicator--bad', pattern: "[ipv4-addr:value = '192.0.2.1' OR]", pattern_type: 'stix', valid_from: '2024-01-01T00:00:00Z' },
      ],
    };
    const dir = writeTemp({ 'bundle.json': JSON.stringify(bundle) });
    const error = loadError({ files: [{ path: 'bundle.json', format: 'stix' }] }, dir);
    expect(error.message).toContain('indicator--bad (objects[1]): pattern "[ipv4-addr:value = \'192.0.2.1\' OR]" is not valid STIX patterning');
    expect(error.message).toContain('To fix: fix the file or export it again as a STIX 2.1 bundle');
  });

  it('skips other pattern languages instead of failing', () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--2',
      objects: [{ type: 'indicator', id: 'indicator--sigma', pattern: 'title: x', pattern_type: 'sigma', valid_from: '2024-01-01T00:00:00Z' }],
    };
    const dir = writeTemp({ 'bundle.json': JSON.stringify(bundle) });
    const enricher = createThreatIntelEnricher({ files: [{ path: 'bundle.json', format: 'stix' }] }, { baseDir: dir });
    expect(enricher.files[0]?.skipped).toEqual({ 'pattern_type sigma': 1 });
  });

  it('names the CSV line and the fix', () => {
    const dir = writeTemp({
      'bad-type.csv': 'type,value\nip,192.0.2.1\nipaddr,192.0.2.2\n',
      'bad-value.csv': 'type,value,confidence\nhash,abc,50\n',
      'bad-confidence.csv': 'type,value,confidence\nip,192.0.2.1,high\n',
      'bad-header.csv': 'kind,value\nip,192.0.2.1\n',
    });
    expect(loadError({ files: [{ path: 'bad-type.csv', format: 'csv' }] }, dir).message).toContain('line 3: unknown type "ipaddr"; use one of ip, cidr, domain, url, hash, email');
    expect(loadError({ files: [{ path: 'bad-value.csv', format: 'csv' }] }, dir).message).toContain('line 2: "abc" is not an MD5');
    expect(loadError({ files: [{ path: 'bad-confidence.csv', format: 'csv' }] }, dir).message).toContain('line 2: confidence "high" must be a number from 0 to 100');
    expect(loadError({ files: [{ path: 'bad-header.csv', format: 'csv' }] }, dir).message).toContain('line 1: the header must be type,value[,description][,confidence]');
  });

  it('names the MISP attribute with a bad value', () => {
    const event = { Event: { uuid: 'e-1', info: 'x', Attribute: [{ type: 'ip-dst', value: '999.1.1.1', uuid: 'a-1', to_ids: true }] } };
    const dir = writeTemp({ 'event.json': JSON.stringify(event), 'not-event.json': '{"foo": 1}' });
    expect(loadError({ files: [{ path: 'event.json', format: 'misp' }] }, dir).message).toContain('Event e-1 Attribute[0] (a-1) (type ip-dst): "999.1.1.1" is not an IP address or CIDR block');
    expect(loadError({ files: [{ path: 'not-event.json', format: 'misp' }] }, dir).message).toContain('is neither a MISP event');
  });

  it('rejects unknown options', () => {
    expect(() => createThreatIntelEnricher({ files: [{ path: 'x', format: 'yaml' } as never] }, { baseDir: examplesDir })).toThrow(/files\[0\]\.format/);
    expect(() => createThreatIntelEnricher({ feeds: [] } as never, { baseDir: examplesDir })).toThrow(ConfigError);
  });
});

describe('MISP feed manifest', () => {
  it('loads every event a manifest.json lists from beside it', () => {
    const event = (uuid: string, value: string) => JSON.stringify({ Event: { uuid, info: `event ${uuid}`, threat_level_id: '3', Attribute: [{ type: 'domain', value, to_ids: true }] } });
    const dir = writeTemp({
      'manifest.json': JSON.stringify({
        'aaaa-1111': { info: 'event aaaa-1111', date: '2024-01-01', threat_level_id: '3' },
        'bbbb-2222': { info: 'event bbbb-2222', date: '2024-01-02', threat_level_id: '3' },
      }),
      'aaaa-1111.json': event('aaaa-1111', 'one.example'),
      'bbbb-2222.json': event('bbbb-2222', 'two.example'),
    });
    const enricher = createThreatIntelEnricher({ files: [{ path: 'manifest.json', format: 'misp', name: 'feed' }] }, { baseDir: dir });
    expect(enricher.files[0]?.indicators).toBe(2);
    const findings = enricher.enrich(makeAlert([{ kind: 'domain', value: 'two.example' }]), context);
    expect(findings[0]).toMatchObject({ weight: 1.25, refs: ['entities[0].value', 'intel:feed'] });
    expect(findings[0]?.detail).toBe('feed bbbb-2222.json Event bbbb-2222 Attribute[0]');
  });
});

describe('benign STIX indicators', () => {
  it('are context only (weight 0) and lose to a malicious match', () => {
    const bundle = {
      type: 'bundle',
      id: 'bundle--3',
      objects: [
        {
          type: 'indicator',
          id: 'indicator--benign',
          name: 'Corporate proxy',
          indicator_types: ['benign'],
          pattern: "[ipv4-addr:value = '192.0.2.10']",
          pattern_type: 'stix',
          valid_from: '2024-01-01T00:00:00Z',
          confidence: 100,
        },
      ],
    };
    const dir = writeTemp({ 'bundle.json': JSON.stringify(bundle), 'list.csv': 'type,value,confidence\nip,192.0.2.0/24,20\n' });
    const benignOnly = createThreatIntelEnricher({ files: [{ path: 'bundle.json', format: 'stix' }] }, { baseDir: dir });
    const alert = makeAlert([{ kind: 'ip', value: '192.0.2.10' }]);
    expect(benignOnly.enrich(alert, context)[0]).toMatchObject({ weight: 0, claim: expect.stringContaining('typed benign, so it is context only') });
    const both = createThreatIntelEnricher(
      {
        files: [
          { path: 'bundle.json', format: 'stix' },
          { path: 'list.csv', format: 'csv' },
        ],
      },
      { baseDir: dir },
    );
    const finding = both.enrich(alert, context)[0];
    expect(finding?.weight).toBe(0.5);
    expect(finding?.refs).toEqual(['entities[0].value', 'intel:list.csv', 'intel:bundle.json']);
  });
});
