import type { FastifyInstance } from 'fastify';
import { PlatformParamsSchema, TriageQuerySchema } from '../api-schemas.js';
import { createHookVerifier, replayError, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../hook-signature.js';
import { HttpError, parseRequestPart } from '../http-error.js';
import { jsonDepth, MAX_JSON_DEPTH, tooDeepMessage } from '../../spec/json-depth.js';
import type { ServerContext } from '../server-context.js';
import { triageRequest, triageResponseBody } from '../triage-service.js';

/**
 * POST /v1/hooks/{platform}: platform webhooks, authenticated by an HMAC signature over the raw
 * body instead of a token. The body is kept as bytes until the signature checks out.
 */
export function registerHookRoutes(app: FastifyInstance, context: ServerContext): void {
  const { options } = context;
  const verifier = createHookVerifier(options.hookToleranceSeconds);

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    scope.post('/v1/hooks/:platform', { config: { auth: { kind: 'signature' } } }, async (request, reply) => {
      const { platform } = parseRequestPart(PlatformParamsSchema, request.params, 'params');
      const query = parseRequestPart(TriageQuerySchema.pick({ map: true }), request.query, 'query');
      const secret = Object.hasOwn(options.hookSecrets, platform) ? options.hookSecrets[platform] : undefined;
      if (!secret) throw new HttpError(404, `no webhook for platform "${platform}": set VERDICT_HOOK_SECRET_${platform.toUpperCase()} on the server to enable it`);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const nowMs = options.clock().getTime();
      const verified = verifier.verify({
        secret,
        timestamp: headerValue(request.headers[TIMESTAMP_HEADER]),
        signature: headerValue(request.headers[SIGNATURE_HEADER]),
        body,
        nowMs,
      });
      const isFirstDelivery = await context.runtime.repository.rememberSignature(verified.signature, new Date(verified.expiresMs).toISOString(), new Date(nowMs).toISOString());
      if (!isFirstDelivery) throw replayError();
      // The platform's rate limit counts verified deliveries only: unsigned floods cannot use it up.
      context.takeRateLimit?.(`hook:${platform}`);
      let parsed: unknown;
      if (jsonDepth(body.toString('utf8')) > MAX_JSON_DEPTH) throw new HttpError(400, tooDeepMessage(), { errors: [{ path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }] });
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (error) {
        throw new HttpError(400, `the webhook body is not JSON: ${(error as Error).message}`, { errors: [{ path: '', message: 'expected JSON' }] });
      }
      const actor = `hook:${platform}`;
      const response = await triageRequest(context, parsed, { platform, map: query.map, actor, source: actor, mode: 'hook' });
      return reply.type('application/json').send(triageResponseBody(response));
    });
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
