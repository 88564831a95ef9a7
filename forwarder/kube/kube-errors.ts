import { parseRetryAfterMs } from '../util/retry-after.ts';

// What a kube API call can fail with besides the network: its deadline, or an answer that is not 2xx.

/** A request that did not finish within its whole-request deadline (or was aborted by its caller). */
export class KubeDeadlineError extends Error {
  override name = 'KubeDeadlineError';
}

/** A non-2xx answer of the API server, with the Status object's reason when there is one. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    /** Status.reason: NotFound, Conflict, AlreadyExists, Forbidden, TooManyRequests, Expired, … */
    readonly reason: string,
    message: string,
    /** From Retry-After (util/retry-after.ts), when the server sent one: a 429 or 503 says how long to wait. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A non-2xx answer as an error: the Status object's reason and message when the body is one. */
export function toApiError(request: { method: string; path: string }, status: number, body: string, retryAfter: string | undefined, nowMs: number): KubeApiError {
  let reason = '';
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    if (typeof parsed.reason === 'string') reason = parsed.reason;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not a Status object (a proxy's HTML page, for instance): keep the raw text
  }
  return new KubeApiError(
    status,
    reason || String(status),
    `${request.method} ${request.path}: ${status} ${reason} ${message}`.trim(),
    parseRetryAfterMs(retryAfter, nowMs),
  );
}
