import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadKubeAuth } from '../../forwarder/kube/kube-auth.ts';
import { KubeHttp } from '../../forwarder/kube/kube-http.ts';
import { API_GROUP, API_VERSION, BOOTSTRAP_TEMPLATE_LABEL, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { ensureNodeGroupCrd } from '../../test/forwarder/fixture.ts';
import { useHarness } from '../../test/harness/context.ts';
import { SIM_CATEGORY, SIM_DC, SIM_OS_IMAGES, SIM_PLANS, startVpsieSimulator } from '../../test/vpsie-sim/index.ts';
import { run } from '../commands/doctor.ts';
import { startSignedStatusServer } from './signed-status-server.ts';

// `vpsie-autoscaler doctor` end to end: the real control plane (NodeGroups, the bootstrap Secret,
// access reviews), the VPSie simulator and a signed functions endpoint.

const PLAN = SIM_PLANS.find((p) => p.categoryIdentifier === SIM_CATEGORY.general)!;
const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(stops.splice(0).map((s) => s()));
});

/** A ClusterRole + binding for `sa` in `ns`, as an RBAC file doctor reads (and the test may apply). */
function rbacFile(ns: string, sa: string): string {
  return `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: doctor-${ns}
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "list", "patch"]
  - apiGroups: [""]
    resources: ["pods/eviction"]
    verbs: ["create"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: doctor-${ns}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: doctor-${ns} }
subjects:
  - { kind: ServiceAccount, name: ${sa}, namespace: ${ns} }
`;
}

async function setup(offeringIDs: string[] = [PLAN.identifier]) {
  const h = useHarness();
  await ensureNodeGroupCrd(h.kc);
  const ns = await h.newNamespace('doctor');
  const admin = new KubeHttp(await loadKubeAuth(h.info.kubeconfigPath));
  stops.push(async () => admin.close());
  await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'boot', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': '#!/bin/sh\nkubeadm join {{apiServerEndpoint}} --token {{token}} {{kubeletArgs}}\n' } } });
  await h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns }, spec: { minNodes: 0, maxNodes: 2, datacenterID: SIM_DC.newYork, offeringIDs, osImageID: SIM_OS_IMAGES['ubuntu-24.04'], bootstrap: { secretName: 'boot' } } },
  });
  const sim = await startVpsieSimulator();
  stops.push(() => sim.stop());
  const functions = await startSignedStatusServer('doctor-key');
  stops.push(() => functions.stop());
  const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  writeFileSync(join(dir, 'key'), 'doctor-key\n');
  writeFileSync(join(dir, 'rbac.yaml'), rbacFile(ns, 'fwd'));
  writeFileSync(join(dir, 'rbac-missing.yaml'), rbacFile(ns, 'fwd').replace(/name: fwd/, 'name: nobody'));
  for (const doc of parseAllDocuments(rbacFile(ns, 'fwd'))) {
    const object = doc.toJS() as { kind: string };
    await admin.request({ method: 'POST', path: `/apis/rbac.authorization.k8s.io/v1/${object.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}`, body: object });
  }
  const args = (overrides: Record<string, string> = {}) => {
    const all: Record<string, string> = {
      '--vpsie-url': sim.url, '--token': 'sim-token', '--project': 'sim-project', '--kubeconfig': h.info.kubeconfigPath, '--namespace': ns,
      '--join-endpoint': '10.0.0.1:6443', '--functions-url': functions.url, '--cluster-id': 'c1', '--signing-key-file': join(dir, 'key'),
      '--rbac-file': join(dir, 'rbac.yaml'), ...overrides,
    };
    return Object.entries(all).flat();
  };
  return { args, dir };
}

async function doctor(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const code = await run(argv, {});
  vi.restoreAllMocks();
  return { code, out };
}

describe('vpsie-autoscaler doctor', () => {
  it('all good: exit 0, every check on its own line with ✓; --output json says the same', async () => {
    const { args } = await setup();
    const { code, out } = await doctor(args());
    expect(out, out).toMatch(/all \d+ checks passed\n$/);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('✓ '))).toBe(true);
    for (const name of ['VPSie credentials', 'VPSie project', 'datacenter', 'OS image', `offering ${PLAN.identifier}`, 'bootstrap', 'join endpoint', 'forwarder RBAC', 'functions']) expect(out).toContain(name);
    expect(out).toContain('delivered as a stored VPSie script');

    const json = await doctor([...args(), '--output', 'json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true });
  });

  it.each([
    ['a wrong token', { '--token': 'wrong' }, /✗ VPSie credentials: API token \(--token\) refused/, /fix: check the token/],
    ['an unreachable functions URL', { '--functions-url': 'http://127.0.0.1:9' }, /✗ functions: http:\/\/127\.0\.0\.1:9 unreachable/, /fix: check --functions-url/],
    ['missing RBAC', { '--rbac-file': 'MISSING' }, /✗ forwarder RBAC: ServiceAccount .*\/nobody lacks 4 of 4 permissions: get nodes/, /fix: kubectl apply -f infra\/forwarder\/rbac.yaml/],
  ])('%s: exit 1, the problem and the fix named', async (_name, overrides, problem, fix) => {
    const { args, dir } = await setup();
    const patched = Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, v === 'MISSING' ? join(dir, 'rbac-missing.yaml') : v]));
    const { code, out } = await doctor(args(patched));
    expect(code).toBe(1);
    expect(out).toMatch(problem);
    expect(out).toMatch(fix);
  });

  it('a missing offering: exit 1, the offering named', async () => {
    const { args } = await setup([PLAN.identifier, 'retired-plan']);
    const { code, out } = await doctor(args());
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`✓ NodeGroup .*/workers offering ${PLAN.identifier}: `));
    expect(out).toMatch(/✗ NodeGroup .*\/workers offering retired-plan: no plan retired-plan .*\n {4}fix: remove it from spec.offeringIDs/);
  });
});
