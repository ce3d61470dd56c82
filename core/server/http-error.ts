import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import { VerdictError } from '../spec/errors.js';
import { toFieldIssues } from '../spec/zod-issues.js';

export interface FieldError {
  /** Position in a batch, when the body was one. */
  index?: number;
  path: string;
  message: string;
}

/** An answer the client caused: its status, a message saying how to fix it, and the failing fields. */
export class HttpError extends VerdictError {
  readonly statusCode: number;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  static fromZod(error: z.ZodError, where: 'query' | 'body' | 'params'): HttpError {
    const errors = toFieldIssues(error);
    const summary = errors.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
    return new HttpError(400, `invalid ${where}: ${summary}`, { errors });
  }
}

/** The JSON body of every error answer. */
export function errorBody(statusCode: number, message: string, requestId: string, errors?: FieldError[]) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId, ...(errors ? { errors } : {}) };
}

/** Validates a request part with its zod schema; a failure is a 400 naming each field. */
export function parseRequestPart<Schema extends z.ZodType>(schema: Schema, value: unknown, where: 'query' | 'body' | 'params'): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw HttpError.fromZod(parsed.error, where);
  return parsed.data;
}
