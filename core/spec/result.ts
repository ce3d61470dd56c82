import { z } from 'zod';
import { EvidenceSchema } from './evidence.js';

export const VerdictSchema = z.enum(['true_positive', 'benign_positive', 'false_positive', 'inconclusive']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const ActionKindSchema = z.enum(['isolate_host', 'disable_account', 'revoke_sessions', 'reset_password', 'block_ip', 'block_domain', 'block_hash', 'purge_message', 'open_case', 'close_alert']);
export type ActionKind = z.infer<typeof ActionKindSchema>;

export const BlastRadiusSchema = z.enum(['none', 'low', 'medium', 'high']);

export const RecommendedActionSchema = z.object({
  id: z.string(),
  action: ActionKindSchema,
  target: z.string(),
  blastRadius: BlastRadiusSchema,
  requiresApproval: z.boolean(),
  reason: z.string(),
  /** The policy rule that decided requiresApproval. */
  policyRule: z.string(),
});
export type RecommendedAction = z.infer<typeof RecommendedActionSchema>;

export const TraceStepSchema = z.object({
  stage: z.enum(['normalize', 'group', 'enrich', 'decide', 'reason', 'recommend']),
  /** Enricher id or stage component. */
  component: z.string(),
  checked: z.string(),
  /**
   * What the step found. An enrich step cites its evidence item (`[ev-3]`) instead of repeating
   * the claim, which is in `evidence`; engine text is ASCII (`->`, not an arrow sign).
   */
  found: z.string(),
  /** Change to the log-odds of malicious made by this step (0 when it only observed). */
  delta: z.number(),
  /** probabilityMalicious after this step. */
  scoreAfter: z.number(),
  evidenceIds: z.array(z.string()).default([]),
});
export type TraceStep = z.infer<typeof TraceStepSchema>;

export const TechniqueRefSchema = z.object({
  id: z.string(),
  name: z.string(),
  tactics: z.array(z.string()),
  /** `rule` when the detection declared it, `inferred` when an enricher read it from the event. */
  origin: z.enum(['rule', 'inferred']),
});

export const EngineInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['offline', 'llm', 'degraded']),
  configDigest: z.string(),
  model: z.string().optional(),
  promptVersion: z.string().optional(),
  tokens: z.number().int().nonnegative().optional(),
  /**
   * How the score became probabilityMalicious: `prior` (identity, too few dispositions yet), `isotonic`
   * (a map learned from this deployment's dispositions) or `none` (calibration off); the raw score
   * is kept so later dispositions can refine the map.
   */
  calibration: z
    .object({
      method: z.enum(['none', 'prior', 'isotonic']),
      samples: z.number().int().nonnegative(),
      rawProbability: z.number().min(0).max(1),
    })
    .optional()
    .describe("How the score became probabilityMalicious: prior (no map learned yet), isotonic (learned from this deployment's dispositions) or none; with the raw score."),
});

export const TriageResultV1Schema = z.object({
  alertId: z.string(),
  platform: z.string(),
  ruleName: z.string(),
  ruleAuthor: z.string().optional(),
  verdict: VerdictSchema,
  /**
   * Confidence in the verdict given (0..1): p for true_positive, 1 − p for benign_positive and
   * false_positive; for inconclusive, how far p leans to one side inside the abstain band (0 at its
   * middle, at most 0.5), so it is always below any decided verdict's confidence.
   */
  confidence: z
    .number()
    .min(0)
    .max(1)
    .describe(
      'Confidence in the verdict given: probabilityMalicious for true_positive, 1 − probabilityMalicious for benign_positive and false_positive; for inconclusive, how far the probability leans to one side inside the abstain band (0 at its middle, at most 0.5), so always below any decided verdict.',
    ),
  probabilityMalicious: z.number().min(0).max(1),
  summary: z.string(),
  evidence: z.array(EvidenceSchema),
  attack: z.array(TechniqueRefSchema),
  recommendedActions: z.array(RecommendedActionSchema),
  trace: z.array(TraceStepSchema),
  engine: EngineInfoSchema,
  fingerprint: z.string(),
  duplicateOf: z.string().optional(),
  /**
   * How many times this alert's verdict has been decided (1 the first time). A re-pull of the same
   * alert returns the stored verdict and keeps the revision; write-back keys use it (deliveryKey).
   */
  revision: z.number().int().positive().optional().describe('How many times the verdict changed when the alert was judged again (1 the first time); write-back idempotency keys include it.'),
  alertTime: z.string(),
  createdAt: z.string(),
});
export type TriageResultV1 = z.infer<typeof TriageResultV1Schema>;
export type TriageResult = TriageResultV1;
