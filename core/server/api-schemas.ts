import { z } from 'zod';
import { AlertV1Schema } from '../spec/alert.js';
import { DispositionV1Schema } from '../spec/disposition.js';
import { RecommendedActionSchema, TriageResultV1Schema, VerdictSchema } from '../spec/result.js';
import { decodeCursor } from '../store/paging.js';

/**
 * The HTTP API's request and response shapes. Handlers validate with these, and the OpenAPI
 * document is generated from them, so the two cannot disagree.
 */
export const FieldErrorSchema = z.object({
  index: z.number().int().nonnegative().optional().describe('Position in the batch'),
  path: z.string().describe('Field path inside the record, e.g. entities[2].value'),
  message: z.string(),
});

/** RFC 9457 problem details: the body of every error answer (Content-Type application/problem+json). */
export const ErrorResponseSchema = z.object({
  type: z.string().describe('urn:verdict:problem:<slug>: invalid-input, unauthorized, forbidden, not-found, conflict, payload-too-large, rate-limited, idempotency-conflict, unavailable, internal'),
  title: z.string().describe('Fixed per type'),
  status: z.number().int().describe('The HTTP status code'),
  detail: z.string().describe('What went wrong with this request and how to fix it'),
  instance: z.string().describe('urn:verdict:request:<request id>'),
  requestId: z.string().describe('Also in the x-request-id header and the server log'),
  field: z.string().optional().describe('Path of the first failing field, e.g. severity or entities[2].value'),
  errors: z.array(FieldErrorSchema).optional().describe('Every failing field'),
});

const cursor = z
  .string()
  .max(512)
  .refine((value) => decodeCursor(value) !== undefined, 'not a cursor this server issued: pass nextCursor from the previous page unchanged');
const limit = z.coerce.number().int().min(1).max(500).default(50);

/** Any alert payload: Verdict Alert JSON, an OCSF Detection Finding, a platform-native alert, or a record for a field map. */
export const NativeAlertSchema = z
  .union([AlertV1Schema, z.record(z.string(), z.unknown())])
  .describe('An alert in any shape a loaded plugin, OCSF or a field map can normalize; Verdict Alert JSON is shown first');

export const TriageRequestSchema = z.union([NativeAlertSchema, z.array(NativeAlertSchema), z.object({ alerts: z.array(NativeAlertSchema) }).strict()]);

export const TriageQuerySchema = z.strictObject({
  platform: z.string().min(1).max(64).optional().describe('Platform id of the payload (splunk, elastic, sentinel, soar, ocsf, verdict, generic); detected when omitted'),
  map: z.string().min(1).max(128).optional().describe('Name of a field map in the config, for generic JSON records'),
  async: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: answer 202 at once with a statusUrl to poll (GET /v1/jobs/{id}) instead of waiting for the verdicts; also chosen by the header Prefer: respond-async'),
  callback: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .describe(
      "With async=true: an http(s) URL the server POSTs the finished job to, signed like webhooks (x-verdict-timestamp, x-verdict-signature with VERDICT_CALLBACK_SECRET); its origin must be in the server's VERDICT_CALLBACK_ORIGINS",
    ),
});

export const TriageResponseSchema = z.object({
  results: z.array(TriageResultV1Schema),
  errors: z.array(FieldErrorSchema).describe('One entry per failing field of every record that did not become a verdict (it went to the dead letters)'),
});

export const VerdictListQuerySchema = z.strictObject({
  rule: z.string().min(1).max(512).optional(),
  entity: z
    .string()
    .regex(/^[a-z_]+:.+$/, 'write the entity as kind:value, e.g. host:web01')
    .max(1024)
    .optional(),
  verdict: VerdictSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional().describe('Only verdicts on alerts raised at or after this time'),
  limit,
  cursor: cursor.optional(),
});

export const VerdictPageSchema = z.object({
  items: z.array(TriageResultV1Schema),
  nextCursor: z.string().optional().describe('Pass as cursor to read the next page; absent on the last page'),
});

export const FeedbackRequestSchema = z.union([DispositionV1Schema, z.array(DispositionV1Schema), z.object({ dispositions: z.array(DispositionV1Schema) }).strict()]);

export const FeedbackResponseSchema = z.object({
  recorded: z.number().int().nonnegative(),
  errors: z.array(FieldErrorSchema),
});

export const ApprovalStatusSchema = z.enum(['pending', 'approved', 'rejected', 'expired']);

export const ApprovalSchema = z.object({
  id: z.string(),
  alertId: z.string(),
  action: RecommendedActionSchema,
  requestedBy: z.string().describe('Token holder who submitted the alert; they can never decide this approval'),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: ApprovalStatusSchema,
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional(),
});

export const ApprovalListQuerySchema = z.strictObject({
  status: ApprovalStatusSchema.optional().describe('Defaults to pending'),
  alertId: z.string().min(1).max(512).optional(),
  limit,
  cursor: cursor.optional(),
});

export const ApprovalPageSchema = z.object({
  items: z.array(ApprovalSchema),
  nextCursor: z.string().optional(),
});

export const ApprovalDecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  comment: z.string().max(2000).optional(),
});

export const JobSchema = z.object({
  jobId: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  statusUrl: z.string().describe('Poll this (GET, same token) until status is no longer pending'),
  statusCode: z.number().int().optional().describe('The status POST /v1/triage would have answered'),
  result: TriageResponseSchema.optional().describe('When succeeded: the verdicts'),
  problem: ErrorResponseSchema.optional().describe('When failed: the problem details'),
});

export const IdParamsSchema = z.strictObject({ id: z.string().min(1).max(512) });
export const PlatformParamsSchema = z.strictObject({ platform: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a platform id: lowercase letters, digits, - or _') });

export const HealthSchema = z.object({ status: z.string() });
