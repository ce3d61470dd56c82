import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.js';

/**
 * Webhook signatures: `X-Verdict-Timestamp: <unix seconds>` and
 * `X-Verdict-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the platform's
 * shared secret (the Stripe / Slack scheme). A timestamp outside the window, or a signature
 * already seen inside it, is a replay and is refused.
 */
export const TIMESTAMP_HEADER = 'x-verdict-timestamp';
export const SIGNATURE_HEADER = 'x-verdict-signature';

export function signHookBody(secret: string, timestamp: number, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface HookVerifier {
  verify(input: { secret: string; timestamp: string | undefined; signature: string | undefined; body: Buffer; nowMs: number }): void;
}

export function createHookVerifier(toleranceSeconds: number): HookVerifier {
  // Signatures seen inside the window; older ones can no longer pass the timestamp check anyway.
  const seen = new Map<string, number>();

  // Entries arrive roughly in expiry order; one kept a little longer only costs memory.
  function forgetExpired(nowMs: number): void {
    for (const [signature, expiresMs] of seen) {
      if (expiresMs > nowMs) break;
      seen.delete(signature);
    }
  }

  return {
    verify({ secret, timestamp, signature, body, nowMs }) {
      if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
        throw new HttpError(401, `missing or malformed ${TIMESTAMP_HEADER}: send the signing time in unix seconds`);
      }
      if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
        throw new HttpError(401, `missing or malformed ${SIGNATURE_HEADER}: send sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`);
      }
      const signedMs = Number(timestamp) * 1000;
      if (Math.abs(nowMs - signedMs) > toleranceSeconds * 1000) {
        throw new HttpError(401, `the signature timestamp is more than ${toleranceSeconds} s from the server clock: sign each delivery when sending it`);
      }
      const expected = Buffer.from(signHookBody(secret, Number(timestamp), body));
      const presented = Buffer.from(signature);
      if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
        throw new HttpError(401, 'the signature does not match the body: sign "<timestamp>.<raw body>" with the shared secret');
      }
      forgetExpired(nowMs);
      if (seen.has(signature)) throw new HttpError(401, 'this delivery was already received (replay refused): sign each delivery anew');
      seen.set(signature, signedMs + toleranceSeconds * 1000);
    },
  };
}
