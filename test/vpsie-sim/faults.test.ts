import { describe, expect, it } from 'vitest';
import { createBody, rawSim } from './test-helpers.ts';

// Fault injection, programmatic and through /__sim, and the observations tests rely on.

describe('faults', () => {
  it('5xx with the JSON envelope, for the next N matching calls only', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'status', status: 503, count: 2, match: { operation: 'listVms' } });
    expect((await s.call('GET', '/apps/v2/vm/pending')).status).toBe(200);
    expect(await s.call('GET', '/apps/v2/vm')).toMatchObject({ status: 503, body: { error: true, code: 503 } });
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(503);
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(200);
  });

  it('an HTML 502 page', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'html502' });
    const r = await s.call('GET', '/apps/v2/vm');
    expect(r.status).toBe(502);
    expect(r.headers.get('content-type')).toMatch(/text\/html/);
    expect(r.text).toMatch(/<title>502 Bad Gateway<\/title>/);
  });

  it('429 with Retry-After', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'rateLimit', retryAfterSeconds: 12 });
    const r = await s.call('GET', '/apps/v2/vm');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('12');
  });

  it('error:true on HTTP 200', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'errorOn200', code: 500, message: 'boom' });
    expect(await s.call('GET', '/apps/v2/vm')).toMatchObject({ status: 200, body: { error: true, code: 500, message: 'boom' } });
  });

  it('timeout: hangs, then drops the connection without an answer', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'timeout', hangMs: 50 });
    await expect(s.call('GET', '/apps/v2/vm')).rejects.toThrow(/fetch failed/);
  });

  it('reset after handling: the create takes effect but the caller gets no answer', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'reset', afterHandling: true, match: { operation: 'createVm' } });
    await expect(s.call('POST', '/apps/v2/vm', { json: createBody() })).rejects.toThrow(/fetch failed/);
    expect(s.sim.vms()).toHaveLength(1);
  });

  it('a failure answer after the request took effect (502 from a proxy after the backend accepted)', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'html502', afterHandling: true, match: { operation: 'createVm' } });
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody() })).status).toBe(502);
    expect(s.sim.vms()).toHaveLength(1);
  });

  it('slow: answers normally after a delay', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'slow', delayMs: 20 });
    expect((await s.call('GET', '/apps/v2/vm')).body.error).toBe(false);
  });

  it('respond: any body (garbage JSON, wrong shapes)', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'respond', body: '{"error":false,"data":[', status: 200 });
    expect((await s.call('GET', '/apps/v2/vm')).text).toBe('{"error":false,"data":[');
  });

  it('a create accepted that never materialises (vanish) or stays pending (stuck)', async () => {
    const s = await rawSim({ provisionMs: 1_000, listStyle: 'array' });
    s.sim.inject([{ kind: 'createNeverMaterialises', mode: 'vanish' }, { kind: 'createNeverMaterialises', mode: 'stuck' }]);
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'gone' }) })).body).toMatchObject({ error: false, data: true });
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'stuck' }) })).body).toMatchObject({ error: false, data: true });
    s.clock.advance(86_400_000);
    expect((await s.call('GET', '/apps/v2/vm')).body.data).toEqual([]);
    expect((await s.call('GET', '/apps/v2/vm/pending')).body.data.map((p: { data: { hostname: string } }) => p.data.hostname)).toEqual(['stuck']);
    expect(s.sim.vms().map((v) => [v.hostname, v.phase])).toEqual([['gone', 'vanished'], ['stuck', 'pending']]);
  });

  it('matches by path prefix and method', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'status', status: 500, match: { method: 'GET', path: '/apps/v2/vm/*' } });
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(200);
    expect((await s.call('GET', '/apps/v2/vm/pending')).status).toBe(500);
  });

  it('rejects an unknown fault kind', async () => {
    const s = await rawSim();
    expect(() => s.sim.inject({ kind: 'meteor' } as never)).toThrow(/unknown fault kind/);
  });
});

describe('observations', () => {
  it('logs every API call with method, path, operation, time and fault; admin calls are not logged', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'html502', match: { operation: 'listPending' } });
    await s.call('GET', '/apps/v2/vm/pending');
    await s.call('GET', '/__sim/state', { auth: null });
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    expect(s.sim.calls()).toEqual([
      { seq: 1, method: 'GET', path: '/apps/v2/vm/pending', operation: 'listPending', atMs: s.clock.now(), fault: 'html502' },
      { seq: 2, method: 'POST', path: '/apps/v2/vm', operation: 'createVm', atMs: s.clock.now() },
    ]);
  });
});

describe('admin routes (/__sim)', () => {
  it('inject faults, configure, seed, advance the clock, read calls/vms/duplicates, reset', async () => {
    const s = await rawSim({ provisionMs: 5_000, listStyle: 'array' });
    expect((await s.call('POST', '/__sim/faults', { auth: null, json: { kind: 'status', status: 500, match: { operation: 'listVms' } } })).status).toBe(201);
    expect((await s.call('GET', '/apps/v2/vm')).status).toBe(500);
    expect((await s.call('POST', '/__sim/faults', { auth: null, json: { kind: 'bogus' } })).status).toBe(400);

    expect((await s.call('POST', '/__sim/config', { auth: null, json: { quota: 1, provisionMs: 2_000 } })).body).toMatchObject({ quota: 1, provisionMs: 2_000 });
    expect((await s.call('POST', '/__sim/config', { auth: null, json: { nope: 1 } })).status).toBe(400);
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'w-2' }) })).body.message).toMatch(/quota/);
    await s.call('POST', '/__sim/config', { auth: null, json: { quota: null } });
    await s.call('POST', '/apps/v2/vm', { json: createBody() });

    expect((await s.call('POST', '/__sim/advance', { auth: null, json: { ms: 2_000 } })).status).toBe(200);
    expect((await s.call('GET', '/apps/v2/vm')).body.data).toHaveLength(2);
    expect((await s.call('GET', '/__sim/duplicates', { auth: null })).body).toEqual(['w-1']);
    expect((await s.call('GET', '/__sim/vms', { auth: null })).body).toHaveLength(2);
    expect((await s.call('GET', '/__sim/calls', { auth: null })).body.map((c: { operation: string }) => c.operation)).toEqual(['listVms', 'createVm', 'createVm', 'createVm', 'listVms']);

    expect((await s.call('POST', '/__sim/seed', { auth: null, json: { hostname: 'seeded' } })).status).toBe(201);
    await s.call('POST', '/__sim/tokens/expire', { auth: null });
    await s.call('POST', '/__sim/reset', { auth: null });
    expect((await s.call('GET', '/__sim/vms', { auth: null })).body).toEqual([]);
  });

  it('advance is refused on the real clock', async () => {
    const { startVpsieSimulator } = await import('./server.ts');
    const sim = await startVpsieSimulator();
    try {
      const r = await fetch(`${sim.url}/__sim/advance`, { method: 'POST', body: '{"ms":1}', headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(409);
    } finally {
      await sim.stop();
    }
  });
});

describe('latency', () => {
  it('latencyMs delays every API answer but changes nothing else', async () => {
    const s = await rawSim({ latencyMs: 20 });
    expect((await s.call('GET', '/apps/v2/vm')).body.error).toBe(false);
    expect(s.sim.calls()).toHaveLength(1);
  });
});
