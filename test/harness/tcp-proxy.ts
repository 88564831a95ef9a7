import net from 'node:net';

// A TCP proxy on loopback in front of a real server (the kube-apiserver): TLS passes through
// untouched, so clients talk to the real server; the test can cut every open connection at once —
// what a load balancer restart or a network blip does to long-running watches.

export interface TcpProxy {
  /** host:port to connect to instead of the target. */
  readonly address: string;
  /** Connections open now. */
  readonly open: number;
  /** Destroys every open connection (both sides); new connections are accepted as before. */
  dropConnections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    get open() {
      return sockets.size / 2;
    },
    dropConnections() {
      const count = sockets.size / 2;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      return count;
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}
