import type { z } from 'zod';
import type { EnricherV1 } from '../enrich/enricher.js';

/** An enricher that reads its own options section (`enrichers.<id>` in the config file). */
export interface ConfigurableEnricher {
  id: string;
  schema: z.ZodType;
  create(options: unknown, baseDir: string): EnricherV1;
}

function entry<Schema extends z.ZodType>(
  id: string,
  schema: Schema,
  create: (options: z.infer<Schema>, baseDir: string) => EnricherV1,
): ConfigurableEnricher {
  return { id, schema, create: (options, baseDir) => create(options as z.infer<Schema>, baseDir) };
}

/** Offline enrichers configured from `enrichers.<id>`, in the order their evidence is listed. */
export const CONFIGURABLE_ENRICHERS: ConfigurableEnricher[] = [];
void entry;
