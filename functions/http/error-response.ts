import { HTTPException } from 'hono/http-exception';
import { AppError, AuthenticationError, ConflictError, NotFoundError, ValidationError } from '../../shared/errors.ts';
import { SignatureError } from '../../shared/signing.ts';
import { StaleSnapshotError } from '../reconcile.ts';
import { LeaseHeldError } from '../state/lease.ts';
import { TriggerRateLimitedError } from '../state/trigger.ts';
import { BearerTokenError, ForbiddenError, PayloadTooLargeError, UnsupportedEncodingError } from './errors.ts';

// The one mapping from errors to HTTP answers (used only by app.onError). Bodies carry a stable
// `error` code and a message written for the caller; a 500 says nothing about the cause — the
// details (which might include configuration) go to the log only.

export interface ErrorResponse {
  status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500;
  body: { error: string; message: string; [field: string]: unknown };
  headers: Record<string, string>;
}

/** A 400 lists at most this many problems (a large snapshot could have thousands). */
const MAX_PROBLEMS = 20;

export function errorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof SignatureError) {
    return { status: 401, body: { error: 'unauthenticated', reason: error.reason, message: error.message }, headers: {} };
  }
  if (error instanceof BearerTokenError) {
    return { status: 401, body: { error: 'unauthenticated', message: error.message }, headers: { 'www-authenticate': 'Bearer' } };
  }
  if (error instanceof AuthenticationError) return { status: 401, body: { error: 'unauthenticated', message: error.message }, headers: {} };
  if (error instanceof ForbiddenError) return { status: 403, body: { error: 'forbidden', message: error.message }, headers: {} };
  if (error instanceof ValidationError) {
    return {
      status: 400,
      body: { error: 'invalid', message: `${error.subject} is invalid`, problems: error.problems.slice(0, MAX_PROBLEMS), problemCount: error.problems.length },
      headers: {},
    };
  }
  if (error instanceof LeaseHeldError) {
    return {
      status: 409,
      body: { error: 'lease-held', message: error.message, leaseUntilMs: error.leaseUntilMs, retryAfterMs: error.retryAfterMs },
      headers: { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) },
    };
  }
  if (error instanceof TriggerRateLimitedError) {
    return {
      status: 429,
      body: { error: 'rate-limited', message: error.message, retryAfterMs: error.retryAfterMs },
      headers: { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) },
    };
  }
  if (error instanceof StaleSnapshotError) {
    return { status: 409, body: { error: 'stale-snapshot', message: error.message, lastSnapshotTakenAtMs: error.lastTakenAtMs }, headers: {} };
  }
  if (error instanceof ConflictError || (error instanceof AppError && error.code === 'condition-failed')) {
    // The lease was lost or a newer reconcile wrote first: nothing of this plan was sent; reconcile again.
    return { status: 409, body: { error: 'conflict', message: 'the cluster state changed during this reconcile; reconcile again' }, headers: { 'retry-after': '1' } };
  }
  if (error instanceof PayloadTooLargeError) {
    const limit = error.what === 'body' ? 'request-body' : 'decompressed-snapshot';
    return { status: 413, body: { error: 'payload-too-large', message: error.message, limit, limitBytes: error.limitBytes }, headers: {} };
  }
  if (error instanceof UnsupportedEncodingError) return { status: 415, body: { error: 'unsupported-encoding', message: error.message }, headers: {} };
  if (error instanceof NotFoundError) return { status: 404, body: { error: 'not-found', message: error.message }, headers: {} };
  if (error instanceof HTTPException && error.status < 500) {
    return { status: error.status as ErrorResponse['status'], body: { error: 'http', message: error.message }, headers: {} };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error', requestId }, headers: {} };
}
