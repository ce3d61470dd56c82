import type { Redis } from 'ioredis';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import type { QueueConfig } from '../config/config-schema.js';

/**
 * Rate limits every worker shares, kept in Redis (rate-limiter-flexible): the LLM endpoint's and
 * each platform's write-back quota. `acquire` waits for a slot instead of failing, so a burst is
 * smoothed across the whole fleet rather than turned into 429s from the platform.
 */
export interface SharedRateLimits {
  /** Waits until one more model call is allowed (immediately when no limit is configured). */
  beforeModelCall(): Promise<void>;
  /** Waits until one more write-back to this platform is allowed. */
  beforeWriteBack(platform: string): Promise<void>;
}

export async function createSharedRateLimits(config: QueueConfig, redis: Redis, sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))): Promise<SharedRateLimits> {
  const { RateLimiterRedis, RateLimiterRes } = await import('rate-limiter-flexible');
  const limiters = new Map<string, RateLimiterRedis>();
  const limiter = (name: string, limit: { requests: number; perSeconds: number }): RateLimiterRedis => {
    let found = limiters.get(name);
    if (!found) {
      // Points per window; windows of whole seconds (rate-limiter-flexible's unit), fractional ones rounded up.
      found = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.prefix}:rate`, points: limit.requests, duration: Math.max(1, Math.ceil(limit.perSeconds)) });
      limiters.set(name, found);
    }
    return found;
  };
  async function acquire(name: string, limit: { requests: number; perSeconds: number } | undefined): Promise<void> {
    if (!limit) return;
    for (;;) {
      try {
        await limiter(name, limit).consume(name, 1);
        return;
      } catch (rejection) {
        // A RateLimiterRes says when the next slot opens; anything else is Redis failing.
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        await sleep(Math.max(5, rejection.msBeforeNext));
      }
    }
  }
  return {
    beforeModelCall: () => acquire('llm', config.rateLimits.llm),
    beforeWriteBack: (platform) => acquire(`write-back:${platform}`, config.rateLimits.writeBack[platform]),
  };
}
