import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { KubeAuth } from './kube-auth.ts';

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
  timeoutMs?: number;
}

/** A non-2xx answer of the API server, with the Status object's reason when there is one. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  constructor(
    readonly status: number,
    /** Status.reason: NotFound, Conflict, AlreadyExists, Forbidden, TooManyRequests, Expired, … */
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isKubeStatus(error: unknown, status: number): boolean {
  return error instanceof KubeApiError && error.status === status;
}

export interface StreamHandle {
  abort(): void;
}

export class KubeHttp {
  private readonly defaultTimeoutMs: number;
  private agent: http.Agent | undefined;
  private streamAgent: http.Agent | undefined;

  constructor(readonly auth: KubeAuth, options: { timeoutMs?: number } = {}) {
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
  }

  get server(): string {
    return this.auth.server;
  }

  async request<T = unknown>(request: KubeRequest): Promise<T> {
    const { status, body, headers } = await this.requestRaw(request);
    if (status >= 200 && status < 300) return (body.length > 0 ? JSON.parse(body) : undefined) as T;
    throw toApiError(request, status, body, headers['retry-after']);
  }

  async requestRaw(request: KubeRequest): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const { url, options, transport } = await this.prepare(request.method, request.path, request.query, false);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers = options.headers as Record<string, string>;
    if (payload) {
      headers['Content-Type'] = request.contentType ?? (request.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      headers['Content-Length'] = String(payload.length);
    }
    const timeoutMs = request.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${request.method} ${request.path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
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
  ): Promise<StreamHandle> {
    const { url, options, transport } = await this.prepare('GET', path, query, true);
    let done = false;
    const finish = (error: unknown) => {
      if (done) return;
      done = true;
      onDone(error);
    };
    const req = transport.request(url, options, (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(toApiError({ method: 'GET', path }, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), res.headers['retry-after'])));
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

function toApiError(request: KubeRequest, status: number, body: string, retryAfter: string | undefined): KubeApiError {
  let reason = '';
  let message = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; message?: unknown };
    if (typeof parsed.reason === 'string') reason = parsed.reason;
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not a Status object (a proxy's HTML page, for instance): keep the raw text
  }
  const seconds = retryAfter === undefined ? undefined : Number.parseInt(retryAfter, 10);
  return new KubeApiError(
    status,
    reason || String(status),
    `${request.method} ${request.path}: ${status} ${reason} ${message}`.trim(),
    Number.isFinite(seconds) ? seconds : undefined,
  );
}
