import { CidrTable } from './cidr-table.js';
import { parseCidr, type IpAddress } from './ip-address.js';

export type SpecialRangeCategory = 'private' | 'shared' | 'unique_local' | 'loopback' | 'link_local' | 'multicast' | 'documentation' | 'benchmarking' | 'reserved' | 'unspecified' | 'broadcast';

export interface SpecialRange {
  readonly category: SpecialRangeCategory;
  readonly name: string;
  /** The RFC that sets the range aside. */
  readonly rfc: string;
}

/** IANA IPv4 / IPv6 special-purpose registries, minus the globally reachable entries. */
const SPECIAL_RANGES: [string, SpecialRangeCategory, string, string][] = [
  ['0.0.0.0/8', 'reserved', '"this network"', 'RFC 791'],
  ['0.0.0.0/32', 'unspecified', 'unspecified address', 'RFC 1122'],
  ['10.0.0.0/8', 'private', 'private-use', 'RFC 1918'],
  ['100.64.0.0/10', 'shared', 'shared address space (carrier-grade NAT)', 'RFC 6598'],
  ['127.0.0.0/8', 'loopback', 'loopback', 'RFC 1122'],
  ['169.254.0.0/16', 'link_local', 'link-local', 'RFC 3927'],
  ['172.16.0.0/12', 'private', 'private-use', 'RFC 1918'],
  ['192.0.0.0/24', 'reserved', 'IETF protocol assignments', 'RFC 6890'],
  ['192.0.2.0/24', 'documentation', 'documentation (TEST-NET-1)', 'RFC 5737'],
  ['192.88.99.0/24', 'reserved', 'deprecated 6to4 relay anycast', 'RFC 7526'],
  ['192.168.0.0/16', 'private', 'private-use', 'RFC 1918'],
  ['198.18.0.0/15', 'benchmarking', 'benchmarking', 'RFC 2544'],
  ['198.51.100.0/24', 'documentation', 'documentation (TEST-NET-2)', 'RFC 5737'],
  ['203.0.113.0/24', 'documentation', 'documentation (TEST-NET-3)', 'RFC 5737'],
  ['224.0.0.0/4', 'multicast', 'multicast', 'RFC 5771'],
  ['240.0.0.0/4', 'reserved', 'reserved for future use', 'RFC 1112'],
  ['255.255.255.255/32', 'broadcast', 'limited broadcast', 'RFC 919'],
  ['::/128', 'unspecified', 'unspecified address', 'RFC 4291'],
  ['::1/128', 'loopback', 'loopback', 'RFC 4291'],
  ['::/96', 'reserved', 'deprecated IPv4-compatible', 'RFC 4291'],
  ['64:ff9b:1::/48', 'private', 'local-use IPv4/IPv6 translation', 'RFC 8215'],
  ['100::/64', 'reserved', 'discard-only', 'RFC 6666'],
  ['2001::/23', 'reserved', 'IETF protocol assignments', 'RFC 2928'],
  ['2001:2::/48', 'benchmarking', 'benchmarking', 'RFC 5180'],
  ['2001:db8::/32', 'documentation', 'documentation', 'RFC 3849'],
  ['3fff::/20', 'documentation', 'documentation', 'RFC 9637'],
  ['fc00::/7', 'unique_local', 'unique-local', 'RFC 4193'],
  ['fe80::/10', 'link_local', 'link-local', 'RFC 4291'],
  ['fec0::/10', 'reserved', 'deprecated site-local', 'RFC 3879'],
  ['ff00::/8', 'multicast', 'multicast', 'RFC 4291'],
];

const specialTable = new CidrTable<SpecialRange>(
  SPECIAL_RANGES.map(([text, category, name, rfc]) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`built-in special range ${text} does not parse`);
    return { cidr, value: { category, name, rfc } };
  }),
);

/** The most specific special-purpose range holding the address; undefined for a public address. */
export function classifyIp(address: IpAddress | string): SpecialRange | undefined {
  const matches = typeof address === 'string' ? specialTable.lookupText(address) : specialTable.lookup(address);
  return matches?.[0]?.value;
}
