import path from 'node:path';
import { ConfigError } from '../../spec/errors.js';
import { CidrTable, type CidrMatch } from '../network/cidr-table.js';
import { urlHost } from '../domain-url/domain-name.js';
import { parseCidr, parseIpv4 } from '../network/ip-address.js';
import { loadCsv } from './threat-intel-csv.js';
import { readJson, readText, type LoadingFile } from './threat-intel-file.js';
import { IntelFormatError, urlKey, type Indicator, type IndicatorKind, type IntelFileReport } from './threat-intel-indicator.js';
import { loadMisp } from './threat-intel-misp.js';
import { loadStix } from './threat-intel-stix.js';
import type { ThreatIntelOptions } from './threat-intel.js';

const FIXES: Record<'stix' | 'misp' | 'csv', string> = {
  stix: 'fix the file or export it again as a STIX 2.1 bundle',
  misp: 'fix the file or export the event again in MISP feed format',
  csv: 'fix the line; the format is a header type,value[,description][,confidence] and types ip, cidr, domain, url, hash, email',
};

/** The strongest indicator valid at the alert's time, with how the entity reached it. */
export interface IntelMatch {
  indicator: Indicator;
  via: string;
  others: Indicator[];
}

/** Every configured intel file, loaded once and keyed for look-ups that allocate little. */
export interface IntelIndex {
  readonly reports: readonly IntelFileReport[];
  readonly isEmpty: boolean;
  /** The best indicator an entity's trimmed value reaches at `timeMs`: itself, its host or a parent domain. */
  matchEntity(kind: IndicatorKind, value: string, timeMs: number): IntelMatch | undefined;
}

/** Loads the files (relative paths start at `baseDir`); a bad file is a ConfigError naming it and the fix. */
export function loadIntelIndex(files: ThreatIntelOptions['files'], baseDir: string): IntelIndex {
  const addresses: CidrMatch<Indicator>[] = [];
  const byValue: Record<Exclude<IndicatorKind, 'ip'>, Map<string, Indicator[]>> = {
    domain: new Map(),
    url: new Map(),
    hash: new Map(),
    email: new Map(),
  };
  const reports: IntelFileReport[] = [];

  for (const [index, entry] of files.entries()) {
    const source = entry.name ?? entry.path;
    const report: IntelFileReport = { source, format: entry.format, indicators: 0, skipped: {} };
    const absolutePath = path.resolve(baseDir, entry.path);
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
      if (!IntelFormatError.isInstance(error)) throw error;
      throw new ConfigError(
        `threat-intel file ${entry.path} (enrichers.threat-intel.files[${index}], format ${entry.format}): ${error.message}. To fix: ${FIXES[entry.format]}, or correct path/format (relative paths start at ${baseDir}).`,
        { cause: error },
      );
    }
    reports.push(report);
  }
  const addressTable = new CidrTable(addresses);
  const hasDomains = byValue.domain.size > 0;
  const hasUrls = byValue.url.size > 0;
  const isEmpty = addresses.length === 0 && !hasDomains && !hasUrls && byValue.hash.size === 0 && byValue.email.size === 0;

  function consider(best: IntelMatch | undefined, indicators: readonly Indicator[], via: () => string, timeMs: number): IntelMatch | undefined {
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
  function matchHost(host: string, timeMs: number, best: IntelMatch | undefined, through: string): IntelMatch | undefined {
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

  return {
    reports,
    isEmpty,
    matchEntity(kind, value, timeMs) {
      if (kind === 'ip') return matchHost(value, timeMs, undefined, '');
      if (kind === 'hash') {
        const indicators = byValue.hash.get(value.toLowerCase());
        return indicators ? consider(undefined, indicators, () => '', timeMs) : undefined;
      }
      if (kind === 'domain') {
        const host = value.toLowerCase();
        return matchHost(host.endsWith('.') ? host.slice(0, -1) : host, timeMs, undefined, '');
      }
      let match: IntelMatch | undefined;
      if (kind === 'url') {
        const key = hasUrls ? urlKey(value) : undefined;
        const indicators = key === undefined ? undefined : byValue.url.get(key);
        if (indicators) match = consider(undefined, indicators, () => '', timeMs);
        return matchHost(urlHost(value), timeMs, match, 'host');
      }
      const email = value.toLowerCase();
      const indicators = byValue.email.get(email);
      if (indicators) match = consider(undefined, indicators, () => '', timeMs);
      return matchHost(email.slice(email.lastIndexOf('@') + 1), timeMs, match, 'domain');
    },
  };
}

/** Malicious before benign, then higher confidence. */
function rank(indicator: Indicator): number {
  return (indicator.isBenign ? 0 : 1000) + indicator.confidence;
}
