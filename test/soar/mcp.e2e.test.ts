import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliVerdict, FIXTURE_ALERT_FILE, startLiveService, verdictsGiven, type LiveService } from './live-service.js';

/**
 * `verdict mcp` driven by the official MCP SDK client, over stdio and over streamable HTTP,
 * against a live `verdict serve`: the tools, scopes as for HTTP, idempotent retries, and
 * problem details as tool errors.
 */
const fixture = JSON.parse(readFileSync(FIXTURE_ALERT_FILE, 'utf8')) as Record<string, unknown>;
const fixtureAs = (id: string) => ({ ...fixture, finding_info: { ...(fixture.finding_info as object), uid: id } });
const BAD_ALERT = { id: 'bad-1', source: { platform: 'verdict' }, title: 'x', ruleName: 'x', severity: 'apocalyptic', time: '2026-03-01T10:00:00Z', entities: [] };

interface ToolAnswer {
  isError?: boolean;
  content: Array<{ type: string; text: string }>;
  structuredContent?: any;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  return (await client.callTool({ name, arguments: args })) as ToolAnswer;
}

describe('verdict mcp', { timeout: 120_000 }, () => {
  let service: LiveService;
  let expected: { verdict: string; confidence: number };
  let approverToken: string;
  beforeAll(async () => {
    expected = cliVerdict();
    service = await startLiveService();
    approverToken = service.cli('token', 'create', '--name', 'agent-approver', '--scope', 'approve', '--scope', 'triage').trim();
  }, 180_000);
  afterAll(async () => service?.stop());

  describe('over stdio (token from VERDICT_TOKEN)', () => {
    let client: Client;
    beforeAll(async () => {
      client = new Client({ name: 'verdict-test', version: '1.0.0' });
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: [CLI, 'mcp', '--url', service.baseUrl],
          env: { ...process.env, VERDICT_TOKEN: service.token } as Record<string, string>,
          stderr: 'pipe',
        }),
      );
    }, 60_000);
    afterAll(async () => client?.close());

    it('offers the five tools, and no tool that approves', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(['explain_verdict', 'get_verdict', 'list_pending_approvals', 'record_feedback', 'triage_alert']);
      for (const tool of tools) expect(`${tool.name} ${tool.description}`).not.toMatch(/\bapprove (an|the|a) /i);
    });

    it('triage_alert gives the CLI verdict; a retried call counts once; get, explain and feedback work', async () => {
      const before = await verdictsGiven(service);
      const first = await call(client, 'triage_alert', { alert: fixtureAs('mcp-1') });
      const retry = await call(client, 'triage_alert', { alert: fixtureAs('mcp-1') });
      expect(first.isError).toBeFalsy();
      expect(first.structuredContent.results[0]).toMatchObject({ alertId: 'mcp-1', verdict: expected.verdict, confidence: expected.confidence });
      expect(retry.structuredContent).toEqual(first.structuredContent);
      expect((await verdictsGiven(service)) - before).toBe(1);
      expect((await call(client, 'get_verdict', { alert_id: 'mcp-1' })).structuredContent.verdict).toBe(expected.verdict);
      const explained = await call(client, 'explain_verdict', { alert_id: 'mcp-1' });
      expect(explained.content[0]!.text).toContain(`Verdict: ${expected.verdict}`);
      expect(explained.content[0]!.text).toContain('Evidence:');
      expect((await call(client, 'record_feedback', { alert_id: 'mcp-1', verdict: 'true_positive' })).structuredContent.recorded).toBe(1);
    });

    it('answers bad input and missing scopes with the service problem details as tool errors; the session goes on', async () => {
      const bad = await call(client, 'triage_alert', { alert: BAD_ALERT, platform: 'verdict' });
      expect(bad.isError).toBe(true);
      expect(bad.structuredContent.problem).toMatchObject({ type: 'urn:verdict:problem:invalid-input', status: 400, field: 'severity' });
      const missing = await call(client, 'get_verdict', { alert_id: 'never-triaged' });
      expect(missing.structuredContent.problem).toMatchObject({ status: 404 });
      // The stdio token has triage and feedback, not approve.
      const approvals = await call(client, 'list_pending_approvals', {});
      expect(approvals.isError).toBe(true);
      expect(approvals.structuredContent.problem).toMatchObject({ type: 'urn:verdict:problem:forbidden', status: 403 });
      expect((await client.listTools()).tools).toHaveLength(5);
    });
  });

  describe('over streamable HTTP (each request carries its own token)', () => {
    let child: ChildProcess;
    let endpoint: string;
    beforeAll(async () => {
      child = spawn(process.execPath, [CLI, 'mcp', '--http', '--port', '0', '--url', service.baseUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
      endpoint = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const match = /listening on (\S+) /.exec(stderr);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`verdict mcp --http exited ${code}: ${stderr}`)));
      });
    }, 60_000);
    afterAll(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });

    async function connect(token: string): Promise<Client> {
      const client = new Client({ name: 'verdict-test-http', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    }

    it('triages with the caller token; an approver token may list pending approvals, never decide them', async () => {
      const client = await connect(service.token);
      try {
        const answer = await call(client, 'triage_alert', { alert: fixtureAs('mcp-http-1') });
        expect(answer.structuredContent.results[0]).toMatchObject({ alertId: 'mcp-http-1', verdict: expected.verdict });
        expect((await call(client, 'list_pending_approvals', {})).structuredContent.problem.status).toBe(403);
      } finally {
        await client.close();
      }
      const approver = await connect(approverToken);
      try {
        const page = await call(approver, 'list_pending_approvals', { limit: 10 });
        expect(page.isError).toBeFalsy();
        expect(Array.isArray(page.structuredContent.items)).toBe(true);
        expect((await approver.listTools()).tools.some((tool) => /decide|approve_/.test(tool.name))).toBe(false);
      } finally {
        await approver.close();
      }
    });

    it('refuses a request without a token (401 problem details) and a bad token at the first tool call', async () => {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      // A browser page on another origin (DNS rebinding) is refused even with a token.
      const foreign = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin: 'http://evil.example', authorization: `Bearer ${service.token}` },
        body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      });
      expect(foreign.status).toBe(403);
      expect((await foreign.json()).type).toBe('urn:verdict:problem:forbidden');
      const client = await connect('vdt_0000000000000000_not-a-real-secret');
      try {
        const answer = await call(client, 'get_verdict', { alert_id: 'mcp-http-1' });
        expect(answer.structuredContent.problem).toMatchObject({ type: 'urn:verdict:problem:unauthorized', status: 401 });
      } finally {
        await client.close();
      }
    });
  });
});
