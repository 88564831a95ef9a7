import { AppError } from '../../shared/errors.ts';

// Every failure the VPSie client can raise. `retryable` says whether trying the same call again later
// may succeed; the client's own retry loop and the forwarder's backoff both read it. `code` (from
// AppError) is stable: vpsie.api, vpsie.auth, vpsie.not-found, vpsie.quota, vpsie.rate-limit,
// vpsie.server, vpsie.timeout, vpsie.network, vpsie.invalid-response, vpsie.circuit-open,
// vpsie.credentials, vpsie.request.

export type VpsieErrorOptions = { cause?: unknown; operation?: string; retryable?: boolean; code?: string };

export class VpsieError extends AppError {
  override name = 'VpsieError';
  readonly retryable: boolean;
  /** Logical operation that failed (listVms, createVm, …), when known. */
  readonly operation: string | undefined;

  constructor(message: string, options: VpsieErrorOptions = {}) {
    super(message, { cause: options.cause, code: options.code ?? 'vpsie' });
    this.retryable = options.retryable ?? false;
    this.operation = options.operation;
  }
}

export type VpsieApiErrorOptions = VpsieErrorOptions & {
  httpStatus: number;
  /** `code` from the `{"error": true, "code": …}` envelope, when present. */
  apiCode?: number | undefined;
  apiMessage?: string | undefined;
};

/** The API answered, and the answer is a failure (non-2xx, or `"error": true` even on HTTP 200). */
export class VpsieApiError extends VpsieError {
  override name = 'VpsieApiError';
  readonly httpStatus: number;
  readonly apiCode: number | undefined;
  readonly apiMessage: string | undefined;

  constructor(message: string, options: VpsieApiErrorOptions) {
    super(message, { code: 'vpsie.api', ...options });
    this.httpStatus = options.httpStatus;
    this.apiCode = options.apiCode;
    this.apiMessage = options.apiMessage;
  }
}

/** 401 / "Please authenticate". In login mode the client logs in again once before raising it. */
export class VpsieAuthError extends VpsieApiError {
  override name = 'VpsieAuthError';
  constructor(message: string, options: VpsieApiErrorOptions) {
    super(message, { ...options, retryable: false, code: 'vpsie.auth' });
  }
}

/** A missing object, whichever way the API said so (404, "Not found" message, `data: false`). */
export class VpsieNotFoundError extends VpsieApiError {
  override name = 'VpsieNotFoundError';
  constructor(message: string, options: VpsieApiErrorOptions) {
    super(message, { ...options, retryable: false, code: 'vpsie.not-found' });
  }
}

/** The account cannot hold more resources (quota, balance). Retrying soon will not help. */
export class VpsieQuotaError extends VpsieApiError {
  override name = 'VpsieQuotaError';
  constructor(message: string, options: VpsieApiErrorOptions) {
    super(message, { ...options, retryable: false, code: 'vpsie.quota' });
  }
}

/** HTTP 429. `retryAfterMs` comes from `Retry-After` when the API sent one. */
export class VpsieRateLimitError extends VpsieApiError {
  override name = 'VpsieRateLimitError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: VpsieApiErrorOptions & { retryAfterMs?: number | undefined }) {
    super(message, { ...options, retryable: true, code: 'vpsie.rate-limit' });
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 5xx, including the HTML 502 pages of the API's proxy. */
export class VpsieServerError extends VpsieApiError {
  override name = 'VpsieServerError';
  constructor(message: string, options: VpsieApiErrorOptions) {
    super(message, { ...options, retryable: true, code: 'vpsie.server' });
  }
}

/** No answer within the per-call timeout. The server may still have acted on the request. */
export class VpsieTimeoutError extends VpsieError {
  override name = 'VpsieTimeoutError';
  readonly timeoutMs: number;
  constructor(message: string, options: VpsieErrorOptions & { timeoutMs: number }) {
    super(message, { ...options, retryable: true, code: 'vpsie.timeout' });
    this.timeoutMs = options.timeoutMs;
  }
}

/** Connection refused / reset / dropped. The server may still have acted on the request. */
export class VpsieNetworkError extends VpsieError {
  override name = 'VpsieNetworkError';
  /** Node's error code (ECONNRESET, ECONNREFUSED, …) when there is one. */
  readonly systemCode: string | undefined;
  constructor(message: string, options: VpsieErrorOptions & { systemCode?: string | undefined }) {
    super(message, { ...options, retryable: true, code: 'vpsie.network' });
    this.systemCode = options.systemCode;
  }
}

/** The answer is not what the API documents: not JSON, HTML on 2xx, or JSON of the wrong shape. */
export class VpsieInvalidResponseError extends VpsieError {
  override name = 'VpsieInvalidResponseError';
  readonly httpStatus: number | undefined;
  /** The first few hundred characters of the body, for the log. */
  readonly bodySnippet: string | undefined;
  constructor(message: string, options: VpsieErrorOptions & { httpStatus?: number; bodySnippet?: string }) {
    super(message, { ...options, retryable: false, code: 'vpsie.invalid-response' });
    this.httpStatus = options.httpStatus;
    this.bodySnippet = options.bodySnippet;
  }
}

/** The circuit breaker is open: no request was sent. Try again after `retryAtMs`. */
export class VpsieCircuitOpenError extends VpsieError {
  override name = 'VpsieCircuitOpenError';
  readonly retryAtMs: number;
  constructor(message: string, options: VpsieErrorOptions & { retryAtMs: number }) {
    super(message, { ...options, retryable: true, code: 'vpsie.circuit-open' });
    this.retryAtMs = options.retryAtMs;
  }
}

/** The Secret kube-system/vpsie-credentials is missing keys or holds malformed values. */
export class VpsieCredentialsError extends VpsieError {
  override name = 'VpsieCredentialsError';
  readonly problems: string[];
  constructor(problems: string[], options: VpsieErrorOptions = {}) {
    super(`invalid VPSie credentials: ${problems.join('; ')}`, { ...options, retryable: false, code: 'vpsie.credentials' });
    this.problems = problems;
  }
}

/** A request the client refuses to send (e.g. a launch request missing its hostname). */
export class VpsieRequestError extends VpsieError {
  override name = 'VpsieRequestError';
  constructor(message: string, options: VpsieErrorOptions = {}) {
    super(message, { ...options, retryable: false, code: 'vpsie.request' });
  }
}

export function isVpsieError(error: unknown): error is VpsieError {
  return error instanceof VpsieError;
}

/**
 * A listing had rows the client could not read, and the question asked of it (is this VM gone? is
 * this hostname free?) depends on them. Nothing destructive may be decided from it; a later listing
 * may be readable. Never counted by the circuit breaker (the API answered).
 */
export class VpsieIncompleteListingError extends VpsieError {
  override name = 'VpsieIncompleteListingError';
  readonly unreadableRows: number;
  constructor(message: string, options: VpsieErrorOptions & { unreadableRows: number }) {
    super(message, { ...options, retryable: true, code: 'vpsie.incomplete-listing' });
    this.unreadableRows = options.unreadableRows;
  }
}

/**
 * VPSie said "Not found" for a VM, but no listing confirms that the VM is gone: either the listing
 * still shows it (the "Not found" came from a wrong route — VPSie answers unknown routes with the same
 * message) or the listing could not be read completely. The VM must be treated as still there.
 */
export class VpsieAbsenceUnconfirmedError extends VpsieError {
  override name = 'VpsieAbsenceUnconfirmedError';
  readonly identifier: string;
  constructor(message: string, options: VpsieErrorOptions & { identifier: string; retryable: boolean }) {
    super(message, { ...options, code: 'vpsie.absence-unconfirmed' });
    this.identifier = options.identifier;
  }
}
