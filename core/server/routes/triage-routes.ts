import type { FastifyInstance } from 'fastify';
import { IdParamsSchema, TriageQuerySchema, VerdictListQuerySchema } from '../api-schemas.js';
import { HttpError, parseRequestPart } from '../http-error.js';
import type { RouteAuth, ServerContext } from '../server-context.js';
import { triageRequest, triageResponseJson } from '../triage-service.js';

/** POST /v1/triage and the verdict reads (scope `triage`). */
export function registerTriageRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runtime } = context;
  const config: { auth: RouteAuth } = { auth: { kind: 'token', scopes: ['triage'] } };

  app.post('/v1/triage', { config }, async (request, reply) => {
    const query = parseRequestPart(TriageQuerySchema, request.query, 'query');
    const actor = request.principal?.name ?? 'unknown';
    const response = await triageRequest(context, request.body, { platform: query.platform, map: query.map, actor, source: `api:${actor}` });
    return reply.type('application/json').send(triageResponseJson(response));
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
