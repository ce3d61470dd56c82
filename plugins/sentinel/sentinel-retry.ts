import { PlatformApiError, VerdictError } from '../../core/spec/errors.js';

/**
 * Retry classification, back-off and the per-tenant request limiter for every Graph and ARM call,
 * in one place: 429, 5xx and network failures are retried with exponential back-off that honours
 * `Retry-After`; any other 4xx fails at once. Messages are scrubbed of every configured secret.
 */

// Back-off and secret scrubbing are shared by every plugin (core/transport/retry.ts).
import { parseRetryAfter, scrubSecrets } from '../../core/transport/retry.js';
export { parseRetryAfter, scrubSecrets, withRetry, type RetryPolicy } from '../../core/transport/retry.js';

const HINT_BY_STATUS: Record<number, string> = {
  400: 'the request was rejected as malformed; check the ids, $filter and enum values',
  401: 'Microsoft Entra rejected the token; check sentinel.tenantId, clientId and the secret or certificate',
  403: 'the app lacks a permission: grant SecurityIncident.ReadWrite.All and SecurityAlert.ReadWrite.All (Graph, admin consent) and Microsoft Sentinel Responder on the workspace (ARM)',
  404: 'the alert, incident or endpoint does not exist; check sentinel.graphEndpoint, armEndpoint and sentinelWorkspace',
  409: 'the resource changed meanwhile (stale etag)',
  412: 'the incident changed since it was read (stale etag)',
};

export interface HttpFailure {
  operation: string;
  statusCode: number | undefined;
  retryAfter?: string | null;
  /** `error.code: error.message` from an OData / CloudError body; scrubbed before use. */
  platformMessage?: string;
  cause?: unknown;
}

export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[]): PlatformApiError {
  const { statusCode } = failure;
  const what = statusCode === undefined ? 'could not reach Microsoft (network error or timeout)' : `Microsoft answered HTTP ${statusCode}`;
  const hint =
    statusCode === undefined
      ? 'check the endpoints and the network path'
      : statusCode === 429 || statusCode >= 500
        ? 'throttled or failing; retried with back-off'
        : (HINT_BY_STATUS[statusCode] ?? 'the request was refused');
  const detail = failure.platformMessage ? ` (${truncate(failure.platformMessage, 300)})` : '';
  const retryAfterSeconds = parseRetryAfter(failure.retryAfter);
  const cause = failure.cause instanceof Error && !VerdictError.isInstance(failure.cause) ? new Error(scrubSecrets(`${failure.cause.name}: ${failure.cause.message}`, secrets)) : undefined;
  return new PlatformApiError(scrubSecrets(`${failure.operation}: ${what}${detail}; ${hint}`, secrets), {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...(cause ? { cause } : {}),
  });
}

/**
 * At most `requests` calls in any sliding window of `windowMs` (a strict bound, unlike a token
 * bucket, whose burst after an idle spell can double the rate within one window).
 */
export class SlidingWindowLimiter {
  private readonly starts: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly wait: (milliseconds: number) => Promise<void> = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  ) {}

  /** Resolves when one more request may start; callers are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.now();
        while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
        if (this.starts.length < this.requests) {
          this.starts.push(now);
          return;
        }
        await this.wait(this.starts[0]! + this.windowMs - now + 1);
      }
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}

/** One limiter per tenant in this process, whatever the number of plugin instances. */
const limiters = new Map<string, SlidingWindowLimiter>();

export function tenantLimiter(key: string, requests: number, windowMs: number): SlidingWindowLimiter {
  const id = `${key}\u0000${requests}\u0000${windowMs}`;
  let limiter = limiters.get(id);
  if (!limiter) {
    limiter = new SlidingWindowLimiter(requests, windowMs);
    limiters.set(id, limiter);
  }
  return limiter;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
