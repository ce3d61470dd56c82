import { z } from 'zod';
import { ConfigError } from '../../core/spec/errors.js';

/**
 * Sentinel / Defender XDR add-on settings. Parsed strictly: an unknown key is a typo. Secrets
 * (client secret, certificate private key) are never echoed: zod issues name the path only.
 * Endpoints are configurable for national clouds (and the emulator); plain http is accepted only
 * on a loopback host.
 */

const isLoopback = (url: string): boolean => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false; // Not a URL: the url check names the field.
  }
};
const endpoint = (example: string) =>
  z
    .url({ protocol: /^https?$/, error: `must be an https URL such as ${example}` })
    .refine((url) => url.startsWith('https://') || isLoopback(url), `must use https (http only on a loopback emulator), e.g. ${example}`)
    .transform((url) => url.replace(/\/+$/, ''));

const SecretAuthSchema = z.strictObject({
  /** App registration client secret (Certificates & secrets). */
  clientSecret: z.string().min(1, 'set auth.clientSecret, or use auth.certificatePath'),
});
const CertificateAuthSchema = z.strictObject({
  /** PEM file holding the certificate and its private key (the client assertion is signed with it). */
  certificatePath: z.string().min(1, 'set auth.certificatePath to a PEM file with certificate and private key'),
  /** Send the x5c header (subject name / issuer authentication). */
  sendCertificateChain: z.boolean().default(false),
});

const WorkspaceSchema = z.strictObject({
  subscriptionId: z.uuid({ error: 'sentinelWorkspace.subscriptionId must be a subscription GUID' }),
  resourceGroup: z.string().regex(/^[-\w._()]{1,90}$/, 'sentinelWorkspace.resourceGroup: 1-90 letters, digits, -_.()'),
  workspaceName: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$/, 'sentinelWorkspace.workspaceName: letters, digits and -, 3-90 (Incidents.json pattern)')
    .max(90),
});

export const SentinelConfigSchema = z.strictObject({
  /** Directory (tenant) id of the app registration. */
  tenantId: z.string().regex(/^[0-9a-zA-Z.-]{1,100}$/, 'tenantId must be the directory GUID or a verified domain'),
  /** Application (client) id. */
  clientId: z.uuid({ error: "clientId must be the app registration's application (client) GUID" }),
  auth: z.union([SecretAuthSchema, CertificateAuthSchema], { error: 'auth must be { clientSecret } or { certificatePath }' }),
  /** Microsoft Entra authority host; national clouds use their own (login.microsoftonline.us, login.chinacloudapi.cn). */
  authorityHost: endpoint('https://login.microsoftonline.com').default('https://login.microsoftonline.com'),
  /** Microsoft Graph root (graph.microsoft.us, microsoftgraph.chinacloudapi.cn for national clouds). */
  graphEndpoint: endpoint('https://graph.microsoft.com').default('https://graph.microsoft.com'),
  /** Azure Resource Manager root, for the Sentinel incidents API. */
  armEndpoint: endpoint('https://management.azure.com').default('https://management.azure.com'),
  /** Extra trusted CA certificates (PEM file), for TLS-inspecting proxies and private clouds. */
  caFile: z.string().min(1).optional(),
  /** What to pull: Graph alerts_v2, Graph incidents (with their alerts), Sentinel ARM incidents. */
  sources: z
    .strictObject({
      alerts: z.boolean().default(true),
      incidents: z.boolean().default(true),
      armIncidents: z.boolean().default(false),
    })
    .default({ alerts: true, incidents: true, armIncidents: false }),
  /** The Sentinel workspace, needed for ARM incidents. */
  sentinelWorkspace: WorkspaceSchema.optional(),
  /** Set classification and determination (Graph) / classification and reason (ARM). Off: suggested in the comment only. */
  writeClassification: z.boolean().default(false),
  /** Resolve (Graph) / close (ARM) what Verdict judges benign or false positive. A policy decision: off by default. */
  closeOnBenign: z.boolean().default(false),
  /** Where the first pull starts, in minutes before now, when there is no checkpoint. */
  initialLookbackMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 90)
    .default(24 * 60),
  /** `$top` of each list page (Graph incidents take at most 50 a page; alerts_v2 and ARM up to this). */
  pageSize: z.number().int().min(1).max(1000).default(50),
  /** Safety cap on pages followed in one pull. */
  maxPagesPerPull: z.number().int().min(1).max(10_000).default(200),
  /** One limiter per tenant: at most this many requests in any window of `rateLimitWindowSeconds` (Graph security: 150 per minute). */
  rateLimitRequests: z.number().int().min(1).max(10_000).default(150),
  rateLimitWindowSeconds: z.number().min(0.1).max(3600).default(60),
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Upper bound for one back-off wait, Retry-After included. */
  maxRetryDelayMs: z.number().int().min(0).max(600_000).default(60_000),
  /** ARM PUTs retried after a 412 / 409 (stale etag) with a fresh read. */
  maxEtagRetries: z.number().int().min(0).max(10).default(3),
  requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export type SentinelConfig = z.infer<typeof SentinelConfigSchema>;
export type SentinelConfigInput = z.input<typeof SentinelConfigSchema>;

export function parseSentinelConfig(input: unknown): SentinelConfig {
  const parsed = SentinelConfigSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `sentinel.${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid Sentinel configuration: ${details}`);
  }
  const config = parsed.data;
  if (config.sources.armIncidents && !config.sentinelWorkspace) {
    throw new ConfigError('invalid Sentinel configuration: sentinel.sources.armIncidents needs sentinel.sentinelWorkspace { subscriptionId, resourceGroup, workspaceName }');
  }
  if (!config.sources.alerts && !config.sources.incidents && !config.sources.armIncidents) {
    throw new ConfigError('invalid Sentinel configuration: sentinel.sources turns every source off; enable alerts, incidents or armIncidents');
  }
  return config;
}

export function sentinelSecrets(config: SentinelConfig): string[] {
  return 'clientSecret' in config.auth ? [config.auth.clientSecret] : [];
}

export function describeSentinelConfig(config: SentinelConfig): Record<string, unknown> {
  return { ...config, auth: 'clientSecret' in config.auth ? { clientSecret: '***' } : { certificatePath: config.auth.certificatePath } };
}
