import type { PlatformApiError } from '../../core/spec/errors.js';

/**
 * Retry classification and back-off for every Splunk call, in one place: 429 and 5xx (and
 * network failures) are retried with exponential back-off that honours `Retry-After`; any other
 * 4xx fails at once. Error messages are scrubbed of every configured secret.
 */

// Back-off and secret scrubbing are shared by every plugin (core/transport/retry.ts).
import { toPlatformApiError as toCoreError, type HttpFailure } from '../../core/transport/retry.js';
export { parseRetryAfter, scrubSecrets, withRetry, type HttpFailure, type RetryPolicy } from '../../core/transport/retry.js';

const HINT_BY_STATUS: Record<number, string> = {
  400: 'the request was rejected as malformed; check the search, ids and field values',
  401: 'Splunk rejected the credentials; check splunk.auth (token or username/password) or the HEC token',
  403: 'the Splunk user lacks a capability (edit_notable_events, the ess_analyst role, KV store write access)',
  404: 'the endpoint or object does not exist; check splunk.baseUrl, splunk.app, splunk.kvCollection and splunk.esVersion',
};

/** A failed Splunk call as a PlatformApiError naming what to check (core/transport/retry.ts). */
export function toPlatformApiError(failure: HttpFailure, secrets: readonly string[]): PlatformApiError {
  return toCoreError(failure, secrets, { platform: 'Splunk', unreachable: 'check splunk.baseUrl / splunk.hecUrl and the network path', byStatus: HINT_BY_STATUS });
}
