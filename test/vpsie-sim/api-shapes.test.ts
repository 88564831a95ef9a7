import { describe, expect, it } from 'vitest';
import { SIM_CATEGORIES, SIM_CATEGORY, SIM_DATACENTERS, SIM_DC, SIM_OS_IMAGES } from './catalogue.ts';
import { createBody, rawSim } from './test-helpers.ts';

// One test per quirk of VPSIE-API.md "Envelope and errors", "VMs" (shapes) and "Catalogue".

describe('envelope', () => {
  it('success is {error:false, data, total}; lists can be wrapped in data.rows with count/total', async () => {
    const s = await rawSim({ listStyle: 'rows' });
    s.sim.seedVm({ hostname: 'a' });
    const { body } = await s.call('GET', '/apps/v2/vm');
    expect(body).toMatchObject({ error: false, total: 1, data: { count: 1, total: 1 } });
    expect(body.data.rows).toHaveLength(1);
    s.sim.configure({ listStyle: 'array' });
    const bare = await s.call('GET', '/apps/v2/vm');
    expect(bare.body).toMatchObject({ error: false, total: 1 });
    expect(bare.body.data).toHaveLength(1);
  });

  it('actions answer data: true', async () => {
    const s = await rawSim();
    expect((await s.call('POST', '/apps/v2/vm', { json: createBody() })).body).toMatchObject({ error: false, data: true });
  });

  it('failures are {error:true, code, message, stack}, and can come with HTTP 200', async () => {
    const s = await rawSim();
    const { status, body } = await s.call('POST', '/apps/v2/vm', { json: createBody({ hostname: undefined }) });
    expect(status).toBe(200);
    expect(body).toEqual({ error: true, code: 400, message: 'hostname is required', stack: expect.any(String) });
  });

  it('unknown paths are a JSON 404', async () => {
    const s = await rawSim();
    expect(await s.call('GET', '/apps/v2/nothing')).toMatchObject({ status: 404, body: { error: true, code: 404 } });
  });
});

describe('VM shapes', () => {
  it('list rows: 0/1 integers, no status string, no tags, project as project_id', async () => {
    const s = await rawSim({ listStyle: 'array' });
    s.sim.seedVm({ hostname: 'a', projectId: 'p1' });
    const [row] = (await s.call('GET', '/apps/v2/vm')).body.data;
    for (const key of ['is_active', 'power', 'is_suspended', 'is_locked', 'is_terminated', 'is_deleted']) expect([0, 1]).toContain(row[key]);
    expect(row.is_active).toBe(1);
    expect(row.power).toBe(1);
    expect(row).not.toHaveProperty('status');
    expect(row).not.toHaveProperty('tags');
    expect(row).toMatchObject({ id: expect.any(Number), identifier: expect.stringMatching(/^[0-9a-f-]{36}$/), hostname: 'a', cpu: 1, ram: 1024, ssd: 25, project_id: 'p1', dcIdentifier: SIM_DC.newYork });
    expect(row.created_on).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('get: data.vmData plus vmTags', async () => {
    const s = await rawSim();
    await s.call('POST', '/apps/v2/vm', { json: createBody({ tags: ['t1', 't2'] }) });
    s.sim.advance(10_000);
    const { identifier } = s.sim.vms()[0]!;
    const { body } = await s.call('GET', `/apps/v2/vm/${identifier}`);
    expect(body).toMatchObject({ error: false, data: { vmData: { identifier, hostname: 'w-1', is_active: 1 }, vmTags: ['t1', 't2'] } });
  });

  it('a missing VM is data:false, or a "Not found" message on HTTP 200 — not a 404', async () => {
    const s = await rawSim({ notFoundStyle: 'data-false' });
    expect(await s.call('GET', '/apps/v2/vm/nope')).toMatchObject({ status: 200, body: { error: false, data: false } });
    s.sim.configure({ notFoundStyle: 'error-message' });
    expect(await s.call('GET', '/apps/v2/vm/nope')).toMatchObject({ status: 200, body: { error: true, message: 'Not found' } });
  });

  it('filters by ?projectId=', async () => {
    const s = await rawSim({ listStyle: 'array' });
    s.sim.seedVm({ hostname: 'a', projectId: 'p1' });
    s.sim.seedVm({ hostname: 'b', projectId: 'p2' });
    expect((await s.call('GET', '/apps/v2/vm?projectId=p1')).body.data.map((r: { hostname: string }) => r.hostname)).toEqual(['a']);
  });
});

/** The two fields the one tool seen listing plans sends besides the identifiers (docs/vpsie-api.md). */
const QUERY = { name: 'query', description: 'query' };

describe('catalogue', () => {
  it('datacenters with dc_name/identifier/country/state/is_active, paged by offset/limit', async () => {
    const s = await rawSim({ listStyle: 'array' });
    const first = await s.call('GET', '/apps/v2/datacenter?offset=0&limit=2');
    expect(first.body.data).toEqual(SIM_DATACENTERS.slice(0, 2));
    expect(first.body.total).toBe(SIM_DATACENTERS.length);
    expect((await s.call('GET', '/apps/v2/datacenter?offset=4&limit=2')).body.data).toEqual(SIM_DATACENTERS.slice(4));
  });

  it('plan categories under /api/v2 as [{identifier, name}]', async () => {
    const s = await rawSim();
    expect((await s.call('GET', '/api/v2/plans/category')).body.data).toEqual(SIM_CATEGORIES);
  });

  it('plans by form-encoded POST; price as a string for some categories and a number for others', async () => {
    const s = await rawSim();
    const form = { ...QUERY, dcIdentifier: SIM_DC.newYork, osIdentifier: SIM_OS_IMAGES['ubuntu-22.04'], planCatIdentifier: SIM_CATEGORY.standard, isCustom: '0' };
    const standard = (await s.call('POST', '/apps/v2/resources', { form })).body.data;
    expect(standard[0]).toMatchObject({ identifier: expect.any(String), nickname: expect.any(String), cpu: 1, ram: 1024, ssd: 25, traffic: 1000, price: '5.00' });
    const general = (await s.call('POST', '/apps/v2/resources', { form: { ...form, planCatIdentifier: SIM_CATEGORY.general } })).body.data;
    expect(typeof general[0].price).toBe('number');
  });

  it('plans ignore a JSON body (form encoding is required)', async () => {
    const s = await rawSim();
    const json = { dcIdentifier: SIM_DC.newYork, osIdentifier: SIM_OS_IMAGES['ubuntu-22.04'], planCatIdentifier: SIM_CATEGORY.standard };
    expect(await s.call('POST', '/apps/v2/resources', { json })).toMatchObject({ status: 200, body: { error: true, message: 'dcIdentifier is required' } });
  });

  it('plans depend on the datacenter', async () => {
    const s = await rawSim();
    const form = { ...QUERY, dcIdentifier: SIM_DC.london, osIdentifier: SIM_OS_IMAGES['debian-12'], planCatIdentifier: SIM_CATEGORY.cpu };
    expect((await s.call('POST', '/apps/v2/resources', { form })).body.data).toEqual([]);
    expect((await s.call('POST', '/apps/v2/resources', { form: { ...form, dcIdentifier: SIM_DC.frankfurt } })).body.data.length).toBe(4);
  });

  it('plans reject an unknown OS image', async () => {
    const s = await rawSim();
    const form = { ...QUERY, dcIdentifier: SIM_DC.london, osIdentifier: 'windows-3.11', planCatIdentifier: SIM_CATEGORY.cpu };
    expect((await s.call('POST', '/apps/v2/resources', { form })).body).toMatchObject({ error: true, message: 'Invalid osIdentifier' });
  });

  it('plans: the form must carry name=query&description=query (the evidence); plansForm lenient drops that check', async () => {
    const s = await rawSim();
    const form = { dcIdentifier: SIM_DC.newYork, osIdentifier: SIM_OS_IMAGES['ubuntu-22.04'], planCatIdentifier: SIM_CATEGORY.standard, isCustom: '0' };
    expect((await s.call('POST', '/apps/v2/resources', { form })).body).toMatchObject({ error: true, message: 'name and description are required' });
    expect((await s.call('POST', '/apps/v2/resources', { form: { ...form, name: 'x', description: 'query' } })).body).toMatchObject({ error: true });
    expect((await s.call('POST', '/apps/v2/resources', { form: { ...form, ...QUERY } })).body).toMatchObject({ error: false, data: expect.any(Array) });
    s.sim.configure({ plansForm: 'lenient' });
    expect((await s.call('POST', '/apps/v2/resources', { form })).body).toMatchObject({ error: false, data: expect.any(Array) });
  });
});

describe('tags', () => {
  it('POST /apps/v2/tags/add takes {entity, identifier, tags}; without entity it is refused; GET /apps/v2/tags reads them back', async () => {
    const s = await rawSim();
    await s.call('POST', '/apps/v2/vm', { json: createBody() });
    s.sim.advance(10_000);
    const { identifier } = s.sim.vms()[0]!;
    expect((await s.call('POST', '/apps/v2/tags/add', { json: { identifier, tags: ['a'] } })).body).toMatchObject({ error: true, message: 'entity is required' });
    expect((await s.call('POST', '/apps/v2/tags/add', { json: { entity: 'vm', identifier, tags: ['a', 'b'] } })).body).toMatchObject({ error: false, data: true });
    expect((await s.call('GET', `/apps/v2/tags?entity=vm&identifier=${identifier}`)).body).toMatchObject({ error: false, data: ['a', 'b'] });
    expect(s.sim.vms()[0]!.tags).toEqual(['a', 'b']);
  });
});
