import { z } from 'zod';

/**
 * `server:` in the config file: how `verdict serve` listens and what it allows. Secrets never live
 * here — webhook secrets come from VERDICT_HOOK_SECRET_<PLATFORM>, API tokens from `verdict token create`.
 */
export const ServerConfigSchema = z
  .object({
    /** Loopback by default: expose it deliberately, behind TLS. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8477),
    /** PEM files; when both are given the server speaks HTTPS only. */
    tls: z
      .object({ cert: z.string().min(1), key: z.string().min(1) })
      .strict()
      .optional(),
    /** Larger request bodies are refused with 413. */
    bodyLimitBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    /** Most alerts in one POST /v1/triage; more is refused with 413. */
    maxBatch: z.number().int().positive().default(1000),
    /** Per token: a bucket of `burst` requests refilled at `requestsPerSecond`; empty → 429 with Retry-After. */
    rateLimit: z
      .object({ requestsPerSecond: z.number().positive().default(50), burst: z.number().int().positive().default(100) })
      .strict()
      .default({ requestsPerSecond: 50, burst: 100 }),
    /** A pending approval nobody decided within this many hours expires and can no longer be approved. */
    approvalTtlHours: z.number().positive().default(24),
    /** Webhook signatures older or newer than this many seconds are refused (replay window). */
    hookToleranceSeconds: z.number().int().positive().max(3600).default(300),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
