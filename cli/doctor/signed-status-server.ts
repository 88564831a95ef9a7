import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { MemoryNonceStore, verifyMessage } from '../../shared/signing.ts';

// For doctor's tests: an endpoint that answers GET /v1/clusters/:id/status only when the request is
// signed with `key` (verified with the project's own verifyMessage, as the functions verify it).

export async function startSignedStatusServer(key: string): Promise<{ url: string; stop(): Promise<void> }> {
  const app = new Hono();
  const nonces = new MemoryNonceStore();
  app.get('/v1/clusters/:id/status', async (c) => {
    try {
      await verifyMessage({ key: () => key, method: 'GET', path: new URL(c.req.url).pathname, body: '', headers: c.req.raw.headers, nowMs: Date.now(), nonceStore: nonces });
    } catch {
      return c.json({ error: 'bad signature' }, 401);
    }
    return c.json({ ok: true });
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
