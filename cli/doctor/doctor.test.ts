import { afterEach, describe, expect, it } from 'vitest';
import { VpsieClient } from '../../forwarder/vpsie/index.ts';
import { SIM_CATEGORY, SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator, type VpsieSimulator } from '../../test/vpsie-sim/index.ts';
import { renderChecks } from './check.ts';
import { checkJoinEndpoint, permissionsOf } from './cluster-checks.ts';
import { checkFunctions } from './functions-check.ts';
import { startSignedStatusServer } from './signed-status-server.ts';
import { checkCredentials, checkNodeGroup, checkProject } from './vpsie-checks.ts';

// doctor's VPSie and functions checks against the simulator and a signed endpoint; the cluster
// checks (template, RBAC) run on the real control plane in doctor.int.test.ts.

const PLAN = SIM_PLANS.find((p) => p.categoryIdentifier === SIM_CATEGORY.general)!;
const group = (overrides: Record<string, unknown> = {}) => ({ namespace: 'ns', name: 'workers', spec: { minNodes: 0, maxNodes: 3, datacenterID: SIM_DC.newYork, osImageID: SIM_OS_IMAGES['ubuntu-24.04'], offeringIDs: [PLAN.identifier], ...overrides } });

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function sim(): Promise<VpsieSimulator> {
  const s = await startVpsieSimulator();
  stops.push(() => s.stop());
  return s;
}
const client = (url: string, token = 'sim-token') => new VpsieClient({ baseUrl: url, credentials: { kind: 'token', token, deletePassword: '' }, retry: { maxAttempts: 1 } });

describe('doctor: VPSie checks', () => {
  it('good credentials, project by name/id/UUID, a NodeGroup with its datacenter, OS and offering (size and price)', async () => {
    const s = await sim();
    const c = client(s.url);
    expect(await checkCredentials(c, 'API token', s.url)).toMatchObject({ ok: true });
    for (const wanted of ['sim-project', '7', '2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b']) {
      expect((await checkProject(c, wanted)).check).toMatchObject({ ok: true, detail: 'sim-project: id 7, UUID 2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b' });
    }
    const checks = await checkNodeGroup(c, group());
    expect(checks.every((x) => x.ok)).toBe(true);
    expect(checks.map((x) => x.name)).toEqual(['NodeGroup ns/workers datacenter', 'NodeGroup ns/workers OS image', `NodeGroup ns/workers offering ${PLAN.identifier}`]);
    expect(checks[2]!.detail).toBe(`${PLAN.nickname}: ${PLAN.cpu} CPU, ${PLAN.ram / 1024} GiB, ${PLAN.ssd} GB disk, ${Number(PLAN.price).toFixed(2)}/month`);
  });

  it('client credentials: the login mode detected at the first login is shown', async () => {
    const s = await startVpsieSimulator({ loginBody: 'form-only' });
    stops.push(() => s.stop());
    const c = new VpsieClient({ baseUrl: s.url, credentials: { kind: 'client', clientId: 'sim-client', clientSecret: 'sim-secret', deletePassword: '' }, retry: { maxAttempts: 1 } });
    expect(await checkCredentials(c, 'client credentials', s.url)).toMatchObject({ ok: true, detail: expect.stringContaining('login body form, token sent as Vpsie-Auth)') });
  });

  it('a wrong token fails the credentials check and says how to fix it', async () => {
    const s = await sim();
    const check = await checkCredentials(client(s.url, 'wrong'), 'API token', s.url);
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/API token refused.*Please authenticate/) });
    expect(check.fix).toMatch(/vpsie-credentials/);
    expect(renderChecks([check], 'text')).toMatch(/^✗ VPSie credentials: .*\n {4}fix: .*\n1 of 1 checks failed\n$/);
  });

  it('an unknown project names the known ones', async () => {
    const s = await sim();
    expect((await checkProject(client(s.url), 'prod')).check).toMatchObject({ ok: false, detail: 'VPSie project "prod" is not in /apps/v2/projects of this account (known: sim-project (id 7, 2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b)); give a numeric id, a UUID or a name from that list' });
  });

  it('a missing offering, an unknown datacenter and a refused OS image fail, each named', async () => {
    const s = await sim();
    const c = client(s.url);
    const missing = await checkNodeGroup(c, group({ offeringIDs: [PLAN.identifier, 'no-such-plan'] }));
    expect(missing.filter((x) => !x.ok)).toEqual([{ name: 'NodeGroup ns/workers offering no-such-plan', ok: false, detail: expect.stringContaining('no plan no-such-plan'), fix: expect.stringContaining('spec.offeringIDs') }]);
    expect((await checkNodeGroup(c, group({ datacenterID: 'nowhere' })))[0]).toMatchObject({ ok: false, detail: 'datacenter nowhere does not exist' });
    expect((await checkNodeGroup(c, group({ osImageID: 'no-os' }))).at(-1)).toMatchObject({ ok: false, name: 'NodeGroup ns/workers OS image' });
  });
});

describe('doctor: functions and join endpoint', () => {
  async function signedStatusServer(key: string): Promise<string> {
    const server = await startSignedStatusServer(key);
    stops.push(() => server.stop());
    return server.url;
  }

  it('a signed request with the right key passes; a wrong key and an unreachable URL fail with the fix', async () => {
    const url = await signedStatusServer('k-right');
    expect(await checkFunctions({ url, clusterId: 'c1', signingKey: 'k-right', nowMs: Date.now() })).toMatchObject({ ok: true });
    expect(await checkFunctions({ url, clusterId: 'c1', signingKey: 'k-wrong', nowMs: Date.now() })).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401'), fix: expect.stringContaining('signing key') });
    const down = await checkFunctions({ url: 'http://127.0.0.1:9', clusterId: 'c1', signingKey: 'k', nowMs: Date.now(), timeoutMs: 2_000 });
    expect(down).toMatchObject({ ok: false, detail: expect.stringContaining('unreachable'), fix: expect.stringContaining('--functions-url') });
  });

  it('the join endpoint must be host:port', () => {
    expect(checkJoinEndpoint('10.0.0.1:6443').ok).toBe(true);
    expect(checkJoinEndpoint(undefined)).toMatchObject({ ok: false, fix: expect.stringContaining('--join-endpoint') });
    expect(checkJoinEndpoint('https://x')).toMatchObject({ ok: false });
  });

  it('reads every permission of the shipped RBAC file, subresources and resource names included', async () => {
    const { readFileSync } = await import('node:fs');
    const { permissions, serviceAccount } = permissionsOf(readFileSync(new URL('../../infra/forwarder/rbac.yaml', import.meta.url), 'utf8'));
    expect(serviceAccount).toEqual({ namespace: 'vpsie-autoscaler', name: 'vpsie-autoscaler-forwarder' });
    expect(permissions).toContainEqual({ group: '', resource: 'pods', subresource: 'eviction', verb: 'create' });
    expect(permissions).toContainEqual({ group: '', resource: 'secrets', verb: 'get', namespace: 'kube-system', name: 'vpsie-credentials' });
    expect(permissions).not.toContainEqual(expect.objectContaining({ resource: 'pods', verb: 'delete' }));
  });
});
