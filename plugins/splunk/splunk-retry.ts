import { PlatformApiError, VerdictError } from '../../core/spec/errors.js';

/**
 * Retry classification and back-off for every Splunk call, in one place: 429 and 5xx (and
 * network failures) are retried with exponential back-off that honours `Retry-After`; any other
 * 4xx fails at once. Error messages are scrubbed of every configured secret.
 */

// Back-off and secret scrubbing are shared by every plugin (core/transport/retry.ts).
import { parseRetryAfter, scrubSecrets } from '../../core/transport/retry.js';
export { parseRetryAfter, scrubSecrets, withRetry, type RetryPolicy } from '../../core/transport/retry.js';

export interface HttpFailure {
  operation: string;
  statusCode: number | undefined;
  retryAfter?: string | string[] | null;
  /** Text the platform gave (Splunk `messages[].text`, HEC `text`); scrubbed before use. */
  platformMessage?: string;
  cause?: unknown;
}

const HINT_BY_STATUS: Record<number, string> = {
  400: 'the request was rejected as malformed; check the search, ids and field values',
  401: 'Splunk rejected the credentials; check splunk.auth (token or username/password) or the HEC token',
  403: 'the Splunk user lacks a capability (edit_notable_events, the ess_analyst role, KV store write access)',
  404: 'the endpoint or object does not exist; check splunk.baseUrl, splunk.app, splunk.kvCollection and splunk.esVersion',
};

export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[]): PlatformApiError {
  const { statusCode } = failure;
  const what = statusCode === undefined ? 'could not reach Splunk (network error or timeout)' : `Splunk answered HTTP ${statusCode}`;
  const hint =
    statusCode === undefined
      ? 'check splunk.baseUrl / splunk.hecUrl and the network path'
      : statusCode === 429 || statusCode >= 500
        ? 'Splunk is busy or failing; retried with back-off'
        : (HINT_BY_STATUS[statusCode] ?? 'the request was refused');
  const detail = failure.platformMessage ? ` (${truncate(failure.platformMessage, 300)})` : '';
  const message = scrubSecrets(`${failure.operation}: ${what}${detail}; ${hint}`, secrets);
  const retryAfterSeconds = parseRetryAfter(failure.retryAfter);
  return new PlatformApiError(message, {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    cause: scrubCause(failure.cause, secrets),
  });
}

/** Keeps a cause for debugging without carrying request options (which hold credentials). */
function scrubCause(cause: unknown, secrets: readonly string[]): unknown {
  if (cause === undefined) return undefined;
  if (VerdictError.isInstance(cause)) return cause;
  if (cause instanceof Error) return new Error(scrubSecrets(`${cause.name}: ${cause.message}`, secrets));
  return undefined;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
