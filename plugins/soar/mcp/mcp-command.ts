import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Command } from 'commander';
import { ConfigError } from '../../../core/spec/errors.js';
import { createVerdictMcpServer } from './mcp-server.js';
import { createVerdictApi } from './verdict-api.js';

const MAX_BODY_BYTES = 5 * 1024 * 1024;
export const MCP_PATH = '/mcp';

/**
 * `verdict mcp`: Verdict as tools for any MCP client. Over stdio (the default) the tools use the
 * token in VERDICT_TOKEN; over streamable HTTP (--http) each request carries its own
 * `Authorization: Bearer <Verdict token>`, passed through, so every caller has its token's scopes
 * and nothing more. Either way the tools call `verdict serve` at --url.
 */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('Serve Verdict as MCP tools (triage_alert, get_verdict, explain_verdict, record_feedback, list_pending_approvals) over stdio, or streamable HTTP with --http')
    .option('--url <url>', 'where verdict serve listens (default: $VERDICT_URL or http://127.0.0.1:8477)')
    .option('--http', 'serve streamable HTTP at /mcp instead of stdio; clients send Authorization: Bearer <Verdict token>')
    .option('--host <host>', 'with --http: address to listen on', '127.0.0.1')
    .option('--port <port>', 'with --http: port to listen on', '8478')
    .addHelpText('after', '\nEnvironment: VERDICT_TOKEN (stdio: the token the tools use; create one with `verdict token create --name agent --scope triage`), VERDICT_URL.')
    .action(async (options: { url?: string; http?: boolean; host: string; port: string }) => {
      const baseUrl = options.url ?? process.env.VERDICT_URL ?? 'http://127.0.0.1:8477';
      checkUrl(baseUrl);
      if (!options.http) {
        const token = process.env.VERDICT_TOKEN;
        if (!token)
          throw new ConfigError('set VERDICT_TOKEN to a Verdict token (verdict token create --name agent --scope triage); it is read from the environment so it never shows in a process list');
        const server = createVerdictMcpServer(createVerdictApi({ baseUrl, token }));
        await server.connect(new StdioServerTransport());
        await new Promise<void>((resolve) => (server.server.onclose = resolve));
        return;
      }
      const port = Number(options.port);
      if (!/^\d{1,5}$/.test(options.port) || port > 65_535) throw new ConfigError(`--port ${options.port} is not a port: use a number from 0 to 65535`);
      const http = createMcpHttpServer(baseUrl);
      await new Promise<void>((resolve) => http.listen(port, options.host, resolve));
      const address = http.address();
      const shown = typeof address === 'object' && address ? `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}${MCP_PATH}` : MCP_PATH;
      process.stderr.write(`Verdict MCP (streamable HTTP) is listening on ${shown} for ${baseUrl}. Ctrl-C stops it.\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await new Promise((resolve) => http.close(resolve));
    });
}

/** Streamable HTTP, stateless: each POST /mcp gets a server bound to the caller's own token. */
export function createMcpHttpServer(baseUrl: string): Server {
  return createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) problem(response, 500, 'internal', `the MCP request failed: ${(error as Error).message}`);
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (path !== MCP_PATH) return problem(response, 404, 'not-found', `no route ${request.method} ${path}: the MCP endpoint is ${MCP_PATH}`);
    // The MCP transport spec: validate Origin, against DNS rebinding. A browser page may only call from this server's own origin.
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, request.headers.host))
      return problem(response, 403, 'forbidden', `requests from the web origin ${origin} are refused: MCP clients call this endpoint directly, not from a browser page`);
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token)
      return problem(response, 401, 'unauthorized', 'send Authorization: Bearer <Verdict token>; create one with `verdict token create --name agent --scope triage`', {
        'www-authenticate': 'Bearer realm="verdict"',
      });
    if (request.method !== 'POST') return problem(response, 405, 'invalid-input', 'this MCP endpoint is stateless: POST JSON-RPC messages to it', { allow: 'POST' });
    const body = await readJson(request);
    if (body === INVALID) return problem(response, 400, 'invalid-input', `the body must be JSON of at most ${MAX_BODY_BYTES} bytes`);
    const server = createVerdictMcpServer(createVerdictApi({ baseUrl, token }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  }
}

const INVALID = Symbol('invalid body');

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return INVALID;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return INVALID;
  }
}

function problem(response: ServerResponse, status: number, slug: string, detail: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
  response.end(JSON.stringify({ type: `urn:verdict:problem:${slug}`, title: slug.replace('-', ' '), status, detail }));
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function checkUrl(value: string): void {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`--url ${value} is not an http(s) URL of verdict serve, e.g. http://127.0.0.1:8477`);
  }
}
