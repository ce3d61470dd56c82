import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import { formatPath, toFieldIssues } from '../spec/zod-issues.js';
import { urlHost } from './domain-name.js';
import { isRepeatedEntity, type EnrichContext, type EnricherV1, type Finding } from './enricher.js';
import { CidrTable, type CidrMatch } from './cidr-table.js';
import { formatCidr, formatIp, parseCidr, parseIpv4 } from './ip-address.js';

const IntelFileSchema = z.strictObject({
  /** Relative paths start at the config file's folder. */
  path: z.string().min(1),
  format: z.enum(['stix', 'misp', 'csv']),
  /** Shown in claims and refs (`intel:<name>`); defaults to the path as written. */
  name: z.string().min(1).optional(),
  /** Confidence (0-100) for entries that state none. */
  defaultConfidence: z.number().min(0).max(100).default(70),
});

export const ThreatIntelOptionsSchema = z.strictObject({
  files: z.array(IntelFileSchema).default([]),
  /** Weight of a match at confidence 100; a match weighs maxWeight × confidence / 100. */
  maxWeight: z.number().positive().max(4).default(2.5),
});
export type ThreatIntelOptions = z.infer<typeof ThreatIntelOptionsSchema>;
export type ThreatIntelOptionsInput = z.input<typeof ThreatIntelOptionsSchema>;

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

/** Thrown by the loaders with the place in the file; the factory adds the file name. */
class IntelFormatError extends Error {}

const HASH_LENGTHS = new Set([32, 40, 56, 64, 96, 128]);
const HEX = /^[0-9a-f]+$/;
const DOMAIN = /^[a-z0-9_*-]+(\.[a-z0-9_-]+)+$/;

/** Canonical form of a value, or an IntelFormatError saying what is wrong with it. */
function canonicalIndicatorValue(kind: IndicatorKind, raw: string): { kind: IndicatorKind; value: string } {
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
  const scheme = url.indexOf('://');
  const authorityStart = scheme === -1 ? 0 : scheme + 3;
  let restStart = url.length;
  for (let index = authorityStart; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code === 47 || code === 63 || code === 35) {
      restStart = index;
      break;
    }
  }
  const authority = url.slice(authorityStart, restStart);
  const portAt = authority.lastIndexOf(':');
  const port = portAt > authority.lastIndexOf(']') && portAt > authority.lastIndexOf('@') ? authority.slice(portAt) : '';
  const fragment = url.indexOf('#', restStart);
  let rest = url.slice(restStart, fragment === -1 ? url.length : fragment);
  if (rest === '/') rest = '';
  return `${host}${port}${rest}`;
}

/* ---------------------------------------------------------------- STIX 2.1 ---------------- */

interface PatternToken {
  text: string;
  isString: boolean;
  position: number;
}

const PUNCTUATION = '[](),';
const OPERATOR_START = '=!<>';

function tokenizePattern(pattern: string): PatternToken[] {
  const tokens: PatternToken[] = [];
  let index = 0;
  const readQuoted = (): string => {
    let value = '';
    index++;
    while (index < pattern.length && pattern[index] !== "'") {
      if (pattern[index] === '\\') index++;
      value += pattern[index] ?? '';
      index++;
    }
    if (index >= pattern.length) throw new IntelFormatError('unterminated string literal');
    index++;
    return value;
  };
  while (index < pattern.length) {
    const character = pattern[index] ?? '';
    const position = index;
    if (/\s/.test(character)) {
      index++;
    } else if (PUNCTUATION.includes(character)) {
      tokens.push({ text: character, isString: false, position });
      index++;
    } else if (character === "'") {
      tokens.push({ text: readQuoted(), isString: true, position });
    } else if (OPERATOR_START.includes(character)) {
      const twoCharacters = pattern.slice(index, index + 2);
      const operator = ['!=', '<=', '>='].includes(twoCharacters) ? twoCharacters : character;
      tokens.push({ text: operator, isString: false, position });
      index += operator.length;
    } else {
      // Words: keywords, numbers, object paths (file:hashes.'SHA-256') and typed literals (t'…').
      let word = '';
      while (index < pattern.length) {
        const next = pattern[index] ?? '';
        if (/\s/.test(next) || PUNCTUATION.includes(next) || OPERATOR_START.includes(next)) break;
        if (next === "'") word += `'${readQuoted()}'`;
        else word += pattern[index++];
      }
      tokens.push({ text: word, isString: false, position });
    }
  }
  return tokens;
}

interface Comparison {
  kind: IndicatorKind;
  value: string;
}

const IP_PATHS = new Set(['ipv4-addr:value', 'ipv6-addr:value', 'network-traffic:src_ref.value', 'network-traffic:dst_ref.value']);
const EMAIL_PATHS = new Set(['email-addr:value', 'email-message:from_ref.value', 'email-message:sender_ref.value']);

function kindOfPath(objectPath: string): IndicatorKind | undefined {
  if (IP_PATHS.has(objectPath)) return 'ip';
  if (objectPath === 'domain-name:value') return 'domain';
  if (objectPath === 'url:value') return 'url';
  if (objectPath.startsWith('file:hashes.') || objectPath.startsWith('artifact:hashes.')) return 'hash';
  if (EMAIL_PATHS.has(objectPath)) return 'email';
  return undefined;
}

/**
 * Reads a STIX pattern and returns the comparisons that each, alone, make it true: the disjuncts
 * of OR. AND, FOLLOWEDBY, REPEATS, START/STOP and negations need more than one entity or a time
 * window, so they yield nothing (never a partial, over-broad match).
 */
export function sufficientComparisons(pattern: string): Comparison[] {
  const tokens = tokenizePattern(pattern);
  let at = 0;
  const peek = (): string | undefined => (tokens[at]?.isString ? undefined : tokens[at]?.text.toUpperCase());
  const fail = (expected: string): never => {
    const token = tokens[at];
    throw new IntelFormatError(`expected ${expected} at character ${token ? token.position + 1 : pattern.length + 1}${token ? ` (found "${token.text}")` : ' (end of pattern)'}`);
  };
  const expect = (text: string): void => {
    if (peek() !== text) fail(`"${text}"`);
    at++;
  };
  const binary = (operand: () => Comparison[], keyword: string, combine: 'union' | 'none'): Comparison[] => {
    const parts = [operand()];
    while (peek() === keyword) {
      at++;
      parts.push(operand());
    }
    if (parts.length === 1) return parts[0] ?? [];
    return combine === 'union' ? parts.flat() : [];
  };
  const literal = (): string => {
    const token = tokens[at];
    if (!token || (!token.isString && PUNCTUATION.includes(token.text))) fail('a value');
    at++;
    return token?.text ?? '';
  };
  const comparison = (): Comparison[] => {
    if (peek() === '(') {
      at++;
      const inner = comparisonOr();
      expect(')');
      return inner;
    }
    if (peek() === 'EXISTS') {
      at++;
      literal();
      return [];
    }
    const objectPath = tokens[at]?.isString === false ? (tokens[at]?.text ?? '') : '';
    if (!objectPath.includes(':')) fail('an object path such as ipv4-addr:value');
    at++;
    let isNegated = false;
    if (peek() === 'NOT') {
      isNegated = true;
      at++;
    }
    const operator = peek();
    if (!operator || !['=', '!=', '<', '>', '<=', '>=', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET'].includes(operator)) fail('a comparison operator');
    at++;
    const values: { text: string; isString: boolean }[] = [];
    if (operator === 'IN') {
      expect('(');
      values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
      while (peek() === ',') {
        at++;
        values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
      }
      expect(')');
    } else {
      values.push({ isString: tokens[at]?.isString ?? false, text: literal() });
    }
    const kind = kindOfPath(objectPath);
    const isUsable = !isNegated && kind !== undefined && (operator === '=' || operator === 'IN' || (operator === 'ISSUBSET' && kind === 'ip'));
    if (!isUsable) return [];
    return values.filter((value) => value.isString).map((value) => canonicalIndicatorValue(kind, value.text));
  };
  const comparisonAnd = (): Comparison[] => binary(comparison, 'AND', 'none');
  const comparisonOr = (): Comparison[] => binary(comparisonAnd, 'OR', 'union');
  const qualified = (): Comparison[] => {
    let result: Comparison[];
    if (peek() === '(') {
      at++;
      result = patternExpression();
      expect(')');
    } else {
      expect('[');
      result = comparisonOr();
      expect(']');
    }
    for (;;) {
      const qualifier = peek();
      if (qualifier === 'WITHIN') {
        at += 3; // WITHIN <seconds> SECONDS: one observation satisfies any window
      } else if (qualifier === 'REPEATS') {
        at += 3;
        result = [];
      } else if (qualifier === 'START') {
        at += 4; // START t'…' STOP t'…'
        result = [];
      } else {
        if (at > tokens.length) fail('a complete qualifier');
        return result;
      }
    }
  };
  const observationAnd = (): Comparison[] => binary(qualified, 'AND', 'none');
  const observationOr = (): Comparison[] => binary(observationAnd, 'OR', 'union');
  const patternExpression = (): Comparison[] => binary(observationOr, 'FOLLOWEDBY', 'none');
  const result = patternExpression();
  if (at < tokens.length) fail('end of pattern');
  return result;
}

const StixIndicatorSchema = z.looseObject({
  id: z.string().min(1),
  pattern: z.string().min(1),
  pattern_type: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  valid_from: z.string().optional(),
  valid_until: z.string().optional(),
  revoked: z.boolean().optional(),
  confidence: z.number().min(0).max(100).optional(),
  indicator_types: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
});

const StixBundleSchema = z.looseObject({ type: z.literal('bundle'), objects: z.array(z.unknown()) });

function parseTime(text: string | undefined, field: string, fallback: number): number {
  if (text === undefined) return fallback;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new IntelFormatError(`${field} "${text}" is not an RFC 3339 timestamp`);
  return time;
}

function loadStix(document: unknown, file: LoadingFile): void {
  const bundle = StixBundleSchema.safeParse(document);
  if (!bundle.success) {
    throw new IntelFormatError('is not a STIX 2.1 bundle: expected {"type": "bundle", "objects": [...]}');
  }
  bundle.data.objects.forEach((object, index) => {
    if (typeof object !== 'object' || object === null || (object as { type?: unknown }).type !== 'indicator') return;
    const where = `objects[${index}]`;
    const parsed = StixIndicatorSchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IntelFormatError(`${where}: indicator field ${formatPath(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`);
    }
    const indicator = parsed.data;
    const location = `${indicator.id} (${where})`;
    if (indicator.revoked === true) return file.skip('revoked');
    if ((indicator.pattern_type ?? 'stix') !== 'stix') return file.skip(`pattern_type ${indicator.pattern_type}`);
    let comparisons: Comparison[];
    try {
      comparisons = sufficientComparisons(indicator.pattern);
    } catch (error) {
      if (!(error instanceof IntelFormatError)) throw error;
      throw new IntelFormatError(`${location}: pattern ${JSON.stringify(indicator.pattern)} is not valid STIX patterning: ${error.message}`);
    }
    if (comparisons.length === 0) return file.skip('pattern needs more than one observable or a time window');
    const types = indicator.indicator_types ?? indicator.labels ?? [];
    const validFromMs = parseTime(indicator.valid_from, `${location}: valid_from`, -Infinity);
    const validUntilMs = parseTime(indicator.valid_until, `${location}: valid_until`, Infinity);
    for (const comparison of comparisons) {
      file.add({
        ...comparison,
        label: indicator.name ?? indicator.description ?? '',
        location,
        confidence: indicator.confidence ?? file.defaultConfidence,
        validFromMs,
        validUntilMs,
        isBenign: types.includes('benign'),
      });
    }
  });
}

/* ---------------------------------------------------------------- MISP ---------------------- */

/** MISP attribute types Verdict can match, by entity kind. email-dst is left out: it names the victim. */
const MISP_TYPES: Record<string, IndicatorKind> = {
  'ip-src': 'ip', 'ip-dst': 'ip', domain: 'domain', hostname: 'domain', url: 'url', md5: 'hash',
  sha1: 'hash', sha224: 'hash', sha256: 'hash', sha384: 'hash', sha512: 'hash', 'email-src': 'email',
  email: 'email', 'email-reply-to': 'email',
};
/** threat_level_id 1 high, 2 medium, 3 low (4 undefined uses the file's default confidence). */
const MISP_THREAT_CONFIDENCE: Record<string, number> = { '1': 90, '2': 70, '3': 50 };

const MispAttributeSchema = z.looseObject({
  type: z.string(),
  value: z.string(),
  uuid: z.string().optional(),
  comment: z.string().optional(),
  to_ids: z.union([z.boolean(), z.string(), z.number()]).optional(),
  deleted: z.union([z.boolean(), z.string(), z.number()]).optional(),
});
const MispEventSchema = z.looseObject({
  uuid: z.string().optional(),
  info: z.string().optional(),
  threat_level_id: z.union([z.string(), z.number()]).optional(),
  Attribute: z.array(MispAttributeSchema).default([]),
  Object: z.array(z.looseObject({ Attribute: z.array(MispAttributeSchema).default([]) })).default([]),
});

function isTrue(value: boolean | string | number | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === 1 || value === '1' || value === 'true';
}

function loadMispEvent(document: unknown, file: LoadingFile, where: string): void {
  const parsed = MispEventSchema.safeParse((document as { Event?: unknown } | null)?.Event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = formatPath(issue?.path ?? []);
    throw new IntelFormatError(`${where}Event${field === '' ? '' : `.${field}`}: ${issue?.message ?? 'invalid'} (expected {"Event": {"Attribute": [...]}})`);
  }
  const event = parsed.data;
  const confidence = MISP_THREAT_CONFIDENCE[String(event.threat_level_id)] ?? file.defaultConfidence;
  const attributes = [...event.Attribute.map((attribute, index) => ({ attribute, at: `Attribute[${index}]` }))];
  event.Object.forEach((object, objectIndex) => {
    object.Attribute.forEach((attribute, index) => attributes.push({ attribute, at: `Object[${objectIndex}].Attribute[${index}]` }));
  });
  for (const { attribute, at } of attributes) {
    if (isTrue(attribute.deleted, false)) { file.skip('deleted'); continue; }
    if (!isTrue(attribute.to_ids, true)) { file.skip('to_ids is false (not for detection)'); continue; }
    // Composite types (domain|ip, filename|sha256, ip-dst|port) carry one value per part.
    const types = attribute.type.split('|');
    const values = attribute.value.split('|');
    const location = `${where}Event ${event.uuid ?? '(no uuid)'} ${at}${attribute.uuid ? ` (${attribute.uuid})` : ''}`;
    let matched = false;
    types.forEach((type, index) => {
      const kind = MISP_TYPES[type];
      const value = values[index];
      if (!kind || value === undefined) return;
      matched = true;
      let comparison: Comparison;
      try {
        comparison = canonicalIndicatorValue(kind, value);
      } catch (error) {
        if (!(error instanceof IntelFormatError)) throw error;
        throw new IntelFormatError(`${location} (type ${attribute.type}): ${error.message}`);
      }
      const label = [event.info, attribute.comment].filter((text) => text !== undefined && text !== '').join(' — ');
      file.add({ ...comparison, label, location, confidence, validFromMs: -Infinity, validUntilMs: Infinity, isBenign: false });
    });
    if (!matched) file.skip(`attribute type ${attribute.type}`);
  }
}

function loadMisp(document: unknown, file: LoadingFile): void {
  if (Array.isArray(document)) {
    document.forEach((entry, index) => loadMispEvent(entry, file, `[${index}] `));
    return;
  }
  if (typeof document !== 'object' || document === null) throw new IntelFormatError('is not a MISP event: expected {"Event": {...}}');
  const record = document as Record<string, unknown>;
  if ('Event' in record) return loadMispEvent(record, file, '');
  if (Array.isArray(record.response)) {
    record.response.forEach((entry, index) => loadMispEvent(entry, file, `response[${index}] `));
    return;
  }
  // A feed manifest.json: {"<event uuid>": {"info": …}, …}; each event sits beside it as <uuid>.json.
  const entries = Object.entries(record);
  const isManifest = entries.length > 0 && entries.every(([, value]) => typeof value === 'object' && value !== null && 'info' in value);
  if (!isManifest) throw new IntelFormatError('is neither a MISP event ({"Event": {...}}) nor a feed manifest.json');
  for (const [uuid] of entries) {
    if (!/^[\w-]+$/.test(uuid)) throw new IntelFormatError(`manifest key "${uuid}" is not an event uuid`);
    const eventPath = path.join(path.dirname(file.absolutePath), `${uuid}.json`);
    loadMispEvent(readJson(eventPath, `manifest entry ${uuid}`), file, `${uuid}.json `);
  }
}

/* ---------------------------------------------------------------- CSV ----------------------- */

const CSV_TYPES: Record<string, IndicatorKind> = { ip: 'ip', cidr: 'ip', domain: 'domain', url: 'url', hash: 'hash', email: 'email' };
const CSV_COLUMNS = ['type', 'value', 'description', 'confidence'];

function loadCsv(text: string, file: LoadingFile): void {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    const options = { comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, info: true, bom: true };
    // csv-parse's typings do not model `info: true`, which wraps each record with its line number.
    rows = parseCsv(text, options) as unknown as typeof rows;
  } catch (error) {
    throw new IntelFormatError(`is not valid CSV: ${(error as Error).message}`);
  }
  const header = rows[0]?.record.map((column) => column.toLowerCase());
  if (!header || header.indexOf('type') === -1 || header.indexOf('value') === -1 || header.some((column) => !CSV_COLUMNS.includes(column))) {
    throw new IntelFormatError(`line ${rows[0]?.info.lines ?? 1}: the header must be type,value[,description][,confidence]`);
  }
  const column = (name: string): number => header.indexOf(name);
  for (const { record, info } of rows.slice(1)) {
    const where = `line ${info.lines}`;
    if (record.length !== header.length) throw new IntelFormatError(`${where}: ${record.length} columns where the header has ${header.length}`);
    const type = (record[column('type')] ?? '').toLowerCase();
    const kind = CSV_TYPES[type];
    if (!kind) throw new IntelFormatError(`${where}: unknown type "${type}"; use one of ${Object.keys(CSV_TYPES).join(', ')}`);
    const confidenceText = column('confidence') === -1 ? '' : (record[column('confidence')] ?? '');
    const confidence = confidenceText === '' ? file.defaultConfidence : Number(confidenceText);
    if (!(confidence >= 0 && confidence <= 100)) throw new IntelFormatError(`${where}: confidence "${confidenceText}" must be a number from 0 to 100`);
    let comparison: Comparison;
    try {
      comparison = canonicalIndicatorValue(kind, record[column('value')] ?? '');
    } catch (error) {
      if (!(error instanceof IntelFormatError)) throw error;
      throw new IntelFormatError(`${where}: ${error.message}`);
    }
    const label = column('description') === -1 ? '' : (record[column('description')] ?? '');
    file.add({ ...comparison, label, location: where, confidence, validFromMs: -Infinity, validUntilMs: Infinity, isBenign: false });
  }
}

/* ---------------------------------------------------------------- loading and lookup -------- */

interface LoadingFile {
  absolutePath: string;
  defaultConfidence: number;
  add(indicator: Omit<Indicator, 'source'>): void;
  skip(reason: string): void;
}

function readJson(absolutePath: string, what: string): unknown {
  const text = readText(absolutePath, what);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IntelFormatError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function readText(absolutePath: string, what: string): string {
  try {
    return readFileSync(absolutePath, 'utf8');
  } catch (error) {
    throw new IntelFormatError(`${what} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) at ${absolutePath}`);
  }
}

const FIXES: Record<'stix' | 'misp' | 'csv', string> = {
  stix: 'fix the file or export it again as a STIX 2.1 bundle',
  misp: 'fix the file or export the event again in MISP feed format',
  csv: 'fix the line; the format is a header type,value[,description][,confidence] and types ip, cidr, domain, url, hash, email',
};

export type ThreatIntelEnricher = EnricherV1 & { readonly files: readonly IntelFileReport[] };

/**
 * Matches alert entities against local threat-intel files (STIX 2.1 bundles, MISP feed events,
 * CSV lists) loaded once at creation. A domain also matches its parent domains; URL and email
 * hosts are checked as domains (or addresses). Stream time decides whether an indicator is valid.
 */
export function createThreatIntelEnricher(options: ThreatIntelOptionsInput, environment: { baseDir: string }): ThreatIntelEnricher {
  const parsed = ThreatIntelOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new ConfigError(`enrichers.threat-intel options are invalid: ${issues}`);
  }
  const settings = parsed.data;
  const addresses: CidrMatch<Indicator>[] = [];
  const byValue: Record<Exclude<IndicatorKind, 'ip'>, Map<string, Indicator[]>> = {
    domain: new Map(), url: new Map(), hash: new Map(), email: new Map(),
  };
  const reports: IntelFileReport[] = [];

  for (const [index, entry] of settings.files.entries()) {
    const source = entry.name ?? entry.path;
    const report: IntelFileReport = { source, format: entry.format, indicators: 0, skipped: {} };
    const absolutePath = path.resolve(environment.baseDir, entry.path);
    const file: LoadingFile = {
      absolutePath,
      defaultConfidence: entry.defaultConfidence,
      add(partial) {
        const indicator: Indicator = { ...partial, source };
        report.indicators++;
        if (indicator.kind === 'ip') {
          addresses.push({ cidr: parseCidr(indicator.value)!, value: indicator });
          return;
        }
        const map = byValue[indicator.kind];
        const list = map.get(indicator.value);
        if (list) list.push(indicator);
        else map.set(indicator.value, [indicator]);
      },
      skip(reason) {
        report.skipped[reason] = (report.skipped[reason] ?? 0) + 1;
      },
    };
    try {
      if (entry.format === 'csv') loadCsv(readText(absolutePath, 'the file'), file);
      else if (entry.format === 'stix') loadStix(readJson(absolutePath, 'the file'), file);
      else loadMisp(readJson(absolutePath, 'the file'), file);
    } catch (error) {
      if (!(error instanceof IntelFormatError)) throw error;
      throw new ConfigError(
        `threat-intel file ${entry.path} (enrichers.threat-intel.files[${index}], format ${entry.format}): ${error.message}. To fix: ${FIXES[entry.format]}, or correct path/format (relative paths start at ${environment.baseDir}).`,
        { cause: error },
      );
    }
    reports.push(report);
  }
  const addressTable = new CidrTable(addresses);
  const hasDomains = byValue.domain.size > 0;
  const hasUrls = byValue.url.size > 0;
  const isEmpty = addresses.length === 0 && !hasDomains && !hasUrls && byValue.hash.size === 0 && byValue.email.size === 0;

  /** The strongest indicator valid at the alert's time, with how the entity reached it. */
  interface Match { indicator: Indicator; via: string; others: Indicator[] }

  function consider(best: Match | undefined, indicators: readonly Indicator[], via: () => string, timeMs: number): Match | undefined {
    let result = best;
    for (const indicator of indicators) {
      if (timeMs < indicator.validFromMs || timeMs >= indicator.validUntilMs) continue;
      if (!result) {
        result = { indicator, via: via(), others: [] };
      } else if (rank(indicator) > rank(result.indicator)) {
        result.others.push(result.indicator);
        result.indicator = indicator;
        result.via = via();
      } else {
        result.others.push(indicator);
      }
    }
    return result;
  }

  /** Checks an address or a domain and its parents. `through` names the part of a URL or email it came from. */
  function matchHost(host: string, timeMs: number, best: Match | undefined, through: string): Match | undefined {
    if (host.length === 0) return best;
    if (host.includes(':') || parseIpv4(host) >= 0) {
      const matches = addressTable.lookupText(host);
      if (!matches) return best;
      let result = best;
      for (const match of matches) result = consider(result, [match.value], () => (through === '' ? '' : `${through} ${host}`), timeMs);
      return result;
    }
    if (!hasDomains) return best;
    let result = best;
    const exact = byValue.domain.get(host);
    if (exact) result = consider(result, exact, () => (through === '' ? '' : `${through} ${host}`), timeMs);
    for (let dot = host.indexOf('.'); dot !== -1 && host.indexOf('.', dot + 1) !== -1; dot = host.indexOf('.', dot + 1)) {
      const parent = host.slice(dot + 1);
      const indicators = byValue.domain.get(parent);
      if (!indicators) continue;
      result = consider(result, indicators, () => (through === '' ? `parent domain ${parent}` : `${through} ${host} (parent domain ${parent})`), timeMs);
    }
    return result;
  }

  function toFinding(entity: Alert['entities'][number], ref: string, match: Match): Finding {
    const { indicator } = match;
    const weight = indicator.isBenign ? 0 : Math.round(settings.maxWeight * indicator.confidence) / 100;
    const name = indicator.label === '' ? '' : ` "${indicator.label}"`;
    const via = match.via === '' ? '' : ` via ${match.via}`;
    const benign = indicator.isBenign ? '; the indicator is typed benign, so it is context only' : '';
    const sources = new Set([indicator.source, ...match.others.map((other) => other.source)]);
    const others = match.others.length === 0 ? '' : `; also ${match.others.length} more: ${match.others.slice(0, 5).map((other) => `${other.value} (${other.source} ${other.location})`).join(', ')}`;
    return {
      kind: 'threat_intel',
      claim: `${entity.kind} ${entity.value}${via} matches ${indicator.kind} indicator ${indicator.value}${name} in ${indicator.source} (confidence ${indicator.confidence})${benign}.`,
      weight,
      refs: [ref, ...[...sources].map((source) => `intel:${source}`)],
      detail: `${indicator.source} ${indicator.location}${others}`,
    };
  }

  return {
    id: 'threat-intel',
    description: 'Entities (IP, domain, URL, hash, email) against local STIX 2.1, MISP and CSV threat-intel files.',
    files: reports,
    enrich(alert: Alert, context: EnrichContext): Finding[] {
      if (isEmpty) return [];
      const entities = alert.entities;
      const timeMs = context.timeMs;
      let findings: Finding[] | undefined;
      for (let index = 0; index < entities.length; index++) {
        const entity = entities[index];
        if (!entity) continue;
        const kind = entity.kind;
        if (kind !== 'ip' && kind !== 'domain' && kind !== 'url' && kind !== 'hash' && kind !== 'email') continue;
        if (isRepeatedEntity(entities, index)) continue;
        const value = entity.value.trim();
        let match: Match | undefined;
        if (kind === 'ip') {
          match = matchHost(value, timeMs, undefined, '');
        } else if (kind === 'hash') {
          const indicators = byValue.hash.get(value.toLowerCase());
          if (indicators) match = consider(undefined, indicators, () => '', timeMs);
        } else if (kind === 'domain') {
          const host = value.toLowerCase();
          match = matchHost(host.endsWith('.') ? host.slice(0, -1) : host, timeMs, undefined, '');
        } else if (kind === 'url') {
          const key = hasUrls ? urlKey(value) : undefined;
          const indicators = key === undefined ? undefined : byValue.url.get(key);
          if (indicators) match = consider(undefined, indicators, () => '', timeMs);
          match = matchHost(urlHost(value), timeMs, match, 'host');
        } else {
          const email = value.toLowerCase();
          const indicators = byValue.email.get(email);
          if (indicators) match = consider(undefined, indicators, () => '', timeMs);
          match = matchHost(email.slice(email.lastIndexOf('@') + 1), timeMs, match, 'domain');
        }
        if (match) (findings ??= []).push(toFinding(entity, `entities[${index}].value`, match));
      }
      return findings ?? [];
    },
  };
}

/** Malicious before benign, then higher confidence. */
function rank(indicator: Indicator): number {
  return (indicator.isBenign ? 0 : 1000) + indicator.confidence;
}
