import { z } from 'zod';

/** An analyst-authored rule that marks matching alerts as expected activity. */
export const SuppressionV1Schema = z.object({
  name: z
    .string()
    .min(1)
    .regex(/^[\w.-]+$/, 'use letters, digits, dot, dash or underscore'),
  owner: z.string().min(1),
  reason: z.string().min(1),
  /** Rule name the suppression applies to (exact, case-insensitive); omitted = any rule. */
  rule: z.string().optional(),
  /** Entity it applies to, as `kind:value` (host:web01, user:svc_backup); omitted = any. */
  entity: z
    .string()
    .regex(/^[a-z_]+:.+$/, 'write the entity as kind:value, e.g. host:web01')
    .optional(),
  /** Field pattern: the alert field must match this regular expression. */
  field: z.string().optional(),
  pattern: z.string().optional(),
  createdAt: z.string().datetime({ offset: true }),
  expiresAt: z.string().datetime({ offset: true }),
});
export type SuppressionV1 = z.infer<typeof SuppressionV1Schema>;
export type Suppression = SuppressionV1;
