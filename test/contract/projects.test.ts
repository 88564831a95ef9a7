import { describe, expect, it } from 'vitest';
import { VpsieProjectError } from '../../forwarder/vpsie/index.ts';
import { caught, contractEnv, launchRequest } from './setup.ts';

// Issue 15, problem 3: the project may be configured as its numeric id, its UUID or its name. The client
// resolves it once through GET /apps/v2/projects and sends the numeric id where the SDK does (create
// body, ?projectId=); a reference that names no project is a clear error and nothing is sent.

const PROJECTS = [
  { id: 7, identifier: '2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b', name: 'production', is_default: 1 as const },
  { id: 12, identifier: '9c0d2e4f-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'staging', is_default: 0 as const },
];

describe('project resolution', () => {
  it.each([['numeric id', '12'], ['UUID', '9c0d2e4f-1a2b-4c3d-8e9f-0a1b2c3d4e5f'], ['UUID in capitals', '9C0D2E4F-1A2B-4C3D-8E9F-0A1B2C3D4E5F'], ['name', 'staging']])('by %s: creates with projectId 12 and lists with ?projectId=12', async (_, reference) => {
    const env = await contractEnv({ sim: { projects: PROJECTS } });
    env.sim.seedVm({ hostname: 'prod-1', projectId: '7' });
    env.sim.seedVm({ hostname: 'stage-1', projectId: '12' });
    const client = env.newClient();
    expect((await client.listVms({ projectId: reference })).map((vm) => vm.hostname)).toEqual(['stage-1']);
    await client.createVm(launchRequest({ hostname: 'c1-workers-p1', projectId: reference }));
    const created = env.sim.vms().find((vm) => vm.hostname === 'c1-workers-p1')!;
    expect(created.request['projectId']).toBe(12);
    const listCall = env.sim.calls().find((c) => c.operation === 'listVms')!;
    expect(listCall.query).toBe('projectId=12');
  });

  it('resolves once: later calls do not list the projects again', async () => {
    const env = await contractEnv({ sim: { projects: PROJECTS } });
    const client = env.newClient();
    await client.listVms({ projectId: 'staging' });
    await client.launchVm(launchRequest({ projectId: 'staging' }));
    await client.listPending({ projectId: 'staging' });
    expect(env.ops().filter((op) => op === 'listProjects')).toHaveLength(1);
  });

  it('a reference that names no project: a clear error, listing the known ones; nothing is created', async () => {
    const env = await contractEnv({ sim: { projects: PROJECTS } });
    const client = env.newClient();
    const error = await caught(client.launchVm(launchRequest({ projectId: 'prod' })));
    expect(error).toBeInstanceOf(VpsieProjectError);
    expect(error.message).toMatch(/VPSie project "prod" is not in \/apps\/v2\/projects.*production \(id 7, 2b7f4c1e-.*staging \(id 12/);
    expect(env.ops()).toEqual(['listProjects']);
    expect(env.sim.vms()).toEqual([]);
  });

  it('a name two projects share is ambiguous (give the id)', async () => {
    const env = await contractEnv({ sim: { projects: [...PROJECTS, { id: 13, identifier: '3d4e5f60-1a2b-4c3d-8e9f-0a1b2c3d4e5f', name: 'staging', is_default: 0 }] } });
    const error = await caught(env.newClient().listVms({ projectId: 'staging' }));
    expect(error).toBeInstanceOf(VpsieProjectError);
    expect(error.message).toMatch(/ambiguous.*id 12, id 13/);
  });

  it('a failed projects listing is not remembered: the next call resolves', async () => {
    const env = await contractEnv({ sim: { projects: PROJECTS } });
    const client = env.newClient({ retry: { maxAttempts: 1 } });
    env.sim.inject({ kind: 'status', status: 500, match: { operation: 'listProjects' } });
    await caught(client.listVms({ projectId: 'staging' }));
    expect(await client.resolveProject('staging')).toMatchObject({ id: '12', identifier: '9c0d2e4f-1a2b-4c3d-8e9f-0a1b2c3d4e5f' });
  });
});
