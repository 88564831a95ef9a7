import { describe, expect, it } from 'vitest';
import { createBody, rawSim } from './test-helpers.ts';

// Delayed visibility and lost answers: the two faults behind duplicate VMs (issue 14, item 6).

const rows = (body: { data: unknown[] }) => body.data as Array<{ hostname: string; notes?: string | null }>;

describe('delayed visibility and lost answers', () => {
  it('delayVisibility: the create is accepted, then listed nowhere until delayMs has passed; its lifecycle starts then', async () => {
    const s = await rawSim({ provisionMs: 10_000 });
    s.sim.inject({ kind: 'delayVisibility', delayMs: 30_000 });
    expect(await s.call('POST', '/apps/v2/vm', { json: createBody({ notes: 'marker' }) })).toMatchObject({ status: 200, body: { error: false } });
    expect(s.sim.vms()).toHaveLength(1); // it exists, and is billed
    s.sim.advance(29_999);
    expect(rows((await s.call('GET', '/apps/v2/vm/pending')).body)).toEqual([]);
    expect(rows((await s.call('GET', '/apps/v2/vm')).body)).toEqual([]);
    s.sim.advance(1);
    const pending = (await s.call('GET', '/apps/v2/vm/pending')).body.data as Array<{ data: { hostname: string; notes: string } }>;
    expect(pending.map((p) => p.data)).toEqual([expect.objectContaining({ hostname: 'w-1', notes: 'marker' })]);
    s.sim.advance(10_000);
    expect(rows((await s.call('GET', '/apps/v2/vm')).body)).toEqual([expect.objectContaining({ hostname: 'w-1', notes: 'marker' })]);
  });

  it('visibilityDelayMs (config) delays every create; the next create after it is cleared is visible at once', async () => {
    const s = await rawSim();
    s.sim.configure({ visibilityDelayMs: 5_000 });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'late' }) });
    s.sim.configure({ visibilityDelayMs: 0 });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'now' }) });
    const hostnames = async () => ((await s.call('GET', '/apps/v2/vm/pending')).body.data as Array<{ data: { hostname: string } }>).map((p) => p.data.hostname);
    expect(await hostnames()).toEqual(['now']);
    s.sim.advance(5_000);
    expect(await hostnames()).toEqual(['late', 'now']);
  });

  it('lostAnswer: the create takes effect and the connection is dropped; with visibilityDelayMs it is hidden too', async () => {
    const s = await rawSim();
    s.sim.inject({ kind: 'lostAnswer', visibilityDelayMs: 15_000 });
    await expect(s.call('POST', '/apps/v2/vm', { json: createBody() })).rejects.toThrow();
    expect(s.sim.vms()).toEqual([expect.objectContaining({ hostname: 'w-1', phase: 'pending' })]);
    expect(s.sim.calls('createVm')).toEqual([expect.objectContaining({ fault: 'lostAnswer' })]);
    expect((await s.call('GET', '/apps/v2/vm/pending')).body.data).toEqual([]);
    s.sim.advance(15_000);
    expect((await s.call('GET', '/apps/v2/vm/pending')).body.data).toHaveLength(1);
  });

  it('counts live duplicates apart from hostnames ever created twice', async () => {
    const s = await rawSim();
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    expect(s.sim.liveDuplicateHostnames()).toEqual(['w-1']);
    s.sim.advance(10_000);
    const [first] = s.sim.vms();
    await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: first!.identifier, password: 'sim-delete-password' } });
    expect(s.sim.liveDuplicateHostnames()).toEqual([]);
    expect(s.sim.duplicateHostnames()).toEqual(['w-1']);
  });

  it('refuses a delayVisibility fault without delayMs', async () => {
    const s = await rawSim();
    expect(() => s.sim.inject({ kind: 'delayVisibility' } as never)).toThrow(/delayMs/);
    expect((await s.call('POST', '/__sim/faults', { auth: null, json: { kind: 'lostAnswer', hangMs: -1 } })).status).toBe(400);
  });
});
