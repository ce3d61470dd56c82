import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { renderExplanation } from '../../../core/cli/explain-command.js';
import { VERDICT_VERSION } from '../../../core/version.js';
import { VerdictProblemError, type VerdictApi } from './verdict-api.js';

/** The tools an agent gets. Deciding an approval is deliberately not one: a human approves, never a model. */
export const MCP_TOOL_NAMES = ['triage_alert', 'get_verdict', 'explain_verdict', 'record_feedback', 'list_pending_approvals'] as const;

const ANALYST_VERDICTS = ['true_positive', 'benign_positive', 'false_positive'] as const;

/**
 * An MCP server whose tools call the Verdict service with one token. A refused call (bad input,
 * a missing scope, no such verdict) is a tool error carrying the service's problem details, so
 * the agent can read what to fix; it never ends the session.
 */
export function createVerdictMcpServer(api: VerdictApi): McpServer {
  const server = new McpServer(
    { name: 'verdict', version: VERDICT_VERSION },
    {
      instructions:
        'Verdict triages security alerts: triage_alert gives a verdict, a calibrated confidence and the evidence. Recommended actions that need approval are listed by list_pending_approvals; only a human can approve them, in Verdict.',
    },
  );

  server.registerTool(
    'triage_alert',
    {
      title: 'Triage an alert',
      description:
        'Triage one security alert (OCSF, a platform-native alert such as a Splunk notable, or Verdict Alert JSON). Returns the verdict, confidence, summary, evidence and recommended actions. Retrying with the same alert counts once.',
      inputSchema: {
        alert: z.record(z.string(), z.unknown()).describe('The alert object'),
        platform: z.string().min(1).max(64).optional().describe('Platform id of the alert; detected when omitted'),
        idempotency_key: z.string().min(1).max(255).optional().describe('Idempotency key; derived from the alert when omitted'),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ alert, platform, idempotency_key }) =>
      answer(async () => {
        const response = await api.triage(alert, { platform }, idempotency_key);
        const result = response.results[0];
        return { text: result ? `${result.alertId}: ${result.verdict} (confidence ${result.confidence})\n${result.summary}` : 'no verdict', data: response };
      }),
  );

  server.registerTool(
    'get_verdict',
    {
      title: 'Get a verdict',
      description: 'The stored verdict on one alert id.',
      inputSchema: { alert_id: z.string().min(1).max(512).describe('Alert id') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ alert_id }) =>
      answer(async () => {
        const result = await api.getVerdict(alert_id);
        return { text: `${result.alertId}: ${result.verdict} (confidence ${result.confidence})`, data: result };
      }),
  );

  server.registerTool(
    'explain_verdict',
    {
      title: 'Explain a verdict',
      description: 'The stored verdict on one alert, explained: evidence with weights, ATT&CK techniques, the scoring trace and the recommended actions.',
      inputSchema: { alert_id: z.string().min(1).max(512).describe('Alert id') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ alert_id }) =>
      answer(async () => {
        const result = await api.getVerdict(alert_id);
        return { text: renderExplanation(result), data: result };
      }),
  );

  server.registerTool(
    'record_feedback',
    {
      title: 'Record analyst feedback',
      description: "Record an analyst's own verdict on an alert; Verdict learns from it. Needs a token with the feedback scope.",
      inputSchema: {
        alert_id: z.string().min(1).max(512),
        verdict: z.enum(ANALYST_VERDICTS),
        note: z.string().max(2000).optional(),
        idempotency_key: z.string().min(1).max(255).optional(),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ alert_id, verdict, note, idempotency_key }) =>
      answer(async () => {
        const response = await api.recordFeedback({ alertId: alert_id, verdict, ...(note ? { note } : {}) }, idempotency_key);
        return { text: `recorded ${response.recorded}`, data: response };
      }),
  );

  server.registerTool(
    'list_pending_approvals',
    {
      title: 'List pending approvals',
      description: 'Recommended actions waiting for a human to approve them (read only: approving happens in Verdict, by a person). Needs a token with the approve scope.',
      inputSchema: { limit: z.number().int().min(1).max(500).optional(), cursor: z.string().max(512).optional() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ limit, cursor }) =>
      answer(async () => {
        const page = await api.listPendingApprovals(limit ?? 50, cursor);
        return { text: `${page.items.length} pending approval(s)${page.nextCursor ? '; more with cursor' : ''}`, data: page };
      }),
  );
  return server;
}

async function answer(run: () => Promise<{ text: string; data: unknown }>): Promise<CallToolResult> {
  try {
    const { text, data } = await run();
    return {
      content: [
        { type: 'text', text },
        { type: 'text', text: JSON.stringify(data) },
      ],
      structuredContent: data as Record<string, unknown>,
    };
  } catch (error) {
    if (error instanceof VerdictProblemError) {
      return {
        isError: true,
        content: [
          { type: 'text', text: error.message },
          { type: 'text', text: JSON.stringify(error.problem) },
        ],
        structuredContent: { problem: error.problem },
      };
    }
    // The service could not be reached: say so (the session goes on).
    return { isError: true, content: [{ type: 'text', text: `could not call Verdict: ${(error as Error).message}` }] };
  }
}
