import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpError } from './http-error.js';

/**
 * Webhook signatures: `X-Verdict-Timestamp: <unix seconds>` and
 * `X-Verdict-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">` with the platform's
 * shared secret (the Stripe / Slack scheme). A timestamp outside the window, or a signature
 * already seen inside it, is a replay and is refused; seen signatures live in the store, so a
 * restart or a second instance refuses them too.
 */
export const TIMESTAMP_HEADER = 'x-verdict-timestamp';
export const SIGNATURE_HEADER = 'x-verdict-signature';

export function signHookBody(secret: string, timestamp: number, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface HookVerifier {
  /**
   * Checks the headers, the timestamp window and the HMAC; returns when the signature stops
   * mattering (the end of its window). Replays are refused by the caller through the store.
   */
  verify(input: { secret: string; timestamp: string | undefined; signature: string | undefined; body: Buffer; nowMs: number }): { signature: string; expiresMs: number };
}

export function createHookVerifier(toleranceSeconds: number): HookVerifier {
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
      return { signature, expiresMs: signedMs + toleranceSeconds * 1000 };
    },
  };
}

/** The error for a signature the store has seen inside its window (a replay, also one sent to another instance). */
export function replayError(): HttpError {
  return new HttpError(401, 'this delivery was already received (replay refused): sign each delivery anew');
}
