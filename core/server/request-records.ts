import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { signHookBody, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './hook-signature.js';
import { HttpError, PROBLEM_CONTENT_TYPE, problemBody } from './http-error.js';
import type { BatchOptions } from '../runtime/runtime.js';
import type { ServerContext } from './server-context.js';

/** `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header): printable ASCII, at most 255 characters. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** How long a key's answer (and an async job's) is kept: a retry later than this runs anew. */
export const REQUEST_RECORD_TTL_MS = 24 * 3600 * 1000;
/**
 * How long a claim holds its key before its answer is stored. A process that dies mid-request (or
 * a store that fails the final write) leaves a pending claim; past this a retry runs anew instead
 * of answering 409 for a day. Async jobs get longer: an LLM-backed batch may take a while.
 */
export const PENDING_CLAIM_TTL_MS = 10 * 60 * 1000;
export const PENDING_JOB_TTL_MS = 60 * 60 * 1000;

/** A finished answer: what is sent now and what a retry with the same key gets back. */
export interface Answer {
  statusCode: number;
  /** JSON text, or its UTF-8 bytes (a triage batch's answer, encoded once). */
  body: string | Buffer;
}

/** The answer's JSON text, as stored for a retry or a job's status. */
function answerText(answer: Answer): string {
  return typeof answer.body === 'string' ? answer.body : answer.body.toString('utf8');
}

/**
 * Runs `run` once per (token, route, Idempotency-Key): the first request claims the key in the
 * store, runs and stores its answer; a retry gets that answer back (with `Idempotency-Replayed:
 * true`) without running — so it counts once, on any server process. A retry while the first
 * still runs gets 409 with Retry-After; the same key with a different body gets 422. Client
 * errors (4xx) are answers too; a server-side failure releases the key so a retry runs anew.
 * Without the header `run` simply runs.
 */
export async function answerOnce(context: ServerContext, request: FastifyRequest, reply: FastifyReply, route: string, run: () => Promise<Answer>): Promise<FastifyReply> {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return send(reply, await run());
  const key = Array.isArray(header) ? header[0] : header;
  if (Array.isArray(header) || key === undefined || !KEY_PATTERN.test(key)) {
    throw new HttpError(400, 'Idempotency-Key must be one value of 1 to 255 printable ASCII characters without spaces, e.g. a UUID', {
      errors: [{ path: 'Idempotency-Key', message: 'send one key of 1-255 printable ASCII characters' }],
    });
  }
  const { repository } = context.runtime;
  const owner = request.principal?.tokenId ?? 'anonymous';
  const id = `idem:${owner}:${route}:${key}`;
  const now = context.options.clock();
  const requestHash = hashRequest(request);
  const { claimed, record } = await repository.claimRequest({ id, owner, requestHash, createdAt: now.toISOString(), expiresAt: after(now, PENDING_CLAIM_TTL_MS) });
  if (!claimed) {
    if (record.requestHash !== requestHash) {
      throw new HttpError(422, `Idempotency-Key ${JSON.stringify(key)} was first used with a different request: use a new key for a new request`, {
        errors: [{ path: 'Idempotency-Key', message: 'already used with a different body or query' }],
        problem: 'idempotency-conflict',
      });
    }
    if (record.state === 'pending' || record.statusCode === undefined || record.response === undefined) {
      throw new HttpError(409, `the first request with Idempotency-Key ${JSON.stringify(key)} is still running: retry after 1 s to get its answer`, { headers: { 'retry-after': '1' } });
    }
    reply.header('idempotency-replayed', 'true');
    return send(reply, { statusCode: record.statusCode, body: record.response });
  }
  let answer: Answer;
  try {
    answer = await run();
  } catch (error) {
    if (!(error instanceof HttpError) || error.statusCode >= 500) {
      await repository.releaseRequest(id).catch(() => undefined);
      throw error;
    }
    answer = { statusCode: error.statusCode, body: JSON.stringify(problemBody(error.statusCode, error.message, request.id, error.errors, error.problem)) };
    for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  }
  const completedAt = context.options.clock();
  await repository.completeRequest(id, { statusCode: answer.statusCode, response: answerText(answer), completedAt: completedAt.toISOString(), expiresAt: after(completedAt, REQUEST_RECORD_TTL_MS) });
  return send(reply, answer);
}

/** The job document GET /v1/jobs/{id} answers and a callback receives. */
export interface JobDocument {
  jobId: string;
  status: 'pending' | 'succeeded' | 'failed';
  statusUrl: string;
  /** The answer POST /v1/triage would have given: a TriageResponse when succeeded, problem details when failed. */
  statusCode?: number;
  result?: unknown;
  problem?: unknown;
}

export interface JobRunner {
  /**
   * Queues `run` as a job owned by the caller and returns the 202 answer; the outcome is stored
   * under the job id (so any server process can answer a poll) and, given a callback URL, POSTed
   * there signed with the server's callback secret.
   */
  start(request: FastifyRequest, requestHash: string, callbackUrl: URL | undefined, run: () => Promise<Answer>): Promise<Answer>;
  /**
   * Scale-out: claims the job id like `start`, but puts the batch on the tenant's queue; a worker
   * triages it and stores the answer under the job id, which GET /v1/jobs/{id} reads.
   */
  enqueue(request: FastifyRequest, requestHash: string, prepared: { records: unknown[]; isSingle: boolean; batchOptions: BatchOptions; map: string | undefined }): Promise<Answer>;
  /** Resolves once every job started has finished (server shutdown waits on it). */
  drain(): Promise<void>;
}

export function jobStatusUrl(jobId: string): string {
  return `/v1/jobs/${jobId}`;
}

export function createJobRunner(context: ServerContext, log: FastifyBaseLogger): JobRunner {
  const running = new Set<Promise<void>>();
  const { repository } = context.runtime;

  async function deliverCallback(url: URL, document: JobDocument): Promise<void> {
    const secret = context.options.callbackSecret;
    if (!secret) return;
    const body = JSON.stringify(document);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const timestamp = Math.floor(context.options.clock().getTime() / 1000);
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signHookBody(secret, timestamp, body) },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        if (response.status !== 429 && response.status < 500) {
          log.warn({ 'event.outcome': 'failure', 'url.domain': url.hostname, 'http.response.status_code': response.status, 'verdict.job.id': document.jobId }, 'callback refused');
          return;
        }
      } catch (error) {
        log.warn({ 'event.outcome': 'failure', 'url.domain': url.hostname, 'error.message': (error as Error).message, 'verdict.job.id': document.jobId }, 'callback failed');
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
    log.warn({ 'event.outcome': 'failure', 'url.domain': url.hostname, 'verdict.job.id': document.jobId }, 'callback given up after 3 attempts');
  }

  return {
    async start(request, requestHash, callbackUrl, run) {
      const jobId = randomUUID();
      const id = `job:${jobId}`;
      const now = context.options.clock();
      await repository.claimRequest({ id, owner: request.principal?.tokenId ?? 'anonymous', requestHash, createdAt: now.toISOString(), expiresAt: after(now, PENDING_JOB_TTL_MS) });
      const job = (async () => {
        let answer: Answer;
        try {
          answer = await run();
        } catch (error) {
          const statusCode = error instanceof HttpError ? error.statusCode : 500;
          if (statusCode >= 500) log.error({ 'error.type': (error as Error).name, 'error.message': (error as Error).message, 'verdict.job.id': jobId }, 'async triage failed');
          const detail = error instanceof HttpError ? error.message : 'internal error: the server log has the details under this job id';
          answer = {
            statusCode,
            body: JSON.stringify(problemBody(statusCode, detail, request.id, error instanceof HttpError ? error.errors : undefined, error instanceof HttpError ? error.problem : undefined)),
          };
        }
        const completedAt = context.options.clock();
        await repository.completeRequest(id, {
          statusCode: answer.statusCode,
          response: answerText(answer),
          completedAt: completedAt.toISOString(),
          expiresAt: after(completedAt, REQUEST_RECORD_TTL_MS),
        });
        if (callbackUrl) await deliverCallback(callbackUrl, jobDocument(jobId, 'done', answer.statusCode, answerText(answer)));
      })().catch((error: unknown) => log.error({ 'error.message': (error as Error).message, 'verdict.job.id': jobId }, 'could not store the outcome of an async triage job'));
      running.add(job);
      void job.finally(() => running.delete(job));
      return { statusCode: 202, body: JSON.stringify(jobDocument(jobId, 'pending', undefined, undefined)) };
    },
    async enqueue(request, requestHash, prepared) {
      const queue = context.queue;
      if (!queue) throw new Error('enqueue needs a queue');
      const jobId = randomUUID();
      const id = `job:${jobId}`;
      const now = context.options.clock();
      // A queued request may wait behind others: its claim lasts as long as its answer would be kept.
      await repository.claimRequest({ id, owner: request.principal?.tokenId ?? 'anonymous', requestHash, createdAt: now.toISOString(), expiresAt: after(now, REQUEST_RECORD_TTL_MS) });
      try {
        await queue.enqueue(
          {
            tenant: context.runtime.loaded.tenant ?? 'default',
            source: prepared.batchOptions.source,
            platform: prepared.batchOptions.platform,
            map: prepared.map,
            requestId: id,
            actor: request.principal?.name ?? 'unknown',
            single: prepared.isSingle,
          },
          prepared.records,
          undefined,
          { whole: true },
        );
      } catch (error) {
        await repository.releaseRequest(id).catch(() => undefined);
        throw new HttpError(503, `could not queue the request: ${(error as Error).message}`, { headers: { 'retry-after': '5' } });
      }
      return { statusCode: 202, body: JSON.stringify(jobDocument(jobId, 'pending', undefined, undefined)) };
    },
    async drain() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

/** The job document for a stored record. */
export function jobDocument(jobId: string, state: 'pending' | 'done', statusCode: number | undefined, response: string | undefined): JobDocument {
  const base = { jobId, statusUrl: jobStatusUrl(jobId) };
  if (state === 'pending' || statusCode === undefined || response === undefined) return { ...base, status: 'pending' };
  const parsed = JSON.parse(response) as unknown;
  return statusCode < 400 ? { ...base, status: 'succeeded', statusCode, result: parsed } : { ...base, status: 'failed', statusCode, problem: parsed };
}

function after(time: Date, milliseconds: number): string {
  return new Date(time.getTime() + milliseconds).toISOString();
}

/** Method, path with query, and body: a retry must send the same to reuse its key. */
export function hashRequest(request: FastifyRequest): string {
  return hashRequestParts(request.method, request.url, request.body);
}

export function hashRequestParts(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n`)
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/**
 * A callback URL the server may call: http(s), and its origin on the server's allow-list
 * (VERDICT_CALLBACK_ORIGINS), so a token holder cannot make Verdict call arbitrary hosts.
 */
export function checkCallbackUrl(value: string, context: ServerContext): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HttpError(400, `callback ${JSON.stringify(value)} is not a URL: send an absolute http(s) URL`, { errors: [{ path: 'callback', message: 'expected an absolute http(s) URL' }] });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HttpError(400, 'callback must be an http(s) URL', { errors: [{ path: 'callback', message: 'expected http: or https:' }] });
  }
  if (!context.options.callbackSecret) {
    throw new HttpError(400, 'this server sends no callbacks: set VERDICT_CALLBACK_SECRET (and VERDICT_CALLBACK_ORIGINS) on the server, or poll statusUrl instead', {
      errors: [{ path: 'callback', message: 'callbacks are not enabled on this server' }],
    });
  }
  if (!context.options.callbackOrigins.includes(url.origin)) {
    throw new HttpError(400, `callback origin ${url.origin} is not allowed: add it to VERDICT_CALLBACK_ORIGINS on the server`, {
      errors: [{ path: 'callback', message: `origin ${url.origin} is not in VERDICT_CALLBACK_ORIGINS` }],
    });
  }
  return url;
}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  const type = answer.statusCode >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json';
  if (answer.statusCode === 202) {
    const { statusUrl } = JSON.parse(answerText(answer)) as { statusUrl?: string };
    if (statusUrl) reply.header('location', statusUrl);
  }
  // Bytes: Fastify would measure a text's UTF-8 length and the socket encode it again.
  return reply
    .code(answer.statusCode)
    .type(type)
    .send(typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body);
}
