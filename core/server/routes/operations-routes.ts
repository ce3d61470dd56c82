import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi.js';
import type { ServerContext } from '../server-context.js';

/** Probes, metrics and the API description. */
export function registerOperationsRoutes(app: FastifyInstance, context: ServerContext): void {
  const { runtime, metrics } = context;
  const openApi = JSON.stringify(buildOpenApiDocument());

  app.get('/healthz', { config: { auth: { kind: 'public' } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { auth: { kind: 'public' } } }, async (request, reply) => {
    try {
      await runtime.repository.ping();
      return { status: 'ready' };
    } catch (error) {
      request.log.warn({ 'error.message': (error as Error).message }, 'store not ready');
      return reply.code(503).send({ status: 'store unavailable' });
    }
  });

  app.get('/metrics', { config: { auth: { kind: 'token', scopes: [] } } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.get('/openapi.json', { config: { auth: { kind: 'public' } } }, async (_request, reply) => {
    reply.type('application/json');
    return openApi;
  });
}
