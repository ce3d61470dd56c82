import { z } from 'zod';
import { ReasonConfigSchema } from '../reason/reason-config.js';
import { ServerConfigSchema } from './server-config.js';
import { CalibrationConfigSchema } from '../pipeline/calibration.js';

/** Where verdicts, dispositions and the audit log live. */
export const StoreConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string().optional() }).strict(),
  z
    .object({
      kind: z.literal('postgres'),
      /** postgres://… (or `${VERDICT_STORE_URL}` to read it from the environment, e.g. a Kubernetes secret). */
      url: z.string().min(1),
      /** Schema for Verdict's tables (created if missing); default: the server's search_path (public). Tenants get `<schema>_<tenant>`. */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'a schema name is lower-case letters, digits and _')
        .optional(),
    })
    .strict(),
]);

const probability = z.number().gt(0).lt(1);

/**
 * The decide stage. Every default is shown, with a comment, in examples/verdict.config.yaml.
 * p ≥ truePositive → true_positive; p ≤ benign → benign_positive / false_positive; else inconclusive.
 */
export const DecideConfigSchema = z
  .object({
    thresholds: z
      .object({ truePositive: probability.default(0.6), benign: probability.default(0.2) })
      .strict()
      .default({ truePositive: 0.6, benign: 0.2 })
      .refine((value) => value.benign < value.truePositive, {
        message: 'benign must be below truePositive (the band between them is the abstain band)',
      }),
    /** Prior probability of malice by severity, before any evidence or learned history. */
    severityPrior: z
      .object({
        informational: probability.default(0.1),
        low: probability.default(0.2),
        medium: probability.default(0.35),
        high: probability.default(0.5),
        critical: probability.default(0.65),
        unset: probability.default(0.25),
      })
      .strict()
      .default({ informational: 0.1, low: 0.2, medium: 0.35, high: 0.5, critical: 0.65, unset: 0.25 }),
    /**
     * Conservative closing: a benign verdict also needs one evidence item pointing to benign with
     * at least this weight (e.g. 0.8: history, routine, a suppression), not only weak signs adding
     * up. 0 (the default) closes on the score alone. See docs/results.md for both operating points.
     */
    minBenignEvidence: z.number().min(0).max(4).default(0),
    /**
     * In the first hours of a deployment (the network watched for less than context.warmupSeconds,
     * so no subject can have a baseline yet), closing needs at least one benign item of this weight
     * (history, a suppression, known-benign intel, a routine operation), whatever minBenignEvidence
     * says: without any baseline, weak signs adding up are not enough.
     */
    coldStartMinBenignEvidence: z.number().min(0).max(4).default(0.8),
    /** No single evidence item may move the log-odds by more than this. */
    maxWeightPerEvidence: z.number().positive().default(4),
    /** Per-enricher multipliers on evidence weights (1 = as emitted, 0 = observe only). */
    enricherWeights: z.record(z.string(), z.number().min(0).max(4)).default({}),
    /** The map from score to probabilityMalicious, learned from this deployment's dispositions. */
    calibration: CalibrationConfigSchema.default(CalibrationConfigSchema.parse({})),
  })
  .strict();

export const GroupConfigSchema = z
  .object({
    /** Alerts with the same rule and key entities in one bucket of this many seconds are duplicates. */
    bucketSeconds: z.number().int().positive().default(600),
    /** Most fingerprints remembered for duplicate lookup (bounded memory). */
    maxTracked: z.number().int().positive().default(50_000),
  })
  .strict();

export const ContextConfigSchema = z
  .object({
    /** Sliding window for "what else is happening on this host / user / address". */
    windowSeconds: z.number().int().positive().default(1800),
    /** A rule is new on a host only once the host has been watched this long. */
    warmupSeconds: z.number().int().nonnegative().default(21_600),
    /** …and has raised at least this many alerts: novelty against a handful of alerts means little. */
    baselineMinAlerts: z.number().int().nonnegative().default(20),
    /**
     * Novelty and "nothing else around it" count only once the whole network has been watched this
     * long (one daily cycle by default): on a new deployment everything is new. Before, those claims
     * say "no baseline yet" with weight 0.
     */
    fleetBaselineSeconds: z.number().int().nonnegative().default(86_400),
    /** Distinct hours a rule must have fired on an entity before it counts as routine there. */
    routineMinHours: z.number().int().positive().default(6),
    /** Most entities tracked at once (bounded memory; the least recently seen are dropped). */
    maxEntities: z.number().int().positive().default(20_000),
  })
  .strict();

export const MemoryConfigSchema = z
  .object({
    /** Pseudo-count of the prior when blending in learned dispositions (higher = learns slower). */
    priorStrength: z.number().positive().default(3),
    /** Dispositions lose half their weight after this many days. */
    halfLifeDays: z.number().positive().default(30),
  })
  .strict();

export const ActionPolicyRuleSchema = z
  .object({
    name: z.string().min(1),
    actions: z.array(z.string()).default([]),
    minCriticality: z.enum(['low', 'medium', 'high', 'critical']).optional(),
    maxConfidence: z.number().min(0).max(1).optional(),
    requiresApproval: z.boolean(),
  })
  .strict();

export const PolicyConfigSchema = z
  .object({
    /** Close alerts judged benign / false in the console (off by default; tags and comments are always written). */
    closeBenign: z.boolean().default(false),
    /** First matching rule wins; when none matches, the action's blast radius decides. */
    approvalRules: z.array(ActionPolicyRuleSchema).default([]),
  })
  .strict();

/** Field map for generic JSON / CSV input: Alert field → dotted path(s) in the record. */
export const FieldMapSchema = z
  .object({
    id: z.string().optional(),
    title: z.string(),
    ruleName: z.string().optional(),
    ruleId: z.string().optional(),
    ruleAuthor: z.string().optional(),
    description: z.string().optional(),
    severity: z.string().optional(),
    time: z.string(),
    /** How the time field is written; `auto` reads ISO 8601, epoch seconds or milliseconds. */
    timeFormat: z.enum(['auto', 'iso', 'epoch_seconds', 'epoch_millis']).default('auto'),
    product: z.string().optional(),
    /** Split the product off the title at the first `separator` (e.g. `Wazuh: …`). */
    productPrefixSeparator: z.string().optional(),
    category: z.string().optional(),
    attack: z.string().optional(),
    /** Entities: kind → role → path. */
    entities: z
      .array(
        z
          .object({
            kind: z.string(),
            path: z.string(),
            role: z.enum(['actor', 'target', 'source', 'destination', 'related']).default('related'),
            /** Entity properties read from other paths, e.g. {image: Image, parentImage: ParentImage}. */
            properties: z.record(z.string(), z.string()).optional(),
          })
          .strict(),
      )
      .default([]),
    /** Values mapped onto Verdict severities, e.g. {"1": "low", "urgent": "critical"}. */
    severityMap: z.record(z.string(), z.string()).default({}),
    /** Record fields copied into alert.fields (dotted paths). */
    keepFields: z.array(z.string()).default([]),
    /** Every scalar under these objects is copied into alert.fields under its own key (e.g. EventData). */
    keepFieldsUnder: z.array(z.string()).default([]),
  })
  .strict();
export type FieldMap = z.infer<typeof FieldMapSchema>;

/** A tenant: lower-case letters, digits, `-` and `_` (it names a queue, a schema and a file). */
export const TenantIdSchema = z.string().regex(/^[a-z0-9](?:[a-z0-9_-]{0,38}[a-z0-9])?$/, 'a tenant id is 1–40 lower-case letters, digits, - or _, starting and ending with a letter or digit');

const RateLimitSchema = z
  .object({
    /** Calls allowed per window, across every worker. */
    requests: z.number().int().positive(),
    perSeconds: z.number().positive().default(1),
  })
  .strict();

/**
 * Scale-out (`verdict worker`): connectors, `verdict enqueue` and the service's async jobs put
 * batches on BullMQ queues in Redis, one queue per tenant, and workers triage them. Absent =
 * everything is triaged inline, in the process that received it.
 */
export const QueueConfigSchema = z
  .object({
    /** Redis URL, e.g. redis://127.0.0.1:6379 (or `${VERDICT_REDIS_URL}` to read it from the environment). */
    redis: z.string().min(1),
    /** Prefix of every Redis key, so several deployments can share one Redis. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default('verdict'),
    /** Alerts per job when a connector or `verdict enqueue` splits a batch. */
    jobSize: z.number().int().min(1).max(10_000).default(1000),
    /** Tenants this worker serves; empty = every tenant that has enqueued work (found in Redis). */
    tenants: z.array(TenantIdSchema).default([]),
    /** Seconds a worker holds a job without renewing its lock; then (it died) another worker takes the job. */
    lockSeconds: z.number().min(1).max(3600).default(30),
    /** How often a job may be found abandoned by a dead worker before it goes to the dead-letter queue. */
    maxStalled: z.number().int().min(0).max(100).default(3),
    /** Tries of a job that fails for a passing reason (store, Redis or platform down, 429/503) before it is dead-lettered. */
    attempts: z.number().int().min(1).max(100).default(8),
    /** Back-off between those tries: exponential from this, with full jitter, capped at maxBackoffSeconds. */
    backoffSeconds: z.number().positive().default(1),
    maxBackoffSeconds: z.number().positive().default(60),
    /**
     * A write-back another worker began less than this long ago is left to it (it may have lost its
     * job's lock and still be writing); past it, that worker is taken to be dead and the write is
     * taken over. Longer than one platform call with its retries.
     */
    writeBackLeaseSeconds: z.number().min(1).max(3600).default(120),
    /** Seconds `verdict worker` waits for in-flight jobs on SIGTERM before handing them back to the queue. */
    shutdownSeconds: z.number().positive().default(30),
    /** Rate limits every worker shares (token buckets in Redis): the LLM endpoint, and each platform's write-back quota. */
    rateLimits: z
      .object({
        llm: RateLimitSchema.optional(),
        writeBack: z.record(z.string(), RateLimitSchema).default({}),
      })
      .strict()
      .default({ writeBack: {} }),
  })
  .strict();
export type QueueConfig = z.infer<typeof QueueConfigSchema>;

export const VerdictConfigSchema = z
  .object({
    store: StoreConfigSchema.default({ kind: 'sqlite' }),
    decide: DecideConfigSchema.default(DecideConfigSchema.parse({})),
    group: GroupConfigSchema.default(GroupConfigSchema.parse({})),
    context: ContextConfigSchema.default(ContextConfigSchema.parse({})),
    memory: MemoryConfigSchema.default(MemoryConfigSchema.parse({})),
    policy: PolicyConfigSchema.default(PolicyConfigSchema.parse({})),
    /** Named field maps for `verdict triage --map NAME` on generic JSON / CSV. */
    fieldMaps: z.record(z.string(), FieldMapSchema).default({}),
    /** Per-enricher options, validated by each enricher's own schema. */
    enrichers: z.record(z.string(), z.unknown()).default({}),
    /** Enricher ids to leave out. */
    disabledEnrichers: z.array(z.string()).default([]),
    /** Optional LLM reasoning stage (any OpenAI-compatible endpoint); absent = offline only. */
    reason: ReasonConfigSchema.optional(),
    /** Connector settings per platform (`platforms.splunk: {...}`), validated by that plugin. */
    platforms: z.record(z.string(), z.unknown()).default({}),
    /** `verdict run`: seconds between polls, and how many alerts per pull at most. */
    connector: z
      .object({
        pollSeconds: z.number().positive().default(30),
        dispositionLookbackSeconds: z.number().int().nonnegative().default(86_400),
      })
      .strict()
      .default({ pollSeconds: 30, dispositionLookbackSeconds: 86_400 }),
    /** What one alert may make Verdict do: more entities than this are cut, and the verdict says so. */
    limits: z
      .object({ maxEntitiesPerAlert: z.number().int().min(1).max(100_000).default(1000) })
      .strict()
      .default({ maxEntitiesPerAlert: 1000 }),
    /** Scale-out through BullMQ on Redis (`verdict worker`); absent = triage inline. */
    queue: QueueConfigSchema.optional(),
    /** `verdict serve`: listen address, TLS, limits (see server-config.ts). */
    server: ServerConfigSchema.default(ServerConfigSchema.parse({})),
  })
  .strict();
export type VerdictConfig = z.infer<typeof VerdictConfigSchema>;
export type DecideConfig = z.infer<typeof DecideConfigSchema>;
