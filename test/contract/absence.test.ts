import { describe, expect, it } from 'vitest';
import { VpsieAbsenceUnconfirmedError, VpsieIncompleteListingError, type UnreadableRowsEvent } from '../../forwarder/vpsie/index.ts';
import { caught, contractEnv } from './setup.ts';

// Issue 15, problem 1: a "Not found" never proves a VM is gone. VPSie (and the simulator's catch-all)
// answers an unknown route with the same message, so a delete sent to a wrong route would be
// reported `already-gone` while the VM keeps running. Only a listing may confirm absence.

describe('"Not found" is not proof of absence', () => {
  it('a delete answered by a wrong route is not "already-gone": the VM is still listed, the client says so', async () => {
    const { client, sim } = await contractEnv();
    const vm = sim.seedVm({ hostname: 'c1-workers-leak1' });
    sim.inject({ kind: 'wrongRoute', match: { operation: 'deleteVm' } });
    const error = await caught(client.deleteVm({ identifier: vm.identifier, reason: 'scale-down' }));
    expect(error).toBeInstanceOf(VpsieAbsenceUnconfirmedError);
    expect(error.message).toMatch(/still shows it/);
    expect((error as VpsieAbsenceUnconfirmedError).retryable).toBe(false);
    expect(sim.vms().find((v) => v.identifier === vm.identifier)?.phase).toBe('running');
  });

  it('a get answered by a wrong route is not "absent"', async () => {
    const { client, sim } = await contractEnv();
    const vm = sim.seedVm({ hostname: 'c1-workers-leak2' });
    sim.inject({ kind: 'wrongRoute', match: { operation: 'getVm' } });
    const error = await caught(client.getVm(vm.identifier));
    expect(error).toBeInstanceOf(VpsieAbsenceUnconfirmedError);
  });

  it('a get of a VM really gone is undefined, in both "missing" styles, after a listing agrees', async () => {
    for (const notFoundStyle of ['data-false', 'error-message'] as const) {
      const env = await contractEnv({ sim: { notFoundStyle } });
      expect(await env.client.getVm('3f0c2a4e-0000-4000-8000-000000000000')).toBeUndefined();
      expect(env.ops()).toEqual(['getVm', 'listVms']);
    }
  });

  it('a delete of a VM really gone is "already-gone", confirmed by the listing', async () => {
    const { client, sim, ops } = await contractEnv();
    const vm = sim.seedVm({ hostname: 'c1-workers-gone1' });
    await client.deleteVm({ identifier: vm.identifier, reason: 'first' });
    expect(await client.deleteVm({ identifier: vm.identifier, reason: 'again' })).toEqual({ outcome: 'already-gone' });
    expect(ops()).toEqual(['deleteVm', 'deleteVm', 'listVms']);
  });

  it('"Not found" with an unreadable row in the listing: absence is unknown (retryable), never "gone"', async () => {
    const { client, sim } = await contractEnv();
    const vm = sim.seedVm({ hostname: 'c1-workers-odd1' });
    sim.inject([
      { kind: 'wrongRoute', match: { operation: 'deleteVm' } },
      { kind: 'unreadableRows', match: { operation: 'listVms' } },
    ]);
    const error = await caught(client.deleteVm({ identifier: vm.identifier, reason: 'scale-down' }));
    expect(error).toBeInstanceOf(VpsieAbsenceUnconfirmedError);
    // the VM is still listed (readable): the listing shows it, whatever the odd row
    expect(error.message).toMatch(/still shows it/);

    // a VM that is not in the readable rows, with a row that could be it: unknown
    sim.inject([
      { kind: 'wrongRoute', match: { operation: 'getVm' } },
      { kind: 'unreadableRows', match: { operation: 'listVms' }, rows: [{ id: 99, identifier: 42, hostname: 'c1-workers-odd2' }] },
    ]);
    const unknown = await caught(client.getVm('7d1e0f55-0000-4000-8000-000000000000'));
    expect(unknown).toBeInstanceOf(VpsieAbsenceUnconfirmedError);
    expect((unknown as VpsieAbsenceUnconfirmedError).retryable).toBe(true);
    expect(unknown.message).toMatch(/cannot be confirmed.*unreadable row/);
  });
});

describe('per-row tolerance', () => {
  it('an odd VM row is skipped and reported, and the listing says it is incomplete', async () => {
    const seen: UnreadableRowsEvent[] = [];
    const env = await contractEnv({ client: { onUnreadableRows: (e) => seen.push(e) } });
    env.sim.seedVm({ hostname: 'c1-workers-a1', projectId: 'sim-project' });
    env.sim.inject({ kind: 'unreadableRows', match: { operation: 'listVms' }, count: 3, rows: [{ id: 'x', identifier: null, hostname: 'c1-workers-b2', project_id: 'sim-project' }] });

    const listing = await env.client.listVmListing();
    expect(listing.vms.map((v) => v.hostname)).toEqual(['c1-workers-a1']);
    expect(listing.unreadable).toEqual([{ index: 1, hostname: 'c1-workers-b2', problem: expect.stringMatching(/^identifier:/) }]);
    expect(seen).toEqual([{ operation: 'listVms', unreadable: listing.unreadable, skippedNonVm: 0 }]);

    // a caller that concludes from absence gets an error, not a shorter list
    expect(await caught(env.client.listVms())).toBeInstanceOf(VpsieIncompleteListingError);

    // a hostname found among the readable rows is found; one that the odd row may be is not "free"
    expect((await env.client.findVmByHostname('c1-workers-a1', { projectId: 'sim-project' }))?.where).toBe('created');
    env.sim.inject({ kind: 'unreadableRows', match: { operation: 'listVms' }, rows: [{ id: 'x', identifier: null, hostname: 'c1-workers-b2' }] });
    expect(await caught(env.client.findVmByHostname('c1-workers-b2', { projectId: 'sim-project' }))).toBeInstanceOf(VpsieIncompleteListingError);
  });

  it('an odd row whose hostname is another one does not block a lookup', async () => {
    const { client, sim } = await contractEnv();
    sim.inject({ kind: 'unreadableRows', match: { operation: 'listVms' }, rows: [{ identifier: 'u-9', hostname: 'someone-else', is_deleted: { odd: true } }] });
    expect(await client.findVmByHostname('c1-workers-new', { projectId: 'sim-project' })).toBeUndefined();
  });

  it('a pending item that is not a VM create is skipped without blocking anything', async () => {
    const seen: UnreadableRowsEvent[] = [];
    const { client, sim } = await contractEnv({ client: { onUnreadableRows: (e) => seen.push(e) } });
    sim.inject({ kind: 'unreadableRows', match: { operation: 'listPending' }, count: 2, rows: [{ id: 5, status: 'pending', data: { action: 'snapshot', vmIdentifier: 'u-1' } }] });
    expect(await client.listPending()).toEqual([]);
    expect(seen).toEqual([{ operation: 'listPending', unreadable: [], skippedNonVm: 1 }]);
    expect(await client.findVmByHostname('c1-workers-new', { projectId: 'sim-project' })).toBeUndefined();
  });

  it('a pending item whose data cannot be read blocks a lookup that does not find the hostname', async () => {
    const { client, sim } = await contractEnv();
    sim.inject({ kind: 'unreadableRows', match: { operation: 'listPending' }, rows: [{ id: 6, data: '{not json' }] });
    expect(await caught(client.findVmByHostname('c1-workers-new', { projectId: 'sim-project' }))).toBeInstanceOf(VpsieIncompleteListingError);
  });

  it('vmTags of an unknown shape do not fail getVm', async () => {
    const { client, sim } = await contractEnv();
    const vm = sim.seedVm({ hostname: 'c1-workers-t1' });
    sim.inject({ kind: 'respond', match: { operation: 'getVm' }, body: JSON.stringify({ error: false, data: { vmData: { identifier: vm.identifier, hostname: vm.hostname, is_active: 1, power: 1 }, vmTags: [{ id: 3 }, { name: 'autoscaler' }, 7] } }) });
    expect(await client.getVm(vm.identifier)).toMatchObject({ hostname: 'c1-workers-t1', tags: ['autoscaler'] });
  });
});

describe('answers without data', () => {
  it('a 204 with an empty body to a delete is success and does not feed the breaker', async () => {
    const { client, sim, events } = await contractEnv({ client: { breaker: { failureThreshold: 1 } } });
    const vm = sim.seedVm({ hostname: 'c1-workers-d1' });
    sim.inject({ kind: 'emptyAnswer', match: { operation: 'deleteVm' } });
    expect(await client.deleteVm({ identifier: vm.identifier, reason: 'scale-down' })).toEqual({ outcome: 'deleted' });
    expect(events.map((e) => [e.method, e.status, e.error])).toEqual([['deleteVm', 204, undefined]]);
    expect(client.breakerState).toBe('closed');
  });

  it('{"error": false} without data to a create is success', async () => {
    const { client, sim } = await contractEnv({ client: { breaker: { failureThreshold: 1 } } });
    sim.inject({ kind: 'noData', match: { operation: 'createVm' } });
    const { launchRequest } = await import('./setup.ts');
    expect((await client.launchVm(launchRequest())).outcome).toBe('created');
    expect(sim.vms()).toHaveLength(1);
    expect(client.breakerState).toBe('closed');
  });

  it('a list answer without data is NOT an empty list', async () => {
    const { client, sim } = await contractEnv();
    sim.seedVm({ hostname: 'c1-workers-n1' });
    sim.inject({ kind: 'noData', match: { operation: 'listVms' } });
    expect((await caught(client.listVmListing())).name).toBe('VpsieInvalidResponseError');
  });
});
