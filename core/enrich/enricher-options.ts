import type { z } from 'zod';
import { ConfigError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';

/**
 * An enricher's options parsed strictly, or a ConfigError naming `enrichers.<id>` and every field
 * at fault, so the operator can fix the configuration in one go.
 */
export function parseEnricherOptions<Schema extends z.ZodType>(enricherId: string, schema: Schema, options: unknown): z.output<Schema> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error)
      .map((issue) => `${issue.path}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`enrichers.${enricherId} options are invalid: ${issues}`);
  }
  return parsed.data;
}
