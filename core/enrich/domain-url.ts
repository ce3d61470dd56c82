import { domainToUnicode } from 'node:url';
import { z } from 'zod';
import type { Alert } from '../spec/alert.js';
import { ConfigError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import type { EnricherV1, Finding } from './enricher.js';
import { classifyIp, parseIp } from './ip-address.js';

/** File types that run code or carry macros when opened; a link straight to one is a delivery hint. */
export const DEFAULT_RISKY_EXTENSIONS = [
  'exe', 'scr', 'com', 'pif', 'cpl', 'js', 'jse', 'vbs', 'vbe', 'wsf', 'hta', 'iso', 'img', 'vhd',
  'vhdx', 'lnk', 'ps1', 'bat', 'cmd', 'dll', 'msi', 'msix', 'appx', 'jar', 'docm', 'xlsm', 'pptm',
  'xlam', 'one', 'chm', 'reg', 'apk', 'dmg', 'pkg', 'sh', 'svg', 'url', 'library-ms', 'search-ms',
];

const domainName = z
  .string()
  .regex(/^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i, 'write a domain name such as example.com');

export const DomainUrlOptionsSchema = z.strictObject({
  /** Registrable domains the organisation owns; look-alikes of these are flagged. */
  organizationDomains: z.array(domainName).default([]),
  /** File extensions (without the dot) that make a URL path risky. */
  riskyExtensions: z
    .array(z.string().regex(/^\.?[a-z0-9-]{1,12}$/i, 'write an extension such as exe or .exe'))
    .default(DEFAULT_RISKY_EXTENSIONS),
  /** Subdomain levels above the registrable domain allowed before a host counts as deep. */
  maxSubdomainDepth: z.number().int().min(1).max(30).default(4),
});
export type DomainUrlOptions = z.infer<typeof DomainUrlOptionsSchema>;
export type DomainUrlOptionsInput = z.input<typeof DomainUrlOptionsSchema>;

/** Log-likelihood ratios. Look-alikes are strong; structure-only hints stay moderate. */
const WEIGHT = {
  homoglyph: 2,
  editDistance1: 1.5,
  editDistance2: 1,
  suffixSwap: 1,
  orgNameInLabel: 1,
  orgDomainInSubdomain: 1.25,
  randomLabel: 1,
  strongRandomLabel: 1.5,
  rawPublicIp: 1,
  obfuscatedIp: 1.5,
  userInfo: 1,
  riskyExtension: 1,
  doubleExtension: 1.5,
  deepSubdomain: 0.5,
} as const;

/** Multi-label public suffixes (a curated slice of the Public Suffix List's ICANN section). */
const PUBLIC_SUFFIXES = new Set(
  ('co.uk org.uk ac.uk gov.uk me.uk net.uk ltd.uk plc.uk nhs.uk com.au net.au org.au edu.au gov.au ' +
    'co.nz org.nz net.nz ac.nz govt.nz co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr go.kr com.br net.br ' +
    'org.br gov.br com.cn net.cn org.cn gov.cn edu.cn com.hk com.tw com.sg com.my com.ph com.vn com.pk ' +
    'com.tr com.mx com.ar com.co com.pe com.ua com.eg com.sa com.ng com.pl com.es co.in net.in org.in ' +
    'gov.in ac.in co.za org.za gov.za co.il org.il ac.il co.id or.id ac.id co.th in.th go.th').split(' '),
);

/**
 * Platform suffixes whose customers get machine-assigned or tenant names (CDNs, clouds, hosting).
 * Labels under them are not judged for randomness, and a tenant named after the organisation
 * (example.sharepoint.com) is not a look-alike.
 */
const HOSTING_SUFFIXES = new Set(
  ('github.io gitlab.io herokuapp.com azurewebsites.net cloudapp.net azureedge.net blob.core.windows.net ' +
    'web.core.windows.net trafficmanager.net cloudfront.net s3.amazonaws.com amazonaws.com ' +
    'elasticbeanstalk.com appspot.com firebaseapp.com web.app blogspot.com netlify.app vercel.app ' +
    'pages.dev workers.dev r2.dev ngrok.io ngrok-free.app glitch.me onrender.com fly.dev duckdns.org ' +
    'akamaihd.net akamaized.net edgekey.net edgesuite.net akamaiedge.net fastly.net cdn.cloudflare.net ' +
    'googleusercontent.com sharepoint.com myshopify.com wixsite.com wordpress.com ' +
    'mail.protection.outlook.com okta.com my.salesforce.com').split(' '),
);

export interface DomainParts {
  /** The registrable domain (example.co.uk). */
  registrable: string;
  /** Its leftmost label (example). */
  label: string;
  /** What follows the label (co.uk), including hosting suffixes (github.io). */
  suffix: string;
  isHostingSuffix: boolean;
  /** Labels left of the registrable domain. */
  subdomainDepth: number;
}

const dots: number[] = [];

/** Splits a lower-case host into registrable domain and suffix; undefined for a single label. */
export function splitDomain(host: string): DomainParts | undefined {
  dots.length = 0;
  for (let index = host.lastIndexOf('.'); index !== -1 && dots.length < 5; index = host.lastIndexOf('.', index - 1)) {
    dots.push(index);
    if (index === 0) break;
  }
  if (dots.length === 0 || PUBLIC_SUFFIXES.has(host)) return undefined;
  let suffixLabels = 1;
  let isHostingSuffix = false;
  for (let labels = Math.min(4, dots.length); labels >= 2; labels--) {
    const candidate = host.slice((dots[labels - 1] ?? 0) + 1);
    if (HOSTING_SUFFIXES.has(candidate) || PUBLIC_SUFFIXES.has(candidate)) {
      suffixLabels = labels;
      isHostingSuffix = HOSTING_SUFFIXES.has(candidate);
      break;
    }
  }
  const labelEnd = dots[suffixLabels - 1] ?? 0;
  const labelStart = suffixLabels < dots.length ? (dots[suffixLabels] ?? -1) + 1 : 0;
  let depth = 0;
  for (let index = labelStart - 1; index > 0; index = host.lastIndexOf('.', index - 1)) depth++;
  return {
    registrable: host.slice(labelStart),
    label: host.slice(labelStart, labelEnd),
    suffix: host.slice(labelEnd + 1),
    isHostingSuffix,
    subdomainDepth: depth,
  };
}

/** Host of a URL (lower case, no user info, port or brackets); '' when there is none. */
export function urlHost(url: string): string {
  const scheme = url.indexOf('://');
  let start = scheme === -1 ? 0 : scheme + 3;
  let end = url.length;
  for (let index = start; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code === 47 || code === 63 || code === 35 || code === 92) {
      end = index;
      break;
    }
  }
  const at = url.lastIndexOf('@', end - 1);
  if (at >= start) start = at + 1;
  if (url.charCodeAt(start) === 91) {
    const close = url.indexOf(']', start);
    return close === -1 ? '' : url.slice(start + 1, close).toLowerCase();
  }
  const colon = url.indexOf(':', start);
  if (colon !== -1 && colon < end) end = colon;
  let host = url.slice(start, end).toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/** Characters that render like a Latin letter, and digits swapped for the letter they mimic. */
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', һ: 'h', і: 'l', ї: 'l', ј: 'j', к: 'k', ӏ: 'l', м: 'm', о: 'o',
  р: 'p', с: 'c', у: 'y', ү: 'y', х: 'x', ѕ: 's', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g', ɑ: 'a', ı: 'l',
  α: 'a', β: 'b', ε: 'e', ι: 'l', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
  γ: 'y', à: 'a', á: 'a', â: 'a', ã: 'a', ä: 'a', å: 'a', ā: 'a', ç: 'c', č: 'c', è: 'e', é: 'e',
  ê: 'e', ë: 'e', ē: 'e', ì: 'l', í: 'l', î: 'l', ï: 'l', ñ: 'n', ò: 'o', ó: 'o', ô: 'o', õ: 'o',
  ö: 'o', ø: 'o', ù: 'u', ú: 'u', û: 'u', ü: 'u', ý: 'y', ÿ: 'y', ł: 'l', ś: 's', š: 's', ş: 's',
  ź: 'z', ż: 'z', ž: 'z', ğ: 'g', '0': 'o', '1': 'l', i: 'l', '3': 'e', '5': 's', '|': 'l',
};
const MULTI_CHARACTER_CONFUSABLES: [string, string][] = [['rn', 'm'], ['vv', 'w'], ['cl', 'd']];

/** A label reduced to what it looks like: exаmp1e (Cyrillic а, digit 1) and example share one. */
export function skeleton(label: string): string {
  let result = '';
  for (const character of label) result += CONFUSABLES[character] ?? character;
  for (const [sequence, replacement] of MULTI_CHARACTER_CONFUSABLES) {
    if (result.includes(sequence)) result = result.replaceAll(sequence, replacement);
  }
  return result;
}

const MAX_LABEL = 64;
const rowTwoBack = new Int32Array(MAX_LABEL + 1);
const rowBack = new Int32Array(MAX_LABEL + 1);
const rowNow = new Int32Array(MAX_LABEL + 1);

/** Damerau-Levenshtein distance (optimal string alignment), capped: returns limit + 1 when above. */
export function editDistance(left: string, right: string, limit: number): number {
  if (Math.abs(left.length - right.length) > limit) return limit + 1;
  if (left.length > MAX_LABEL || right.length > MAX_LABEL) return limit + 1;
  let twoBack = rowTwoBack;
  let back = rowBack;
  let now = rowNow;
  for (let column = 0; column <= right.length; column++) back[column] = column;
  for (let row = 1; row <= left.length; row++) {
    now[0] = row;
    let rowMinimum = row;
    for (let column = 1; column <= right.length; column++) {
      const cost = left.charCodeAt(row - 1) === right.charCodeAt(column - 1) ? 0 : 1;
      let value = Math.min((back[column] ?? 0) + 1, (now[column - 1] ?? 0) + 1, (back[column - 1] ?? 0) + cost);
      if (
        row > 1 && column > 1 &&
        left.charCodeAt(row - 1) === right.charCodeAt(column - 2) &&
        left.charCodeAt(row - 2) === right.charCodeAt(column - 1)
      ) {
        value = Math.min(value, (twoBack[column - 2] ?? 0) + 1);
      }
      now[column] = value;
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum > limit) return limit + 1;
    [twoBack, back, now] = [back, now, twoBack];
  }
  return Math.min(back[right.length] ?? 0, limit + 1);
}

export interface Randomness {
  /** Shannon entropy of the characters, in bits per character. */
  entropy: number;
  longestConsonantRun: number;
  /** Vowels (a e i o u y) over letters. */
  vowelRatio: number;
  digits: number;
  /** Letter↔digit switches. */
  transitions: number;
  /** Share of letter pairs that are two consonants rarely seen together in words (xq, kz, fw…). */
  rareBigramRatio: number;
  /** How many of the randomness tests the label fails (0 = reads like a word). */
  signals: number;
}

const characterCounts = new Int32Array(128);

/** Consonant pairs common in English and European brand names; any other consonant pair is rare. */
const COMMON_CONSONANT_PAIRS =
  'bl br ch ck cl cr ct dr fl fr gh gl gr kn ld lf lk ll lm lp ls lt mb mm mp nc nd ng nk nn ns nt ph pl pr ' +
  'ps pt rb rc rd rf rg rk rl rm rn rp rs rt sc sh sk sl sm sn sp ss st sw th tr ts tt tw wh wn wr ws xt ff ' +
  'gg pp dd bb cc rr zz';
const isRarePair = new Uint8Array(26 * 26);
for (let first = 0; first < 26; first++) {
  for (let second = 0; second < 26; second++) {
    const pair = String.fromCharCode(97 + first, 97 + second);
    const isConsonantPair = !'aeiouy'.includes(pair[0] ?? '') && !'aeiouy'.includes(pair[1] ?? '');
    isRarePair[first * 26 + second] = (isConsonantPair && !COMMON_CONSONANT_PAIRS.includes(pair)) || (first === 16 && second !== 20) ? 1 : 0;
  }
}
const MIN_RANDOM_LABEL_LENGTH = 10;

/**
 * How machine-generated a label looks. Length-aware: below 10 characters nothing is flagged,
 * because short brand names (crwdcntrl, msftncsi) look as random as short DGA output.
 */
export function measureRandomness(label: string): Randomness {
  characterCounts.fill(0);
  let letters = 0;
  let vowels = 0;
  let digits = 0;
  let run = 0;
  let longestConsonantRun = 0;
  let transitions = 0;
  let previousIsDigit: boolean | undefined;
  let counted = 0;
  let letterPairs = 0;
  let rarePairs = 0;
  let previousLetter = -1;
  for (let index = 0; index < label.length; index++) {
    const code = label.charCodeAt(index);
    if (code >= 128 || code === 45) {
      run = 0;
      previousLetter = -1;
      continue;
    }
    characterCounts[code] = (characterCounts[code] ?? 0) + 1;
    counted++;
    const isDigit = code >= 48 && code <= 57;
    if (previousIsDigit !== undefined && previousIsDigit !== isDigit) transitions++;
    previousIsDigit = isDigit;
    if (isDigit) {
      digits++;
      run = 0;
      previousLetter = -1;
      continue;
    }
    letters++;
    if (code >= 97 && code <= 122) {
      if (previousLetter !== -1) {
        letterPairs++;
        rarePairs += isRarePair[previousLetter * 26 + (code - 97)] ?? 0;
      }
      previousLetter = code - 97;
    }
    // a e i o u y
    if (code === 97 || code === 101 || code === 105 || code === 111 || code === 117 || code === 121) {
      vowels++;
      run = 0;
    } else if (++run > longestConsonantRun) {
      longestConsonantRun = run;
    }
  }
  let entropy = 0;
  for (let code = 0; code < 128; code++) {
    const count = characterCounts[code] ?? 0;
    if (count > 0) {
      const share = count / counted;
      entropy -= share * Math.log2(share);
    }
  }
  const vowelRatio = letters === 0 ? 0 : vowels / letters;
  const rareBigramRatio = letterPairs === 0 ? 0 : rarePairs / letterPairs;
  let signals = 0;
  if (counted >= MIN_RANDOM_LABEL_LENGTH) {
    if (longestConsonantRun >= 5) signals++;
    if (vowelRatio < 0.2 && letters >= 6) signals++;
    if (entropy >= 3.5) signals++;
    if (digits >= 3 && transitions >= 4) signals++;
    if (rareBigramRatio >= 0.45 && letterPairs >= 6) signals++;
  }
  return { entropy, longestConsonantRun, vowelRatio, digits, transitions, rareBigramRatio, signals };
}

const OBFUSCATED_IP_HOST = /^(?:0x[0-9a-f]+|\d+)(?:\.(?:0x[0-9a-f]+|\d+)){0,3}$/;
const DOCUMENT_EXTENSIONS = new Set(['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'jpg', 'jpeg', 'png', 'gif', 'rtf', 'csv', 'zip']);

interface OrganizationDomain {
  registrable: string;
  label: string;
  suffix: string;
  skeleton: string;
  /** `.example.com`: a host ending in it belongs to the organisation. */
  dottedRegistrable: string;
  /** `.example.com.` and `-example-com`-style spellings of the domain inside another host's subdomain. */
  boundedRegistrable: string;
  hyphenatedRegistrable: string;
}

/**
 * Offline domain, URL and email-domain analysis: look-alikes of the organisation's domains,
 * machine-generated labels, raw-IP and disguised URLs, risky download types, deep subdomains.
 * Nothing is ever fetched or resolved.
 */
export function createDomainUrlEnricher(
  options: DomainUrlOptionsInput = {},
  _environment: { baseDir?: string } = {},
): EnricherV1 {
  const parsed = DomainUrlOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error).map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    throw new ConfigError(`enrichers.domain-url options are invalid: ${issues}`);
  }
  const settings = parsed.data;
  const riskyExtensions = new Set(settings.riskyExtensions.map((extension) => extension.replace(/^\./, '').toLowerCase()));
  const organizations: OrganizationDomain[] = [];
  for (const domain of settings.organizationDomains) {
    const parts = splitDomain(domain.toLowerCase());
    if (!parts || organizations.some((known) => known.registrable === parts.registrable)) continue;
    organizations.push({
      ...parts,
      skeleton: skeleton(parts.label),
      dottedRegistrable: `.${parts.registrable}`,
      boundedRegistrable: `.${parts.registrable}.`,
      hyphenatedRegistrable: parts.registrable.replaceAll('.', '-'),
    });
  }

  function isOwnDomain(host: string): boolean {
    for (const organization of organizations) {
      if (host === organization.registrable || host.endsWith(organization.dottedRegistrable)) return true;
    }
    return false;
  }

  function lookAlike(host: string, parts: DomainParts, ref: string): Finding | undefined {
    const unicodeLabel = parts.label.startsWith('xn--') ? domainToUnicode(parts.registrable).split('.')[0] || parts.label : parts.label;
    const labelSkeleton = skeleton(unicodeLabel);
    const shown = unicodeLabel === parts.label ? parts.registrable : `${parts.registrable} (${unicodeLabel})`;
    // `.login.example.com.` for host login.example.com.evil.net: the part in front of the registrable domain.
    const subdomain = parts.subdomainDepth > 0 ? `.${host.slice(0, host.length - parts.registrable.length)}` : '';
    let best: Finding | undefined;
    const consider = (weight: number, claim: string): void => {
      if (!best || weight > best.weight) {
        best = { kind: 'domain', claim, weight, refs: [ref], attack: ['T1583.001'] };
      }
    };
    for (const organization of organizations) {
      const target = organization.registrable;
      if (labelSkeleton === organization.skeleton && unicodeLabel !== organization.label) {
        consider(WEIGHT.homoglyph, `${shown} looks like ${target}: its label renders the same once look-alike characters are mapped (skeleton "${labelSkeleton}").`);
      } else if (unicodeLabel === organization.label && !parts.isHostingSuffix && parts.suffix !== organization.suffix) {
        consider(WEIGHT.suffixSwap, `${shown} copies the label of ${target} under another suffix (.${parts.suffix}).`);
      }
      const length = organization.label.length;
      const limit = length >= 8 ? 2 : length >= 5 ? 1 : 0;
      if (limit > 0 && unicodeLabel !== organization.label) {
        const distance = editDistance(unicodeLabel, organization.label, limit);
        if (distance <= limit) {
          consider(distance === 1 ? WEIGHT.editDistance1 : WEIGHT.editDistance2, `${shown} is ${distance} edit${distance === 1 ? '' : 's'} away from ${target} (Damerau-Levenshtein distance ${distance}).`);
        }
      }
      if (parts.isHostingSuffix) continue;
      const at = unicodeLabel.indexOf(organization.label);
      if (at !== -1 && unicodeLabel !== organization.label && length >= 4) {
        const before = unicodeLabel.charCodeAt(at - 1);
        const after = unicodeLabel.charCodeAt(at + length);
        if (before === 45 || after === 45 || length >= 6) {
          consider(WEIGHT.orgNameInLabel, `${shown} embeds the organisation name "${organization.label}" in a different domain.`);
        }
      }
      // Only the whole domain counts: a tenant named after the organisation (example.zendesk.com) is normal.
      if (subdomain !== '' && (subdomain.includes(organization.boundedRegistrable) || subdomain.includes(organization.hyphenatedRegistrable))) {
        consider(WEIGHT.orgDomainInSubdomain, `${host} puts the organisation's domain ${target} in front of the unrelated domain ${parts.registrable}.`);
      }
    }
    return best;
  }

  function analyseHost(host: string, ref: string, findings: Finding[]): void {
    if (host.length === 0 || parseIp(host) || isOwnDomain(host)) return;
    const parts = splitDomain(host);
    if (!parts) return;
    if (organizations.length > 0) {
      const finding = lookAlike(host, parts, ref);
      if (finding) findings.push(finding);
    }
    const label = parts.label;
    if (!parts.isHostingSuffix && !label.startsWith('xn--')) {
      const measured = measureRandomness(label);
      if (measured.signals >= 2) {
        findings.push({
          kind: 'domain',
          claim: `${parts.registrable} looks machine-generated (DGA-like): entropy ${measured.entropy.toFixed(2)} bits/char, longest consonant run ${measured.longestConsonantRun}, vowel ratio ${measured.vowelRatio.toFixed(2)}, ${label.length} characters.`,
          weight: measured.signals >= 3 ? WEIGHT.strongRandomLabel : WEIGHT.randomLabel,
          refs: [ref],
          attack: ['T1568.002'],
        });
      }
    }
    if (parts.subdomainDepth > settings.maxSubdomainDepth) {
      findings.push({
        kind: 'domain',
        claim: `${host} has ${parts.subdomainDepth} subdomain levels above ${parts.registrable} (more than ${settings.maxSubdomainDepth}).`,
        weight: WEIGHT.deepSubdomain,
        refs: [ref],
      });
    }
  }

  function analyseUrl(url: string, host: string, ref: string, findings: Finding[]): void {
    const schemeEnd = url.indexOf('://');
    const authorityStart = schemeEnd === -1 ? 0 : schemeEnd + 3;
    let pathStart = url.length;
    for (let index = authorityStart; index < url.length; index++) {
      const code = url.charCodeAt(index);
      if (code === 47 || code === 63 || code === 35 || code === 92) {
        pathStart = index;
        break;
      }
    }
    if (url.lastIndexOf('@', pathStart - 1) >= authorityStart) {
      findings.push({ kind: 'url', claim: `${url} puts user info before the host (${host}), a way to disguise the real destination.`, weight: WEIGHT.userInfo, refs: [ref] });
    }
    const code = host.charCodeAt(0);
    if ((code >= 48 && code <= 57) || host.includes(':')) {
      const address = parseIp(host);
      if (address) {
        const special = classifyIp(address);
        findings.push({
          kind: 'url',
          claim: special
            ? `${url} uses a raw IP address as host (${host}, ${special.name}).`
            : `${url} uses a raw public IP address as host (${host}) instead of a domain name.`,
          weight: special ? 0 : WEIGHT.rawPublicIp,
          refs: [ref],
        });
      } else if (OBFUSCATED_IP_HOST.test(host)) {
        findings.push({ kind: 'url', claim: `${url} writes its IP address host in decimal, hex or octal form (${host}) to hide it.`, weight: WEIGHT.obfuscatedIp, refs: [ref] });
      }
    }
    let pathEnd = url.length;
    for (let index = pathStart; index < url.length; index++) {
      const code = url.charCodeAt(index);
      if (code === 63 || code === 35) {
        pathEnd = index;
        break;
      }
    }
    const segmentStart = url.lastIndexOf('/', pathEnd - 1) + 1;
    if (segmentStart <= pathStart) return;
    const dot = url.lastIndexOf('.', pathEnd - 1);
    if (dot < segmentStart) return;
    const extension = url.slice(dot + 1, pathEnd).toLowerCase();
    if (!riskyExtensions.has(extension)) return;
    const innerDot = url.lastIndexOf('.', dot - 1);
    const inner = innerDot >= segmentStart ? url.slice(innerDot + 1, dot).toLowerCase() : '';
    const fileName = url.slice(segmentStart, pathEnd);
    findings.push(
      DOCUMENT_EXTENSIONS.has(inner)
        ? { kind: 'url', claim: `${url} serves "${fileName}": a .${extension} file disguised with a .${inner} double extension.`, weight: WEIGHT.doubleExtension, refs: [ref], attack: ['T1036.007'] }
        : { kind: 'url', claim: `${url} serves "${fileName}", a risky .${extension} file type.`, weight: WEIGHT.riskyExtension, refs: [ref] },
    );
  }

  return {
    id: 'domain-url',
    description: 'Domains, URLs and email domains: look-alikes of organisation domains, DGA-like labels, raw-IP and disguised URLs, risky file types, deep subdomains.',
    enrich(alert: Alert): Finding[] {
      const entities = alert.entities;
      let findings: Finding[] | undefined;
      let hostsSeen: string[] | undefined;
      for (let index = 0; index < entities.length; index++) {
        const entity = entities[index];
        if (!entity) continue;
        const kind = entity.kind;
        if (kind !== 'domain' && kind !== 'url' && kind !== 'email') continue;
        if (isRepeatedEntity(entities, index)) continue;
        const value = entity.value.trim();
        let host: string;
        if (kind === 'url') host = urlHost(value);
        else if (kind === 'email') host = value.slice(value.lastIndexOf('@') + 1).toLowerCase();
        else host = (value.endsWith('.') ? value.slice(0, -1) : value).toLowerCase();
        const ref = `entities[${index}].value`;
        findings ??= [];
        if (kind === 'url') analyseUrl(value, host, ref, findings);
        hostsSeen ??= [];
        if (!hostsSeen.includes(host)) {
          hostsSeen.push(host);
          analyseHost(host, ref, findings);
        }
      }
      return findings ?? [];
    },
  };
}

/** True when an earlier entity has the same kind and value (so a fact is reported once). */
export function isRepeatedEntity(entities: Alert['entities'], index: number): boolean {
  const entity = entities[index];
  for (let earlier = 0; earlier < index; earlier++) {
    const other = entities[earlier];
    if (other && entity && other.kind === entity.kind && other.value === entity.value) return true;
  }
  return false;
}
