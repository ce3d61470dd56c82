import type { z } from 'zod';
import type { EnricherV1 } from '../enrich/enricher.js';
import { CommandLineOptionsSchema, createCommandLineEnricher } from '../enrich/command-line/command-line.js';
import { createDomainUrlEnricher, DomainUrlOptionsSchema } from '../enrich/domain-url/domain-url.js';
import { createRegistryFileEnricher, RegistryFileOptionsSchema } from '../enrich/registry-file/registry-file.js';
import { createEmailEnricher, EmailOptionsSchema } from '../enrich/email/email.js';
import { createInventoryEnricher, InventoryOptionsSchema } from '../enrich/inventory/inventory.js';
import { createNetworkEnricher, NetworkOptionsSchema } from '../enrich/network/network.js';
import { createThreatIntelEnricher, ThreatIntelOptionsSchema } from '../enrich/threat-intel/threat-intel.js';

/** An enricher that reads its own options section (`enrichers.<id>` in the config file). */
export interface ConfigurableEnricher {
  id: string;
  schema: z.ZodType;
  create(options: unknown, baseDir: string): EnricherV1;
}

function entry<Schema extends z.ZodType>(id: string, schema: Schema, create: (options: z.infer<Schema>, baseDir: string) => EnricherV1): ConfigurableEnricher {
  return { id, schema, create: (options, baseDir) => create(options as z.infer<Schema>, baseDir) };
}

/** Offline enrichers configured from `enrichers.<id>`, in the order their evidence is listed. */
export const CONFIGURABLE_ENRICHERS: ConfigurableEnricher[] = [
  entry('command-line', CommandLineOptionsSchema, (options) => createCommandLineEnricher(options)),
  entry('registry-file', RegistryFileOptionsSchema, (options) => createRegistryFileEnricher(options)),
  entry('threat-intel', ThreatIntelOptionsSchema, (options, baseDir) => createThreatIntelEnricher(options, { baseDir })),
  entry('network', NetworkOptionsSchema, (options, baseDir) => createNetworkEnricher(options, { baseDir })),
  entry('domain-url', DomainUrlOptionsSchema, (options, baseDir) => createDomainUrlEnricher(options, { baseDir })),
  entry('email', EmailOptionsSchema, (options, baseDir) => createEmailEnricher(options, { baseDir })),
  entry('inventory', InventoryOptionsSchema, (options, baseDir) => createInventoryEnricher(options, { baseDir })),
];
