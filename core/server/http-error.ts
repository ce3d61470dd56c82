import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { VerdictError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';

export interface FieldError {
  /** Position in a batch, when the body was one. */
  index?: number;
  path: string;
  message: string;
}

/** Media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem types the API answers with: `type` is `urn:verdict:problem:<slug>`, `title` is fixed
 * per type (RFC 9457 §3.1.3), `detail` says what went wrong with this request and how to fix it.
 */
export const PROBLEM_TYPES = {
  'invalid-input': 'The request is invalid',
  unauthorized: 'No valid credentials',
  forbidden: 'Not allowed for this token',
  'not-found': 'Not found',
  conflict: 'Conflicts with the current state',
  'payload-too-large': 'The request is too large',
  'unsupported-media-type': 'Unsupported content type',
  'rate-limited': 'Rate limit exceeded',
  'idempotency-conflict': 'Idempotency-Key reused with a different request',
  unavailable: 'Service temporarily unavailable',
  internal: 'Internal error',
} as const;
export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const PROBLEM_TYPE_PREFIX = 'urn:verdict:problem:';

/** The slug a status maps to when the thrower names none. */
export function problemSlugForStatus(statusCode: number): ProblemSlug {
  switch (statusCode) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 415:
      return 'unsupported-media-type';
    case 422:
      return 'idempotency-conflict';
    case 429:
      return 'rate-limited';
    case 503:
      return 'unavailable';
    default:
      return statusCode >= 500 ? 'internal' : 'invalid-input';
  }
}

/** An answer the client caused: its status, a message saying how to fix it, and the failing fields. */
export class HttpError extends VerdictError {
  readonly statusCode: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly problem: ProblemSlug;

  constructor(statusCode: number, message: string, options: { errors?: FieldError[]; headers?: Record<string, string>; problem?: ProblemSlug } = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
    this.problem = options.problem ?? problemSlugForStatus(statusCode);
  }

  static fromZod(error: z.ZodError, where: 'query' | 'body' | 'params'): HttpError {
    const errors = toFieldIssues(error);
    const summary = errors.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
    return new HttpError(400, `invalid ${where}: ${summary}`, { errors });
  }
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request id (also in the x-request-id header and the server log). */
  instance: string;
  requestId: string;
  /** Path of the first failing field, for a playbook to branch on. */
  field?: string;
  errors?: FieldError[];
}

/** The RFC 9457 body of an error answer. */
export function problemBody(statusCode: number, detail: string, requestId: string, errors?: FieldError[], slug: ProblemSlug = problemSlugForStatus(statusCode)): ProblemDetails {
  const field = errors?.find((error) => error.path !== '')?.path;
  return {
    type: `${PROBLEM_TYPE_PREFIX}${slug}`,
    title: PROBLEM_TYPES[slug] ?? STATUS_CODES[statusCode] ?? 'Error',
    status: statusCode,
    detail,
    instance: `urn:verdict:request:${requestId}`,
    requestId,
    ...(field !== undefined ? { field } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Sends an error answer as application/problem+json; the one error format of every route and hook. */
export function sendProblem(reply: FastifyReply, statusCode: number, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string>; problem?: ProblemSlug } = {}): FastifyReply {
  return reply
    .code(statusCode)
    .headers(options.headers ?? {})
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(statusCode, detail, reply.request.id, options.errors, options.problem));
}

/** Validates a request part with its zod schema; a failure is a 400 naming each field. */
export function parseRequestPart<Schema extends z.ZodType>(schema: Schema, value: unknown, where: 'query' | 'body' | 'params'): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw HttpError.fromZod(parsed.error, where);
  return parsed.data;
}
