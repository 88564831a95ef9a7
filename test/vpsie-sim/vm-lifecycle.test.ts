import { describe, expect, it } from 'vitest';
import { createBody, rawSim } from './test-helpers.ts';

// VPSIE-API.md "VMs": create without id → pending → listed → running → deleted, with a ManualClock.

describe('create and provisioning', () => {
  it('create answers without an id; the VM sits in /vm/pending echoing the request, then appears in /vm', async () => {
    const s = await rawSim({ provisionMs: 10_000, bootMs: 3_000, listStyle: 'array' });
    const created = await s.call('POST', '/apps/v2/vm', { json: createBody() });
    expect(JSON.stringify(created.body)).not.toMatch(/identifier|"id"/);

    const pending = (await s.call('GET', '/apps/v2/vm/pending')).body.data;
    expect(pending).toHaveLength(1);
    expect(pending[0].data).toMatchObject({ hostname: 'w-1', processId: 'proc-1', resourceIdentifier: createBody()['resourceIdentifier'] });
    expect((await s.call('GET', '/apps/v2/vm')).body.data).toEqual([]);

    s.clock.advance(9_999);
    expect((await s.call('GET', '/apps/v2/vm/pending')).body.data).toHaveLength(1);
    s.clock.advance(1);
    expect((await s.call('GET', '/apps/v2/vm/pending')).body.data).toEqual([]);
    const [booting] = (await s.call('GET', '/apps/v2/vm')).body.data;
    expect(booting).toMatchObject({ hostname: 'w-1', is_active: 0, power: 0 });

    s.clock.advance(3_000);
    const [running] = (await s.call('GET', '/apps/v2/vm')).body.data;
    expect(running).toMatchObject({ is_active: 1, power: 1 });
  });

  it('flags count as numbers 0/1 (the official SDK) and as the strings "0"/"1" (a fork); anything else is ignored', async () => {
    const s = await rawSim({ provisionMs: 0, listStyle: 'array' });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'strings', addPublicIpV4: '1', addPrivateIp: '1', addPublicIpV6: '1' }) });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'numbers', addPublicIpV4: 1, addPrivateIp: 1, addPublicIpV6: 1 }) });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'booleans', addPublicIpV4: true, addPrivateIp: true, addPublicIpV6: true }) });
    const rows = (await s.call('GET', '/apps/v2/vm')).body.data;
    const byName = Object.fromEntries(rows.map((r: { hostname: string }) => [r.hostname, r]));
    expect(byName['strings']).toMatchObject({ default_ip: expect.any(String), private_ip: expect.any(String), default_ipv6: expect.any(String) });
    expect(byName['numbers']).toMatchObject({ default_ip: expect.any(String), private_ip: expect.any(String), default_ipv6: expect.any(String) });
    // GUESS: JSON booleans are not a form any source sends; the simulator ignores them
    expect(byName['booleans']).toMatchObject({ default_ip: null, private_ip: null, default_ipv6: null });
  });

  it('hostnames are not unique: a second create with the same hostname makes a second VM (the danger)', async () => {
    const s = await rawSim();
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    expect(s.sim.vms()).toHaveLength(2);
    expect(s.sim.duplicateHostnames()).toEqual(['w-1']);
  });

  it('validates plan, datacenter, OS and hostname', async () => {
    const s = await rawSim();
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ resourceIdentifier: 'x' }) })).body.message).toMatch(/resourceIdentifier/);
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ dcIdentifier: 'x' }) })).body.message).toMatch(/dcIdentifier/);
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ osIdentifier: 'x' }) })).body.message).toMatch(/osIdentifier/);
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'bad_name!' }) })).body.message).toMatch(/hostname/);
    expect(s.sim.vms()).toEqual([]);
  });

  it('quota exhausted: error:true on HTTP 200', async () => {
    const s = await rawSim({ quota: 2 });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'a' }) });
    await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'b' }) });
    const third = await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'c' }) });
    expect(third).toMatchObject({ status: 200, body: { error: true, code: 403, message: expect.stringMatching(/quota/) } });
    s.sim.configure({ quota: undefined });
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: 'c' }) })).body.error).toBe(false);
  });
});

describe('delete', () => {
  it('takes a JSON body with vmIdentifier, password and deleteStatistic, and checks the password', async () => {
    const s = await rawSim();
    const vm = s.sim.seedVm({ hostname: 'w' });
    const wrong = await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: vm.identifier, password: 'guess', deleteStatistic: { reason: 'r', note: '' } } });
    expect(wrong.body).toMatchObject({ error: true, message: 'Incorrect password' });
    const ok = await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: vm.identifier, password: 'sim-delete-password', deleteStatistic: { reason: 'scale-down', note: 'n' } } });
    expect(ok.body).toEqual({ error: false, data: true });
    expect(s.sim.vms()[0]).toMatchObject({ phase: 'deleted', deleteStatistic: { reason: 'scale-down', note: 'n' } });
    const again = await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: vm.identifier, password: 'sim-delete-password' } });
    expect(again.body).toMatchObject({ error: true, code: 404 });
  });

  it('ignores a form-encoded body (JSON is required)', async () => {
    const s = await rawSim();
    const vm = s.sim.seedVm({ hostname: 'w' });
    const { body } = await s.call('DELETE', '/apps/v2/vm', { form: { vmIdentifier: vm.identifier, password: 'sim-delete-password' } });
    expect(body).toMatchObject({ error: true, message: 'vmIdentifier is required' });
  });

  it('a deleted VM is gone from the list, or listed with is_deleted=1 for a while', async () => {
    const s = await rawSim({ deletedVisibleMs: 5_000, listStyle: 'array' });
    const vm = s.sim.seedVm({ hostname: 'w' });
    await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: vm.identifier, password: 'sim-delete-password' } });
    expect((await s.call('GET', '/apps/v2/vm')).body.data[0]).toMatchObject({ is_deleted: 1, is_active: 0, power: 0 });
    s.clock.advance(5_000);
    expect((await s.call('GET', '/apps/v2/vm')).body.data).toEqual([]);
  });

  it('fires the deleted hook; the active hook fires once when a VM starts running', async () => {
    const events: string[] = [];
    const s = await rawSim({ provisionMs: 1_000, hooks: [{ onVmActive: (vm) => void events.push(`active ${vm.hostname}`), onVmDeleted: (vm) => void events.push(`deleted ${vm.hostname}`) }] });
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    s.sim.advance(1_000);
    s.sim.tick();
    await s.sim.settled();
    const { identifier } = s.sim.vms()[0]!;
    await s.call('DELETE', '/apps/v2/vm', { json: { vmIdentifier: identifier, password: 'sim-delete-password' } });
    await s.sim.settled();
    expect(events).toEqual(['active w-1', 'deleted w-1']);
  });
});
