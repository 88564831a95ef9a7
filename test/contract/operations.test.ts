import { describe, expect, it } from 'vitest';
import { VpsieApiError, VpsieAuthError, VpsieRequestError } from '../../forwarder/vpsie/index.ts';
import { SIM_CATEGORY, SIM_DC, SIM_OS_IMAGES } from '../vpsie-sim/index.ts';
import { caught, CLIENT_CREDENTIALS, contractEnv, launchRequest } from './setup.ts';

// Every client operation against the simulator, no faults.

const TWO_PROJECTS = [
  { id: 1, identifier: '11111111-1111-4111-8111-111111111111', name: 'p1', is_default: 1 as const },
  { id: 2, identifier: '22222222-2222-4222-8222-222222222222', name: 'p2', is_default: 0 as const },
];

describe('VM lifecycle', () => {
  it('launch → pending → created and running → delete → gone', async () => {
    const env = await contractEnv({ sim: { provisionMs: 20_000, bootMs: 5_000 } });
    const { client, sim } = env;
    const launched = await client.launchVm(launchRequest({ processId: 'proc-1' }));
    expect(launched).toMatchObject({ outcome: 'created', processId: 'proc-1', createAttempts: 1 });
    expect(launched.lookup).toMatchObject({ where: 'pending', pending: { hostname: 'c1-workers-abc12', processId: 'proc-1', dcIdentifier: SIM_DC.newYork } });

    expect(await client.listVms()).toEqual([]);
    expect(await client.listPending()).toHaveLength(1);

    sim.advance(20_000);
    const [created] = await client.listVms();
    expect(created).toMatchObject({ hostname: 'c1-workers-abc12', state: 'created', isActive: false, power: false, cpu: 2, ramMb: 8192 });
    expect(created?.createdAtMs).toBe(env.clock.now() - 20_000);
    expect(await client.listPending()).toEqual([]);

    sim.advance(5_000);
    const lookup = await client.findVmByHostname('c1-workers-abc12', { projectId: 'sim-project' });
    expect(lookup?.where).toBe('created');
    const vm = lookup?.where === 'created' ? lookup.vm : undefined;
    // The project is named by its name; VPSie's rows carry its numeric id (7 in the simulator).
    expect(vm).toMatchObject({ state: 'running', isActive: true, power: true, projectId: '7' });
    // list rows carry no tags; getVm does
    expect(vm?.tags).toEqual([]);
    const detail = await client.getVm(vm!.identifier);
    expect(detail).toMatchObject({ identifier: vm!.identifier, tags: ['autoscaler', 'cluster-c1'] });

    // the 0/1 flags were honoured: public and private addresses exist
    expect(detail?.defaultIp).toMatch(/^203\.0\.113\./);
    expect(detail?.privateIp).toMatch(/^10\./);
    expect(detail?.defaultIpv6).toBeNull();

    expect(await client.deleteVm({ identifier: vm!.identifier, reason: 'scale-down', note: 'underutilized' })).toEqual({ outcome: 'deleted' });
    expect(sim.vms()[0]).toMatchObject({ phase: 'deleted', deleteStatistic: { reason: 'scale-down', note: 'underutilized' } });
    expect(await client.getVm(vm!.identifier)).toBeUndefined();
    expect(await client.findVmByHostname('c1-workers-abc12', { projectId: 'sim-project' })).toBeUndefined();
    expect(await client.deleteVm({ identifier: vm!.identifier, reason: 'again' })).toEqual({ outcome: 'already-gone' });
  });

  it('sends userData base64-encoded, the flags as numbers (as the official SDK), tags and processId', async () => {
    const { client, sim } = await contractEnv();
    await client.createVm(launchRequest({ processId: 'p-7', addPublicIpV6: true, backupEnabled: false }));
    const [vm] = sim.vms();
    expect(Buffer.from(vm!.userData!, 'base64').toString('utf8')).toBe('#cloud-config\nruncmd: [echo hello]\n');
    expect(vm!.request).toMatchObject({ addPublicIpV4: 1, addPublicIpV6: 1, addPrivateIp: 1, backupEnabled: 0, processId: 'p-7', tags: ['autoscaler', 'cluster-c1'] });
  });

  it('treats a VM shown with is_deleted=1 as gone', async () => {
    const { client, sim } = await contractEnv({ sim: { deletedVisibleMs: 60_000 } });
    const seeded = sim.seedVm({ hostname: 'old-worker' });
    await client.deleteVm({ identifier: seeded.identifier, reason: 'test' });
    const [row] = await client.listVms();
    expect(row).toMatchObject({ hostname: 'old-worker', isDeleted: true, state: 'gone' });
    expect(await client.findVmByHostname('old-worker', { projectId: 'sim-project' })).toBeUndefined();
  });

  it('filters the VM list by project', async () => {
    const { client, sim } = await contractEnv({ sim: { projects: TWO_PROJECTS } });
    sim.seedVm({ hostname: 'a', projectId: 'p1' });
    sim.seedVm({ hostname: 'b', projectId: 'p2' });
    expect((await client.listVms({ projectId: 'p2' })).map((v) => v.hostname)).toEqual(['b']);
  });

  it('filters by project itself when the API ignores the parameter, and filters pending creations by their echo', async () => {
    const { client, sim } = await contractEnv({ sim: { projects: TWO_PROJECTS } });
    sim.seedVm({ hostname: 'a', projectId: 'p1' });
    sim.seedVm({ hostname: 'b', projectId: 'p2' });
    sim.seedVm({ hostname: 'c', projectId: 'p1', phase: 'pending' });
    const everything = JSON.stringify({ error: false, data: sim.vms().filter((vm) => vm.phase === 'running').map((vm) => ({ id: vm.id, identifier: vm.identifier, hostname: vm.hostname, is_active: 1, power: 1, is_deleted: 0, is_terminated: 0, is_suspended: 0, is_locked: 0, project_id: vm.projectId })) });
    sim.inject({ kind: 'respond', body: everything, match: { operation: 'listVms' } });
    expect((await client.listVms({ projectId: 'p2' })).map((v) => v.hostname)).toEqual(['b']);
    expect((await client.listPending({ projectId: 'p2' })).map((p) => p.hostname)).toEqual([]);
    expect((await client.listPending({ projectId: 'p1' })).map((p) => p.hostname)).toEqual(['c']);
    expect(await client.findVmByHostname('a', { projectId: 'p2' })).toBeUndefined();
  });

  it.each(['data-false', 'error-message'] as const)('getVm of a missing VM is undefined (%s)', async (notFoundStyle) => {
    const { client } = await contractEnv({ sim: { notFoundStyle } });
    expect(await client.getVm('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it.each(['rows', 'array'] as const)('reads lists in the %s style', async (listStyle) => {
    const { client, sim } = await contractEnv({ sim: { listStyle } });
    sim.seedVm({ hostname: 'listed' });
    sim.seedVm({ hostname: 'waiting', phase: 'pending' });
    expect((await client.listVms()).map((v) => v.hostname)).toEqual(['listed']);
    expect((await client.listPending()).map((p) => p.hostname)).toEqual(['waiting']);
    expect((await client.listDatacenters()).length).toBe(5);
  });

  it('refuses an invalid launch request before sending anything', async () => {
    const env = await contractEnv();
    const error = await caught(env.client.launchVm(launchRequest({ hostname: 'Not_A_Hostname', projectId: '' })));
    expect(error).toBeInstanceOf(VpsieRequestError);
    expect(error.message).toMatch(/hostname.*projectId is required/);
    expect(env.ops()).toEqual([]);
  });

  it('a validation error from the API (error:true on HTTP 200) is not retried', async () => {
    const env = await contractEnv();
    const error = await caught(env.client.launchVm(launchRequest({ resourceIdentifier: 'no-such-plan' })));
    expect(error).toBeInstanceOf(VpsieApiError);
    expect((error as VpsieApiError).retryable).toBe(false);
    expect((error as VpsieApiError).apiMessage).toMatch(/Invalid resourceIdentifier/);
    expect(env.ops().filter((op) => op === 'createVm')).toHaveLength(1);
  });

  it('a wrong delete password is a non-retryable API error', async () => {
    const env = await contractEnv();
    const vm = env.sim.seedVm({ hostname: 'w' });
    const client = env.newClient({ credentials: { kind: 'token', token: 'sim-token', deletePassword: 'wrong' } });
    const error = await caught(client.deleteVm({ identifier: vm.identifier, reason: 'x' }));
    expect(error).toBeInstanceOf(VpsieApiError);
    expect((error as VpsieApiError).apiMessage).toBe('Incorrect password');
    expect(env.ops()).toEqual(['deleteVm']);
    expect(env.sim.vms()[0]?.phase).toBe('running');
  });
});

describe('catalogue', () => {
  it('lists datacenters, categories and plans (form-encoded), money as numbers', async () => {
    const { client } = await contractEnv();
    const dcs = await client.listDatacenters();
    expect(dcs.find((d) => d.identifier === SIM_DC.london)).toMatchObject({ name: 'London', country: 'GB', isActive: true });
    expect(dcs.filter((d) => !d.isActive)).toHaveLength(1);
    const categories = await client.listPlanCategories();
    expect(categories.map((c) => c.name[0])).toEqual(['A', 'C', 'M', 'G', 'N']);

    const os = SIM_OS_IMAGES['ubuntu-22.04'];
    const standard = await client.listPlans({ dcIdentifier: SIM_DC.newYork, osIdentifier: os, categoryIdentifier: SIM_CATEGORY.standard });
    expect(standard.length).toBeGreaterThanOrEqual(4);
    for (const plan of standard) {
      expect(typeof plan.priceMonthly).toBe('number');
      expect(plan.priceHourly).toBeCloseTo(plan.priceMonthly / 720);
    }
    const general = await client.listPlans({ dcIdentifier: SIM_DC.newYork, osIdentifier: os, categoryIdentifier: SIM_CATEGORY.general });
    expect(general[0]).toMatchObject({ cpu: 2, ramMb: 8192, priceMonthly: 45 });
    // plans depend on the datacenter
    expect(await client.listPlans({ dcIdentifier: SIM_DC.london, osIdentifier: os, categoryIdentifier: SIM_CATEGORY.cpu })).toEqual([]);
  });

  it('caches the catalogue for its TTL, per datacenter/OS/category', async () => {
    const env = await contractEnv({ client: { catalogueTtlMs: 60_000 } });
    const { client, clock } = env;
    const query = { dcIdentifier: SIM_DC.newYork, osIdentifier: SIM_OS_IMAGES['debian-12'], categoryIdentifier: SIM_CATEGORY.memory };
    await Promise.all([client.listPlans(query), client.listPlans(query)]);
    await client.listPlans(query);
    await client.listPlans({ ...query, dcIdentifier: SIM_DC.frankfurt });
    await client.listDatacenters();
    await client.listDatacenters();
    await client.listPlanCategories();
    await client.listPlanCategories();
    expect(env.ops()).toEqual(['listPlans', 'listPlans', 'listDatacenters', 'listPlanCategories']);
    clock.advance(60_000);
    await client.listPlans(query);
    await client.listDatacenters();
    expect(env.ops().slice(4)).toEqual(['listPlans', 'listDatacenters']);
    client.clearCatalogueCache();
    await client.listPlanCategories();
    expect(env.ops().slice(6)).toEqual(['listPlanCategories']);
  });
});

describe('authentication', () => {
  it('token mode sends Vpsie-Auth; a wrong token is a 401 that is not retried', async () => {
    const env = await contractEnv();
    expect(await env.client.listVms()).toEqual([]);
    const bad = env.newClient({ credentials: { kind: 'token', token: 'nope', deletePassword: 'x' } });
    const error = await caught(bad.listVms());
    expect(error).toBeInstanceOf(VpsieAuthError);
    expect(error.message).toMatch(/Please authenticate/);
    expect(env.ops()).toEqual(['listVms', 'listVms']);
  });

  it.each(['token', 'accessToken'] as const)('client-credentials mode logs in once and reuses the token (%s shape)', async (loginShape) => {
    const env = await contractEnv({ sim: { loginShape }, client: { credentials: CLIENT_CREDENTIALS } });
    await env.client.listVms();
    await env.client.listPending();
    expect(env.ops()).toEqual(['login', 'listVms', 'listPending']);
  });

  it('logs in again a few minutes before expiry', async () => {
    const env = await contractEnv({ sim: { tokenTtlMs: 3_600_000 }, client: { credentials: CLIENT_CREDENTIALS, tokenRefreshSkewMs: 300_000 } });
    await env.client.listVms();
    env.clock.advance(3_600_000 - 300_001);
    await env.client.listVms();
    env.clock.advance(2);
    await env.client.listVms();
    expect(env.ops()).toEqual(['login', 'listVms', 'listVms', 'login', 'listVms']);
  });

  it('logs in again once on 401, even for a create (the server refused it before acting)', async () => {
    const env = await contractEnv({ client: { credentials: CLIENT_CREDENTIALS } });
    await env.client.listVms();
    await env.client.resolveProject('sim-project');
    env.sim.expireTokens();
    await env.client.createVm(launchRequest());
    expect(env.ops()).toEqual(['login', 'listVms', 'listProjects', 'createVm', 'login', 'createVm']);
    expect(env.sim.vms()).toHaveLength(1);
  });

  it('does not loop when the fresh token is refused too', async () => {
    // header mode configured: a refusal means "log in again", once
    const env = await contractEnv({ client: { credentials: CLIENT_CREDENTIALS, login: { header: 'vpsie-auth' } } });
    env.sim.inject({ kind: 'status', status: 401, message: 'Please authenticate', count: 5, match: { operation: 'listVms' } });
    const error = await caught(env.client.listVms());
    expect(error).toBeInstanceOf(VpsieAuthError);
    expect(env.ops()).toEqual(['login', 'listVms', 'login', 'listVms']);
  });

  it('does not loop either with the header detected (auto): the fresh token is tried as Bearer once, then the error', async () => {
    const env = await contractEnv({ client: { credentials: CLIENT_CREDENTIALS } });
    env.sim.inject({ kind: 'status', status: 401, message: 'Please authenticate', count: 5, match: { operation: 'listVms' } });
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieAuthError);
    expect(env.ops()).toEqual(['login', 'listVms', 'listVms']);
  });

  it('wrong client credentials: a typed auth error, login not retried', async () => {
    const env = await contractEnv({ client: { credentials: { ...CLIENT_CREDENTIALS, clientSecret: 'bad' }, login: { body: 'json' } } });
    const error = await caught(env.client.listVms());
    expect(error).toBeInstanceOf(VpsieAuthError);
    expect(env.ops()).toEqual(['login']);
  });

  it('can also send Authorization: Bearer', async () => {
    const env = await contractEnv({ client: { sendBearer: true, credentials: CLIENT_CREDENTIALS } });
    await env.client.listVms();
    expect(env.ops()).toEqual(['login', 'listVms']);
  });
});

describe('metrics hook', () => {
  it('reports each attempt with the logical operation, path template, status and duration', async () => {
    const env = await contractEnv();
    env.sim.inject({ kind: 'html502', match: { operation: 'getVm' } });
    await env.client.getVm('00000000-0000-4000-8000-000000000000');
    expect(env.events.map((e) => [e.method, e.path, e.status, e.attempt])).toEqual([
      ['getVm', '/apps/v2/vm/{identifier}', 502, 1],
      ['getVm', '/apps/v2/vm/{identifier}', 200, 2],
      // "not found": confirmed by a listing
      ['listVms', '/apps/v2/vm', 200, 1],
    ]);
    expect(env.events[0]?.error).toBe('VpsieServerError');
    expect(env.events.every((e) => e.durationMs >= 0)).toBe(true);
  });
});

describe('datacenter paging', () => {
  it('stops when a page brings nothing new (an API that ignores offset)', async () => {
    const env = await contractEnv();
    const page = JSON.stringify({ error: false, data: Array.from({ length: 100 }, (_, i) => ({ identifier: `dc-${i}`, dc_name: `DC ${i}`, is_active: 1 })) });
    env.sim.inject({ kind: 'respond', body: page, count: 5, match: { operation: 'listDatacenters' } });
    expect(await env.client.listDatacenters()).toHaveLength(100);
    expect(env.ops()).toEqual(['listDatacenters', 'listDatacenters']);
  });
});
