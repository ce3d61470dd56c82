import { parse as parseDomain } from 'tldts';

/**
 * Domain names and URL hosts as the enrichers read them: registrable domain and suffix, the host
 * of a URL, what a label looks like (homoglyph skeleton) and how far apart two labels are. Pure
 * and offline: nothing is ever resolved. The one implementation of registrable domains (tldts).
 */

/**
 * Platform suffixes whose customers get machine-assigned or tenant names (CDNs, clouds, SaaS).
 * Labels under them are not judged for randomness, and a tenant named after the organisation
 * (example.sharepoint.com) is not a look-alike. The Public Suffix List's private section covers
 * many (github.io, blogspot.com, s3.amazonaws.com); these are the SaaS tenants it leaves out. PSL
 * private entries that are registries (com.ru, co.com) are ordinary suffixes, not hosting.
 */
const HOSTING_SUFFIXES = new Set(
  (
    'github.io gitlab.io herokuapp.com azurewebsites.net cloudapp.net azureedge.net blob.core.windows.net ' +
    'web.core.windows.net trafficmanager.net cloudfront.net s3.amazonaws.com amazonaws.com ' +
    'elasticbeanstalk.com appspot.com firebaseapp.com web.app blogspot.com netlify.app vercel.app ' +
    'pages.dev workers.dev r2.dev ngrok.io ngrok-free.app glitch.me onrender.com fly.dev duckdns.org ' +
    'akamaihd.net akamaized.net edgekey.net edgesuite.net akamaiedge.net fastly.net cdn.cloudflare.net ' +
    'googleusercontent.com sharepoint.com myshopify.com wixsite.com wordpress.com ' +
    'mail.protection.outlook.com okta.com my.salesforce.com'
  ).split(' '),
);

export interface DomainParts {
  /** The registrable domain (example.co.uk, paypa1.com.ru). */
  registrable: string;
  /** Its leftmost label (example). */
  label: string;
  /** What follows the label (co.uk), including hosting suffixes (github.io). */
  suffix: string;
  isHostingSuffix: boolean;
  /** Labels left of the registrable domain. */
  subdomainDepth: number;
}

/**
 * Splits a lower-case host into registrable domain and suffix with the Public Suffix List (tldts,
 * ICANN and private sections); undefined for a single label, a bare suffix or an IP address.
 */
export function splitDomain(host: string): DomainParts | undefined {
  const parsed = parseDomain(host, { allowPrivateDomains: true, validateHostname: false });
  if (parsed.isIp || !parsed.domain || !parsed.publicSuffix) return undefined;
  let suffix = parsed.publicSuffix;
  // A SaaS tenant suffix the list leaves out (tenant.okta.com): the tenant label is the registrable one.
  for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
    const candidate = host.slice(dot + 1);
    if (candidate.length <= suffix.length) break;
    if (HOSTING_SUFFIXES.has(candidate)) {
      suffix = candidate;
      break;
    }
  }
  const labelEnd = host.length - suffix.length - 1;
  if (labelEnd <= 0) return undefined;
  const labelStart = host.lastIndexOf('.', labelEnd - 1) + 1;
  let depth = 0;
  for (let index = labelStart - 1; index > 0; index = host.lastIndexOf('.', index - 1)) depth++;
  return {
    registrable: host.slice(labelStart),
    label: host.slice(labelStart, labelEnd),
    suffix,
    isHostingSuffix: HOSTING_SUFFIXES.has(suffix),
    subdomainDepth: depth,
  };
}

/** The registrable domain of a host (public-suffix aware), or the host itself when it has none. */
export function registrableDomain(host: string): string {
  return splitDomain(host.toLowerCase())?.registrable ?? host.toLowerCase();
}

/** Where a URL's authority (user info, host, port) starts: after `://`, or at 0 without a scheme. */
export function authorityStart(url: string): number {
  const scheme = url.indexOf('://');
  return scheme === -1 ? 0 : scheme + 3;
}

/** Where the authority ends: the first `/`, `?`, `#` or `\` from `start` (browsers read `\` as `/`), else the end. */
export function authorityEnd(url: string, start: number): number {
  for (let index = start; index < url.length; index++) {
    const code = url.charCodeAt(index);
    if (code === 47 || code === 63 || code === 35 || code === 92) return index;
  }
  return url.length;
}

/** Host of a URL (lower case, no user info, port or brackets); '' when there is none. */
export function urlHost(url: string): string {
  let start = authorityStart(url);
  let end = authorityEnd(url, start);
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
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  һ: 'h',
  і: 'l',
  ї: 'l',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  ү: 'y',
  х: 'x',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  ɑ: 'a',
  ı: 'l',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'l',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  γ: 'y',
  à: 'a',
  á: 'a',
  â: 'a',
  ã: 'a',
  ä: 'a',
  å: 'a',
  ā: 'a',
  ç: 'c',
  č: 'c',
  è: 'e',
  é: 'e',
  ê: 'e',
  ë: 'e',
  ē: 'e',
  ì: 'l',
  í: 'l',
  î: 'l',
  ï: 'l',
  ñ: 'n',
  ò: 'o',
  ó: 'o',
  ô: 'o',
  õ: 'o',
  ö: 'o',
  ø: 'o',
  ù: 'u',
  ú: 'u',
  û: 'u',
  ü: 'u',
  ý: 'y',
  ÿ: 'y',
  ł: 'l',
  ś: 's',
  š: 's',
  ş: 's',
  ź: 'z',
  ż: 'z',
  ž: 'z',
  ğ: 'g',
  '0': 'o',
  '1': 'l',
  i: 'l',
  '3': 'e',
  '5': 's',
  '|': 'l',
};
const MULTI_CHARACTER_CONFUSABLES: [string, string][] = [
  ['rn', 'm'],
  ['vv', 'w'],
  ['cl', 'd'],
];

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
      if (row > 1 && column > 1 && left.charCodeAt(row - 1) === right.charCodeAt(column - 2) && left.charCodeAt(row - 2) === right.charCodeAt(column - 1)) {
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
