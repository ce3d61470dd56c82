import { describe, expect, it } from 'vitest';
import { createNetworkEnricher } from '../../../core/enrich/network/network.js';
import type { Alert, AlertInput } from '../../../core/spec/alert.js';
import { ConfigError } from '../../../core/spec/errors.js';
import { testAlert } from './test-alert.js';

const context = { timeMs: Date.parse('2026-03-02T09:15:00Z'), evidence: [] };

function makeAlert(entities: AlertInput['entities']): Alert {
  return testAlert({ title: 'Port scan detected', ruleName: 'Port scan detected', entities });
}

describe('network enricher', () => {
  const enricher = createNetworkEnricher({
    internalRanges: ['10.0.0.0/8', '2001:db8:aaaa::/48'],
    knownScanners: [
      { cidr: '10.9.8.0/29', name: 'Tenable Nessus (vuln-mgmt)' },
      { cidr: '198.51.100.64/28', name: 'External attack-surface monitor' },
    ],
  });

  it('names the enricher and returns nothing for alerts without addresses', () => {
    expect(enricher.id).toBe('network');
    expect(enricher.enrich(makeAlert([{ kind: 'host', value: 'web01' }]), context)).toEqual([]);
    expect(enricher.enrich(makeAlert([{ kind: 'ip', value: 'not-an-address' }]), context)).toEqual([]);
  });

  it('marks an authorised scanner as the source as expected activity (-2.5)', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '10.9.8.3', role: 'source' },
        { kind: 'ip', value: '10.20.30.40', role: 'destination' },
      ]),
      context,
    );
    const scanner = findings.find((finding) => finding.weight !== 0);
    expect(scanner).toEqual({
      kind: 'network',
      claim: '10.9.8.3 (source) is the authorised scanner "Tenable Nessus (vuln-mgmt)" (10.9.8.0/29).',
      weight: -2.5,
      refs: ['entities[0].value', 'options.knownScanners'],
      benignReason: 'expected_activity',
    });
    expect(findings.filter((finding) => finding.weight === 0).map((finding) => finding.claim)).toEqual([
      '10.9.8.3 (source) is internal: inside the configured range 10.0.0.0/8.',
      '10.20.30.40 (destination) is internal: inside the configured range 10.0.0.0/8.',
    ]);
  });

  it('gives a scanner of unstated role half the weight, and none as the destination', () => {
    const related = enricher.enrich(makeAlert([{ kind: 'ip', value: '198.51.100.70', role: 'related' }]), context);
    expect(related.find((finding) => finding.benignReason === 'expected_activity')?.weight).toBe(-1.25);
    const destination = enricher.enrich(makeAlert([{ kind: 'ip', value: '10.9.8.1', role: 'destination' }]), context);
    const scannerClaim = destination.find((finding) => finding.claim.includes('authorised scanner'));
    expect(scannerClaim?.weight).toBe(0);
    expect(scannerClaim?.benignReason).toBeUndefined();
    expect(scannerClaim?.claim).toContain('as the destination');
  });

  it('does not treat the scanner range as a documentation-range false positive', () => {
    // 198.51.100.64/28 is TEST-NET-2, but a scanner configured there is the operator's statement.
    const findings = enricher.enrich(makeAlert([{ kind: 'ip', value: '198.51.100.65', role: 'source' }]), context);
    expect(findings.map((finding) => finding.weight)).toEqual([0, -2.5]);
    expect(findings[0]?.claim).toBe('198.51.100.65 (source) is in the documentation (TEST-NET-2) range (RFC 5737), not a routable Internet peer.');
  });

  it('says external for public addresses, with weight 0', () => {
    const findings = enricher.enrich(makeAlert([{ kind: 'ip', value: '8.8.8.8', role: 'destination' }]), context);
    expect(findings).toEqual([{ kind: 'network', claim: '8.8.8.8 (destination) is external: a public, globally routable address.', weight: 0, refs: ['entities[0].value'] }]);
  });

  it('reports private space outside the configured internal ranges', () => {
    const findings = enricher.enrich(makeAlert([{ kind: 'ip', value: '192.168.1.20', role: 'source' }]), context);
    expect(findings[0]?.claim).toBe('192.168.1.20 (source) is in the private-use range (RFC 1918) but outside the configured internal ranges.');
  });

  it('reads IPv6 and IPv4-mapped addresses', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '2001:db8:aaaa:1::5', role: 'source' },
        { kind: 'ip', value: '::ffff:10.9.8.2', role: 'actor' },
      ]),
      context,
    );
    expect(findings[0]?.claim).toContain('inside the configured range 2001:db8:aaaa::/48');
    expect(findings.some((finding) => finding.weight === -2.5)).toBe(true);
  });

  it('collects documentation and bogon addresses into one detection_error finding', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '10.1.1.1', role: 'source' },
        { kind: 'ip', value: '203.0.113.9', role: 'destination' },
        { kind: 'ip', value: '0.0.0.0', role: 'destination' },
        { kind: 'ip', value: '203.0.113.9', role: 'related' },
      ]),
      context,
    );
    const hints = findings.filter((finding) => finding.benignReason === 'detection_error');
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject({
      weight: -1.5,
      refs: ['entities[1].value', 'entities[2].value'],
    });
    expect(hints[0]?.claim).toContain('203.0.113.9, 0.0.0.0 are in documentation (TEST-NET-3) / unspecified address space');
    // The repeated 203.0.113.9 is reported once.
    expect(findings.filter((finding) => finding.weight === 0 && finding.claim.startsWith('203.0.113.9'))).toHaveLength(1);
  });

  it('gives bogons alone a weaker hint than documentation addresses', () => {
    const findings = enricher.enrich(makeAlert([{ kind: 'ip', value: '240.1.2.3', role: 'destination' }]), context);
    expect(findings.find((finding) => finding.benignReason === 'detection_error')?.weight).toBe(-1);
  });

  it('keeps loopback, link-local and multicast as context only', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '127.0.0.1' },
        { kind: 'ip', value: 'fe80::1' },
        { kind: 'ip', value: '239.255.255.250' },
      ]),
      context,
    );
    expect(findings.map((finding) => finding.weight)).toEqual([0, 0, 0]);
    expect(findings[1]?.claim).toBe('fe80::1 (related) is in the link-local range (RFC 4291), not a routable Internet peer.');
  });
});

describe('network enricher without internal ranges', () => {
  const enricher = createNetworkEnricher({});

  it('counts private-use, CGNAT and unique-local space as internal', () => {
    const findings = enricher.enrich(
      makeAlert([
        { kind: 'ip', value: '172.16.5.4' },
        { kind: 'ip', value: '100.64.3.2' },
        { kind: 'ip', value: 'fd00::7' },
      ]),
      context,
    );
    expect(findings.map((finding) => finding.claim)).toEqual([
      '172.16.5.4 (related) is internal: in the private-use range (RFC 1918).',
      '100.64.3.2 (related) is internal: in the shared address space (carrier-grade NAT) range (RFC 6598).',
      'fd00::7 (related) is internal: in the unique-local range (RFC 4193).',
    ]);
  });
});

describe('network options', () => {
  it('rejects a malformed CIDR with a ConfigError naming the field', () => {
    expect(() => createNetworkEnricher({ internalRanges: ['10.0.0.0/33'] })).toThrow(ConfigError);
    expect(() => createNetworkEnricher({ internalRanges: ['10.0.0.0/33'] })).toThrow(/internalRanges\[0\]: write a CIDR block/);
  });

  it('rejects unknown options and scanners without a name', () => {
    expect(() => createNetworkEnricher({ internalRange: ['10.0.0.0/8'] } as never)).toThrow(/internalRange/);
    expect(() => createNetworkEnricher({ knownScanners: [{ cidr: '10.0.0.1' } as never] })).toThrow(/knownScanners\[0\]\.name/);
  });
});
