import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';

// Connection agents that reach their target through an HTTP proxy's CONNECT tunnel (what kubectl
// and curl do for https:// targets). The agent keeps its usual pooling, TLS settings and keep-alive;
// only the socket underneath comes through the proxy. A plain http:// target is tunnelled the same
// way. Credentials in the proxy URL (http://user:pass@proxy:3128) go in Proxy-Authorization.

export class ProxyTunnelError extends Error {
  override name = 'ProxyTunnelError';
}

type CreateCallback = (error: Error | null, socket: Duplex) => void;
type ConnectOptions = http.ClientRequestArgs & tls.ConnectionOptions;

function openTunnel(proxy: URL, options: ConnectOptions, onSocket: (socket: Socket) => Duplex, callback: CreateCallback): void {
  const host = String(options.host ?? options.hostname ?? 'localhost');
  const port = Number(options.port);
  const authority = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: authority };
  if (proxy.username) headers['proxy-authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  const request = (proxy.protocol === 'https:' ? https : http).request({
    host: proxy.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
  });
  let done = false;
  const finish = (error: Error | null, socket?: Duplex) => {
    if (done) return;
    done = true;
    callback(error, socket as Duplex);
  };
  request.once('connect', (response, socket) => {
    if (response.statusCode !== 200) {
      socket.destroy();
      finish(new ProxyTunnelError(`proxy ${proxy.host} refused CONNECT ${authority}: ${response.statusCode} ${response.statusMessage ?? ''}`.trim()));
      return;
    }
    try {
      finish(null, onSocket(socket));
    } catch (error) {
      socket.destroy();
      finish(error as Error);
    }
  });
  request.once('error', (error) => finish(new ProxyTunnelError(`proxy ${proxy.host}: ${error.message}`, { cause: error })));
  request.end();
}

/** An https.Agent whose TLS connections run inside a CONNECT tunnel through `proxy`. */
export class HttpsTunnelAgent extends https.Agent {
  constructor(readonly proxy: URL, options: https.AgentOptions = {}) {
    super(options);
  }

  // Node's Agent waits for the callback when createConnection returns nothing (documented).
  override createConnection(options: https.RequestOptions, callback?: CreateCallback): undefined {
    const connect = options as ConnectOptions;
    openTunnel(this.proxy, connect, (socket) => {
      const servername = connect.servername ?? (isIP(String(connect.host)) ? undefined : String(connect.host));
      return tls.connect({ ...connect, socket, ...(servername ? { servername } : {}) });
    }, callback ?? (() => {}));
    return undefined;
  }
}

/** An http.Agent whose connections are CONNECT tunnels through `proxy`. */
export class HttpTunnelAgent extends http.Agent {
  constructor(readonly proxy: URL, options: http.AgentOptions = {}) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: CreateCallback): undefined {
    openTunnel(this.proxy, options as ConnectOptions, (socket) => socket, callback ?? (() => {}));
    return undefined;
  }
}
