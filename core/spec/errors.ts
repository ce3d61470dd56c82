const VERDICT_ERROR_MARKER = Symbol.for('verdict.error');

/**
 * Base of every error Verdict raises on purpose. `isInstance` works across bundled copies of the
 * module, where `instanceof` does not.
 */
export class VerdictError extends Error {
  readonly [VERDICT_ERROR_MARKER] = true;
  readonly isRetryable: boolean;

  constructor(message: string, options: { cause?: unknown; isRetryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'VerdictError';
    this.isRetryable = options.isRetryable ?? false;
  }

  static isInstance(error: unknown): error is VerdictError {
    return typeof error === 'object' && error !== null && VERDICT_ERROR_MARKER in error;
  }
}

/** A configuration file or option is wrong. The message names the file, the field and the fix. */
export class ConfigError extends VerdictError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

/** An input record could not become an Alert. `issues` name each failing field. */
export class InvalidAlertError extends VerdictError {
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[], options: { cause?: unknown } = {}) {
    super(`invalid alert: ${issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ')}`, options);
    this.name = 'InvalidAlertError';
    this.issues = issues;
  }
}

/** A platform API answered with an error. Retry classification lives here and nowhere else. */
export class PlatformApiError extends VerdictError {
  readonly statusCode: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { statusCode?: number; retryAfterSeconds?: number; cause?: unknown } = {}) {
    const statusCode = options.statusCode;
    const isRetryable = statusCode === undefined || statusCode === 429 || statusCode >= 500;
    super(message, { cause: options.cause, isRetryable });
    this.name = 'PlatformApiError';
    this.statusCode = statusCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class UnsupportedFeatureError extends VerdictError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedFeatureError';
  }
}
