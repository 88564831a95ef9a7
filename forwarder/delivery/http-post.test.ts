import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectProxy } from '../../test/forwarder/connect-proxy.ts';
import { createHttpPost } from './http-post.ts';

// The delivery transport as kubectl's: through HTTP(S)_PROXY unless NO_PROXY or loopback, with the
// forwarder's User-Agent. functions.test exists in no DNS: only the proxy reaches the local server.

describe('createHttpPost', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function functionsServer() {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      req.resume().on('end', () => res.writeHead(200).end('plan'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    return { seen, port: (server.address() as AddressInfo).port };
  }

  it('posts through HTTP_PROXY\'s tunnel, naming itself in User-Agent', async () => {
    const { seen, port } = await functionsServer();
    const proxy = await startConnectProxy(port);
    cleanups.push(() => proxy.close());
    const post = createHttpPost({ env: { HTTP_PROXY: proxy.url }, userAgent: 'vpsie-autoscaler-forwarder/1.2.3' });
    const response = await post(new URL('http://functions.test:8787/v1/reconcile'), { 'content-type': 'application/json' }, Buffer.from('{}'), 5_000);
    expect(response.body.toString()).toBe('plan');
    expect(proxy.connects).toEqual(['functions.test:8787']);
    expect(seen).toMatchObject([{ url: '/v1/reconcile', headers: { 'user-agent': 'vpsie-autoscaler-forwarder/1.2.3', 'content-type': 'application/json' } }]);
  });

  it('goes direct to loopback and to NO_PROXY hosts', async () => {
    const { seen, port } = await functionsServer();
    const proxy = await startConnectProxy(port);
    cleanups.push(() => proxy.close());
    const post = createHttpPost({ env: { HTTP_PROXY: proxy.url, NO_PROXY: 'functions.test' } });
    await post(new URL(`http://127.0.0.1:${port}/v1/reconcile`), {}, Buffer.from('{}'), 5_000);
    await expect(post(new URL('http://functions.test:8787/v1/reconcile'), {}, Buffer.from('{}'), 5_000)).rejects.toThrow(/ENOTFOUND|EAI_AGAIN/);
    expect(proxy.connects).toEqual([]);
    expect(seen).toHaveLength(1);
  });
});
