import { createServer, type IncomingMessage, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';

// A tiny HTTP CONNECT proxy on loopback for proxy tests: every tunnel goes to `upstreamPort` on
// 127.0.0.1 whatever host was asked for (so a test can name a host no DNS knows, and a request that
// skipped the proxy fails), and it records what was asked. Plain (non-CONNECT) requests get 405.

export interface ConnectProxy {
  url: string;
  /** host:port of every CONNECT, in order. */
  connects: string[];
  /** The Proxy-Authorization header of every CONNECT ('' when none). */
  authorizations: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(upstreamPort: number, options: { requireAuthorization?: string } = {}): Promise<ConnectProxy> {
  const connects: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const server: Server = createServer((_req, res) => res.writeHead(405).end('CONNECT only'));
  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    const authorization = req.headers['proxy-authorization'] ?? '';
    authorizations.push(authorization);
    sockets.add(client);
    client.on('close', () => sockets.delete(client)).on('error', () => client.destroy());
    if (options.requireAuthorization !== undefined && authorization !== options.requireAuthorization) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const upstream = net.connect(upstreamPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream)).on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    authorizations,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
