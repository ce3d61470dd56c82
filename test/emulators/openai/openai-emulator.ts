import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { buildCompletion, completionBody, completionChunks, findRequestProblem, type ScriptedReply } from './chat-completions.js';

export type { ScriptedReply, ScriptedToolCall } from './chat-completions.js';

/**
 * An OpenAI-compatible endpoint on 127.0.0.1 for tests: POST /v1/chat/completions and the Azure
 * form /openai/deployments/{deployment}/chat/completions?api-version=…, with tools / tool_calls,
 * json_schema response formats, token usage, streaming, and 4xx / 429 / 5xx on demand. Each test
 * scripts it with a queue of replies or a handler; every request is recorded so tests can assert
 * exactly what left the process.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
  /** Azure deployment named in the path, if any. */
  deployment?: string;
}

export type EmulatorHandler = (request: RecordedRequest, index: number) => ScriptedReply | Promise<ScriptedReply>;

export interface OpenAIEmulator {
  /** `http://127.0.0.1:PORT/v1`, the baseURL for OpenAI-style clients. */
  baseURL: string;
  /** `http://127.0.0.1:PORT`, the Azure resource endpoint. */
  origin: string;
  /** Every request received, valid or not, in order. */
  readonly requests: RecordedRequest[];
  /** Requests that reached chat completions (valid body, accepted key). */
  completionRequests(): RecordedRequest[];
  enqueue(...replies: ScriptedReply[]): void;
  /** Used when the queue is empty. */
  setHandler(handler: EmulatorHandler | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export interface OpenAIEmulatorOptions {
  handler?: EmulatorHandler;
  /** When set, requests must carry it as `Authorization: Bearer …` or `api-key: …` (Azure). */
  apiKey?: string;
  /** False drops bodies once answered (long benchmark replays); tests keep them. Default true. */
  keepBodies?: boolean;
}

export async function startOpenAIEmulator(options: OpenAIEmulatorOptions = {}): Promise<OpenAIEmulator> {
  const requests: RecordedRequest[] = [];
  const accepted: RecordedRequest[] = [];
  const queue: ScriptedReply[] = [];
  let handler = options.handler;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const recordedBy = new WeakMap<IncomingMessage, RecordedRequest>();

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(request);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      // Not JSON: findRequestProblem rejects it with the API's own message.
      body = undefined;
    }
    const deployment = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname)?.[1];
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(request.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : (value ?? '')])),
      rawBody,
      body,
      ...(deployment ? { deployment: decodeURIComponent(deployment) } : {}),
    };
    requests.push(recorded);
    recordedBy.set(request, recorded);

    const isChat = request.method === 'POST' && (url.pathname === '/v1/chat/completions' || deployment !== undefined);
    if (!isChat) return sendError(response, 404, 'invalid_request_error', `Unknown request URL: ${request.method} ${url.pathname}.`);
    if (deployment !== undefined && !url.searchParams.get('api-version')) return sendError(response, 404, 'invalid_request_error', 'Resource not found (api-version missing)');
    if (options.apiKey !== undefined) {
      const given = recorded.headers['api-key'] || recorded.headers.authorization?.replace(/^Bearer /, '');
      if (given !== options.apiKey) return sendError(response, 401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key');
    }
    const problem = findRequestProblem(body, deployment !== undefined);
    if (problem) return sendError(response, 400, 'invalid_request_error', problem[1], null, problem[0]);

    accepted.push(recorded);
    const index = accepted.length - 1;
    let reply = queue.shift() ?? (handler ? await handler(recorded, index) : undefined);
    if (!reply) {
      response.setHeader('x-should-retry', 'false');
      return sendError(response, 500, 'server_error', `openai emulator: no scripted reply for request ${index}`);
    }
    while (reply.kind === 'delay') {
      await wait(reply.ms);
      reply = reply.then;
    }
    if (response.destroyed) return;
    const requestBody = body as Record<string, unknown>;
    switch (reply.kind) {
      case 'disconnect':
        request.socket.destroy();
        return;
      case 'error': {
        if (reply.retryAfterMs !== undefined) response.setHeader('retry-after-ms', String(reply.retryAfterMs));
        if (reply.retryAfterSeconds !== undefined) response.setHeader('retry-after', String(reply.retryAfterSeconds));
        const type = reply.status === 429 ? 'requests' : reply.status >= 500 ? 'server_error' : 'invalid_request_error';
        const code = reply.status === 429 ? 'rate_limit_exceeded' : null;
        return sendError(response, reply.status, type, reply.message ?? `emulated HTTP ${reply.status}`, code);
      }
      default: {
        const model = typeof requestBody.model === 'string' ? requestBody.model : (deployment ?? 'emulated');
        const built = buildCompletion(reply, requestBody, index);
        if (requestBody.stream === true) {
          const streamOptions = requestBody.stream_options as { include_usage?: boolean } | undefined;
          response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
          for (const chunk of completionChunks(built, model, index, streamOptions?.include_usage === true)) response.write(`data: ${JSON.stringify(chunk)}\n\n`);
          response.end('data: [DONE]\n\n');
          return;
        }
        return sendJson(response, 200, completionBody(built, model, index));
      }
    }
  }

  const server = createServer((request, response) => {
    handle(request, response)
      .then(() => {
        const recorded = recordedBy.get(request);
        if (options.keepBodies === false && recorded) Object.assign(recorded, { rawBody: '', body: undefined });
      })
      .catch((error: unknown) => {
        if (!response.headersSent) sendError(response, 500, 'server_error', `openai emulator failed: ${String(error)}`);
        else response.destroy();
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseURL: `${origin}/v1`,
    origin,
    requests,
    completionRequests: () => [...accepted],
    enqueue: (...replies) => void queue.push(...replies),
    setHandler: (next) => {
      handler = next;
    },
    reset: () => {
      requests.length = 0;
      accepted.length = 0;
      queue.length = 0;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}

function sendError(response: ServerResponse, status: number, type: string, message: string, code: string | null = null, param: string | null = null): void {
  sendJson(response, status, { error: { message, type, param, code } });
}
