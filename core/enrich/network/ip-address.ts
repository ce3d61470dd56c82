/**
 * IPv4 / IPv6 addresses and CIDR blocks: parsing and canonical text, shared by the network,
 * threat-intel and domain-url enrichers (lookups live in cidr-table, special ranges in
 * ip-special-ranges). Parsing the text form of an address on the hot path allocates nothing (IPv4
 * becomes a number, IPv6 fills a reused word buffer).
 */

/** IPv4 as an unsigned 32-bit number; IPv6 as four big-endian 32-bit words. IPv4-mapped IPv6 is IPv4. */
export type IpAddress = { readonly version: 4; readonly value: number } | { readonly version: 6; readonly words: readonly [number, number, number, number] };

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

/** True for ::ffff:a.b.c.d words, which name an IPv4 address. */
export function isIpv4Mapped(words: ArrayLike<number>): boolean {
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
  if (address.version === 4) return { version: 4, value: Number(addressToBigInt(address) & prefixMask(32, prefix)) };
  const masked = addressToBigInt(address) & prefixMask(128, prefix);
  return fromBigInt6(masked);
}

function prefixMask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** The address as one unsigned integer (32 or 128 bits). */
export function addressToBigInt(address: IpAddress): bigint {
  if (address.version === 4) return BigInt(address.value);
  let value = 0n;
  for (const word of address.words) value = (value << 32n) | BigInt(word);
  return value;
}

function fromBigInt6(value: bigint): IpAddress {
  const word = (shift: bigint): number => Number((value >> shift) & 0xffffffffn);
  return { version: 6, words: [word(96n), word(64n), word(32n), word(0n)] };
}
