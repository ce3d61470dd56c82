/**
 * Per-caller token buckets: `burst` requests at once, refilled at `requestsPerSecond`. In memory,
 * so each server process limits on its own; a limit shared across processes needs Redis.
 */
export interface RateLimiter {
  /** Takes one request from the caller's bucket; when empty, says how long until the next one fits. */
  take(key: string, nowMs: number): { allowed: true } | { allowed: false; retryAfterSeconds: number };
  /** Like take, without taking: is the bucket empty now? */
  peek(key: string, nowMs: number): { allowed: true } | { allowed: false; retryAfterSeconds: number };
}

/** Buckets kept at most; beyond it the least recently used is forgotten (which only ever forgives). */
const MAX_BUCKETS = 10_000;

export function createRateLimiter(options: { requestsPerSecond: number; burst: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; updatedMs: number }>();
  const refill = (bucket: { tokens: number; updatedMs: number }, nowMs: number): number =>
    Math.min(options.burst, bucket.tokens + (Math.max(0, nowMs - bucket.updatedMs) / 1000) * options.requestsPerSecond);
  return {
    peek(key, nowMs) {
      const bucket = buckets.get(key);
      const tokens = bucket ? refill(bucket, nowMs) : options.burst;
      return tokens >= 1 ? { allowed: true } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / options.requestsPerSecond)) };
    },
    take(key, nowMs) {
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_BUCKETS) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        bucket = { tokens: options.burst, updatedMs: nowMs };
      } else {
        buckets.delete(key);
      }
      // Re-inserting keeps the map in least-recently-used order for the eviction above.
      buckets.set(key, bucket);
      const elapsedSeconds = Math.max(0, nowMs - bucket.updatedMs) / 1000;
      bucket.tokens = Math.min(options.burst, bucket.tokens + elapsedSeconds * options.requestsPerSecond);
      bucket.updatedMs = nowMs;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.requestsPerSecond)) };
    },
  };
}
