import type { BatchOptions, BatchOutcome } from '../runtime/runtime.js';
import { InvalidAlertError, type VerdictError } from '../spec/errors.js';
import type { VerdictRepository } from '../store/repository.js';
import type { TriageResult } from '../spec/result.js';
import { resultJson } from '../store/result-json.js';
import { approvalsFor } from './approvals.js';
import { HttpError, type FieldError } from './http-error.js';
import type { ServerContext } from './server-context.js';

export interface TriageRequestInput {
  platform: string | undefined;
  map: string | undefined;
  /** Token holder (or `hook:<platform>`): recorded as requester of approvals and in the audit log. */
  actor: string;
  /** Dead-letter source, e.g. `api:soar`. */
  source: string;
  /** Label of the triage latency histograms: an HTTP request (default), an async job, a webhook. */
  mode?: 'sync' | 'async' | 'hook';
}

export interface TriageResponse {
  results: TriageResult[];
  errors: FieldError[];
}

/**
 * One triage request, shared by POST /v1/triage and the webhooks: read the batch, normalize and
 * triage it (bad records are dead-lettered, the batch goes on), queue the approvals policy asks
 * for, count and audit. A lone alert that fails is the client's error (400); in a batch it is
 * listed under `errors`.
 */
export async function triageRequest(context: ServerContext, body: unknown, input: TriageRequestInput): Promise<TriageResponse> {
  const { runtime, options, metrics } = context;
  const { records, isSingle, batchOptions } = readTriageRequest(context, body, input);
  const startedMs = performance.now();
  const outcome = await runtime.triageRecords(records, batchOptions);
  const errors = outcomeErrors(outcome);
  const { approvals } = await recordTriageOutcome(runtime.repository, outcome, { actor: input.actor, source: input.source, now: options.clock(), approvalTtlSeconds: options.approvalTtlSeconds });
  metrics.observeTriage(input.mode ?? 'sync', records.length, (performance.now() - startedMs) / 1000);
  metrics.countResults(outcome.results);
  metrics.countDeadLetters(outcome.failures.length);
  metrics.countApprovals(approvals);
  if (isSingle && outcome.failures.length > 0) {
    throw new HttpError(400, outcome.failures[0]?.error.message ?? 'invalid alert', { errors });
  }
  return { results: outcome.results, errors };
}

/**
 * Reads and checks a triage request (batch shape and size, platform, field map) without triaging
 * it: the service triages it now, or — with a queue — puts it on the tenant's queue for a worker.
 */
export function readTriageRequest(
  context: ServerContext,
  body: unknown,
  input: Pick<TriageRequestInput, 'platform' | 'map' | 'source'>,
): { records: unknown[]; isSingle: boolean; batchOptions: BatchOptions } {
  const { runtime, options } = context;
  const { records, isSingle } = readBatch(body);
  if (records.length > options.maxBatch) {
    throw new HttpError(413, `the batch holds ${records.length} alerts; at most ${options.maxBatch} are accepted per request: split it`, {
      errors: [{ path: 'alerts', message: `at most ${options.maxBatch} alerts per request` }],
    });
  }
  if (input.platform !== undefined && !runtime.normalizer.platforms.includes(input.platform)) {
    throw new HttpError(400, `unknown platform "${input.platform}": use one of ${runtime.normalizer.platforms.join(', ')}`, {
      errors: [{ path: 'platform', message: `use one of ${runtime.normalizer.platforms.join(', ')}` }],
    });
  }
  const fieldMaps = runtime.loaded.config.fieldMaps;
  const fieldMap = input.map === undefined ? undefined : Object.hasOwn(fieldMaps, input.map) ? fieldMaps[input.map] : undefined;
  if (input.map !== undefined && !fieldMap) {
    const known = Object.keys(fieldMaps).join(', ') || 'none are configured';
    throw new HttpError(400, `unknown field map "${input.map}": use one of the config's fieldMaps (${known})`, { errors: [{ path: 'map', message: `use one of: ${known}` }] });
  }
  return {
    records,
    isSingle,
    batchOptions: { source: input.source, ...(input.platform !== undefined ? { platform: input.platform } : {}), ...(fieldMap ? { fieldMap } : {}) },
  };
}

/**
 * After a batch is triaged (by the service, or by a worker for a queued request): the approvals
 * policy asks for are queued and the request is audited — issued together so the store commits
 * them as one write.
 */
export async function recordTriageOutcome(
  repository: VerdictRepository,
  outcome: BatchOutcome,
  input: { actor: string; source: string; now: Date; approvalTtlSeconds: number },
): Promise<{ approvals: number }> {
  const approvals = approvalsFor(outcome.results, input.actor, input.now, input.approvalTtlSeconds);
  await Promise.all([
    repository.saveApprovals(approvals),
    repository.appendAudit({
      time: input.now.toISOString(),
      actor: input.actor,
      action: 'triage',
      target: describeIds(outcome.results.map((result) => result.alertId)),
      detail: `${outcome.results.length} verdicts, ${outcome.failures.length} rejected, ${approvals.length} approvals requested (${input.source})`,
    }),
  ]);
  return { approvals: approvals.length };
}

/** What POST /v1/triage answers for a finished batch (also stored by workers for queued requests). */
export function triageOutcomeJson(outcome: BatchOutcome): string {
  return triageResponseJson({ results: outcome.results, errors: outcomeErrors(outcome) });
}

const RESULTS_OPEN = Buffer.from('{"results":[');
const COMMA = Buffer.from(',');

/**
 * The response as UTF-8 bytes, reusing each result's JSON already made for the store. Encoded
 * result by result and concatenated: joining a batch's results into one string first and then
 * encoding it costs several times more (measured on 500-alert batches of the sample).
 */
export function triageResponseBody(response: TriageResponse): Buffer {
  const parts: Buffer[] = [RESULTS_OPEN];
  response.results.forEach((result, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(Buffer.from(resultJson(result)));
  });
  parts.push(Buffer.from(`],"errors":${JSON.stringify(response.errors)}}`));
  return Buffer.concat(parts);
}

/** The response as JSON text (stored for a queued request's status). */
export function triageResponseJson(response: TriageResponse): string {
  return triageResponseBody(response).toString('utf8');
}

/** One alert, an array of alerts, or `{"alerts": [...]}` (an object whose only key is `alerts`). */
function readBatch(body: unknown): { records: unknown[]; isSingle: boolean } {
  if (Array.isArray(body)) return { records: body, isSingle: false };
  if (body !== null && typeof body === 'object') {
    const keys = Object.keys(body);
    const alerts = (body as { alerts?: unknown }).alerts;
    if (keys.length === 1 && keys[0] === 'alerts') {
      if (!Array.isArray(alerts)) throw new HttpError(400, 'alerts must be an array of alerts', { errors: [{ path: 'alerts', message: 'expected an array' }] });
      return { records: alerts, isSingle: false };
    }
    return { records: [body], isSingle: true };
  }
  throw new HttpError(400, 'the body must be an alert object, an array of alerts, or {"alerts": [...]}', { errors: [{ path: '', message: 'expected an object or an array' }] });
}

/** Every record of a batch that did not become a verdict, as the answer lists them. */
export function outcomeErrors(outcome: BatchOutcome): FieldError[] {
  return outcome.failures.flatMap(({ index, error }) => fieldErrors(index, error));
}

function fieldErrors(index: number, error: VerdictError): FieldError[] {
  if (error instanceof InvalidAlertError && error.issues.length > 0) return error.issues.map((issue) => ({ index, path: issue.path, message: issue.message }));
  return [{ index, path: '', message: error.message }];
}

/** The first few ids, for an audit line that stays short. */
function describeIds(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(',');
  return ids.length > 5 ? `${shown},…(+${ids.length - 5})` : shown;
}
