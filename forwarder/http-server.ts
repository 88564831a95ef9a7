import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

// The forwarder's listening sockets: /metrics, /healthz, /readyz, and POST /trigger (bearer token) for
// in-cluster alerting to ask for a reconcile within seconds.
//
// IMPORTANT: with `triggerPort` set, /trigger is served only on its own socket and the main port
// answers it 404. A NetworkPolicy cannot match paths, only ports: a port of its own is what lets the
// policy admit /trigger from selected sources (infra/forwarder/networkpolicy.yaml) while Prometheus
// and the kubelet still reach the main port. Whatever the source, triggers are coalesced by the
// batcher (batcher.ts), so a flood cannot raise the reconcile rate.

export interface ForwarderHttpOptions {
  host: string;
  port: number;
  /** Serve POST /trigger on this port only (0 = any free port); undefined = on the main port. */
  triggerPort?: number | undefined;
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
  /** Where POST /trigger is served (the main url unless triggerPort is set). */
  triggerUrl: string;
  close(): Promise<void>;
}

/** A trigger carries nothing worth reading; a larger body is refused and the socket closed. */
const MAX_TRIGGER_BODY_BYTES = 16 * 1024;

export async function startHttpServer(options: ForwarderHttpOptions): Promise<ForwarderHttpServer> {
  const separate = options.triggerPort !== undefined;
  const main = await listen(options.host, options.port, (req, res) => handleMain(req, res, options, !separate));
  let trigger: Listening | undefined;
  try {
    if (separate) trigger = await listen(options.host, options.triggerPort!, (req, res) => handleTriggerPort(req, res, options));
  } catch (error) {
    await main.close();
    throw error;
  }
  return {
    url: main.url,
    port: main.port,
    triggerUrl: trigger?.url ?? main.url,
    close: async () => {
      await Promise.all([main.close(), trigger?.close()]);
    },
  };
}

interface Listening { url: string; port: number; close(): Promise<void> }

async function listen(hostName: string, port: number, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Listening> {
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostName, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = hostName.includes(':') ? `[${hostName}]` : hostName;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const pathOf = (req: IncomingMessage) => (req.url ?? '/').split('?')[0];

async function handleMain(req: IncomingMessage, res: ServerResponse, options: ForwarderHttpOptions, servesTrigger: boolean): Promise<void> {
  const path = pathOf(req);
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
  if (path === '/trigger' && servesTrigger) return handleTrigger(req, res, options);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

async function handleTriggerPort(req: IncomingMessage, res: ServerResponse, options: ForwarderHttpOptions): Promise<void> {
  if (pathOf(req) === '/trigger') return handleTrigger(req, res, options);
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

function handleTrigger(req: IncomingMessage, res: ServerResponse, options: ForwarderHttpOptions): void {
  if (!options.triggerToken) return void res.writeHead(404).end();
  if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
  const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
  if (!safeEqual(given, options.triggerToken)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized\n');
    return;
  }
  if (Number(req.headers['content-length'] ?? 0) > MAX_TRIGGER_BODY_BYTES) {
    res.writeHead(413, { connection: 'close' }).end('a trigger needs no body\n');
    return;
  }
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_TRIGGER_BODY_BYTES) req.destroy();
  });
  options.onTrigger();
  // Accepted, not necessarily a reconcile of its own: triggers are coalesced (batcher.ts).
  res.writeHead(202, { 'content-type': 'text/plain' }).end('reconcile requested\n');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
