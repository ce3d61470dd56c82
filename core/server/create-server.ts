import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { VerdictRuntime } from '../runtime/runtime.js';
import { InvalidAlertError } from '../spec/errors.js';
import type { PlatformPluginV1 } from '../spec/plugin.js';
import { createAuthenticator } from './auth.js';
import { HttpError, sendProblem } from './http-error.js';
import { createQueueProducer } from '../queue/producer.js';
import { createServerLogger, requestLogFields } from './logging.js';
import { createServerMetrics } from './metrics.js';
import { createRateLimiter } from './rate-limit.js';
import { registerApprovalRoutes } from './routes/approval-routes.js';
import { registerFeedbackRoutes } from './routes/feedback-routes.js';
import { registerHookRoutes } from './routes/hook-routes.js';
import { registerOperationsRoutes } from './routes/operations-routes.js';
import { registerTriageRoutes } from './routes/triage-routes.js';
import type { ServerContext, ServerOptions } from './server-context.js';
import { resolveServerOptions } from './server-options.js';
import { hasScope } from './tokens.js';
import { toStoreUnavailable } from '../store/store-errors.js';
import { jsonDepth, MAX_JSON_DEPTH, tooDeepMessage } from '../spec/json-depth.js';

export interface CreateServerInput {
  runtime: VerdictRuntime;
  /** Already wired into the runtime's normalizer; listed here for the routes that describe platforms. */
  plugins?: readonly PlatformPluginV1[];
  /** Anything not given comes from the runtime config's `server:` section. */
  options?: Partial<ServerOptions>;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;
/** Longest path parameter (an alert or approval id) the router accepts. */
const MAX_PARAM_LENGTH = 512;

/**
 * The triage service. Returns the Fastify instance unstarted, so `verdict serve` and tests decide
 * where it listens (`await server.listen({ host, port })`). Nothing a client sends can make it
 * answer 500: every client mistake becomes a 4xx naming what to fix.
 */
export function createServer(input: CreateServerInput): FastifyInstance {
  const { runtime } = input;
  const options = resolveServerOptions(runtime.loaded.config.server, input.options);
  const logger = createServerLogger(options.logLevel, options.logStream);
  const metrics = createServerMetrics();
  metrics.instrumentRepository(runtime.repository);
  // With a queue section, asynchronous requests go to the tenant's queue for `verdict worker`.
  const queue = runtime.loaded.config.queue ? createQueueProducer(runtime.loaded.config.queue) : undefined;
  const context: ServerContext = { runtime, options, metrics, ...(queue ? { queue } : {}) };
  const authenticator = createAuthenticator(runtime.repository, (error) => logger.warn({ 'error.message': (error as Error).message }, 'could not record token use'));
  const limiter = createRateLimiter(options.rateLimit);
  // Failed authentications (bad token, bad signature) count per source address, before any auth
  // work: a flood of them is refused early and never uses up a token's or a platform's budget.
  const failedAuthLimiter = createRateLimiter(options.rateLimit);
  const rateLimited = (retryAfterSeconds: number, what: string): HttpError =>
    new HttpError(429, `rate limit of ${options.rateLimit.requestsPerSecond} requests/s (burst ${options.rateLimit.burst})${what ? ` ${what}` : ''} exceeded: retry after ${retryAfterSeconds} s`, {
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  const takeRateLimit = (key: string): void => {
    const taken = limiter.take(key, options.clock().getTime());
    if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, '');
  };
  context.takeRateLimit = takeRateLimit;

  const app = Fastify({
    loggerInstance: logger,
    // Requests are logged once, on completion, with ECS fields (see onResponse below).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'http.request.id' }),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    bodyLimit: options.bodyLimitBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The router's own refusals (an over-long id, a malformed %-escape) answer as problem details too.
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      sendProblem(
        reply,
        tooLong ? 414 : 400,
        tooLong ? `a path parameter is longer than ${MAX_PARAM_LENGTH} characters: ids are shorter` : 'the URL is malformed (a bad %-escape): encode path parts with encodeURIComponent',
      );
    },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;

  // JSON bodies are measured before parsing: one nested thousands deep would overflow the stack of
  // whatever walks it later. Parsing itself stays Fastify's (with its prototype-poisoning checks).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepth(String(body)) > MAX_JSON_DEPTH) {
      done(new HttpError(400, tooDeepMessage(), { errors: [{ path: '', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }] }), undefined);
      return;
    }
    parseJson(request, String(body), done);
  });
  if (queue) app.addHook('onClose', async () => queue.close());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const auth = request.routeOptions.config.auth ?? { kind: 'public' };
    if (auth.kind === 'public') return;
    const now = options.clock();
    const source = failedAuthLimiter.peek(`source:${request.ip}`, now.getTime());
    if (!source.allowed) throw rateLimited(source.retryAfterSeconds, 'for failed authentications from this address');
    // Signed webhooks are verified in their route, which then takes from the platform's bucket.
    if (auth.kind !== 'token') return;
    const principal = await authenticator.authenticate(request.headers.authorization, now);
    request.principal = principal;
    if (auth.scopes.length > 0 && !hasScope(principal.scopes, auth.scopes)) {
      throw new HttpError(403, `this token lacks the ${auth.scopes.join(' or ')} scope: create one with \`verdict token create --scope ${auth.scopes[0]}\``);
    }
    takeRateLimit(`token:${principal.tokenId}`);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest({ method: request.method, route, statusCode: reply.statusCode }, reply.elapsedTime / 1000);
    const fields = requestLogFields({
      method: request.method,
      path: request.url.split('?')[0] ?? '',
      route,
      statusCode: reply.statusCode,
      durationMs: reply.elapsedTime,
      principal: request.principal?.name,
      clientIp: request.ip,
      userAgent: request.headers['user-agent'],
    });
    // A refused credential is a failed login: at warn, so it shows without debug logging.
    if (reply.statusCode === 401) {
      failedAuthLimiter.take(`source:${request.ip}`, options.clock().getTime());
      request.log.warn(fields, 'authentication failed');
    } else request.log.info(fields, 'request completed');
  });

  app.setErrorHandler((error: FastifyError | HttpError | Error, request, reply) => {
    if (error instanceof HttpError) {
      return sendProblem(reply, error.statusCode, error.message, { errors: error.errors, headers: error.headers, problem: error.problem });
    }
    if (error instanceof InvalidAlertError) {
      return sendProblem(reply, 400, error.message, { errors: error.issues });
    }
    const statusCode = (error as FastifyError).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const message = statusCode === 413 ? `the request body is larger than ${options.bodyLimitBytes} bytes: send fewer alerts per request` : error.message;
      return sendProblem(reply, statusCode, message);
    }
    // The store down, restarting or out of disk is not a bug: 503 with Retry-After, and it says why.
    const unavailable = toStoreUnavailable(error, runtime.repository.kind);
    if (unavailable) {
      request.log.warn({ 'error.type': unavailable.name, 'error.message': unavailable.message }, 'store unavailable');
      return sendProblem(reply, 503, unavailable.message, { headers: { 'Retry-After': String(unavailable.retryAfterSeconds) } });
    }
    request.log.error({ 'error.type': error.name, 'error.message': error.message, 'error.stack_trace': error.stack }, 'request failed');
    return sendProblem(reply, 500, 'internal error: the server log has the details under this request id');
  });

  app.setNotFoundHandler((request, reply) => {
    sendProblem(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}: see /openapi.json`);
  });

  registerTriageRoutes(app, context);
  registerFeedbackRoutes(app, context);
  registerApprovalRoutes(app, context);
  registerHookRoutes(app, context);
  registerOperationsRoutes(app, context);
  return app;
}
