import { PlatformApiError, VerdictError } from '../spec/errors.js';

/**
 * Back-off for every platform call, shared by the plugins: 429, 5xx and network failures (the
 * errors a plugin marks retryable) are retried with exponential back-off that honours
 * `Retry-After`; any other error fails at once. Each plugin classifies its own platform's errors.
 */
export interface RetryPolicy {
  maxRetries: number;
  maxRetryDelayMs: number;
  baseDelayMs: number;
  sleep: (milliseconds: number) => Promise<void>;
  /** Called before each wait; for logs and tests. Never given a secret. */
  onRetry?: (event: { operation: string; attempt: number; delayMs: number; statusCode: number | undefined }) => void;
}

export async function withRetry<T>(operation: string, policy: RetryPolicy, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      // isInstance, not instanceof: the error may come from another bundled copy of core.
      if (!VerdictError.isInstance(error) || !error.isRetryable || attempt >= policy.maxRetries) throw error;
      const platformError = error as Partial<Pick<PlatformApiError, 'retryAfterSeconds' | 'statusCode'>>;
      const backoff = policy.baseDelayMs * 2 ** attempt;
      const requested = (platformError.retryAfterSeconds ?? 0) * 1000;
      const delayMs = Math.min(policy.maxRetryDelayMs, Math.max(backoff, requested));
      policy.onRetry?.({ operation, attempt: attempt + 1, delayMs, statusCode: platformError.statusCode });
      await policy.sleep(delayMs);
    }
  }
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | null | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** Replaces every secret in a text; secrets shorter than 4 characters are still replaced. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length > 0) scrubbed = scrubbed.split(secret).join('***');
  }
  return scrubbed;
}

/** A failed platform call as the plugin saw it. */
export interface HttpFailure {
  operation: string;
  statusCode: number | undefined;
  retryAfter?: string | string[] | null;
  /** What the platform said (its own error text); scrubbed before use. */
  platformMessage?: string;
  cause?: unknown;
}

/** How a platform's failures read: its name, and what to check for each kind of failure. */
export interface FailureHints {
  platform: string;
  unreachable: string;
  byStatus: Readonly<Record<number, string>>;
}

/**
 * A failed call as a PlatformApiError: what happened, the platform's own text, what to check, and
 * the Retry-After the platform asked for (429 and 5xx are retryable, other 4xx are not). Every
 * configured secret is scrubbed from the message and the cause.
 */
export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[], hints: FailureHints): PlatformApiError {
  const { statusCode } = failure;
  const what = statusCode === undefined ? `could not reach ${hints.platform} (network error or timeout)` : `${hints.platform} answered HTTP ${statusCode}`;
  const hint =
    statusCode === undefined
      ? hints.unreachable
      : statusCode === 429 || statusCode >= 500
        ? `${hints.platform} is busy or failing; retried with back-off`
        : (hints.byStatus[statusCode] ?? 'the request was refused');
  const detail = failure.platformMessage ? ` (${truncateText(failure.platformMessage, 300)})` : '';
  const retryAfterSeconds = parseRetryAfter(failure.retryAfter);
  return new PlatformApiError(scrubSecrets(`${failure.operation}: ${what}${detail}; ${hint}`, secrets), {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    cause: scrubCause(failure.cause, secrets),
  });
}

/** Keeps a cause for debugging without carrying request options or headers (which hold credentials). */
function scrubCause(cause: unknown, secrets: readonly string[]): unknown {
  if (cause === undefined) return undefined;
  if (VerdictError.isInstance(cause)) return cause;
  if (cause instanceof Error) return new Error(scrubSecrets(`${cause.name}: ${cause.message}`, secrets));
  return undefined;
}

function truncateText(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
