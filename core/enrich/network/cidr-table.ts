import { addressToBigInt, formatCidr, isIpv4Mapped, parseIpv4, parseIpv6, type Cidr, type IpAddress } from './ip-address.js';

/** IPv6 words of the address being looked up; lookups are synchronous, so one buffer serves all. */
const lookupBuffer = new Uint32Array(4);

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
      if (!parseIpv6(text, lookupBuffer)) return undefined;
      if (isIpv4Mapped(lookupBuffer)) return this.lookupIpv4(lookupBuffer[3] ?? 0);
      return this.lookupIpv6(lookupBuffer[0] ?? 0, lookupBuffer[1] ?? 0, lookupBuffer[2] ?? 0, lookupBuffer[3] ?? 0);
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
    const start = addressToBigInt(entry.cidr.address);
    const end = start + (1n << BigInt(bits - entry.cidr.prefix)) - 1n;
    blocks.set(key, { start, end, prefix: entry.cidr.prefix, matches: [entry] });
  }
  const sorted = [...blocks.values()].sort((left, right) => (left.start === right.start ? left.prefix - right.prefix : left.start < right.start ? -1 : 1));
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
