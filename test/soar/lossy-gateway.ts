import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A gateway on 127.0.0.1 in front of a live Verdict that forwards every request but, while
 * `loseNext` > 0, throws the answer away and tells the client 503 (Retry-After: 0) instead — the
 * case idempotency exists for: the service did the work, the caller never heard, and retries.
 */
export interface LossyGateway {
  baseUrl: string;
  loseNext: number;
  /** Status the client saw, per request, in order. */
  seen: number[];
  close(): Promise<void>;
}

export async function startLossyGateway(target: string): Promise<LossyGateway> {
  const state = { loseNext: 0, seen: [] as number[] };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length' && name !== 'connection')) as Record<string, string>;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${request.url}`, { method: request.method, headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          const text = await answer.text();
          if (state.loseNext > 0) {
            state.loseNext -= 1;
            state.seen.push(503);
            response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' });
            response.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'gateway lost the answer' }));
            return;
          }
          state.seen.push(answer.status);
          response.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => name !== 'content-length' && name !== 'content-encoding' && name !== 'transfer-encoding' && name !== 'connection')));
          response.end(text);
        })
        .catch((error: Error) => {
          response.writeHead(502).end(error.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gateway = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get loseNext() {
      return state.loseNext;
    },
    set loseNext(value: number) {
      state.loseNext = value;
    },
    seen: state.seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return gateway;
}
