import { describe, expect, it } from 'vitest';
import { VpsieAbsenceUnconfirmedError } from '../../forwarder/vpsie/index.ts';
import { decodeUserData } from '../vpsie-sim/user-data.ts';
import { caught, contractEnv, launchRequest } from './setup.ts';

// Issue 15, problem 2: the create body as the official SDK sends it to /apps/v2/vm, and the proven
// bootstrap path (a stored script named by scriptIdentifier) next to the unproven userData.

describe('create body', () => {
  it('flags are numbers 0/1; the project goes as its numeric id (a JSON number), however it was named', async () => {
    const { client, sim } = await contractEnv();
    await client.createVm(launchRequest({ hostname: 'c1-workers-n1', projectId: '7' }));
    await client.createVm(launchRequest({ hostname: 'c1-workers-n2', projectId: '2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b', userData: undefined }));
    await client.createVm(launchRequest({ hostname: 'c1-workers-n3', projectId: 'sim-project' }));
    const [a, b, c] = sim.vms();
    expect(a!.request).toMatchObject({ projectId: 7, addPublicIpV4: 1, addPrivateIp: 1, addPublicIpV6: 0, backupEnabled: 0 });
    expect(b!.request['projectId']).toBe(7);
    expect(c!.request['projectId']).toBe(7);
    expect('userData' in b!.request).toBe(false);
  });
});

describe('bootstrap by stored script', () => {
  it('a script is stored, found by name, named on the create (the VM runs it), then deleted', async () => {
    const { client, sim, ops } = await contractEnv();
    const content = '#!/bin/sh\nkubeadm join 10.0.0.1:6443 --token abc.def\n';
    const scriptIdentifier = await client.createScript({ name: 'c1-workers-s1-bootstrap', content });
    expect(ops()).toEqual(['listScripts', 'addScript', 'listScripts']);
    // asked again (a retried launch): found by name, not added twice
    expect(await client.createScript({ name: 'c1-workers-s1-bootstrap', content })).toBe(scriptIdentifier);
    expect(sim.scripts.all()).toHaveLength(1);

    await client.launchVm(launchRequest({ hostname: 'c1-workers-s1', userData: undefined, scriptIdentifier }));
    const [vm] = sim.vms();
    expect(vm!.request['scriptIdentifier']).toBe(scriptIdentifier);
    expect(decodeUserData(vm!.userData)).toBe(content);

    expect(await client.deleteScript(scriptIdentifier)).toEqual({ outcome: 'deleted' });
    expect(sim.scripts.all()).toEqual([]);
    expect(await client.deleteScript(scriptIdentifier)).toEqual({ outcome: 'already-gone' });
  });

  it('a script delete answered by a wrong route is not "already-gone"', async () => {
    const { client, sim } = await contractEnv();
    const id = await client.createScript({ name: 'x-bootstrap', content: '#!/bin/sh\ntrue\n' });
    sim.inject({ kind: 'wrongRoute', match: { operation: 'deleteScript' } });
    expect(await caught(client.deleteScript(id))).toBeInstanceOf(VpsieAbsenceUnconfirmedError);
    expect(sim.scripts.all()).toHaveLength(1);
  });

  it('with a create path that ignores userData (the unproven case), a userData launch runs nothing; a script launch still does', async () => {
    const { client, sim } = await contractEnv({ sim: { ignoreUserData: true } });
    await client.launchVm(launchRequest({ hostname: 'c1-workers-u1' }));
    const id = await client.createScript({ name: 'c1-workers-u2-bootstrap', content: '#!/bin/sh\necho join\n' });
    await client.launchVm(launchRequest({ hostname: 'c1-workers-u2', userData: undefined, scriptIdentifier: id }));
    const [u1, u2] = sim.vms();
    expect(u1!.userData).toBeNull();
    expect(decodeUserData(u2!.userData)).toBe('#!/bin/sh\necho join\n');
  });
});

describe('projects', () => {
  it('lists each project with its numeric id and its UUID ({rows, count})', async () => {
    const { client } = await contractEnv();
    expect(await client.listProjects()).toEqual([{ id: '7', identifier: '2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b', name: 'sim-project', isDefault: true }]);
  });
});
