import { z } from 'zod';
import type { Alert } from '../../spec/alert.js';
import { isRepeatedEntity, type EnrichContext, type EnricherV1, type Finding } from '../enricher.js';
import { parseEnricherOptions } from '../enricher-options.js';
import { loadIntelIndex, type IntelMatch } from './threat-intel-index.js';
import type { IntelFileReport } from './threat-intel-indicator.js';
import { entityRef } from '../field-path.js';

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

export type ThreatIntelEnricher = EnricherV1 & { readonly files: readonly IntelFileReport[] };

/**
 * Matches alert entities against local threat-intel files (STIX 2.1 bundles, MISP feed events,
 * CSV lists) loaded once at creation. A domain also matches its parent domains; URL and email
 * hosts are checked as domains (or addresses). Stream time decides whether an indicator is valid.
 */
export function createThreatIntelEnricher(options: ThreatIntelOptionsInput, environment: { baseDir: string }): ThreatIntelEnricher {
  const settings = parseEnricherOptions('threat-intel', ThreatIntelOptionsSchema, options);
  const intel = loadIntelIndex(settings.files, environment.baseDir);

  function toFinding(entity: Alert['entities'][number], ref: string, match: IntelMatch): Finding {
    const { indicator } = match;
    const weight = indicator.isBenign ? 0 : Math.round(settings.maxWeight * indicator.confidence) / 100;
    const name = indicator.label === '' ? '' : ` "${indicator.label}"`;
    const via = match.via === '' ? '' : ` via ${match.via}`;
    const benign = indicator.isBenign ? '; the indicator is typed benign, so it is context only' : '';
    const sources = new Set([indicator.source, ...match.others.map((other) => other.source)]);
    const others =
      match.others.length === 0
        ? ''
        : `; also ${match.others.length} more: ${match.others
            .slice(0, 5)
            .map((other) => `${other.value} (${other.source} ${other.location})`)
            .join(', ')}`;
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
    files: intel.reports,
    enrich(alert: Alert, context: EnrichContext): Finding[] {
      if (intel.isEmpty) return [];
      const entities = alert.entities;
      const timeMs = context.timeMs;
      let findings: Finding[] | undefined;
      for (let index = 0; index < entities.length; index++) {
        const entity = entities[index];
        if (!entity) continue;
        const kind = entity.kind;
        if (kind !== 'ip' && kind !== 'domain' && kind !== 'url' && kind !== 'hash' && kind !== 'email') continue;
        if (isRepeatedEntity(entities, index)) continue;
        const match = intel.matchEntity(kind, entity.value.trim(), timeMs);
        if (match) (findings ??= []).push(toFinding(entity, entityRef(index), match));
      }
      return findings ?? [];
    },
  };
}
