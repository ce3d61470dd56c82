import type { FastifyInstance } from 'fastify';
import { InvalidAlertError, VerdictError } from '../../spec/errors.js';
import { HttpError, type FieldError } from '../http-error.js';
import { answerOnce } from '../request-records.js';
import type { ServerContext } from '../server-context.js';

/** POST /v1/feedback (scope `feedback`): analysts' dispositions, one or many; an Idempotency-Key makes a retry count once. */
export function registerFeedbackRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runtime, options } = context;
  app.post('/v1/feedback', { config: { auth: { kind: 'token', scopes: ['feedback'] } } }, async (request, reply) =>
    answerOnce(context, request, reply, 'feedback', async () => ({ statusCode: 200, body: JSON.stringify(await recordFeedback(request.body, request.principal?.name ?? 'unknown')) })),
  );

  async function recordFeedback(body: unknown, actor: string): Promise<{ recorded: number; errors: FieldError[] }> {
    const { records, isSingle } = readDispositions(body);
    if (records.length > options.maxBatch) throw new HttpError(413, `at most ${options.maxBatch} dispositions per request: split the batch`);
    const errors: FieldError[] = [];
    let recorded = 0;
    for (const [index, record] of records.entries()) {
      try {
        await runtime.recordDisposition(withDefaults(record, actor, options.clock()), `api:${actor}`);
        recorded += 1;
      } catch (error) {
        if (!VerdictError.isInstance(error)) throw error;
        const issues = error instanceof InvalidAlertError ? error.issues : [{ path: '', message: error.message }];
        errors.push(...issues.map((issue) => ({ index, path: issue.path, message: issue.message })));
      }
    }
    await runtime.repository.appendAudit({
      time: options.clock().toISOString(),
      actor,
      action: 'feedback',
      target: `${records.length} dispositions`,
      detail: `${recorded} recorded, ${records.length - recorded} rejected`,
    });
    if (isSingle && recorded === 0) throw new HttpError(400, `invalid disposition: ${errors.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ')}`, { errors });
    return { recorded, errors };
  }
}

function readDispositions(body: unknown): { records: unknown[]; isSingle: boolean } {
  if (Array.isArray(body)) return { records: body, isSingle: false };
  if (body !== null && typeof body === 'object') {
    const keys = Object.keys(body);
    const dispositions = (body as { dispositions?: unknown }).dispositions;
    if (keys.length === 1 && keys[0] === 'dispositions' && Array.isArray(dispositions)) return { records: dispositions, isSingle: false };
    return { records: [body], isSingle: true };
  }
  throw new HttpError(400, 'the body must be a disposition, an array of them, or {"dispositions": [...]}', { errors: [{ path: '', message: 'expected an object or an array' }] });
}

/** The analyst defaults to the token's holder and the time to now; the schema checks the rest. */
function withDefaults(record: unknown, actor: string, now: Date): unknown {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  const value = record as Record<string, unknown>;
  return { ...value, analyst: value.analyst ?? actor, time: value.time ?? now.toISOString() };
}
