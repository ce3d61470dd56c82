/**
 * IPv4 / IPv6 parsing, CIDR blocks, special-purpose ranges and a CIDR lookup table, shared by the
 * network, threat-intel and domain-url enrichers. Parsing the text form of an address on the hot
 * path allocates nothing (IPv4 becomes a number, IPv6 fills a reused word buffer).
 */

/** IPv4 as an unsigned 32-bit number; IPv6 as four big-endian 32-bit words. IPv4-mapped IPv6 is IPv4. */
export type IpAddress =
  | { readonly version: 4; readonly value: number }
  | { readonly version: 6; readonly words: readonly [number, number, number, number] };

export interface Cidr {
  readonly address: IpAddress;
  /** 0..32 for IPv4, 0..128 for IPv6. Host bits of `address` are always zero. */
  readonly prefix: number;
}

/** Parses dotted-quad IPv4 in text[start, end): decimal octets of 1-3 digits. Returns -1 when invalid. */
export function parseIpv4(text: string, start = 0, end = text.length): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code >= 48 && code <= 57) {
      octet = octet * 10 + (code - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else if (code === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

const groups = new Uint16Array(8);

/**
 * Parses IPv6 text (compressed `::`, embedded IPv4 tail, `%zone` suffix ignored) into `out` as four
 * 32-bit words. Returns false when the text is not IPv6; `out` is then unspecified.
 */
export function parseIpv6(text: string, out: Uint32Array): boolean {
  let end = text.indexOf('%');
  if (end === -1) end = text.length;
  if (end < 2) return false;
  let count = 0;
  let gapAt = -1;
  let index = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return false;
    gapAt = 0;
    index = 2;
    if (index === end) return fillWords(out, 0, 0);
  }
  while (index < end) {
    let value = 0;
    let digits = 0;
    const groupStart = index;
    while (index < end) {
      const digit = hexValue(text.charCodeAt(index));
      if (digit === -1) break;
      value = value * 16 + digit;
      if (++digits > 4) return false;
      index++;
    }
    if (index < end && text.charCodeAt(index) === 46) {
      // Embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4): it fills the last two groups.
      if (count > 6) return false;
      const ipv4 = parseIpv4(text, groupStart, end);
      if (ipv4 < 0) return false;
      groups[count++] = Math.floor(ipv4 / 65536);
      groups[count++] = ipv4 % 65536;
      index = end;
      break;
    }
    if (digits === 0 || count === 8) return false;
    groups[count++] = value;
    if (index === end) break;
    if (text.charCodeAt(index) !== 58) return false;
    index++;
    if (index < end && text.charCodeAt(index) === 58) {
      if (gapAt !== -1) return false;
      gapAt = count;
      index++;
    } else if (index === end) {
      return false;
    }
  }
  if (gapAt === -1 ? count !== 8 : count > 7) return false;
  return fillWords(out, count, gapAt);
}

/** Expands the parsed groups (with the `::` gap at `gapAt`, or -1) into four words. */
function fillWords(out: Uint32Array, count: number, gapAt: number): boolean {
  const zeros = gapAt === -1 ? 0 : 8 - count;
  for (let word = 0; word < 4; word++) {
    let combined = 0;
    for (let half = 0; half < 2; half++) {
      const position = word * 2 + half;
      let group = 0;
      if (gapAt === -1 || position < gapAt) group = groups[position] ?? 0;
      else if (position >= gapAt + zeros) group = groups[position - zeros] ?? 0;
      combined = combined * 65536 + group;
    }
    out[word] = combined;
  }
  return true;
}

function isIpv4Mapped(words: ArrayLike<number>): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

const parseBuffer = new Uint32Array(4);

/** Parses IPv4 or IPv6 text; IPv4-mapped IPv6 (::ffff:a.b.c.d) comes back as IPv4. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    if (!parseIpv6(text, parseBuffer)) return undefined;
    if (isIpv4Mapped(parseBuffer)) return { version: 4, value: parseBuffer[3] ?? 0 };
    const [w0 = 0, w1 = 0, w2 = 0, w3 = 0] = parseBuffer;
    return { version: 6, words: [w0, w1, w2, w3] };
  }
  const value = parseIpv4(text);
  return value < 0 ? undefined : { version: 4, value };
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) {
    const value = address.value;
    return `${Math.floor(value / 16777216)}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
  }
  const parts: number[] = [];
  for (const word of address.words) parts.push(Math.floor(word / 65536), word % 65536);
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (parts[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && parts[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = parts.map((part) => part.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Parses `address/prefix`; a bare address is a single-host block. Host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const maximum = address.version === 4 ? 32 : 128;
  let prefix = maximum;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    // A mapped IPv6 block (::ffff:10.0.0.0/104) is the IPv4 block 10.0.0.0/8.
    if (address.version === 4 && text.slice(0, slash).includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > maximum) return undefined;
  }
  return { address: maskAddress(address, prefix), prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.address)}/${cidr.prefix}`;
}

function maskAddress(address: IpAddress, prefix: number): IpAddress {
  if (address.version === 4) return { version: 4, value: Number(toBigInt(address) & prefixMask(32, prefix)) };
  const masked = toBigInt(address) & prefixMask(128, prefix);
  return fromBigInt6(masked);
}

function prefixMask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function toBigInt(address: IpAddress): bigint {
  if (address.version === 4) return BigInt(address.value);
  let value = 0n;
  for (const word of address.words) value = (value << 32n) | BigInt(word);
  return value;
}

function fromBigInt6(value: bigint): IpAddress {
  const word = (shift: bigint): number => Number((value >> shift) & 0xffffffffn);
  return { version: 6, words: [word(96n), word(64n), word(32n), word(0n)] };
}

/** One value stored under a CIDR block; lookups return every block containing the address. */
export interface CidrMatch<T> {
  readonly cidr: Cidr;
  readonly value: T;
}

interface Segments<T> {
  /** IPv4: one start per segment. IPv6: four words per segment. */
  starts: Uint32Array;
  matches: (readonly CidrMatch<T>[] | undefined)[];
}

/**
 * An immutable CIDR table: the address space is cut into disjoint segments, each holding the
 * blocks that cover it (most specific first), so a lookup is one binary search and allocates
 * nothing. Build cost is O(n log n); 100k+ blocks are fine.
 */
export class CidrTable<T> {
  private readonly v4: Segments<T>;
  private readonly v6: Segments<T>;
  readonly size: number;

  constructor(entries: Iterable<CidrMatch<T>>) {
    const byVersion: [CidrMatch<T>[], CidrMatch<T>[]] = [[], []];
    let size = 0;
    for (const entry of entries) {
      byVersion[entry.cidr.address.version === 4 ? 0 : 1].push(entry);
      size++;
    }
    this.size = size;
    this.v4 = buildSegments(byVersion[0], 32);
    this.v6 = buildSegments(byVersion[1], 128);
  }

  /** Every block containing the address, most specific first; undefined when none does. */
  lookup(address: IpAddress): readonly CidrMatch<T>[] | undefined {
    if (address.version === 4) return this.lookupIpv4(address.value);
    const [w0, w1, w2, w3] = address.words;
    return this.lookupIpv6(w0, w1, w2, w3);
  }

  /** Like lookup, from text; undefined also when the text is not an address. Allocation-free. */
  lookupText(text: string): readonly CidrMatch<T>[] | undefined {
    if (text.includes(':')) {
      if (!parseIpv6(text, parseBuffer)) return undefined;
      if (isIpv4Mapped(parseBuffer)) return this.lookupIpv4(parseBuffer[3] ?? 0);
      return this.lookupIpv6(parseBuffer[0] ?? 0, parseBuffer[1] ?? 0, parseBuffer[2] ?? 0, parseBuffer[3] ?? 0);
    }
    const value = parseIpv4(text);
    return value < 0 ? undefined : this.lookupIpv4(value);
  }

  private lookupIpv4(value: number): readonly CidrMatch<T>[] | undefined {
    const starts = this.v4.starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((starts[middle] ?? 0) <= value) low = middle;
      else high = middle - 1;
    }
    return this.v4.matches[low];
  }

  private lookupIpv6(w0: number, w1: number, w2: number, w3: number): readonly CidrMatch<T>[] | undefined {
    const starts = this.v6.starts;
    let low = 0;
    let high = starts.length / 4 - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      const base = middle * 4;
      const a = starts[base] ?? 0;
      const b = starts[base + 1] ?? 0;
      const c = starts[base + 2] ?? 0;
      const d = starts[base + 3] ?? 0;
      const isAtOrBelow = a !== w0 ? a < w0 : b !== w1 ? b < w1 : c !== w2 ? c < w2 : d <= w3;
      if (isAtOrBelow) low = middle;
      else high = middle - 1;
    }
    return this.v6.matches[low];
  }
}

interface Block<T> {
  start: bigint;
  end: bigint;
  prefix: number;
  matches: CidrMatch<T>[];
}

/**
 * Sweeps the blocks in address order. CIDR blocks either nest or are disjoint, so a stack of open
 * blocks gives each segment its covering blocks. Segment 0 always starts at address 0.
 */
function buildSegments<T>(entries: CidrMatch<T>[], bits: number): Segments<T> {
  const blocks = new Map<string, Block<T>>();
  for (const entry of entries) {
    const key = formatCidr(entry.cidr);
    const block = blocks.get(key);
    if (block) {
      block.matches.push(entry);
      continue;
    }
    const start = toBigInt(entry.cidr.address);
    const end = start + (1n << BigInt(bits - entry.cidr.prefix)) - 1n;
    blocks.set(key, { start, end, prefix: entry.cidr.prefix, matches: [entry] });
  }
  const sorted = [...blocks.values()].sort((left, right) =>
    left.start === right.start ? left.prefix - right.prefix : left.start < right.start ? -1 : 1,
  );
  const starts: bigint[] = [];
  const matches: (readonly CidrMatch<T>[] | undefined)[] = [];
  const emit = (start: bigint, list: readonly CidrMatch<T>[] | undefined): void => {
    if (matches.length > 0 && matches[matches.length - 1] === list) return;
    starts.push(start);
    matches.push(list);
  };
  const stack: { end: bigint; list: readonly CidrMatch<T>[] }[] = [];
  let cursor = 0n;
  const close = (): void => {
    const top = stack.pop();
    if (top && cursor <= top.end) {
      emit(cursor, top.list);
      cursor = top.end + 1n;
    }
  };
  for (const block of sorted) {
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0n) < block.start) close();
    if (cursor < block.start) {
      emit(cursor, stack[stack.length - 1]?.list);
      cursor = block.start;
    }
    stack.push({ end: block.end, list: [...block.matches, ...(stack[stack.length - 1]?.list ?? [])] });
  }
  while (stack.length > 0) close();
  if (cursor < 1n << BigInt(bits)) emit(cursor, undefined);

  const wordsPerStart = bits / 32;
  const packed = new Uint32Array(starts.length * wordsPerStart);
  starts.forEach((start, index) => {
    for (let word = 0; word < wordsPerStart; word++) {
      const shift = BigInt((wordsPerStart - 1 - word) * 32);
      packed[index * wordsPerStart + word] = Number((start >> shift) & 0xffffffffn);
    }
  });
  return { starts: packed, matches };
}

export type SpecialRangeCategory =
  | 'private'
  | 'shared'
  | 'unique_local'
  | 'loopback'
  | 'link_local'
  | 'multicast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'unspecified'
  | 'broadcast';

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
