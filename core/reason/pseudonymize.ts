import { BlockList, isIP } from 'node:net';
import type { Alert } from '../spec/alert.js';

/**
 * Reversible pseudonymization before anything leaves for a model. Users, hosts, internal
 * addresses, emails and configured fields become stable tokens (`HOST_1`, `USER_2`) for the life
 * of one pseudonymizer (one verdict); hashes, public addresses and public domains pass unchanged so
 * threat intel still works. The token table never leaves the process.
 */

export type PseudonymKind = 'USER' | 'HOST' | 'IP' | 'EMAIL' | 'VALUE';

export interface PseudonymizerOptions {
  /** `alert.fields` names whose values become VALUE tokens. */
  fields: readonly string[];
  /** Internal domain suffixes; names under them become HOST tokens. */
  internalDomains: readonly string[];
}

export interface Pseudonymizer {
  /** Give tokens to the alert's users, hosts, emails, internal addresses and configured fields. */
  registerAlert(alert: Alert): void;
  /** Replace every known or recognisable sensitive value in free text. */
  text(value: string): string;
  /** Deep copy of a JSON value with every string (keys included) passed through `text`. */
  value(value: unknown): unknown;
  restore(text: string): string;
  restoreValue(value: unknown): unknown;
  /** Tokens handed out, by kind: safe to log (no originals). */
  tokens(): Array<{ token: string; kind: PseudonymKind }>;
}

const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
  ['0.0.0.0', 8],
] as const)
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}

/** Loopback, RFC 1918, link-local, CGNAT and IPv6 unique-local addresses. */
export function isInternalIp(address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  return PRIVATE_RANGES.check(address, version === 4 ? 'ipv4' : 'ipv6');
}

const TOKEN_PATTERN = /\b(USER|HOST|IP|EMAIL|VALUE)_(\d+)\b/g;
/** Any mailbox, also on a bare host name (x@localhost, root@ws01): every one names a person or a machine. */
const EMAIL_PATTERN = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*/g;
/** `scheme://user:password@` in a URL: the user and the password never leave. */
const URL_CREDENTIALS_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]+)(?::([^\s/?#@]*))?@/gi;
/** Claims built from other alerts list their subjects as "(host ws01, user bob, …)". */
const SUBJECT_LIST_PATTERN = /\(((?:host|user) [^()]+)\)/g;
const IPV4_PATTERN = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
const IPV6_PATTERN = /(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])/g;
/** Profile folders name their user: C:\Users\alice\…, /home/alice/…, /Users/alice/… */
const PROFILE_PATTERN = /(?:[A-Za-z]:\\(?:Users|Documents and Settings)\\|\/home\/|\/Users\/)([^\\/:*?"<>|\s]+)/gi;
const SHARED_PROFILES = new Set(['public', 'default', 'default user', 'all users', 'shared', 'administrator']);
/** Shorter values would match inside ordinary words; they are replaced only as whole entity values. */
const MIN_FREE_TEXT_LENGTH = 3;

export function createPseudonymizer(options: PseudonymizerOptions): Pseudonymizer {
  const byOriginal = new Map<string, string>();
  const byToken = new Map<string, string>();
  const kinds = new Map<string, PseudonymKind>();
  const counters: Record<PseudonymKind, number> = { USER: 0, HOST: 0, IP: 0, EMAIL: 0, VALUE: 0 };
  let matcher: RegExp | undefined;
  const internalSuffixes = options.internalDomains.map((suffix) => suffix.toLowerCase().replace(/^\./, ''));

  function register(original: string, kind: PseudonymKind): string {
    const key = original.toLowerCase();
    const known = byOriginal.get(key);
    if (known) return known;
    counters[kind] += 1;
    const token = `${kind}_${counters[kind]}`;
    byOriginal.set(key, token);
    byToken.set(token, original);
    kinds.set(token, kind);
    matcher = undefined;
    return token;
  }

  function isInternalName(name: string): boolean {
    const lower = name.toLowerCase();
    return internalSuffixes.some((suffix) => lower === suffix || lower.endsWith(`.${suffix}`));
  }

  function registerUser(value: string): void {
    // DOMAIN\name: the domain (or local computer) name is an internal host name.
    const slash = value.indexOf('\\');
    if (slash > 0 && slash < value.length - 1) {
      register(value.slice(0, slash), 'HOST');
      register(value.slice(slash + 1), 'USER');
    } else if (EMAIL_SHAPE.test(value)) register(value, 'EMAIL');
    else register(value, 'USER');
  }

  function discover(text: string): void {
    for (const match of text.matchAll(EMAIL_PATTERN)) {
      // `USER_1:VALUE_1@host` is a URL whose credentials are already tokens, not a mailbox.
      if (!/^(?:USER|HOST|IP|EMAIL|VALUE)_\d+@/.test(match[0])) register(match[0], 'EMAIL');
    }
    for (const match of text.matchAll(SUBJECT_LIST_PATTERN)) {
      for (const part of (match[1] ?? '').split(', ')) {
        const subject = /^(host|user) (.+)$/.exec(part.trim());
        if (subject?.[2] && subject[2] !== '…') register(subject[2], subject[1] === 'host' ? 'HOST' : 'USER');
      }
    }
    for (const match of text.matchAll(IPV4_PATTERN)) if (isInternalIp(match[0])) register(match[0], 'IP');
    for (const match of text.matchAll(IPV6_PATTERN)) if (isInternalIp(match[0])) register(match[0], 'IP');
    for (const match of text.matchAll(PROFILE_PATTERN)) {
      const name = match[1];
      if (name && !SHARED_PROFILES.has(name.toLowerCase())) register(name, 'USER');
    }
    if (internalSuffixes.length === 0) return;
    for (const match of text.matchAll(/(?<![\w.@-])(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?![\w-])/g)) {
      if (isInternalName(match[0])) register(match[0], 'HOST');
    }
  }

  function currentMatcher(): RegExp | undefined {
    if (matcher) return matcher;
    const originals = [...byToken.values()]
      .filter((original) => original.length >= MIN_FREE_TEXT_LENGTH)
      .sort((left, right) => right.length - left.length)
      .map(escapeRegExp);
    if (originals.length === 0) return undefined;
    matcher = new RegExp(`(?<![A-Za-z0-9_])(?:${originals.join('|')})(?![A-Za-z0-9_])`, 'gi');
    return matcher;
  }

  function text(original: string): string {
    // Credentials first: a password may be short or look like anything, so it is replaced where it stands.
    const value = original.replace(
      URL_CREDENTIALS_PATTERN,
      (_match, scheme: string, user: string, password: string | undefined) =>
        `${scheme}${register(user, 'USER')}${password === undefined ? '' : `:${password === '' ? '' : register(password, 'VALUE')}`}@`,
    );
    discover(value);
    const exact = byOriginal.get(value.toLowerCase());
    if (exact) return exact;
    const pattern = currentMatcher();
    if (!pattern) return value;
    return value.replace(pattern, (match) => byOriginal.get(match.toLowerCase()) ?? match);
  }

  function mapDeep(value: unknown, mapString: (text: string) => string): unknown {
    if (typeof value === 'string') return mapString(value);
    if (Array.isArray(value)) return value.map((item) => mapDeep(item, mapString));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [mapString(key), mapDeep(item, mapString)]));
    }
    return value;
  }

  function restore(value: string): string {
    return value.replace(TOKEN_PATTERN, (token) => byToken.get(token) ?? token);
  }

  return {
    registerAlert(alert) {
      for (const entity of alert.entities) {
        switch (entity.kind) {
          case 'user':
            registerUser(entity.value);
            break;
          case 'host':
            register(entity.value, 'HOST');
            break;
          case 'email':
            register(entity.value, 'EMAIL');
            break;
          case 'ip':
            if (isInternalIp(entity.value)) register(entity.value, 'IP');
            break;
          case 'domain':
            if (isInternalName(entity.value)) register(entity.value, 'HOST');
            break;
          default:
            break;
        }
      }
      for (const field of options.fields) {
        const value = alert.fields[field];
        if (value) register(value, 'VALUE');
      }
    },
    text,
    value: (value) => mapDeep(value, text),
    restore,
    restoreValue: (value) => mapDeep(value, restore),
    tokens: () => [...kinds.entries()].map(([token, kind]) => ({ token, kind })),
  };
}

const EMAIL_SHAPE = /^[^@\s\\]+@[^@\s]+$/;

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
