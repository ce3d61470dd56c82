import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A gateway on 127.0.0.1 in front of a live Verdict that forwards every request but, while
 * `lose` holds statuses, throws the answer away and tells the client the next of them (429 or
 * 503, Retry-After: 0) instead, or with 0 drops the connection without an answer — the case
 * idempotency exists for: the service did the work, the caller never heard, and retries.
 */
export interface LossyGateway {
  baseUrl: string;
  /** Statuses to answer instead of the service's, one per request, in order; 0 drops the connection. */
  lose: number[];
  /** Status the client saw, per request, in order. */
  seen: number[];
  close(): Promise<void>;
}

export async function startLossyGateway(target: string): Promise<LossyGateway> {
  const state = { lose: [] as number[], seen: [] as number[] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length' && name !== 'connection')) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${request.url}`, { method: request.method, headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          const text = await answer.text();
          const instead = state.lose.shift();
          if (instead === 0) {
            state.seen.push(0);
            response.socket?.destroy();
            return;
          }
          if (instead !== undefined) {
            state.seen.push(instead);
            response.writeHead(instead, { 'content-type': 'application/problem+json', 'retry-after': '0' });
            response.end(JSON.stringify({ type: 'about:blank', title: 'Gateway', status: instead, detail: 'the gateway lost the answer' }));
            return;
          }
          state.seen.push(answer.status);
          response.writeHead(
            answer.status,
            Object.fromEntries([...answer.headers].filter(([name]) => name !== 'content-length' && name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'connection')),
          );
          response.end(text);
        })
        .catch((error: Error) => {
          response.writeHead(502).end(error.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lose: state.lose,
    seen: state.seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
