import { afterAll, describe, expect, it } from 'vitest';
import { QueueConfigSchema } from '../../core/config/config-schema.js';
import { redisConnection } from '../../core/queue/jobs.js';
import { createSharedRateLimits } from '../../core/queue/rate-limiter.js';
import { backoffMs } from '../../core/queue/worker.js';
import { startTestRedis, type TestRedis } from './redis-server.js';

const redis: TestRedis = await startTestRedis();
afterAll(async () => redis.stop?.());

describe.skipIf(redis.skipReason !== undefined)(`rate limits shared by every worker, in Redis${redis.skipReason ? ` (skipped: ${redis.skipReason})` : ''}`, () => {
  it('two workers together stay within one platform write-back quota and one LLM quota', async () => {
    const config = QueueConfigSchema.parse({
      redis: redis.url!,
      prefix: `limits-${process.pid}`,
      rateLimits: { llm: { requests: 3, perSeconds: 1 }, writeBack: { splunk: { requests: 5, perSeconds: 1 } } },
    });
    const connections = await Promise.all([redisConnection(redis.url!), redisConnection(redis.url!)]);
    try {
      // Two processes' limiters: separate clients, the same buckets.
      const [first, second] = await Promise.all(connections.map((connection) => createSharedRateLimits(config, connection)));
      const started = Date.now();
      const calls: number[] = [];
      await Promise.all(
        [first!, second!].map(async (limits) => {
          for (let call = 0; call < 10; call += 1) {
            await limits.beforeWriteBack('splunk');
            calls.push(Date.now() - started);
          }
        }),
      );
      // 20 calls at 5 per one-second window (fixed windows, as platform quotas count): the last
      // is at least 3 s in, and no sliding second holds more than two windows' worth.
      expect(calls).toHaveLength(20);
      expect(Math.max(...calls)).toBeGreaterThanOrEqual(2900);
      for (const at of calls) expect(calls.filter((other) => other >= at && other < at + 1000).length).toBeLessThanOrEqual(10);
      // A platform without a quota is not held up; the LLM has its own bucket.
      const free = Date.now();
      for (let call = 0; call < 50; call += 1) await first!.beforeWriteBack('elastic');
      expect(Date.now() - free).toBeLessThan(500);
      const llmStarted = Date.now();
      for (let call = 0; call < 6; call += 1) await (call % 2 ? first! : second!).beforeModelCall();
      expect(Date.now() - llmStarted).toBeGreaterThanOrEqual(900);
    } finally {
      await Promise.all(connections.map((connection) => connection.quit()));
    }
  }, 30_000);
});

describe('retry back-off', () => {
  it('is exponential, capped, with full jitter', () => {
    const config = { backoffSeconds: 1, maxBackoffSeconds: 60 };
    expect(backoffMs(config, 1, () => 0.999)).toBeCloseTo(999, 0);
    expect(backoffMs(config, 4, () => 0.999)).toBeCloseTo(7992, 0);
    expect(backoffMs(config, 20, () => 0.999)).toBeCloseTo(59_940, 0);
    expect(backoffMs(config, 3, () => 0)).toBe(0);
    const waits = Array.from({ length: 200 }, () => backoffMs(config, 3));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThanOrEqual(4000);
    expect(new Set(waits.map((wait) => Math.round(wait / 500))).size, 'spread over the range').toBeGreaterThan(5);
  });
});
