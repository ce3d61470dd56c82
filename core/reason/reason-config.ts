import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../spec/errors.js';
import { formatPath } from '../spec/zod-issues.js';

/**
 * Where the API key comes from. Never inline: a key written into the config file ends up in
 * backups, diffs and logs. Local servers (Ollama, vLLM without auth) need none.
 */
export const ApiKeySourceSchema = z.union(
  [
    z.strictObject({
      env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name looks like OPENAI_API_KEY'),
    }),
    z.strictObject({ file: z.string().min(1) }),
  ],
  { error: 'give apiKey as { env: "VAR_NAME" } or { file: "/path/to/key" }; an inline key is refused' },
);
export type ApiKeySource = z.infer<typeof ApiKeySourceSchema>;

export const ReasonProviderSchema = z
  .strictObject({
    /** Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama `http://127.0.0.1:11434/v1`, LM Studio). */
    baseURL: z.url().default('https://api.openai.com/v1'),
    model: z.string().min(1),
    apiKey: ApiKeySourceSchema.optional(),
    /** Azure OpenAI: baseURL is then the resource endpoint (`https://NAME.openai.azure.com`). */
    azure: z.strictObject({ deployment: z.string().min(1), apiVersion: z.string().min(1) }).optional(),
    /** Per HTTP request; a timed-out request counts as a retryable failure. */
    timeoutMs: z.number().int().positive().max(600_000).default(30_000),
    /** Retries of 429 / 5xx / timeouts with back-off (honours Retry-After). */
    maxRetries: z.number().int().min(0).max(2).default(2),
    /** Completion tokens per model call. */
    maxTokens: z.number().int().positive().max(32_000).default(800),
    /** Reasoning models (o-series, gpt-5) and recent Azure api-versions want `max_completion_tokens`. */
    tokenLimitParameter: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
    /** 0 for repeatable answers; null leaves it out (reasoning models accept only their default). */
    temperature: z.number().min(0).max(2).nullable().default(0),
    /** Prices in the currency of your contract, for the egress ledger's cost figure. */
    pricePer1kInput: z.number().nonnegative().default(0),
    pricePer1kOutput: z.number().nonnegative().default(0),
  })
  .refine((provider) => !provider.azure || !provider.baseURL.startsWith('https://api.openai.com'), {
    message: 'with azure set, baseURL must be your Azure resource endpoint (https://NAME.openai.azure.com)',
    path: ['baseURL'],
  });
export type ReasonProvider = z.infer<typeof ReasonProviderSchema>;

/**
 * When the model is asked. Duplicates and fingerprints already reasoned are never sent, whatever
 * the policy.
 * - `inconclusive-only`: only alerts the offline engine abstained on.
 * - `high-impact`: those, plus alerts with a containment recommendation (blast radius medium or high).
 * - `sampled`: those, plus a stable `share` of the others (chosen by fingerprint) for quality control.
 * - `always`: every alert that is not a duplicate.
 */
export const RoutingPolicySchema = z.strictObject({
  when: z.enum(['inconclusive-only', 'high-impact', 'sampled', 'always']).default('inconclusive-only'),
  share: z.number().min(0).max(1).default(0.02),
});
export type RoutingPolicy = z.infer<typeof RoutingPolicySchema>;

export const TokenBudgetSchema = z.strictObject({
  /** Input + output tokens over every call made for one alert (tool loop and repair included). */
  perAlert: z.number().int().positive().default(12_000),
  /** Input + output tokens per clock hour over all alerts. */
  perHour: z.number().int().positive().default(400_000),
});
export type TokenBudget = z.infer<typeof TokenBudgetSchema>;

export const ReasonToolLimitsSchema = z.strictObject({
  /** Model turns that may request tools; the turn after the last one must answer. */
  maxSteps: z.number().int().min(0).max(8).default(3),
  /** Tool calls honoured per turn (extra calls are answered with an error). */
  maxCallsPerStep: z.number().int().positive().max(8).default(4),
  timeoutMs: z.number().int().positive().max(60_000).default(5_000),
  /** Characters of a tool result passed to the model; longer results are cut and marked. */
  maxResultChars: z.number().int().positive().max(50_000).default(4_000),
});

export const ReasonPrivacySchema = z.strictObject({
  /** Names of `alert.fields` whose values are replaced by tokens before egress. */
  fields: z.array(z.string().min(1)).default([]),
  /** Domain suffixes that are internal (corp.example.com): such names become HOST tokens. */
  internalDomains: z.array(z.string().min(1)).default([]),
});

export const ReasonConfigSchema = z.strictObject({
  provider: ReasonProviderSchema,
  routing: RoutingPolicySchema.default(RoutingPolicySchema.parse({})),
  budget: TokenBudgetSchema.default(TokenBudgetSchema.parse({})),
  /** Most the model may move the log-odds of malice away from the offline score. */
  maxLogitShift: z.number().min(0).max(4).default(1.0),
  /** Evidence at or above this weight is strong: the model may then not lower the score at all. */
  strongEvidenceWeight: z.number().positive().default(2.0),
  tools: ReasonToolLimitsSchema.default(ReasonToolLimitsSchema.parse({})),
  privacy: ReasonPrivacySchema.default(ReasonPrivacySchema.parse({})),
  promptVersion: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'a prompt version is a file name such as triage-v1')
    .default('triage-v1'),
});
export type ReasonConfig = z.infer<typeof ReasonConfigSchema>;
export type ReasonConfigInput = z.input<typeof ReasonConfigSchema>;

/** Parse the `reason` section; the error names each failing field (never its value). */
export function parseReasonConfig(input: unknown, origin = 'reason'): ReasonConfig {
  const parsed = ReasonConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${origin}.${formatPath(issue.path) || '(root)'}: ${issue.message}`);
  throw new ConfigError(`invalid LLM reasoning config: ${issues.join('; ')}`);
}

/** Reads the key at start-up. Errors name the variable or file, never the key. */
export function resolveApiKey(source: ApiKeySource | undefined, env: NodeJS.ProcessEnv = process.env, readText: (path: string) => string = (path) => readFileSync(path, 'utf8')): string | undefined {
  if (!source) return undefined;
  if ('env' in source) {
    const value = env[source.env]?.trim();
    if (!value) throw new ConfigError(`reason.provider.apiKey: environment variable ${source.env} is empty or unset; export it or use { file: PATH }`);
    return value;
  }
  let text: string;
  try {
    text = readText(source.file);
  } catch (error) {
    throw new ConfigError(`reason.provider.apiKey: cannot read key file ${source.file}; check the path and its permissions`, { cause: error });
  }
  const value = text.trim();
  if (!value) throw new ConfigError(`reason.provider.apiKey: key file ${source.file} is empty`);
  return value;
}

/** The endpoint as it may appear in the ledger and the trace: no credentials, no query. */
export function describeEndpoint(provider: ReasonProvider): string {
  const url = new URL(provider.baseURL);
  url.username = '';
  url.password = '';
  url.search = '';
  const base = url.toString().replace(/\/$/, '');
  return provider.azure ? `${base}/openai/deployments/${provider.azure.deployment}` : base;
}

/** Model name recorded in results: the Azure deployment when there is one. */
export function modelName(provider: ReasonProvider): string {
  return provider.azure ? `${provider.model} (azure:${provider.azure.deployment})` : provider.model;
}
