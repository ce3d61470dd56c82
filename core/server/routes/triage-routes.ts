import type { FastifyInstance } from 'fastify';
import { IdParamsSchema, TriageQuerySchema, VerdictListQuerySchema } from '../api-schemas.js';
import { HttpError, parseRequestPart, problemBody } from '../http-error.js';
import { answerOnce, checkCallbackUrl, createJobRunner, hashRequest, jobDocument } from '../request-records.js';
import type { RouteAuth, ServerContext } from '../server-context.js';
import { hasScope } from '../tokens.js';
import { readTriageRequest, triageRequest, triageResponseBody } from '../triage-service.js';

/**
 * POST /v1/triage, its asynchronous jobs and the verdict reads (scope `triage`). An
 * Idempotency-Key makes a retried POST return the first answer and count once; `async=true` (or
 * `Prefer: respond-async`) answers 202 with a job to poll, for slow LLM-backed verdicts.
 */
export function registerTriageRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runtime } = context;
  const config: { auth: RouteAuth } = { auth: { kind: 'token', scopes: ['triage'] } };
  const jobs = createJobRunner(context, app.log);
  app.addHook('onClose', async () => jobs.drain());

  app.post('/v1/triage', { config }, async (request, reply) => {
    const query = parseRequestPart(TriageQuerySchema, request.query, 'query');
    const isAsync = query.async === 'true' || (query.async === undefined && /\brespond-async\b/i.test(String(request.headers.prefer ?? '')));
    if (query.callback !== undefined && !isAsync) {
      throw new HttpError(400, 'callback needs async=true: a synchronous answer carries the verdicts itself', { errors: [{ path: 'callback', message: 'only with async=true' }] });
    }
    const callbackUrl = query.callback === undefined ? undefined : checkCallbackUrl(query.callback, context);
    const actor = request.principal?.name ?? 'unknown';
    const run = async () => ({
      statusCode: 200,
      body: triageResponseBody(await triageRequest(context, request.body, { platform: query.platform, map: query.map, actor, source: `api:${actor}`, mode: isAsync ? 'async' : 'sync' })),
    });
    if (isAsync && context.queue) {
      // Scale-out: checked now (a bad request is the client's 4xx at once), triaged by a worker.
      if (callbackUrl) {
        throw new HttpError(400, 'callback is not available when jobs run on workers (queue configured): poll the job’s statusUrl instead', {
          errors: [{ path: 'callback', message: 'not with a queue; poll GET /v1/jobs/{id}' }],
        });
      }
      const prepared = { ...readTriageRequest(context, request.body, { platform: query.platform, map: query.map, source: `api:${actor}` }), map: query.map };
      return answerOnce(context, request, reply, 'triage', () => jobs.enqueue(request, hashRequest(request), prepared));
    }
    return answerOnce(context, request, reply, 'triage', () => (isAsync ? jobs.start(request, hashRequest(request), callbackUrl, run) : run()));
  });

  app.get('/v1/jobs/:id', { config }, async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, request.params, 'params');
    const record = await runtime.repository.getRequest(`job:${id}`);
    const principal = request.principal;
    // Another holder's job is answered as missing: job ids are not an oracle.
    if (!record || !principal || (record.owner !== principal.tokenId && !hasScope(principal.scopes, ['admin']))) {
      throw new HttpError(404, `no job ${JSON.stringify(id)} for this token: jobs are kept 24 hours, and only their creator (or an admin) sees them`);
    }
    // A job still pending past its claim's expiry was lost with the process that ran it.
    if (record.state === 'pending' && Date.parse(record.expiresAt) <= context.options.clock().getTime()) {
      const lost = problemBody(
        503,
        'the server running this job stopped before it finished: submit the alerts again (with the same Idempotency-Key if you used one)',
        request.id,
        undefined,
        'unavailable',
      );
      return jobDocument(id, 'done', 503, JSON.stringify(lost));
    }
    const document = jobDocument(id, record.state, record.statusCode, record.response);
    if (document.status === 'pending') reply.header('retry-after', '1');
    return document;
  });

  app.get('/v1/verdicts/:id', { config }, async (request) => {
    const { id } = parseRequestPart(IdParamsSchema, request.params, 'params');
    const result = await runtime.repository.getResult(id);
    if (!result) throw new HttpError(404, `no verdict for alert ${JSON.stringify(id)}: triage it first, or check the id`);
    return result;
  });

  app.get('/v1/verdicts', { config }, async (request) => {
    const query = parseRequestPart(VerdictListQuerySchema, request.query, 'query');
    return runtime.repository.listResults({
      limit: query.limit,
      ...(query.rule ? { rule: query.rule } : {}),
      ...(query.entity ? { entity: query.entity } : {}),
      ...(query.verdict ? { verdict: query.verdict } : {}),
      // Stored alert times are UTC ISO strings, compared as text: bring the bound to the same form.
      ...(query.since ? { since: new Date(query.since).toISOString() } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
  });
}
