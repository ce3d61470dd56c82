import { describe, expect, it } from 'vitest';
import { CidrTable, type CidrMatch } from '../../../core/enrich/network/cidr-table.js';
import { formatCidr, formatIp, parseCidr, parseIp, parseIpv4, type Cidr } from '../../../core/enrich/network/ip-address.js';
import { classifyIp } from '../../../core/enrich/network/ip-special-ranges.js';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`test CIDR ${text} does not parse`);
  return parsed;
}

/** Deterministic pseudo-random numbers (LCG) so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('parseIpv4', () => {
  it('reads dotted quads as unsigned 32-bit numbers', () => {
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('192.0.2.1')).toBe(0xc0000201);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
  });

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', 'a.b.c.d', '1234.1.1.1', ''])('rejects %j', (text) => expect(parseIpv4(text)).toBe(-1));
});

describe('parseIp and formatIp', () => {
  it.each([
    ['::', '::'],
    ['::1', '::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::', '1::'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['fe80::1%eth0', 'fe80::1'],
    ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
  ])('reads IPv6 %s as %s', (text, canonical) => {
    const address = parseIp(text);
    expect(address?.version).toBe(6);
    expect(address && formatIp(address)).toBe(canonical);
  });

  it('turns IPv4-mapped IPv6 into IPv4', () => {
    expect(parseIp('::ffff:192.0.2.7')).toEqual({ version: 4, value: 0xc0000207 });
    expect(parseIp('::FFFF:c000:0207')).toEqual({ version: 4, value: 0xc0000207 });
  });

  it.each([':::', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3:4:5:6:7::8', '1:', ':1', '::ffff:1.2.3', '1.2.3.4::'])('rejects %j', (text) => expect(parseIp(text)).toBeUndefined());
});

describe('parseCidr', () => {
  it('clears host bits and reads bare addresses as single hosts', () => {
    expect(formatCidr(cidr('10.1.2.3/8'))).toBe('10.0.0.0/8');
    expect(formatCidr(cidr('192.0.2.9'))).toBe('192.0.2.9/32');
    expect(formatCidr(cidr('2001:db8:1:2::7/32'))).toBe('2001:db8::/32');
    expect(formatCidr(cidr('0.0.0.0/0'))).toBe('0.0.0.0/0');
  });

  it('reads an IPv4-mapped IPv6 block as the IPv4 block', () => {
    expect(formatCidr(cidr('::ffff:10.0.0.0/104'))).toBe('10.0.0.0/8');
  });

  it.each(['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/abc', '::/129', 'example.com/8'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('CidrTable', () => {
  const table = new CidrTable<string>(
    [
      ['10.0.0.0/8', 'ten'],
      ['10.1.0.0/16', 'ten-one'],
      ['10.1.2.0/24', 'ten-one-two'],
      ['10.1.2.0/24', 'ten-one-two again'],
      ['192.0.2.5/32', 'host'],
      ['2001:db8::/32', 'doc6'],
      ['2001:db8:1::/48', 'doc6-1'],
    ].map(([text = '', value = '']) => ({ cidr: cidr(text), value })),
  );
  const values = (matches: readonly CidrMatch<string>[] | undefined): string[] => (matches ?? []).map((match) => match.value);

  it('returns every covering block, most specific first', () => {
    expect(values(table.lookupText('10.1.2.3'))).toEqual(['ten-one-two', 'ten-one-two again', 'ten-one', 'ten']);
    expect(values(table.lookupText('10.1.3.1'))).toEqual(['ten-one', 'ten']);
    expect(values(table.lookupText('10.2.0.0'))).toEqual(['ten']);
    expect(values(table.lookupText('10.255.255.255'))).toEqual(['ten']);
    expect(values(table.lookupText('192.0.2.5'))).toEqual(['host']);
    expect(values(table.lookupText('2001:db8:1::9'))).toEqual(['doc6-1', 'doc6']);
    expect(values(table.lookupText('2001:db8:2::9'))).toEqual(['doc6']);
    expect(values(table.lookupText('::ffff:10.1.2.3'))).toEqual(['ten-one-two', 'ten-one-two again', 'ten-one', 'ten']);
  });

  it('answers undefined outside every block and for text that is not an address', () => {
    expect(table.lookupText('11.0.0.0')).toBeUndefined();
    expect(table.lookupText('9.255.255.255')).toBeUndefined();
    expect(table.lookupText('192.0.2.4')).toBeUndefined();
    expect(table.lookupText('192.0.2.6')).toBeUndefined();
    expect(table.lookupText('2001:db9::1')).toBeUndefined();
    expect(table.lookupText('not an address')).toBeUndefined();
    expect(table.size).toBe(7);
  });

  it('handles blocks at both ends of the address space', () => {
    const edges = new CidrTable([
      { cidr: cidr('0.0.0.0/8'), value: 'low' },
      { cidr: cidr('255.255.255.255/32'), value: 'high' },
      { cidr: cidr('ffff::/16'), value: 'high6' },
    ]);
    expect(edges.lookupText('0.0.0.0')?.[0]?.value).toBe('low');
    expect(edges.lookupText('255.255.255.255')?.[0]?.value).toBe('high');
    expect(edges.lookupText('255.255.255.254')).toBeUndefined();
    expect(edges.lookupText('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.[0]?.value).toBe('high6');
  });

  it('agrees with a linear scan on random nested and overlapping blocks', () => {
    const next = random(7);
    const entries: CidrMatch<number>[] = [];
    for (let index = 0; index < 3000; index++) {
      const prefix = 8 + Math.floor(next() * 25);
      const base = Math.floor(next() * 64) * 2 ** 24 + Math.floor(next() * 2 ** 24);
      entries.push({ cidr: cidr(`${formatIp({ version: 4, value: base })}/${prefix}`), value: index });
    }
    const randomTable = new CidrTable(entries);
    const contains = (block: Cidr, value: number): boolean => {
      const size = 2 ** (32 - block.prefix);
      const start = block.address.version === 4 ? block.address.value : -1;
      return value >= start && value < start + size;
    };
    for (let probe = 0; probe < 3000; probe++) {
      const value = Math.floor(next() * 64) * 2 ** 24 + Math.floor(next() * 2 ** 24);
      const expected = entries
        .filter((entry) => contains(entry.cidr, value))
        .map((entry) => entry.value)
        .sort((a, b) => a - b);
      const actual = (randomTable.lookup({ version: 4, value }) ?? []).map((match) => match.value).sort((a, b) => a - b);
      expect(actual).toEqual(expected);
    }
  });

  it('builds from 100,000 blocks and finds every one of them', () => {
    const next = random(11);
    const entries: CidrMatch<number>[] = [];
    for (let index = 0; index < 100_000; index++) {
      const prefix = next() < 0.8 ? 32 : 24;
      entries.push({ cidr: cidr(`${formatIp({ version: 4, value: Math.floor(next() * 2 ** 32) })}/${prefix}`), value: index });
    }
    const big = new CidrTable(entries);
    let hits = 0;
    for (const entry of entries.slice(0, 50_000)) {
      if (big.lookupText(formatIp(entry.cidr.address))?.some((match) => match.value === entry.value)) hits++;
    }
    expect(hits).toBe(50_000);
  });
});

describe('classifyIp', () => {
  it.each([
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.128.0.1', undefined],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link_local'],
    ['224.0.0.251', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.10', 'documentation'],
    ['203.0.113.10', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['8.8.8.8', undefined],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2606:4700::1111', undefined],
    ['::ffff:192.168.0.1', 'private'],
  ])('classifies %s as %s', (text, category) => {
    expect(classifyIp(text)?.category).toBe(category);
  });

  it('names the RFC that sets the range aside', () => {
    expect(classifyIp('100.64.1.1')).toEqual({ category: 'shared', name: 'shared address space (carrier-grade NAT)', rfc: 'RFC 6598' });
  });
});
