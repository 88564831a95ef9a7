import { AppError, type ErrorOptions } from '../../shared/errors.ts';

/** The request body (as sent, or decompressed) is over its limit → 413 naming the limit and how to raise it. */
export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(readonly limitBytes: number, readonly what: 'body' | 'decompressed body', readonly reason?: string, options: ErrorOptions = {}) {
    super(`the request ${what} is larger than ${limitBytes} bytes${reason ? `: the limit is ${reason}` : ''}`, { ...options, code: 'payload-too-large' });
  }
}

/** A Content-Encoding other than gzip or identity → 415. */
export class UnsupportedEncodingError extends AppError {
  override name = 'UnsupportedEncodingError';
  constructor(readonly encoding: string, options: ErrorOptions = {}) {
    super(`Content-Encoding "${encoding}" is not supported (use gzip or none)`, { ...options, code: 'unsupported-encoding' });
  }
}

/** The bearer token of the trigger/status routes is missing or wrong → 401. */
export class BearerTokenError extends AppError {
  override name = 'BearerTokenError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: 'unauthenticated' });
  }
}

/** Authenticated, but for another cluster than the one addressed → 403. */
export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { ...options, code: 'forbidden' });
  }
}
