import { authorityStart, urlHost } from '../domain-url/domain-name.js';
import { formatCidr, formatIp, parseCidr } from '../network/ip-address.js';
import { VerdictError } from '../../spec/errors.js';

export type IndicatorKind = 'ip' | 'domain' | 'url' | 'hash' | 'email';

export interface Indicator {
  kind: IndicatorKind;
  /** Canonical value: CIDR or address, lower-case domain / hash / email, URL without scheme. */
  value: string;
  /** Name, event title or description; may be empty. */
  label: string;
  /** The file's name (or path) as configured. */
  source: string;
  /** Where in the file: STIX object id, MISP attribute, CSV line. */
  location: string;
  confidence: number;
  validFromMs: number;
  validUntilMs: number;
  /** STIX `benign` indicator type: context, not evidence of malice. */
  isBenign: boolean;
}

export interface IntelFileReport {
  source: string;
  format: 'stix' | 'misp' | 'csv';
  indicators: number;
  /** Entries left out on purpose, by reason (revoked, unsupported pattern, not for detection…). */
  skipped: Record<string, number>;
}

/** An indicator's kind and canonical value, before its file adds label, confidence and validity. */
export interface IndicatorValue {
  kind: IndicatorKind;
  value: string;
}

/** Thrown by the loaders with the place in the file; the factory adds the file name. */
const INTEL_FORMAT_MARKER = Symbol.for('verdict.intel-format-error');

/** An entry of a threat-intel file Verdict cannot read; the loader adds where it is and the fix. */
export class IntelFormatError extends VerdictError {
  readonly [INTEL_FORMAT_MARKER] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'IntelFormatError';
  }

  /** Works across bundled copies of this module, where `instanceof` does not. */
  static override isInstance(error: unknown): error is IntelFormatError {
    return typeof error === 'object' && error !== null && INTEL_FORMAT_MARKER in error;
  }
}

const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const HEX = /^[0-9a-f]+$/;
const DOMAIN = /^[a-z0-9_*-]+(\.[a-z0-9_-]+)+$/;

/** Canonical form of a value, or an IntelFormatError saying what is wrong with it. */
export function canonicalIndicatorValue(kind: IndicatorKind, raw: string): IndicatorValue {
  const text = raw.trim();
  switch (kind) {
    case 'ip': {
      const cidr = parseCidr(text);
      if (!cidr) throw new IntelFormatError(`"${text}" is not an IP address or CIDR block`);
      const isSingleAddress = cidr.prefix === (cidr.address.version === 4 ? 32 : 128);
      return { kind, value: isSingleAddress ? formatIp(cidr.address) : formatCidr(cidr) };
    }
    case 'domain': {
      let domain = text.toLowerCase();
      if (domain.endsWith('.')) domain = domain.slice(0, -1);
      if (domain.startsWith('*.')) domain = domain.slice(2);
      if (parseCidr(domain)) return canonicalIndicatorValue('ip', domain);
      if (!DOMAIN.test(domain)) throw new IntelFormatError(`"${text}" is not a domain name`);
      return { kind, value: domain };
    }
    case 'url': {
      const key = urlKey(text);
      if (key === undefined) throw new IntelFormatError(`"${text}" is not a URL with a host`);
      return { kind, value: key };
    }
    case 'hash': {
      const hash = text.toLowerCase();
      if (!HASH_LENGTHS.has(hash.length) || !HEX.test(hash)) {
        throw new IntelFormatError(`"${text}" is not an MD5, SHA-1, SHA-224, SHA-256, SHA-384 or SHA-512 hex digest`);
      }
      return { kind, value: hash };
    }
    case 'email': {
      const email = text.toLowerCase();
      const at = email.lastIndexOf('@');
      if (at < 1 || at === email.length - 1 || email.includes(' ')) throw new IntelFormatError(`"${text}" is not an email address`);
      return { kind, value: email };
    }
  }
}

/** A URL as matched: host (and port) in lower case plus path and query, no scheme, user info or fragment. */
export function urlKey(url: string): string | undefined {
  const host = urlHost(url);
  if (host.length === 0) return undefined;
  const start = authorityStart(url);
  // Unlike authorityEnd, a backslash does not end the authority here.
  let restStart = url.length;
  for (let index = start; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code === 47 || code === 63 || code === 35) {
      restStart = index;
      break;
    }
  }
  const authority = url.slice(start, restStart);
  const portAt = authority.lastIndexOf(':');
  const port = portAt > authority.lastIndexOf(']') && portAt > authority.lastIndexOf('@') ? authority.slice(portAt) : '';
  const fragment = url.indexOf('#', restStart);
  let rest = url.slice(restStart, fragment === -1 ? url.length : fragment);
  if (rest === '/') rest = '';
  return `${host}${port}${rest}`;
}
