import http from 'node:http';
import https from 'node:https';
import { systemClock, type Clock } from '../util/clock.ts';
import { proxyFor } from '../util/proxy-env.ts';
import { HttpsTunnelAgent, HttpTunnelAgent } from '../util/tunnel-agent.ts';

// One POST with the raw response bytes: the plan's signature covers the bytes as transmitted, so the
// body must not be decompressed (fetch would) before it is verified.
//
// IMPORTANT: every byte read is bounded, because the answer comes from outside the cluster and the
// forwarder runs in a 192 Mi container. A 2xx body is read up to `maxBodyBytes` (beyond it the socket
// is destroyed and the answer marked `truncated`); any other answer up to `maxErrorBodyBytes`, just
// enough for a log line. A Content-Length above the limit is refused before a byte of the body is
// read. The whole exchange, not only each idle gap, must finish within `timeoutMs` (a server trickling
// one byte per second would otherwise hold the reconcile for ever); that deadline runs on the
// injected clock.
//
// As kubectl: HTTPS_PROXY/HTTP_PROXY/NO_PROXY are honoured (util/proxy-env.ts; loopback never goes
// through a proxy), and the forwarder names itself in User-Agent.

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** As transmitted (still compressed), at most the limit for its status. */
  body: Buffer;
  /** The server sent (or announced) more than the limit; `body` holds only its start. */
  truncated: boolean;
}

export interface BodyLimits {
  /** Bytes of a 2xx answer as transmitted. */
  maxBodyBytes: number;
  /** Bytes of any other answer kept (for the log); the rest is never read. */
  maxErrorBodyBytes: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBodyBytes: 2 * 1024 * 1024, maxErrorBodyBytes: 4 * 1024 };

export type HttpPost = (url: URL, headers: Record<string, string>, body: Buffer, timeoutMs: number, limits?: BodyLimits) => Promise<RawResponse>;

export interface HttpPostOptions {
  clock?: Clock;
  userAgent?: string;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (default process.env). */
  env?: Record<string, string | undefined>;
}

/** A keep-alive agent per proxy (or none) and scheme, made when first needed. */
function agentsFor(env: Record<string, string | undefined>): (url: URL) => http.Agent {
  const agents = new Map<string, http.Agent>();
  return (url) => {
    const proxy = proxyFor(url, env);
    const key = `${url.protocol}${proxy?.href ?? ''}`;
    let agent = agents.get(key);
    if (!agent) {
      const secure = url.protocol === 'https:';
      agent = proxy
        ? (secure ? new HttpsTunnelAgent(proxy, { keepAlive: true }) : new HttpTunnelAgent(proxy, { keepAlive: true }))
        : (secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true }));
      agents.set(key, agent);
    }
    return agent;
  };
}

export function createHttpPost(options: HttpPostOptions = {}): HttpPost {
  const clock = options.clock ?? systemClock;
  const agentFor = agentsFor(options.env ?? process.env);
  const extraHeaders: Record<string, string> = options.userAgent ? { 'user-agent': options.userAgent } : {};
  return (url, headers, body, timeoutMs, limits = DEFAULT_BODY_LIMITS) => new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clock.clearTimeout(deadline);
      outcome();
    };
    const request = (isHttps ? https : http).request(
      url,
      { method: 'POST', headers: { ...extraHeaders, ...headers, 'content-length': String(body.length) }, agent: agentFor(url) },
      (res) => {
        const status = res.statusCode ?? 0;
        const limit = status >= 200 && status < 300 ? limits.maxBodyBytes : limits.maxErrorBodyBytes;
        const chunks: Buffer[] = [];
        let received = 0;
        const done = (truncated: boolean) => {
          finish(() => resolve({ status, headers: res.headers, body: Buffer.concat(chunks, Math.min(received, limit)), truncated }));
          // Not reading the rest: the connection cannot be reused, so it is closed.
          if (truncated) res.destroy();
        };
        const announced = Number(res.headers['content-length']);
        if (Number.isFinite(announced) && announced > limit) return done(true);
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = limit - received;
          if (chunk.length > room) {
            if (room > 0) chunks.push(chunk.subarray(0, room));
            received += room;
            done(true);
            return;
          }
          chunks.push(chunk);
          received += chunk.length;
        });
        res.on('error', (error) => finish(() => reject(error)));
        res.on('end', () => done(false));
      },
    );
    const deadline = clock.setTimeout(() => request.destroy(new Error(`POST ${url.pathname}: no complete answer within ${timeoutMs} ms`)), timeoutMs);
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`POST ${url.pathname}: no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => finish(() => reject(error)));
    request.end(body);
  });
}
