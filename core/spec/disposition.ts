import { z } from 'zod';

/** An analyst's own verdict, as read back from a console. Kept apart from Verdict's result. */
export const AnalystVerdictSchema = z.enum(['true_positive', 'benign_positive', 'false_positive']);
export type AnalystVerdict = z.infer<typeof AnalystVerdictSchema>;

export const DispositionV1Schema = z
  .object({
    alertId: z.string().min(1).optional(),
    fingerprint: z.string().min(1).optional(),
    verdict: AnalystVerdictSchema,
    analyst: z.string().min(1).default('unknown'),
    /** When the analyst decided (ISO 8601). */
    time: z.string().datetime({ offset: true }),
    note: z.string().optional(),
    /** Filled from the stored verdict when only the id is given. */
    ruleName: z.string().optional(),
    entities: z.array(z.object({ kind: z.string(), value: z.string() })).optional(),
    platform: z.string().optional(),
  })
  .refine((value) => value.alertId !== undefined || value.fingerprint !== undefined, {
    message: 'give alertId or fingerprint so the disposition can be matched to a verdict',
    path: ['alertId'],
  });
export type DispositionV1 = z.infer<typeof DispositionV1Schema>;
export type Disposition = DispositionV1;
