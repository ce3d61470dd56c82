import type { QueueProducer } from '../queue/producer.js';
import type { DestinationStream } from 'pino';
import type { VerdictRuntime } from '../runtime/runtime.js';
import type { TokenScope } from '../store/repository.js';
import type { Principal } from './auth.js';
import type { ServerMetrics } from './metrics.js';

/** Everything `createServer` needs beyond the runtime; `resolveServerOptions` fills it from the config. */
export interface ServerOptions {
  host: string;
  port: number;
  /** PEM contents (not paths): HTTPS only when given. */
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  bodyLimitBytes: number;
  maxBatch: number;
  rateLimit: { requestsPerSecond: number; burst: number };
  approvalTtlSeconds: number;
  /** Platform id → shared webhook secret. A platform without one has no webhook. */
  hookSecrets: Readonly<Record<string, string>>;
  hookToleranceSeconds: number;
  logLevel: string;
  /** Where JSON logs go (stdout when omitted). */
  logStream: DestinationStream | undefined;
  /** HMAC secret that signs async-job callbacks (VERDICT_CALLBACK_SECRET); no callbacks without it. */
  callbackSecret: string | undefined;
  /** Origins (scheme://host:port) a callback may go to (VERDICT_CALLBACK_ORIGINS, comma-separated). */
  callbackOrigins: readonly string[];
  /** Wall clock; injectable so tests can move time. */
  clock: () => Date;
}

/** Who may call a route: nobody in particular, a token with one of `scopes` (none listed = any valid token), or a signed webhook. */
export type RouteAuth = { kind: 'public' } | { kind: 'token'; scopes: TokenScope[] } | { kind: 'signature' };

export interface ServerContext {
  runtime: VerdictRuntime;
  options: ServerOptions;
  metrics: ServerMetrics;
  /** Scale-out: asynchronous triage requests are put on the tenant's queue for the workers. */
  queue?: QueueProducer;
  /** Takes one request from a caller's bucket (after authentication); throws 429 when it is empty. */
  takeRateLimit?: (key: string) => void;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}
