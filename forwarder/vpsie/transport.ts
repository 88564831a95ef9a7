import type { AxiosInstance } from 'axios';
import { performance } from 'node:perf_hooks';
import type { Authenticator } from './auth.ts';
import { retryDelayMs, type RetryOptions } from './backoff.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import { classifyResponse } from './classify.ts';
import {
  VpsieAuthError,
  VpsieCircuitOpenError,
  VpsieError,
  VpsieInvalidResponseError,
  VpsieNetworkError,
  VpsieRateLimitError,
  VpsieServerError,
  VpsieTimeoutError,
} from './errors.ts';
import type { RequestEvent } from './types.ts';

// One HTTP call to the API, with everything around it: auth headers, the per-call timeout, the
// circuit breaker, retries with backoff, error classification and the metrics hook.

export type ApiRequest = {
  /** Logical operation, reported to the metrics hook as `method`. */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** The path with placeholders, for metrics (`/apps/v2/vm/{identifier}`). */
  pathTemplate?: string;
  query?: Record<string, string | number>;
  json?: unknown;
  form?: Record<string, string>;
  /**
   * 'safe': retry retryable failures with backoff (reads, deletes, login).
   * 'never': one attempt only (create) — a retry could make a second VM; see launchVm.
   */
  retry: 'safe' | 'never';
  authenticated: boolean;
  /** false for the login answer, which has no {error, data} envelope. */
  envelope: boolean;
  /** An action whose answer carries nothing needed: 204 / no `data` is success (see classifyResponse). */
  ack?: boolean;
};

export type TransportDeps = {
  baseUrl: string;
  http: AxiosInstance;
  timeoutMs: number;
  retry: RetryOptions;
  breaker: CircuitBreaker;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  userAgent: string;
  onRequest: ((event: RequestEvent) => void) | undefined;
};

/**
 * Bytes of one answer, counted after axios has inflated it (so a gzip bomb stops here too). A VM list
 * of 1,000 VMs is about 2 MB; the forwarder runs in 192 Mi, and the answer is parsed after this.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ECONNABORTED']);

export class Transport {
  private authenticator: Authenticator | undefined;

  constructor(private readonly deps: TransportDeps) {}

  setAuthenticator(authenticator: Authenticator): void {
    this.authenticator = authenticator;
  }

  /** Sends the request (retrying per `request.retry`) and returns the envelope's `data`. */
  async request(request: ApiRequest): Promise<unknown> {
    let failures = 0;
    let reloggedIn = false;
    for (let attempt = 1; ; attempt++) {
      const headers = request.authenticated ? await this.requireAuth().headers() : {};
      try {
        const payload = await this.attempt(request, headers, attempt);
        if (request.authenticated) this.requireAuth().markAccepted?.();
        return payload;
      } catch (error) {
        if (error instanceof VpsieAuthError && request.authenticated && this.requireAuth().canRelogin && !reloggedIn) {
          // The server refused the token, so it did not act on the request: logging in again and
          // resending is safe, even for a create. Once only.
          reloggedIn = true;
          this.requireAuth().invalidate(headers);
          continue;
        }
        failures += 1;
        if (request.retry === 'never' || !(error instanceof VpsieError) || !error.retryable) throw error;
        if (error instanceof VpsieCircuitOpenError || failures >= this.deps.retry.maxAttempts) throw error;
        const delayMs = retryDelayMs(error, failures, this.deps.retry, this.deps.random);
        if (delayMs === undefined) throw error;
        await this.deps.sleep(delayMs);
      }
    }
  }

  private requireAuth(): Authenticator {
    if (!this.authenticator) throw new Error('VPSie transport used before an authenticator was set');
    return this.authenticator;
  }

  private async attempt(request: ApiRequest, authHeaders: Record<string, string>, attempt: number): Promise<unknown> {
    const path = request.pathTemplate ?? request.path;
    const permit = this.deps.breaker.acquire();
    if (!permit.allowed) {
      this.emit({ method: request.operation, path, status: 'circuit_open', durationMs: 0, attempt, error: 'VpsieCircuitOpenError' });
      throw new VpsieCircuitOpenError(`${request.operation}: circuit breaker open, no request sent`, { operation: request.operation, retryAtMs: permit.retryAtMs });
    }
    const startedAt = performance.now();
    let status: RequestEvent['status'] = 'network';
    try {
      const response = await this.send(request, authHeaders);
      status = response.status;
      const payload = classifyResponse(response, request.operation, request.envelope, this.deps.now(), request.ack ?? false);
      this.deps.breaker.recordSuccess();
      this.emit({ method: request.operation, path, status, durationMs: performance.now() - startedAt, attempt });
      return payload;
    } catch (error) {
      if (error instanceof VpsieTimeoutError) status = 'timeout';
      if (countsAsOutage(error)) this.deps.breaker.recordFailure();
      else this.deps.breaker.recordSuccess();
      this.emit({ method: request.operation, path, status, durationMs: performance.now() - startedAt, attempt, error: error instanceof Error ? error.name : 'unknown' });
      throw error;
    }
  }

  private async send(request: ApiRequest, authHeaders: Record<string, string>) {
    const controller = new AbortController();
    // Wire time, not the injected clock: the timeout protects a real socket.
    const timer = setTimeout(() => controller.abort(), this.deps.timeoutMs);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.deps.userAgent, ...authHeaders };
    let data: string | undefined;
    if (request.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      data = new URLSearchParams(request.form).toString();
    } else if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      data = JSON.stringify(request.json);
    }
    try {
      const response = await this.deps.http.request<string>({
        baseURL: this.deps.baseUrl,
        url: request.path,
        method: request.method,
        params: request.query,
        data,
        headers,
        signal: controller.signal,
        responseType: 'text',
        transformResponse: [(raw: unknown) => raw],
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: MAX_RESPONSE_BYTES,
        maxBodyLength: MAX_RESPONSE_BYTES,
      });
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.status,
        body: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
        retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
      };
    } catch (error) {
      if (controller.signal.aborted) {
        throw new VpsieTimeoutError(`${request.operation}: no answer within ${this.deps.timeoutMs} ms`, { operation: request.operation, timeoutMs: this.deps.timeoutMs, cause: error });
      }
      const code = (error as { code?: unknown }).code;
      const codeText = typeof code === 'string' ? code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      if (/maxContentLength/.test(message)) {
        throw new VpsieInvalidResponseError(`${request.operation}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes; not read further`, { operation: request.operation, cause: error });
      }
      if ((codeText && NETWORK_CODES.has(codeText)) || /socket hang up|network|connect/i.test(message)) {
        throw new VpsieNetworkError(`${request.operation}: connection failed (${codeText ?? message})`, { operation: request.operation, systemCode: codeText, cause: error });
      }
      throw new VpsieNetworkError(`${request.operation}: request failed: ${message}`, { operation: request.operation, systemCode: codeText, cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private emit(event: RequestEvent): void {
    try {
      this.deps.onRequest?.(event);
    } catch {
      // A broken metrics hook must not break API calls.
    }
  }
}

function countsAsOutage(error: unknown): boolean {
  return (
    error instanceof VpsieServerError ||
    error instanceof VpsieTimeoutError ||
    error instanceof VpsieNetworkError ||
    error instanceof VpsieRateLimitError ||
    error instanceof VpsieInvalidResponseError
  );
}
