import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { systemClock, type Clock } from '../util/clock.ts';
import { parseRetryAfterMs } from '../util/retry-after.ts';
import type { KubeAuth } from './kube-auth.ts';
import { TokenBucket } from './token-bucket.ts';

// A thin JSON client for the kube API (authentication from kube-auth.ts). The forwarder talks
// plain JSON on purpose: client-node's typed APIs deserialize into model classes (costly for 30,000
// pods) and serialize a Lease's MicroTime with millisecond precision, which the API server rejects.
// Watches stream through the same TLS context: client-node 2.0's Watch builds a new undici Agent, and
// so a new TLS context, for every watch request (measured: tens of MiB for the forwarder's watches).

export type KubeMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  method: KubeMethod;
  /** Absolute API path, e.g. /api/v1/namespaces/default/pods. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** For PATCH: application/merge-patch+json (default), application/json-patch+json, application/strategic-merge-patch+json. */
  contentType?: string;
  /** Idle timeout: the connection stays silent this long. */
  timeoutMs?: number;
  /** Whole-request deadline (waiting for the rate limit, connecting, sending, reading the answer). */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Skips the client rate limit: the Lease renewal only (a burst of evictions must not cost the leadership). */
  unthrottled?: boolean;
}

export interface KubeHttpOptions {
  /** Idle timeout of a request (default 30 s). */
  timeoutMs?: number;
  /** Whole-request deadline when the request names none (default 60 s). */
  deadlineMs?: number;
  /** Client-side rate limit, a token bucket (defaults: 50 per second, bursts of 100; see DEFAULT_KUBE_QPS). */
  qps?: number;
  burst?: number;
  clock?: Clock;
}

/**
 * client-go's 5 QPS / burst 10 would make one plan's drain of a full node (110 evictions) take over
 * 20 s, and a 30,000-pod relist (300 pages of 100) a minute. 50/s with bursts of 100 lets one node's
 * evictions go at once and relists finish in seconds, while still bounding a runaway loop (an ERROR
 * flood, a bug) to a rate the API server's priority-and-fairness absorbs from one client.
 */
export const DEFAULT_KUBE_QPS = 50;
export const DEFAULT_KUBE_BURST = 100;
export const DEFAULT_KUBE_DEADLINE_MS = 60_000;

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

export interface StreamHandle {
  abort(): void;
}

export class KubeHttp {
  private readonly defaultTimeoutMs: number;
  private readonly defaultDeadlineMs: number;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket;
  private agent: http.Agent | undefined;
  private streamAgent: http.Agent | undefined;
  /** Requests sent (streams included), for metrics and tests. */
  requestsSent = 0;

  constructor(readonly auth: KubeAuth, options: KubeHttpOptions = {}) {
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
    this.defaultDeadlineMs = options.deadlineMs ?? DEFAULT_KUBE_DEADLINE_MS;
    if (!(this.defaultDeadlineMs > 0)) throw new RangeError(`deadlineMs must be positive, not ${this.defaultDeadlineMs}`);
    this.clock = options.clock ?? systemClock;
    this.bucket = new TokenBucket({ qps: options.qps ?? DEFAULT_KUBE_QPS, burst: options.burst ?? DEFAULT_KUBE_BURST, clock: this.clock });
  }

  /** Requests waiting for the client rate limit. */
  get throttled(): number {
    return this.bucket.waiting;
  }

  get server(): string {
    return this.auth.server;
  }

  async request<T = unknown>(request: KubeRequest): Promise<T> {
    const { status, body, headers } = await this.requestRaw(request);
    if (status >= 200 && status < 300) return (body.length > 0 ? JSON.parse(body) : undefined) as T;
    throw toApiError(request, status, body, headers['retry-after'], this.clock.now());
  }

  async requestRaw(request: KubeRequest): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const deadlineMs = request.deadlineMs ?? this.defaultDeadlineMs;
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    const what = `${request.method} ${request.path}`;
    // One controller ends the request wherever it is: waiting for a token, connecting or reading.
    const controller = new AbortController();
    const deadline = this.clock.setTimeout(() => controller.abort(new KubeDeadlineError(`${what}: not done within its ${deadlineMs} ms deadline`)), deadlineMs);
    const onCallerAbort = () => controller.abort(new KubeDeadlineError(`${what}: aborted by the caller`));
    if (request.signal?.aborted) onCallerAbort();
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    try {
      if (!request.unthrottled) {
        await this.bucket.take(controller.signal).catch((error: unknown) => {
          throw controller.signal.aborted ? controller.signal.reason : error;
        });
      }
      const { url, options, transport } = await this.prepare(request.method, request.path, request.query, false);
      const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
      const headers = options.headers as Record<string, string>;
      if (payload) {
        headers['Content-Type'] = request.contentType ?? (request.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
        headers['Content-Length'] = String(payload.length);
      }
      if (controller.signal.aborted) throw controller.signal.reason;
      this.requestsSent += 1;
      return await new Promise((resolve, reject) => {
        const req = transport.request(url, options, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        });
        const onAbort = () => req.destroy(controller.signal.reason as Error);
        controller.signal.addEventListener('abort', onAbort, { once: true });
        req.on('close', () => controller.signal.removeEventListener('abort', onAbort));
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`${what}: no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(payload);
      });
    } finally {
      this.clock.clearTimeout(deadline);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /**
   * A streaming GET (watch): `onLine` gets every JSON line, `onDone` is called once when the stream
   * ends, fails, is aborted or stays silent for `idleTimeoutMs`.
   */
  async stream(
    path: string,
    query: KubeRequest['query'],
    idleTimeoutMs: number,
    onLine: (line: string) => void,
    onDone: (error: unknown) => void,
    more: { deadlineMs?: number; onOpen?: () => void } = {},
  ): Promise<StreamHandle> {
    // Watches count against the rate limit too: a watch loop gone wrong must not flood the API server.
    await this.bucket.take();
    const { url, options, transport } = await this.prepare('GET', path, query, true);
    let done = false;
    let deadline: ReturnType<Clock['setTimeout']> | undefined;
    const finish = (error: unknown) => {
      if (done) return;
      done = true;
      if (deadline) this.clock.clearTimeout(deadline);
      onDone(error);
    };
    this.requestsSent += 1;
    const req = transport.request(url, options, (res) => {
      if (res.statusCode === 200) more.onOpen?.();
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(toApiError({ method: 'GET', path }, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers['retry-after'], this.clock.now())));
        res.on('error', finish);
        return;
      }
      let buffered = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim()) onLine(line);
          newline = buffered.indexOf('\n');
        }
      });
      res.on('end', () => finish(undefined));
      res.on('error', finish);
      res.on('close', () => finish(undefined));
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`watch ${path}: silent for ${idleTimeoutMs} ms`)));
    if (more.deadlineMs !== undefined) {
      const deadlineMs = more.deadlineMs;
      deadline = this.clock.setTimeout(() => req.destroy(new KubeDeadlineError(`watch ${path}: still open after its ${deadlineMs} ms deadline`)), deadlineMs);
    }
    req.on('error', (error) => finish(done ? undefined : error));
    req.end();
    return {
      abort: () => {
        finish(undefined);
        req.destroy();
      },
    };
  }

  close(): void {
    this.agent?.destroy();
    this.streamAgent?.destroy();
  }

  private async prepare(method: KubeMethod, path: string, query: KubeRequest['query'], streaming: boolean) {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Headers on every request: tokens rotate (projected service account tokens, exec plugins).
    const options: https.RequestOptions = { method, headers: { ...(await this.auth.headers()), Accept: 'application/json' } };
    options.agent = (await this.auth.agent?.()) ?? this.agentFor(streaming);
    const transport = url.protocol === 'http:' ? http : https;
    return { url, options, transport };
  }

  /** Two agents (keep-alive requests; long-lived watches) on one TLS context, built once. */
  private agentFor(streaming: boolean): http.Agent {
    if (!this.agent || !this.streamAgent) {
      const options = this.auth.tls;
      if (this.server.startsWith('http:')) {
        this.agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
        this.streamAgent = new http.Agent({ keepAlive: false });
      } else {
        const secureContext = tls.createSecureContext({ ca: options.ca, cert: options.cert, key: options.key });
        const common = {
          secureContext,
          ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
          ...(options.servername === undefined ? {} : { servername: options.servername }),
        };
        this.agent = new https.Agent({ keepAlive: true, maxSockets: 8, ...common });
        this.streamAgent = new https.Agent({ keepAlive: false, ...common });
      }
    }
    return (streaming ? this.streamAgent : this.agent)!;
  }
}

function toApiError(request: KubeRequest, status: number, body: string, retryAfter: string | undefined, nowMs: number): KubeApiError {
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
