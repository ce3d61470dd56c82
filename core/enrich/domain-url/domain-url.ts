import { domainToUnicode } from 'node:url';
import { z } from 'zod';
import type { Alert } from '../../spec/alert.js';
import { authorityEnd, authorityStart, editDistance, skeleton, splitDomain, urlHost, type DomainParts } from './domain-name.js';
import { measureRandomness } from './domain-randomness.js';
import { isRepeatedEntity, type EnricherV1, type Finding } from '../enricher.js';
import { parseEnricherOptions } from '../enricher-options.js';
import { parseIp } from '../network/ip-address.js';
import { classifyIp } from '../network/ip-special-ranges.js';
import { entityRef } from '../field-path.js';

/** File types that run code or carry macros when opened; a link straight to one is a delivery hint. */
export const DEFAULT_RISKY_EXTENSIONS = [
  'exe',
  'scr',
  'com',
  'pif',
  'cpl',
  'js',
  'jse',
  'vbs',
  'vbe',
  'wsf',
  'hta',
  'iso',
  'img',
  'vhd',
  'vhdx',
  'lnk',
  'ps1',
  'bat',
  'cmd',
  'dll',
  'msi',
  'msix',
  'appx',
  'jar',
  'docm',
  'xlsm',
  'pptm',
  'xlam',
  'one',
  'chm',
  'reg',
  'apk',
  'dmg',
  'pkg',
  'sh',
  'svg',
  'url',
  'library-ms',
  'search-ms',
];

const domainName = z.string().regex(/^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$/i, 'write a domain name such as example.com');

export const DomainUrlOptionsSchema = z.strictObject({
  /** Registrable domains the organisation owns; look-alikes of these are flagged. */
  organizationDomains: z.array(domainName).default([]),
  /** File extensions (without the dot) that make a URL path risky. */
  riskyExtensions: z.array(z.string().regex(/^\.?[a-z0-9-]{1,12}$/i, 'write an extension such as exe or .exe')).default(DEFAULT_RISKY_EXTENSIONS),
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
export function createDomainUrlEnricher(options: DomainUrlOptionsInput = {}, _environment: { baseDir?: string } = {}): EnricherV1 {
  const settings = parseEnricherOptions('domain-url', DomainUrlOptionsSchema, options);
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
          consider(
            distance === 1 ? WEIGHT.editDistance1 : WEIGHT.editDistance2,
            `${shown} is ${distance} edit${distance === 1 ? '' : 's'} away from ${target} (Damerau-Levenshtein distance ${distance}).`,
          );
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
    const hostStart = authorityStart(url);
    const pathStart = authorityEnd(url, hostStart);
    if (url.lastIndexOf('@', pathStart - 1) >= hostStart) {
      findings.push({ kind: 'url', claim: `${url} puts user info before the host (${host}), a way to disguise the real destination.`, weight: WEIGHT.userInfo, refs: [ref] });
    }
    const code = host.charCodeAt(0);
    if ((code >= 48 && code <= 57) || host.includes(':')) {
      const address = parseIp(host);
      if (address) {
        const special = classifyIp(address);
        findings.push({
          kind: 'url',
          claim: special ? `${url} uses a raw IP address as host (${host}, ${special.name}).` : `${url} uses a raw public IP address as host (${host}) instead of a domain name.`,
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
        const ref = entityRef(index);
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
