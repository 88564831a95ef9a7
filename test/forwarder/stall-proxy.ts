import net from 'node:net';

// A TCP proxy on loopback in front of the API server, for faults the real server will not produce on
// demand: `stall()` keeps every connection open but silent (a hung request), `cut()` drops them all
// and refuses new ones (an outage), `restore()` goes back to forwarding. TLS passes through untouched,
// so the client verifies the API server's own certificate (issued for 127.0.0.1).

export interface StallProxy {
  /** https://127.0.0.1:<port> */
  url: string;
  stall(): void;
  cut(): void;
  restore(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startStallProxy(target: string): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  let mode: 'forward' | 'stall' | 'cut' = 'forward';
  let connections = 0;
  const open = new Set<{ client: net.Socket; upstream: net.Socket }>();
  const hold = (pair: { client: net.Socket; upstream: net.Socket }) => {
    // Unpiped and paused: bytes already sent wait in the kernel, nothing reaches the other side.
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };
  const server = net.createServer((client) => {
    connections += 1;
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const pair = { client, upstream };
    open.add(pair);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (mode === 'stall') hold(pair);
    else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    stall() {
      mode = 'stall';
      for (const pair of open) hold(pair);
    },
    cut() {
      mode = 'cut';
      for (const pair of [...open]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    restore() {
      mode = 'forward';
      // Stalled connections stay stalled: their requests are already lost to the client's deadline.
      for (const pair of [...open]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    async close() {
      for (const pair of [...open]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
