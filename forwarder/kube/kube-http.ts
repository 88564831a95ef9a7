import http from 'node:http';
import https from 'node:https';
import { systemClock, type Clock } from '../util/clock.ts';
import type { KubeAuth } from './kube-auth.ts';
import { KubeAgents } from './kube-agents.ts';
import { KubeDeadlineError, toApiError } from './kube-errors.ts';
import { TokenBucket } from './token-bucket.ts';

// A thin JSON client for the kube API (authentication from kube-auth.ts). The forwarder talks
// plain JSON on purpose: client-node's typed APIs deserialize into model classes (costly for 30,000
// pods) and serialize a Lease's MicroTime with millisecond precision, which the API server rejects.
// Watches stream through the same TLS context: client-node 2.0's Watch builds a new undici Agent, and
// so a new TLS context, for every watch request (measured: tens of MiB for the forwarder's watches).
// As kubectl: HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured (kube-agents.ts) and every request says
// who sends it (User-Agent).

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
  /** The User-Agent header, as kubectl sends one (default: none). */
  userAgent?: string;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (default process.env). */
  env?: Record<string, string | undefined>;
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

export { KubeApiError, KubeDeadlineError } from './kube-errors.ts';

export interface StreamHandle {
  abort(): void;
}

export class KubeHttp {
  private readonly defaultTimeoutMs: number;
  private readonly defaultDeadlineMs: number;
  private readonly clock: Clock;
  private readonly bucket: TokenBucket;
  private readonly agents: KubeAgents;
  private readonly userAgent: string | undefined;
  /** Requests sent (streams included), for metrics and tests. */
  requestsSent = 0;

  constructor(readonly auth: KubeAuth, options: KubeHttpOptions = {}) {
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
    this.defaultDeadlineMs = options.deadlineMs ?? DEFAULT_KUBE_DEADLINE_MS;
    if (!(this.defaultDeadlineMs > 0)) throw new RangeError(`deadlineMs must be positive, not ${this.defaultDeadlineMs}`);
    this.clock = options.clock ?? systemClock;
    this.bucket = new TokenBucket({ qps: options.qps ?? DEFAULT_KUBE_QPS, burst: options.burst ?? DEFAULT_KUBE_BURST, clock: this.clock });
    this.agents = new KubeAgents(auth, options.env ?? process.env);
    this.userAgent = options.userAgent;
  }

  /** Requests waiting for the client rate limit. */
  get throttled(): number {
    return this.bucket.waiting;
  }

  get server(): string {
    return this.auth.server;
  }

  /** host:port of the proxy the API server is reached through (HTTPS_PROXY), if any. */
  get proxy(): string | undefined {
    return this.agents.proxy?.host;
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
    this.agents.destroy();
  }

  private async prepare(method: KubeMethod, path: string, query: KubeRequest['query'], streaming: boolean) {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    // Headers on every request: tokens rotate (projected service account tokens, exec plugins).
    const headers: Record<string, string> = { ...(await this.auth.headers()), Accept: 'application/json' };
    if (this.userAgent) headers['User-Agent'] = this.userAgent;
    const options: https.RequestOptions = { method, headers };
    options.agent = (await this.auth.agent?.()) ?? this.agents.for(streaming);
    const transport = url.protocol === 'http:' ? http : https;
    return { url, options, transport };
  }
}
