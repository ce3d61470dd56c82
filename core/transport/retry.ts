import { type PlatformApiError, VerdictError } from '../spec/errors.js';

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
