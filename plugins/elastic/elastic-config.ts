import { z } from 'zod';
import { ConfigError } from '../../core/spec/errors.js';

/**
 * Elastic add-on settings. Parsed strictly: an unknown key is a typo. Secrets (API key, password)
 * are never echoed: zod issues name the path only, and `describeElasticConfig` masks them.
 */
const ApiKeyAuthSchema = z.strictObject({
  /** The encoded API key (`base64(id:api_key)`), sent as `Authorization: ApiKey <key>`. */
  apiKey: z.string().min(1, 'set auth.apiKey to an encoded Elasticsearch API key'),
});

const BasicAuthSchema = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1, 'set auth.password (or use auth.apiKey)'),
});

const VersionSchema = z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'kibanaVersion looks like 8.19 or 9.2.0');
const SpaceSchema = z.string().regex(/^[a-z0-9_-]+$/, 'space ids take lower-case letters, digits, _ and -');

export const ElasticConfigSchema = z.strictObject({
  /** Elasticsearch URL (https://<cluster>:9200); alert reads and verdict documents go here. */
  elasticsearchUrl: z.url({ protocol: /^https?$/, error: 'elasticsearchUrl must be an http(s) URL such as https://es.example:9200' }),
  /** Kibana URL (https://<kibana>:5601); signals status/tags and cases go here. */
  kibanaUrl: z.url({ protocol: /^https?$/, error: 'kibanaUrl must be an http(s) URL such as https://kibana.example:5601' }),
  auth: z.union([ApiKeyAuthSchema, BasicAuthSchema], { error: 'auth must be { apiKey } or { username, password }' }),
  /** PEM file of the CA that signed the Elasticsearch / Kibana certificates. */
  caFile: z.string().min(1).optional(),
  /** Kibana space: alerts index `.alerts-security.alerts-<space>`, API paths under `/s/<space>`. */
  space: SpaceSchema.default('default'),
  /** Kibana version; unset = read from `GET /api/status`. Decides whether close reasons are sent. */
  kibanaVersion: VersionSchema.optional(),
  /** Close alerts Verdict judges benign / false positive. Off by default: closing is a policy decision. */
  closeOnBenign: z.boolean().default(false),
  /** Verdict documents go to the data stream `logs-verdict.triage-<namespace>`. */
  namespace: z
    .string()
    .regex(/^[a-z0-9_]+$/, 'a data stream namespace takes lower-case letters, digits and _')
    .default('default'),
  /** Write a case comment per alert (one case per alert group). */
  cases: z.boolean().default(true),
  caseOwner: z.enum(['securitySolution', 'cases', 'observability']).default('securitySolution'),
  /** Alerts per pull. */
  pageSize: z.number().int().min(1).max(10_000).default(500),
  /** Seconds behind now that a pull stops at, so alerts still being indexed are not skipped. */
  indexLagSeconds: z.number().int().min(0).max(3600).default(60),
  /** How far back the first pull (no checkpoint) looks. */
  initialLookbackSeconds: z.number().int().min(0).default(86_400),
  /** Also pull building-block alerts (hidden in the Alerts table by default). */
  includeBuildingBlocks: z.boolean().default(false),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Upper bound for one back-off wait, Retry-After included. */
  maxRetryDelayMs: z.number().int().min(0).max(300_000).default(30_000),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export type ElasticConfig = z.infer<typeof ElasticConfigSchema>;
export type ElasticConfigInput = z.input<typeof ElasticConfigSchema>;

export function parseElasticConfig(input: unknown): ElasticConfig {
  const parsed = ElasticConfigSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `elastic.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid Elastic configuration: ${details}`);
  }
  return parsed.data;
}

/** The secrets of a config, so transport errors can be scrubbed of them. */
export function elasticSecrets(config: ElasticConfig): string[] {
  const secrets = 'apiKey' in config.auth ? [config.auth.apiKey] : [config.auth.password, Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')];
  return secrets.filter((secret) => secret.length > 0);
}

/** A printable view of the config with every secret replaced. */
export function describeElasticConfig(config: ElasticConfig): Record<string, unknown> {
  const auth = 'apiKey' in config.auth ? { apiKey: '***' } : { username: config.auth.username, password: '***' };
  return { ...config, auth };
}

/** The alerts index alias of a space (platforms.md §2.1). */
export function alertsIndexOf(space: string): string {
  return `.alerts-security.alerts-${space}`;
}
