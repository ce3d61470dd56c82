import type { Alert } from '../spec/alert.js';
import { ALERT_TAXONOMY, type TaxonomyEntry } from './alert-taxonomy.js';
import type { EnricherV1, Finding } from './enricher.js';

/**
 * Reads the alert title and rule name against general vendor taxonomies (signature categories,
 * decoder events, anomaly detectors, attack vocabulary). Results are cached per rule name: the
 * title of a rule rarely changes, and this runs on every alert.
 */
export function createAlertKnowledgeEnricher(taxonomy: readonly TaxonomyEntry[] = ALERT_TAXONOMY): EnricherV1 {
  const cache = new Map<string, TaxonomyEntry[]>();

  function matchesFor(alert: Alert): TaxonomyEntry[] {
    const key = `${alert.ruleName}\u0000${alert.title}`;
    let matches = cache.get(key);
    if (matches === undefined) {
      const texts = [...new Set([normalizeTitle(alert.title), normalizeTitle(alert.ruleName)])];
      matches = taxonomy.filter((entry) => texts.some((text) => entry.pattern.test(text)));
      if (cache.size > 10_000) cache.clear();
      cache.set(key, matches);
    }
    return matches;
  }

  return {
    id: 'knowledge',
    description: 'What the alert title means in vendor taxonomies (signature categories, decoder events, anomaly detectors) and attack vocabulary.',
    enrich(alert: Alert): Finding[] {
      const matches = matchesFor(alert);
      if (matches.length === 0) return [];
      return matches.map((entry) => ({
        kind: 'knowledge',
        claim: `The title reads as ${entry.claim}.`,
        weight: entry.weight,
        refs: ['title', `taxonomy:${entry.id}`],
        ...(entry.benignReason ? { benignReason: entry.benignReason } : {}),
        ...(entry.attack ? { attack: entry.attack } : {}),
      }));
    },
  };
}

/** Lower-case, drop the detector prefix ("Wazuh: ", "Suricata: Alert - ") and punctuation runs. */
export function normalizeTitle(title: string): string {
  return title
    .toLowerCase()
    .replace(/^[a-z][\w .-]{0,30}?:\s*(?:alert\s*-\s*)?/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
