import { readStrings } from '../../core/normalize/finalize.js';

/**
 * Log-source categories (the Sigma taxonomy the core uses: `process_creation`, `registry_delete`,
 * `image_load`, …) as ECS `event.category` + `event.type` (allowed values from
 * specs/elastic/ecs/ecs_flat.yml), in both directions. One table: the eval's Kibana rendering
 * writes with it, the normalizer reads with it.
 */
export const ECS_EVENT_BY_LOG_CATEGORY: Readonly<Record<string, { category: string; type: string }>> = {
  process_creation: { category: 'process', type: 'start' },
  registry_add: { category: 'registry', type: 'creation' },
  registry_set: { category: 'registry', type: 'change' },
  registry_delete: { category: 'registry', type: 'deletion' },
  registry_event: { category: 'registry', type: 'info' },
  file_event: { category: 'file', type: 'creation' },
  file_change: { category: 'file', type: 'change' },
  file_delete: { category: 'file', type: 'deletion' },
  image_load: { category: 'library', type: 'start' },
  network_connection: { category: 'network', type: 'connection' },
};

/** The log-source category of an alert from its ECS event.category / event.type, if one fits. */
export function logCategoryOf(source: Record<string, unknown>): string | undefined {
  const categories = new Set(readStrings(source, 'event.category'));
  const types = new Set(readStrings(source, 'event.type'));
  for (const [name, event] of Object.entries(ECS_EVENT_BY_LOG_CATEGORY)) {
    if (categories.has(event.category) && types.has(event.type)) return name;
  }
  return undefined;
}
