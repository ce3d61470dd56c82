import { z } from 'zod';
import { ConfigError } from '../../core/spec/errors.js';

/**
 * Splunk add-on settings. Parsed strictly: an unknown key is a typo, not an extension point.
 * Secrets (token, password, hecToken) are never echoed: zod issues name the path only, and
 * `describeSplunkConfig` is the only way this module prints a config.
 */
const TokenAuthSchema = z.strictObject({
  /** A Splunk authentication token (JWT) or a session key. */
  token: z.string().min(1, 'set auth.token to a Splunk authentication token'),
  /** `Bearer` for authentication tokens (Settings > Tokens), `Splunk` for session keys. */
  scheme: z.enum(['Bearer', 'Splunk']).default('Bearer'),
});

const PasswordAuthSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1, 'set auth.password (or use auth.token)'),
});

export const SplunkConfigSchema = z.strictObject({
  /** Management (splunkd REST) URL, usually https://<search-head>:8089. */
  baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL such as https://splunk.example:8089' }),
  auth: z.union([TokenAuthSchema, PasswordAuthSchema], {
    error: 'auth must be { token } or { username, password }',
  }),
  /** HTTP Event Collector base URL, usually https://<host>:8088. Without it no verdict events are sent. */
  hecUrl: z.url({ protocol: /^https?$/ }).optional(),
  hecToken: z.string().min(1).optional(),
  /** Ask HEC for indexer acknowledgement (the token must have it enabled). */
  hecUseAck: z.boolean().default(false),
  /** Index for verdict events; unset = the HEC token's default index. */
  hecIndex: z.string().min(1).optional(),
  hecSourcetype: z.string().min(1).default('verdict:result'),
  /** KV store collection holding one row per delivered verdict (the `verdict_results` lookup). */
  kvCollection: z
    .string()
    .regex(/^[\w-]+$/, 'kvCollection takes letters, digits, _ and -')
    .default('verdict_results'),
  /** App namespace of the KV store collection and the app's settings. */
  app: z.string().min(1).default('verdict_app'),
  /** Enterprise Security major version: 7 writes through notable_update, 8 through findings/notes. */
  esVersion: z.union([z.literal(7), z.literal(8)]).default(7),
  /** Close notables Verdict judges benign/false positive. Off by default: closing is a policy decision. */
  closeOnBenign: z.boolean().default(false),
  /** Search that yields notables; `search ` is prefixed unless it starts with `|` or `search`. */
  search: z.string().min(1).default('`notable`'),
  /** Search that yields the incident review history (analyst status/disposition changes). */
  reviewSearch: z.string().min(1).default('| inputlookup incident_review_lookup'),
  /** Where the first pull starts (Splunk time modifier or epoch seconds) when there is no checkpoint. */
  initialEarliest: z.string().min(1).default('-24h'),
  /** Notables per pull. */
  pageSize: z.number().int().min(1).max(10_000).default(500),
  /** Seconds behind now that a pull stops at, so late-indexed notables are not skipped. */
  indexLagSeconds: z.number().int().min(0).max(3600).default(60),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Upper bound for one back-off wait, Retry-After included. */
  maxRetryDelayMs: z.number().int().min(0).max(300_000).default(30_000),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export type SplunkConfig = z.infer<typeof SplunkConfigSchema>;
export type SplunkConfigInput = z.input<typeof SplunkConfigSchema>;

export function parseSplunkConfig(input: unknown): SplunkConfig {
  const parsed = SplunkConfigSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `splunk.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid Splunk configuration: ${details}`);
  }
  const config = parsed.data;
  if ((config.hecUrl === undefined) !== (config.hecToken === undefined)) {
    throw new ConfigError('invalid Splunk configuration: splunk.hecUrl and splunk.hecToken go together; set both or neither');
  }
  return config;
}

/** The secrets of a config, so transport errors can be scrubbed of them. */
export function splunkSecrets(config: SplunkConfig): string[] {
  const secrets = [config.hecToken];
  if ('token' in config.auth) secrets.push(config.auth.token);
  else secrets.push(config.auth.password);
  return secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length > 0);
}

/** A printable view of the config with every secret replaced. */
export function describeSplunkConfig(config: SplunkConfig): Record<string, unknown> {
  const auth = 'token' in config.auth ? { token: '***', scheme: config.auth.scheme } : { username: config.auth.username, password: '***' };
  return { ...config, auth, hecToken: config.hecToken === undefined ? undefined : '***' };
}
