import { z } from 'zod';
import { EntityKindSchema } from '../spec/alert.js';
import { digestOf } from './egress-ledger.js';

/**
 * Investigation tools the model may call. Each is provided by the caller (memory store, intel
 * files, a plugin's read-only search) and must not change anything. Calls are time-boxed and
 * results cut to a size before they are pseudonymized and passed to the model.
 */
export interface ReasonToolContext {
  /** Aborted when the call's time box runs out. */
  signal: AbortSignal;
  /** Most rows or items the tool should return. */
  maxResults: number;
}

export interface ReasonTools {
  /** How this entity was seen and dispositioned before (memory). */
  lookupEntityHistory?(request: { kind: z.infer<typeof EntityKindSchema>; value: string }, context: ReasonToolContext): Promise<unknown>;
  /** What threat intel knows of an indicator (IP, domain, URL, hash, email). */
  lookupThreatIntel?(request: { indicator: string }, context: ReasonToolContext): Promise<unknown>;
  /** A read-only query in the source platform's language (SPL, ES|QL / KQL, advanced hunting). */
  searchPlatform?(request: { query: string; lookbackHours: number }, context: ReasonToolContext): Promise<unknown>;
}
export type ReasonToolName = keyof ReasonTools;

const ArgumentSchemas = {
  lookupEntityHistory: z.object({ kind: EntityKindSchema, value: z.string().min(1).max(500) }),
  lookupThreatIntel: z.object({ indicator: z.string().min(1).max(2_000) }),
  searchPlatform: z.object({ query: z.string().min(1).max(2_000), lookbackHours: z.number().int().min(1).max(168).default(24) }),
} as const;

const DESCRIPTIONS: Record<ReasonToolName, string> = {
  lookupEntityHistory: 'Earlier alerts and analyst dispositions for one entity (user, host, ip, domain…). Pass pseudonyms as they appear.',
  lookupThreatIntel: 'Threat-intelligence matches for one indicator: an IP address, domain, URL, file hash or email address.',
  searchPlatform: 'Run one read-only search in the source SIEM over the last lookbackHours hours; results are capped.',
};

/** Writes disguised as searches (Splunk, Elasticsearch, KQL): refused before they reach the caller. */
const WRITE_COMMANDS =
  /\|\s*(delete|outputlookup|outputcsv|collect|sendemail|sendalert|tscollect|meventcollect|script|run)\b|_delete_by_query|_update_by_query|\.(drop|set|append|set-or-append|set-or-replace|ingest|delete|purge)\b/i;

export function isReadOnlyQuery(query: string): boolean {
  return !WRITE_COMMANDS.test(query);
}

/** Function definitions for the tools the caller provided, in chat-completions form. */
export function toolDefinitions(tools: ReasonTools): Array<{ type: 'function'; function: { name: string; description: string; parameters: Record<string, unknown> } }> {
  return (Object.keys(ArgumentSchemas) as ReasonToolName[])
    .filter((name) => typeof tools[name] === 'function')
    .map((name) => {
      const parameters = z.toJSONSchema(ArgumentSchemas[name], { io: 'input' }) as Record<string, unknown>;
      delete parameters.$schema;
      return { type: 'function' as const, function: { name, description: DESCRIPTIONS[name], parameters } };
    });
}

export interface ToolCallOutcome {
  /** Real (restored) arguments, for the trace. */
  argumentsText: string;
  /** What goes back to the model, before pseudonymization. */
  payload: unknown;
  /** sha256 of the full result before cutting; empty when the call failed. */
  digest: string;
  chars: number;
  isCut: boolean;
  error?: string;
}

export async function runToolCall(
  name: string,
  rawArguments: string,
  tools: ReasonTools,
  limits: { timeoutMs: number; maxResultChars: number; maxResults: number },
  restore: (value: unknown) => unknown,
): Promise<ToolCallOutcome> {
  const failed = (argumentsText: string, error: string): ToolCallOutcome => ({ argumentsText, payload: { error }, digest: '', chars: 0, isCut: false, error });
  if (!(name in ArgumentSchemas) || typeof tools[name as ReasonToolName] !== 'function') return failed(rawArguments.slice(0, 200), `unknown tool ${name.slice(0, 60)}`);
  const toolName = name as ReasonToolName;
  let parsedJson: unknown;
  try {
    parsedJson = restore(JSON.parse(rawArguments));
  } catch {
    return failed(rawArguments.slice(0, 200), 'arguments were not JSON');
  }
  const parsed = ArgumentSchemas[toolName].safeParse(parsedJson);
  if (!parsed.success) return failed(JSON.stringify(parsedJson).slice(0, 200), `invalid arguments: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  const argumentsText = JSON.stringify(parsed.data);
  if (toolName === 'searchPlatform' && !isReadOnlyQuery((parsed.data as { query: string }).query)) {
    return failed(argumentsText, 'refused: the query would write or delete data; only read-only searches are allowed');
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before aborting: a tool that settles on abort must not win the race.
      reject(new Error(`timed out after ${limits.timeoutMs} ms`));
      controller.abort();
    }, limits.timeoutMs);
  });
  try {
    const context = { signal: controller.signal, maxResults: limits.maxResults };
    const tool = tools[toolName] as (request: unknown, context: ReasonToolContext) => Promise<unknown>;
    const value = await Promise.race([tool.call(tools, parsed.data, context), timeout]);
    const text = JSON.stringify(value ?? null);
    const isCut = text.length > limits.maxResultChars;
    const payload = isCut ? { truncated: true, totalChars: text.length, partial: text.slice(0, limits.maxResultChars) } : (value ?? null);
    return { argumentsText, payload, digest: digestOf(text), chars: text.length, isCut };
  } catch (error) {
    return failed(argumentsText, error instanceof Error ? error.message.slice(0, 200) : 'tool failed');
  } finally {
    clearTimeout(timer);
  }
}
