import { PlatformApiError, VerdictError } from '../../core/spec/errors.js';

/**
 * Retry classification and back-off for every Elasticsearch and Kibana call, in one place: 429,
 * 5xx and network failures are retried with exponential back-off that honours `Retry-After`; any
 * other 4xx fails at once. The SDK's own retries are off so that nothing retries twice.
 */

// Back-off and secret scrubbing are shared by every plugin (core/transport/retry.ts).
import { parseRetryAfter, scrubSecrets } from '../../core/transport/retry.js';
export { parseRetryAfter, scrubSecrets, withRetry, type RetryPolicy } from '../../core/transport/retry.js';

export interface HttpFailure {
  operation: string;
  statusCode: number | undefined;
  retryAfter?: string | string[] | null;
  /** What the platform said (Elasticsearch `error.reason`, Kibana `message`); scrubbed before use. */
  platformMessage?: string;
  cause?: unknown;
}

const HINT_BY_STATUS: Record<number, string> = {
  400: 'the request was rejected as malformed; check the ids, the query and the Kibana version (elastic.kibanaVersion)',
  401: 'Elastic rejected the credentials; check elastic.auth (apiKey, or username/password)',
  403: 'the user or API key lacks a privilege (read on .alerts-security.alerts-*, the Security and Cases features, create_doc on logs-verdict.triage-*); see plugins/elastic/README.md',
  404: 'the endpoint or object does not exist; check elastic.elasticsearchUrl, elastic.kibanaUrl and elastic.space',
  409: 'a conflicting write (version conflict); read the object again and retry',
};

export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[]): PlatformApiError {
  const { statusCode } = failure;
  const what = statusCode === undefined ? 'could not reach Elastic (network error or timeout)' : `Elastic answered HTTP ${statusCode}`;
  const hint =
    statusCode === undefined
      ? 'check elastic.elasticsearchUrl / elastic.kibanaUrl, elastic.caFile and the network path'
      : statusCode === 429 || statusCode >= 500
        ? 'Elastic is busy or failing; retried with back-off'
        : (HINT_BY_STATUS[statusCode] ?? 'the request was refused');
  const detail = failure.platformMessage ? ` (${truncate(failure.platformMessage, 300)})` : '';
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

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
