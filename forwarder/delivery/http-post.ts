import http from 'node:http';
import https from 'node:https';

// One POST with the raw response bytes: the plan's signature covers the bytes as transmitted, so the
// body must not be decompressed (fetch would) before it is verified.
//
// IMPORTANT: every byte read is bounded, because the answer comes from outside the cluster and the
// forwarder runs in a 192 Mi container. A 2xx body is read up to `maxBodyBytes` (beyond it the socket
// is destroyed and the answer marked `truncated`); any other answer up to `maxErrorBodyBytes`, just
// enough for a log line. A Content-Length above the limit is refused before a byte of the body is
// read. The whole exchange, not only each idle gap, must finish within `timeoutMs` (a server trickling
// one byte per second would otherwise hold the reconcile for ever).

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

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export const nodeHttpPost: HttpPost = (url, headers, body, timeoutMs, limits = DEFAULT_BODY_LIMITS) =>
  new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outcome();
    };
    const request = (isHttps ? https : http).request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: isHttps ? agents.https : agents.http },
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
    const deadline = setTimeout(() => request.destroy(new Error(`POST ${url.pathname}: no complete answer within ${timeoutMs} ms`)), timeoutMs);
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`POST ${url.pathname}: no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => finish(() => reject(error)));
    request.end(body);
  });
