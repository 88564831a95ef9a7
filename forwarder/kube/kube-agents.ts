import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { proxyFor } from '../util/proxy-env.ts';
import { HttpsTunnelAgent, HttpTunnelAgent } from '../util/tunnel-agent.ts';
import type { KubeAuth } from './kube-auth.ts';

// The kube client's two connection agents (keep-alive requests; long-lived watches) on one TLS
// context, built once. With HTTPS_PROXY (or HTTP_PROXY for an http:// server) set and the server not
// in NO_PROXY, both reach the API server through the proxy's CONNECT tunnel, as kubectl does; a
// kubeconfig's own proxy-url is client-node's (KubeAuth.agent) and wins.

export class KubeAgents {
  private agent: http.Agent | undefined;
  private streamAgent: http.Agent | undefined;
  /** The proxy in use (undefined: direct), for the log. */
  readonly proxy: URL | undefined;

  constructor(private readonly auth: KubeAuth, env: Record<string, string | undefined>) {
    this.proxy = proxyFor(new URL(auth.server), env);
  }

  for(streaming: boolean): http.Agent {
    if (!this.agent || !this.streamAgent) {
      const pooled = { keepAlive: true, maxSockets: 8 };
      const single = { keepAlive: false };
      if (this.auth.server.startsWith('http:')) {
        const make = (options: http.AgentOptions) => (this.proxy ? new HttpTunnelAgent(this.proxy, options) : new http.Agent(options));
        this.agent = make(pooled);
        this.streamAgent = make(single);
      } else {
        const { ca, cert, key, rejectUnauthorized, servername } = this.auth.tls;
        const common: https.AgentOptions = {
          secureContext: tls.createSecureContext({ ca, cert, key }),
          ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }),
          ...(servername === undefined ? {} : { servername }),
        };
        const make = (options: https.AgentOptions) => (this.proxy ? new HttpsTunnelAgent(this.proxy, options) : new https.Agent(options));
        this.agent = make({ ...pooled, ...common });
        this.streamAgent = make({ ...single, ...common });
      }
    }
    return (streaming ? this.streamAgent : this.agent)!;
  }

  destroy(): void {
    this.agent?.destroy();
    this.streamAgent?.destroy();
  }
}
