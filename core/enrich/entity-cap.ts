import type { EnricherV1 } from './enricher.js';

/** Entities analysed per alert unless `limits.maxEntitiesPerAlert` says otherwise. */
export const DEFAULT_MAX_ENTITIES_PER_ALERT = 1000;

/**
 * Set by the normalizer (never taken from input) when it cut an alert's entity list: the count
 * the alert had. Enrichers then see at most the cap, so no alert can make triage slow.
 */
export const ENTITIES_TRUNCATED_FIELD = 'verdict.entities_truncated';

/** Says, as evidence an analyst reads, that the alert had more entities than were analysed. */
export function createEntityCapEnricher(): EnricherV1 {
  return {
    id: 'entity-cap',
    description: 'Says when an alert listed more entities than Verdict analyses (limits.maxEntitiesPerAlert)',
    enrich(alert) {
      const total = alert.fields[ENTITIES_TRUNCATED_FIELD];
      if (total === undefined) return [];
      return [
        {
          kind: 'limits',
          claim: `The alert listed ${total} entities; only the first ${alert.entities.length} were analysed (limits.maxEntitiesPerAlert), so evidence about the rest is missing.`,
          weight: 0,
          refs: ['entities'],
        },
      ];
    },
  };
}
