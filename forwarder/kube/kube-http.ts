import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

// A thin JSON client for the kube API on top of the KubeConfig's authentication. The forwarder talks
// plain JSON on purpose: client-node's typed APIs deserialize into model classes (costly for 30,000
// pods) and serialize a Lease's MicroTime with millisecond precision, which the API server rejects.

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

export class KubeHttp {
  private readonly defaultTimeoutMs: number;
  private agent: http.Agent | undefined;

  constructor(readonly kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}) {
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
  }

  get server(): string {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    return cluster.server.replace(/\/+$/, '');
  }

  async request<T = unknown>(request: KubeRequest): Promise<T> {
    const { status, body, headers } = await this.requestRaw(request);
    if (status >= 200 && status < 300) return (body.length > 0 ? JSON.parse(body) : undefined) as T;
    throw toApiError(request, status, body, headers['retry-after']);
  }

  async requestRaw(request: KubeRequest): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    const url = new URL(this.server + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const options: https.RequestOptions = { method: request.method, headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(options);
    options.agent = this.keepAliveAgent(options);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const headers = options.headers as Record<string, string>;
    headers.Accept = 'application/json';
    if (payload) {
      headers['Content-Type'] = request.contentType ?? (request.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      headers['Content-Length'] = String(payload.length);
    }
    const transport = url.protocol === 'http:' ? http : https;
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

  close(): void {
    this.agent?.destroy();
  }

  /** Keeps connections open between calls (list pages, executor bursts); proxies keep client-node's agent. */
  private keepAliveAgent(options: https.RequestOptions): http.Agent | undefined {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl) return options.agent as http.Agent | undefined;
    if (!this.agent) {
      const isHttp = this.server.startsWith('http:');
      this.agent = isHttp
        ? new http.Agent({ keepAlive: true, maxSockets: 8 })
        : new https.Agent({
            keepAlive: true,
            maxSockets: 8,
            ca: options.ca,
            cert: options.cert,
            key: options.key,
            ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
            ...(options.servername === undefined ? {} : { servername: options.servername }),
          });
    }
    return this.agent;
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
