import titleData from '../../data/knowledge/title-techniques.json' with { type: 'json' };
import type { Alert } from '../../spec/alert.js';
import { ALERT_TAXONOMY, isAnomalyProduct, type TaxonomyEntry } from './alert-taxonomy.js';
import { lookupTechnique } from '../attack-catalog.js';
import type { EnricherV1, Finding } from '../enricher.js';
import { inferTitleTechniques, type TitleModel } from './title-techniques.js';
import { withRenumbered } from './technique-inference.js';

const TITLE_MODEL = titleData as TitleModel;

/**
 * Reads the alert title and rule name against general vendor taxonomies (signature categories,
 * decoder events, anomaly detectors, attack vocabulary), and infers ATT&CK techniques from the
 * words public rule sets use for them. Results are cached per rule name and product: the title of
 * a rule rarely changes, and this runs on every alert.
 */
export function createAlertKnowledgeEnricher(taxonomy: readonly TaxonomyEntry[] = ALERT_TAXONOMY, titleModel: TitleModel = TITLE_MODEL): EnricherV1 {
  const cache = new Map<string, Finding[]>();

  function findingsFor(alert: Alert): Finding[] {
    const key = `${alert.ruleName}\u0000${alert.title}\u0000${alert.source.product ?? ''}\u0000${alert.description ?? ''}`;
    let findings = cache.get(key);
    if (findings === undefined) {
      const texts = [...new Set([normalizeTitle(alert.title), normalizeTitle(alert.ruleName)])];
      const isAnomaly = isAnomalyProduct(alert.source.product);
      findings = taxonomy
        .filter((entry) => (!entry.requiresAnomalyProduct || isAnomaly) && texts.some((text) => entry.pattern.test(text)))
        .map((entry) => ({
          kind: 'knowledge',
          claim: `The title reads as ${entry.claim}.`,
          weight: entry.weight,
          refs: ['title', `taxonomy:${entry.id}`],
          ...(entry.benignReason ? { benignReason: entry.benignReason } : {}),
          ...(entry.attack ? { attack: entry.attack } : {}),
        }));
      findings.push(...titleTechniques(alert));
      if (cache.size > 10_000) cache.clear();
      cache.set(key, findings);
    }
    return findings;
  }

  /**
   * Context only (weight 0): the title and rule description are text the alert's source controls,
   * so they name techniques but never move the verdict. The description adds its single best reading.
   */
  function titleTechniques(alert: Alert): Finding[] {
    const title = alert.title === alert.ruleName ? alert.title : `${alert.title} ${alert.ruleName}`;
    const readings = [
      ...inferTitleTechniques(titleModel, normalizeTitle(title)).map((technique) => ({ technique, field: 'title', words: 'titles' })),
      ...(alert.description ? inferTitleTechniques(titleModel, alert.description.toLowerCase(), 1).map((technique) => ({ technique, field: 'description', words: 'names' })) : []),
    ];
    const seen = new Set<string>();
    return readings
      .filter(({ technique }) => !seen.has(technique.id) && seen.add(technique.id))
      .map(({ technique, field, words }) => ({
        kind: 'knowledge',
        claim:
          `Public detection rules with ${words} like this ${field === 'title' ? 'title' : 'rule description'} (${technique.features
            .slice(0, 3)
            .map((feature) => `"${feature}"`)
            .join(', ')}) are tagged ${technique.id} ${lookupTechnique(technique.id)?.name ?? ''}`.trimEnd() + ` (vote share ${technique.confidence}).`,
        weight: 0,
        refs: [field, 'knowledge:title-techniques'],
        attack: withRenumbered(technique.id, true),
      }));
  }

  return {
    id: 'knowledge',
    description:
      'What the alert title means in vendor taxonomies (signature categories, decoder events, anomaly detectors) and attack vocabulary, and which ATT&CK techniques public rule sets name that way.',
    enrich(alert: Alert): Finding[] {
      return findingsFor(alert).map((finding) => ({ ...finding }));
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
