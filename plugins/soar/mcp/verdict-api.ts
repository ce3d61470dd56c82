import { createHash } from 'node:crypto';
import { VerdictError } from '../../../core/spec/errors.js';
import type { TriageResult } from '../../../core/spec/result.js';

/** The service's RFC 9457 answer to a refused call, kept whole for the agent to read. */
export class VerdictProblemError extends VerdictError {
  readonly status: number;
  readonly problem: Record<string, unknown>;

  constructor(status: number, problem: Record<string, unknown>) {
    const field = typeof problem.field === 'string' ? ` [field: ${problem.field}]` : '';
    super(`Verdict answered ${status} (${String(problem.title ?? 'error')}): ${String(problem.detail ?? 'no detail')}${field}`, { isRetryable: status === 429 || status >= 500 });
    this.name = 'VerdictProblemError';
    this.status = status;
    this.problem = problem;
  }
}

export interface VerdictApiOptions {
  baseUrl: string;
  /** Bearer of a Verdict token: its scopes decide what each tool may do, exactly as over HTTP. */
  token: string;
  fetch?: typeof globalThis.fetch;
}

/**
 * The calls the MCP tools make to `verdict serve` (the same endpoints every SOAR step uses), so
 * tokens, scopes, idempotency and errors behave the same for an agent as for a playbook.
 */
export function createVerdictApi(options: VerdictApiOptions) {
  const send = options.fetch ?? globalThis.fetch;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json, application/problem+json', 'user-agent': 'Verdict-MCP' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    const response = await send(`${baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { detail: text.slice(0, 500) };
    }
    if (!response.ok) throw new VerdictProblemError(response.status, (parsed ?? {}) as Record<string, unknown>);
    return parsed as T;
  }

  return {
    triage(alert: unknown, query: { platform?: string | undefined }, idempotencyKey: string | undefined) {
      const search = query.platform ? `?platform=${encodeURIComponent(query.platform)}` : '';
      const key =
        idempotencyKey ??
        `mcp-${createHash('sha256')
          .update(JSON.stringify([alert, query.platform ?? '']))
          .digest('hex')
          .slice(0, 40)}`;
      return call<{ results: TriageResult[]; errors: unknown[] }>('POST', `/v1/triage${search}`, alert, key);
    },
    getVerdict(alertId: string) {
      return call<TriageResult>('GET', `/v1/verdicts/${encodeURIComponent(alertId)}`);
    },
    recordFeedback(disposition: Record<string, unknown>, idempotencyKey: string | undefined) {
      const key = idempotencyKey ?? `mcp-feedback-${createHash('sha256').update(JSON.stringify(disposition)).digest('hex').slice(0, 40)}`;
      return call<{ recorded: number; errors: unknown[] }>('POST', '/v1/feedback', disposition, key);
    },
    listPendingApprovals(limit: number, cursor: string | undefined) {
      return call<{ items: unknown[]; nextCursor?: string }>('GET', `/v1/approvals?status=pending&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    },
  };
}
export type VerdictApi = ReturnType<typeof createVerdictApi>;
