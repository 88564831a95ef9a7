import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../test/forwarder/connect-proxy.ts';
import type { KubeAuth } from './kube-auth.ts';
import { KubeHttp } from './kube-http.ts';

// The kube client as kubectl: through HTTPS_PROXY (a CONNECT tunnel; TLS to the API server inside
// it), not through it for NO_PROXY hosts, and with a User-Agent. The API server's names (kube.test,
// plain.test) exist in no DNS: only the proxy, which sends every tunnel to the local server, reaches it.

const seen: IncomingHttpHeaders[] = [];
const answer = (req: { headers: IncomingHttpHeaders }, res: { writeHead(s: number, h: Record<string, string>): { end(b: string): void } }) => {
  seen.push(req.headers);
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', ok: true }));
};

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function selfSignedFor(host: string): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'kube-proxy-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', `/CN=${host}`,
    '-addext', `subjectAltName=DNS:${host}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

const auth = (server: string, ca?: Buffer): KubeAuth => ({ server, tls: { ca }, caPem: undefined, headers: async () => ({ Authorization: 'Bearer t' }), describe: 'test' });

describe('KubeHttp through a proxy', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    seen.length = 0;
  });

  async function proxyTo(server: Server): Promise<ConnectProxy> {
    const port = await listen(server);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const proxy = await startConnectProxy(port);
    cleanups.push(() => proxy.close());
    return proxy;
  }

  it('reaches an https API server through HTTPS_PROXY, TLS checked against the cluster CA, with its User-Agent', async () => {
    const { key, cert } = selfSignedFor('kube.test');
    const proxy = await proxyTo(createHttpsServer({ key, cert }, answer));
    const kube = new KubeHttp(auth('https://kube.test:6443', cert), { env: { HTTPS_PROXY: proxy.url }, userAgent: 'vpsie-autoscaler-forwarder/9.9.9' });
    cleanups.push(() => kube.close());
    expect(kube.proxy).toBe(new URL(proxy.url).host);
    expect(await kube.request({ method: 'GET', path: '/version' })).toEqual({ kind: 'Status', ok: true });
    await kube.request({ method: 'GET', path: '/version' }); // the kept-alive tunnel
    expect(proxy.connects).toEqual(['kube.test:6443']);
    expect(seen.map((h) => h['user-agent'])).toEqual(['vpsie-autoscaler-forwarder/9.9.9', 'vpsie-autoscaler-forwarder/9.9.9']);
    expect(seen[0]!.authorization).toBe('Bearer t');
  });

  it('streams a watch through the tunnel', async () => {
    const proxy = await proxyTo(createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"ADDED","object":{}}\n');
    }));
    const kube = new KubeHttp(auth('http://plain.test:8080'), { env: { HTTP_PROXY: proxy.url } });
    cleanups.push(() => kube.close());
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      void kube.stream('/api/v1/pods', { watch: true }, 5_000, (line) => lines.push(line), (error) => (error ? reject(error) : resolve()));
    });
    expect(lines).toEqual(['{"type":"ADDED","object":{}}']);
    expect(proxy.connects).toEqual(['plain.test:8080']);
  });

  it('goes direct for a NO_PROXY server and for loopback, and fails loudly when the proxy refuses', async () => {
    const server = createHttpServer(answer);
    const proxy = await proxyTo(server);
    const port = (server.address() as AddressInfo).port;
    const direct = new KubeHttp(auth(`http://127.0.0.1:${port}`), { env: { HTTP_PROXY: proxy.url } });
    cleanups.push(() => direct.close());
    await direct.request({ method: 'GET', path: '/version' });
    expect(direct.proxy).toBeUndefined();
    const bypass = new KubeHttp(auth('http://plain.test:1'), { env: { HTTP_PROXY: proxy.url, NO_PROXY: '.test' } });
    expect(bypass.proxy).toBeUndefined();
    expect(proxy.connects).toEqual([]);

    const strict = await startConnectProxy(port, { requireAuthorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    cleanups.push(() => strict.close());
    const refused = new KubeHttp(auth('http://plain.test:8080'), { env: { HTTP_PROXY: strict.url } });
    cleanups.push(() => refused.close());
    await expect(refused.request({ method: 'GET', path: '/version' })).rejects.toThrow(/refused CONNECT plain.test:8080: 407/);
    const withCredentials = new KubeHttp(auth('http://plain.test:8080'), { env: { HTTP_PROXY: strict.url.replace('http://', 'http://u:p@') } });
    cleanups.push(() => withCredentials.close());
    expect(await withCredentials.request({ method: 'GET', path: '/version' })).toEqual({ kind: 'Status', ok: true });
  });
});
