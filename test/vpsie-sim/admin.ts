import { Hono } from 'hono';
import type { SimFault } from './faults.ts';
import type { SimConfig, SimState } from './state.ts';

// /__sim/…: drives the simulator from other processes (e2e tests, the demo). Not part of the VPSie
// API: no auth, not recorded in the call log, never faulted.

const CONFIG_KEYS: Array<keyof SimConfig> = ['loginShape', 'tokenTtlMs', 'provisionMs', 'bootMs', 'deletedVisibleMs', 'listStyle', 'notFoundStyle', 'quota', 'deletePassword', 'latencyMs', 'visibilityDelayMs', 'ignoreUserData', 'loginBody', 'authHeader'];

export function adminRoutes(state: SimState): Hono {
  const admin = new Hono();

  admin.get('/state', (c) => c.json({ config: { ...state.config, clientSecret: undefined, token: undefined }, vms: state.vms(), faults: state.faults.pending(), calls: state.calls().length, nowMs: state.clock.now() }));
  admin.get('/calls', (c) => c.json(state.calls()));
  admin.delete('/calls', (c) => {
    state.clearCalls();
    return c.body(null, 204);
  });
  admin.get('/vms', (c) => c.json(state.vms()));
  admin.get('/duplicates', (c) => c.json(state.duplicateHostnames()));
  admin.get('/duplicates/live', (c) => c.json(state.liveDuplicateHostnames()));

  admin.post('/faults', async (c) => {
    try {
      state.inject((await c.req.json()) as SimFault | SimFault[]);
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
    return c.json(state.faults.pending(), 201);
  });
  admin.get('/faults', (c) => c.json(state.faults.pending()));
  admin.delete('/faults', (c) => {
    state.faults.clear();
    return c.body(null, 204);
  });

  admin.post('/config', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => !CONFIG_KEYS.includes(k as keyof SimConfig));
    if (unknown.length > 0) return c.json({ error: `unknown config keys: ${unknown.join(', ')}; allowed: ${CONFIG_KEYS.join(', ')}` }, 400);
    // null clears the quota
    const patch = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v === null ? undefined : v])) as Partial<SimConfig>;
    state.configure(patch);
    return c.json({ ...state.config, clientSecret: undefined, token: undefined });
  });

  admin.post('/tick', (c) => {
    state.tick();
    return c.body(null, 204);
  });
  admin.post('/advance', async (c) => {
    const { ms } = (await c.req.json().catch(() => ({}))) as { ms?: unknown };
    if (!state.clock.advance) return c.json({ error: 'the simulator runs on the real clock; start it with a ManualClock to advance time' }, 409);
    if (typeof ms !== 'number' || ms < 0) return c.json({ error: 'body must be {"ms": <non-negative number>}' }, 400);
    state.clock.advance(ms);
    state.tick();
    await state.settled();
    return c.json({ nowMs: state.clock.now() });
  });
  admin.post('/tokens/expire', (c) => {
    state.expireTokens();
    return c.body(null, 204);
  });
  admin.post('/seed', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as Parameters<SimState['seedVm']>[0];
    try {
      return c.json(state.seedVm(body), 201);
    } catch (error) {
      return c.json({ error: error instanceof Error ? error.message : String(error) }, 400);
    }
  });
  admin.post('/reset', (c) => {
    state.reset();
    return c.body(null, 204);
  });
  return admin;
}
