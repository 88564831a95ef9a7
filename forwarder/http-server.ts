import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

// The forwarder's only listening socket: /metrics, /healthz, /readyz and POST /trigger (bearer token)
// for in-cluster alerting to ask for a reconcile within seconds.

export interface ForwarderHttpOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Liveness: the process and its loops are alive. */
  healthy: () => boolean;
  /** Readiness: every initial list done. Both replicas are ready; only one leads. */
  ready: () => { ready: boolean; detail: Record<string, unknown> };
  /** Without a token the trigger endpoint answers 404. */
  triggerToken?: string | undefined;
  onTrigger: () => void;
}

export interface ForwarderHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(options: ForwarderHttpOptions): Promise<ForwarderHttpServer> {
  const server: Server = createServer((req, res) => {
    handle(req, res, options).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: ForwarderHttpOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/metrics') {
    const body = await options.registry.metrics();
    res.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
    return;
  }
  if (req.method === 'GET' && path === '/healthz') {
    const ok = options.healthy();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
    return;
  }
  if (req.method === 'GET' && path === '/readyz') {
    const { ready, detail } = options.ready();
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready, ...detail }) + '\n');
    return;
  }
  if (path === '/trigger') {
    if (!options.triggerToken) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    if (!safeEqual(given, options.triggerToken)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    req.resume();
    options.onTrigger();
    res.writeHead(202, { 'content-type': 'text/plain' }).end('reconcile requested\n');
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
