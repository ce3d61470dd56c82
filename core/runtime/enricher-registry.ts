import { ConfigError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';
import type { VerdictConfig } from '../config/config-schema.js';
import type { EnricherV1 } from '../enrich/enricher.js';
import { createAlertKnowledgeEnricher } from '../enrich/knowledge/alert-knowledge.js';
import { createContextEnricher } from '../enrich/context.js';
import { createEntityCapEnricher } from '../enrich/entity-cap.js';
import { createMemoryEnricher, type MemoryIndex } from '../enrich/memory.js';
import { createSuppressionEnricher } from '../enrich/suppression/suppression.js';
import { createInjectionEnricher } from '../reason/injection.js';
import { priorFor } from '../pipeline/decide.js';
import { CONFIGURABLE_ENRICHERS as CONFIGURABLE } from './configurable-enrichers.js';

export interface EnricherBuildContext {
  config: VerdictConfig;
  baseDir: string;
  memory: MemoryIndex;
}

export interface BuiltEnrichers {
  enrichers: EnricherV1[];
  suppression: ReturnType<typeof createSuppressionEnricher>;
}

/**
 * Builds the enricher chain from config. Stateful stream enrichers (memory, then context) come
 * last so their evidence reads after the facts about the alert itself.
 */
export function buildEnrichers(context: EnricherBuildContext): BuiltEnrichers {
  const { config, baseDir, memory } = context;
  const disabled = new Set(config.disabledEnrichers);
  const enrichers: EnricherV1[] = [];
  const known = new Set(['knowledge', 'prompt-injection', 'entity-cap', 'context', 'memory', 'suppression', ...CONFIGURABLE.map((entry) => entry.id)]);
  for (const id of [...disabled, ...Object.keys(config.enrichers)]) {
    if (!known.has(id)) {
      throw new ConfigError(`unknown enricher "${id}" in the config: use one of ${[...known].join(', ')}`);
    }
  }
  if (!disabled.has('entity-cap')) enrichers.push(createEntityCapEnricher());
  if (!disabled.has('knowledge')) enrichers.push(createAlertKnowledgeEnricher());
  // Alert text that addresses an automated triage system is itself suspicious, model or not.
  if (!disabled.has('prompt-injection')) enrichers.push(createInjectionEnricher());
  for (const entry of CONFIGURABLE) {
    if (disabled.has(entry.id)) continue;
    const parsed = entry.schema.safeParse(config.enrichers[entry.id] ?? {});
    if (!parsed.success) {
      const issues = toFieldIssues(parsed.error).map((issue) => `enrichers.${entry.id}.${issue.path}: ${issue.message}`);
      throw new ConfigError(`invalid options for enricher ${entry.id}: ${issues.join('; ')}`);
    }
    enrichers.push(entry.create(parsed.data, baseDir));
  }
  const suppression = createSuppressionEnricher();
  if (!disabled.has('suppression')) enrichers.push(suppression);
  if (!disabled.has('memory')) {
    enrichers.push(
      createMemoryEnricher({
        memory,
        priorStrength: config.memory.priorStrength,
        priorFor: (alert) => priorFor(alert, config.decide),
      }),
    );
  }
  // Context runs last: it reads the evidence before it (to judge history during an incident).
  if (!disabled.has('context')) enrichers.push(createContextEnricher(config.context));
  return { enrichers, suppression };
}
