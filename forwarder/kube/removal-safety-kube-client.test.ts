import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/forwarder/fake-clock.ts';
import type { KubeAuth } from './kube-auth.ts';
import { KubeDeadlineError, KubeHttp } from './kube-http.ts';

// removal-safety (issue 14, item 4): the kube client had no rate limit of its own and only idle
// timeouts, so a loop gone wrong could flood the API server and a request trickling bytes never
// ended. A local HTTP server stands in for the API server (no Kubernetes behaviour is involved);
// time is a FakeClock, so the counts below are exact.

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => {
    s.closeAllConnections();
    s.close(resolve);
  })));
});

async function serve(handler: http.RequestListener): Promise<KubeAuth> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server: `http://127.0.0.1:${port}`, tls: {}, caPem: undefined, headers: async () => ({}), describe: 'test server' };
}

const turns = async (n = 30) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('removal-safety: the kube client limits itself', () => {
  it('sends at most burst + qps × elapsed requests (token bucket, 50/s, burst 100)', async () => {
    let received = 0;
    const auth = await serve((_req, res) => {
      received += 1;
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    });
    const clock = new FakeClock();
    const kube = new KubeHttp(auth, { clock, qps: 50, burst: 100 });
    const all = Promise.all(Array.from({ length: 250 }, (_, i) => kube.request({ method: 'GET', path: `/api/v1/namespaces/default/pods/p${i}` })));
    const waitForCount = async (count: number) => {
      for (let i = 0; i < 200 && received < count; i++) await turns(1);
    };
    await waitForCount(100);
    await turns();
    expect(received).toBe(100); // the burst
    expect(kube.throttled).toBe(150);
    await clock.advanceAsync(1_000, 20);
    await waitForCount(150);
    await turns();
    expect(received).toBe(150); // + 50 in one second
    await clock.advanceAsync(2_000, 20);
    await all;
    expect(received).toBe(250);
    expect(kube.throttled).toBe(0);
    kube.close();
  });

  it('ends a request that keeps trickling bytes at its whole-request deadline', async () => {
    const auth = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // A byte every 20 ms: the 30 s idle timeout never fires.
      const timer = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(timer));
    });
    const clock = new FakeClock();
    const kube = new KubeHttp(auth, { clock, deadlineMs: 5_000 });
    const request = kube.request({ method: 'GET', path: '/api/v1/nodes' }).then(() => 'answered', (error: unknown) => error);
    await turns(50);
    await clock.advanceAsync(4_900, 100);
    const early = await Promise.race([request, turns(20).then(() => 'pending')]);
    expect(early).toBe('pending');
    await clock.advanceAsync(100, 100);
    // A bound for a client that never ends it (the old one): the test fails instead of hanging.
    const outcome = await Promise.race([request, new Promise((resolve) => setTimeout(() => resolve('still running after the deadline'), 2_000))]);
    expect(outcome).toBeInstanceOf(KubeDeadlineError);
    expect((outcome as Error).message).toContain('5000 ms deadline');
    kube.close();
  });

  it('lets a caller abort, and refuses nonsense limits with a clear error', async () => {
    const auth = await serve(() => {});
    const kube = new KubeHttp(auth, { qps: 1, burst: 1 });
    const controller = new AbortController();
    const pending = kube.request({ method: 'GET', path: '/healthz', signal: controller.signal }).catch((error: unknown) => error);
    controller.abort();
    expect(await pending).toBeInstanceOf(KubeDeadlineError);
    kube.close();
    expect(() => new KubeHttp(auth, { qps: 0 })).toThrow(/qps must be a positive number/);
    expect(() => new KubeHttp(auth, { burst: 0.5 })).toThrow(/burst must be a whole number/);
  });
});
