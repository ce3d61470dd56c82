import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ReasonProvider } from './reason-config.js';

/**
 * What left the process for one verdict: which data fields (by path, after pseudonymization),
 * to which endpoint and model, in how many requests and bytes, for how many tokens and at what
 * cost. Built from the bytes actually written to the wire, retries included.
 */
export const EgressRequestSchema = z.object({
  /** sha256 of the request body as sent. */
  bodyDigest: z.string(),
  bytes: z.number().int().nonnegative(),
  /** HTTP status, or 0 when no response came (timeout, connection refused). */
  status: z.number().int().nonnegative(),
});

export const EgressRecordSchema = z.object({
  alertId: z.string(),
  fingerprint: z.string(),
  time: z.string(),
  endpoint: z.string(),
  model: z.string(),
  promptVersion: z.string(),
  /** Paths of the data block that were sent (`alert.title`, `evidence[ev-3].claim`). */
  fieldsSent: z.array(z.string()),
  /** The subset of `fieldsSent` whose value was pseudonymized before it left. */
  pseudonymizedFields: z.array(z.string()),
  /** Tokens handed out, counted by kind (USER, HOST, IP, EMAIL, VALUE); never the originals. */
  pseudonyms: z.record(z.string(), z.number().int()),
  /** Tool results passed to the model (`lookupThreatIntel#1`), with their digests. */
  toolResultsSent: z.array(z.object({ call: z.string(), digest: z.string(), chars: z.number().int() })),
  requests: z.array(EgressRequestSchema),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cost: z.number().nonnegative(),
  outcome: z.enum(['llm', 'degraded']),
  /** Why the result is degraded, when it is. */
  reason: z.string().optional(),
});
export type EgressRecord = z.infer<typeof EgressRecordSchema>;
export type EgressRequest = z.infer<typeof EgressRequestSchema>;

export interface EgressTotals {
  verdicts: number;
  requests: number;
  bytes: number;
  inputTokens: number;
  outputTokens: number;
  cost: number;
}

export interface EgressLedger {
  record(entry: EgressRecord): void;
  entries(): readonly EgressRecord[];
  totals(): EgressTotals;
}

/**
 * In-memory ledger; `onRecord` hands each record to durable storage (the store's audit log).
 * Totals cover every record; only the newest `maxEntries` are kept in memory.
 */
export function createEgressLedger(options: { onRecord?: (entry: EgressRecord) => void; maxEntries?: number } = {}): EgressLedger {
  const kept: EgressRecord[] = [];
  const maxEntries = options.maxEntries ?? 10_000;
  const totals: EgressTotals = { verdicts: 0, requests: 0, bytes: 0, inputTokens: 0, outputTokens: 0, cost: 0 };
  return {
    record(entry) {
      kept.push(entry);
      if (kept.length > maxEntries) kept.shift();
      totals.verdicts += 1;
      totals.requests += entry.requests.length;
      totals.bytes += entry.requests.reduce((sum, request) => sum + request.bytes, 0);
      totals.inputTokens += entry.inputTokens;
      totals.outputTokens += entry.outputTokens;
      totals.cost += entry.cost;
      options.onRecord?.(entry);
    },
    entries: () => kept,
    totals: () => ({ ...totals }),
  };
}

export function costOf(provider: Pick<ReasonProvider, 'pricePer1kInput' | 'pricePer1kOutput'>, inputTokens: number, outputTokens: number): number {
  const cost = (inputTokens / 1000) * provider.pricePer1kInput + (outputTokens / 1000) * provider.pricePer1kOutput;
  return Math.round(cost * 1e6) / 1e6;
}

export function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Paths of every leaf in the data block, and those whose value the pseudonymizer changed.
 * `original` and `sent` have the same shape (sent = pseudonymized original); array items that
 * carry an `id` are named by it so a path stays readable (`evidence[ev-3].claim`).
 */
export function describeFields(original: unknown, sent: unknown, path = ''): { sent: string[]; pseudonymized: string[] } {
  const result = { sent: [] as string[], pseudonymized: [] as string[] };
  const visit = (left: unknown, right: unknown, at: string): void => {
    if (Array.isArray(left) && Array.isArray(right)) {
      left.forEach((item, index) => {
        const id = item !== null && typeof item === 'object' && 'id' in item ? String((item as { id: unknown }).id) : String(index);
        visit(item, right[index], `${at}[${id}]`);
      });
      return;
    }
    if (left !== null && typeof left === 'object' && right !== null && typeof right === 'object') {
      const rightValues = Object.values(right);
      Object.entries(left).forEach(([key, item], index) => visit(item, rightValues[index], at ? `${at}.${key}` : key));
      return;
    }
    if (left === undefined) return;
    result.sent.push(at);
    if (left !== right) result.pseudonymized.push(at);
  };
  visit(original, sent, path);
  return result;
}
