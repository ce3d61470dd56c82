import type { PlatformApiError } from '../../core/spec/errors.js';

/**
 * Retry classification and back-off for every Elasticsearch and Kibana call, in one place: 429,
 * 5xx and network failures are retried with exponential back-off that honours `Retry-After`; any
 * other 4xx fails at once. The SDK's own retries are off so that nothing retries twice.
 */

// Back-off and secret scrubbing are shared by every plugin (core/transport/retry.ts).
import { toPlatformApiError as toCoreError, type HttpFailure } from '../../core/transport/retry.js';
export { parseRetryAfter, scrubSecrets, withRetry, type HttpFailure, type RetryPolicy } from '../../core/transport/retry.js';

const HINT_BY_STATUS: Record<number, string> = {
  400: 'the request was rejected as malformed; check the ids, the query and the Kibana version (elastic.kibanaVersion)',
  401: 'Elastic rejected the credentials; check elastic.auth (apiKey, or username/password)',
  403: 'the user or API key lacks a privilege (read on .alerts-security.alerts-*, the Security and Cases features, create_doc on logs-verdict.triage-*); see plugins/elastic/README.md',
  404: 'the endpoint or object does not exist; check elastic.elasticsearchUrl, elastic.kibanaUrl and elastic.space',
  409: 'a conflicting write (version conflict); read the object again and retry',
};

/** A failed Elastic call as a PlatformApiError naming what to check (core/transport/retry.ts). */
export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[]): PlatformApiError {
  return toCoreError(failure, secrets, { platform: 'Elastic', unreachable: 'check elastic.elasticsearchUrl / elastic.kibanaUrl, elastic.caFile and the network path', byStatus: HINT_BY_STATUS });
}
