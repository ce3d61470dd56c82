import { expect } from 'vitest';
import { InvalidAlertError, VerdictError } from '../../core/spec/errors.js';

/** The issues of the InvalidAlertError a call raises; fails when it returns or raises anything else. */
export function invalidAlertIssues(call: () => unknown): InvalidAlertError['issues'] {
  try {
    call();
  } catch (error) {
    expect(VerdictError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(InvalidAlertError);
    return (error as InvalidAlertError).issues;
  }
  throw new Error('expected InvalidAlertError, but the call returned');
}
