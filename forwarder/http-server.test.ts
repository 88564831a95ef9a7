import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type ForwarderHttpServer } from './http-server.ts';
import { ForwarderMetrics } from './metrics.ts';

describe('forwarder HTTP server', () => {
  let server: ForwarderHttpServer;
  let triggers = 0;
  let ready = false;
  afterEach(() => server.close());

  async function start(triggerToken?: string) {
    triggers = 0;
    server = await startHttpServer({
      host: '127.0.0.1', port: 0, registry: new ForwarderMetrics({ defaultMetrics: false }).registry,
      healthy: () => true, ready: () => ({ ready, detail: { leader: false } }), triggerToken, onTrigger: () => triggers++,
    });
  }

  it('serves /metrics, /healthz and /readyz', async () => {
    await start();
    expect((await fetch(`${server.url}/metrics`)).headers.get('content-type')).toMatch(/text\/plain/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    ready = false;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ ready: true, leader: false });
  });

  it('POST /trigger needs the bearer token', async () => {
    await start('a-long-trigger-token');
    expect((await fetch(`${server.url}/trigger`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${server.url}/trigger`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.url}/trigger`, { method: 'GET', headers: { authorization: 'Bearer a-long-trigger-token' } })).status).toBe(405);
    expect(triggers).toBe(0);
    expect((await fetch(`${server.url}/trigger`, { method: 'POST', headers: { authorization: 'Bearer a-long-trigger-token' } })).status).toBe(202);
    expect(triggers).toBe(1);
  });

  it('refuses a trigger with a body over 16 KiB (413) without counting it', async () => {
    await start('a-long-trigger-token');
    const response = await fetch(`${server.url}/trigger`, { method: 'POST', headers: { authorization: 'Bearer a-long-trigger-token' }, body: 'x'.repeat(16 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(triggers).toBe(0);
  });

  it('has no trigger endpoint without a token', async () => {
    await start();
    expect((await fetch(`${server.url}/trigger`, { method: 'POST', headers: { authorization: 'Bearer x' } })).status).toBe(404);
    expect(triggers).toBe(0);
  });
});
