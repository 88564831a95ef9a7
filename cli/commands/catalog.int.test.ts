import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { ensureNodeGroupCrd } from '../../test/forwarder/fixture.ts';
import { useHarness } from '../../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, startVpsieSimulator, type VpsieSimulator } from '../../test/vpsie-sim/index.ts';
import { runCatalog } from './catalog.ts';

// `catalog` as an operator runs it against a cluster: credentials from the forwarder's Secret read
// through the kubeconfig, and a skeleton that the real API server (with the NodeGroup CRD) accepts.

let sim: VpsieSimulator;
beforeAll(async () => {
  sim = await startVpsieSimulator({});
});
afterAll(() => sim.stop());

describe('catalog on the control plane', () => {
  it('reads the credentials Secret like the forwarder, and its NodeGroup skeleton is accepted by the API server', async () => {
    const h = useHarness();
    await ensureNodeGroupCrd(h.kc);
    const ns = await h.newNamespace('catalog');
    const secret = `vpsie-credentials-${randomBytes(3).toString('hex')}`;
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: secret }, stringData: { token: 'sim-token', deletePassword: 'sim-delete-password' } } });
    let stdout = '';
    let stderr = '';
    const code = await runCatalog(
      ['--kubeconfig', h.info.kubeconfigPath, '--credentials-secret', `${ns}/${secret}`, '--vpsie-url', sim.url, '--datacenter', 'London', '--os-image', SIM_OS_IMAGES['debian-12'], '--plan', 'A-1C-2G,A-2C-4G', '-o', 'yaml', '--namespace', ns, '--name', 'london'],
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const body = parse(stdout) as { metadata: { name: string }; spec: { datacenterID: string } };
    expect(body.spec.datacenterID).toBe(SIM_DC.london);
    // Not a dry run: the object is stored, with the CRD's defaults filled in.
    await h.custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL, body });
    const stored = (await h.custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL, name: 'london' })) as { spec: { offeringIDs: string[]; osImageID: string; scaleDownPolicy?: unknown } };
    expect(stored.spec.offeringIDs).toEqual(['9b1e0000-0000-4000-8000-000000000102', '9b1e0000-0000-4000-8000-000000000103']);
    expect(stored.spec.osImageID).toBe(SIM_OS_IMAGES['debian-12']);
    expect(stored.spec.scaleDownPolicy).toBeDefined();
  });

  it('says "no VPSie credentials" when the Secret does not exist', async () => {
    const h = useHarness();
    let stderr = '';
    const code = await runCatalog(['--kubeconfig', h.info.kubeconfigPath, '--credentials-secret', 'kube-system/no-such-secret', '--vpsie-url', sim.url], { stdout: () => {}, stderr: (t) => (stderr += t), env: {} });
    expect(code).toBe(2);
    expect(stderr).toContain('no VPSie credentials: the Secret kube-system/no-such-secret does not exist');
  });
});
