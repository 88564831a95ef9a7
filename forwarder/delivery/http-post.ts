import http from 'node:http';
import https from 'node:https';

// One POST with the raw response bytes: the plan's signature covers the bytes as transmitted, so the
// body must not be decompressed (fetch would) before it is verified.

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type HttpPost = (url: URL, headers: Record<string, string>, body: Buffer, timeoutMs: number) => Promise<RawResponse>;

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export const nodeHttpPost: HttpPost = (url, headers, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const request = (isHttps ? https : http).request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) }, agent: isHttps ? agents.https : agents.http },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`POST ${url.pathname}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
