import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { run } from '../../cli/commands/doctor.ts';
import { API_GROUP, API_VERSION, BOOTSTRAP_TEMPLATE_LABEL, NODEGROUP_LABEL, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { simPlan, useE2eStack } from './e2e-helpers.ts';
import { SIM_DELETE_PASSWORD, SIM_PROJECT_ID, SIM_TOKEN } from './stack.ts';

// Issue 15, "Must show": `doctor --launch-test` passes against the demo stack — the VM the doctor buys
// (the cheapest offering of the NodeGroup) joins as a kwok Node that turns Ready, and afterwards the
// VM, its Node, its join token and (script mode) its stored script are all gone.

afterEach(() => vi.restoreAllMocks());

async function doctor(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const code = await run(argv, {}, { isTTY: false, ask: () => Promise.reject(new Error('--yes was given')) });
  vi.restoreAllMocks();
  process.stdout.write(`--- doctor exit ${code} ---\n${out}${err}`); // in the test log, for a reader
  return { code, out, err };
}

describe('doctor --launch-test on the demo stack', () => {
  const env = useE2eStack('doctor-launch');

  const args = () => {
    const { stack } = env;
    const dir = mkdtempSync(join(tmpdir(), 'doctor-launch-'));
    writeFileSync(join(dir, 'key'), stack.signingKey);
    const server = new URL(stack.kube.kc.getCurrentCluster()!.server);
    return [
      '--vpsie-url', stack.simulator.url, '--token', SIM_TOKEN, '--project', SIM_PROJECT_ID, '--delete-password', SIM_DELETE_PASSWORD,
      '--kubeconfig', inject('harness')!.kubeconfigPath, '--namespace', stack.namespace, '--join-endpoint', `${server.hostname}:${server.port}`,
      '--functions-url', stack.functions.url, '--cluster-id', stack.clusterId, '--signing-key-file', join(dir, 'key'), '--rbac-subject', 'self',
      '--launch-test', '--yes', '--launch-timeout-seconds', '90',
    ];
  };

  async function expectAllGone(hostname: string): Promise<void> {
    const { stack } = env;
    const vms = stack.simulator.sim.vms().filter((vm) => vm.hostname === hostname);
    expect(vms.map((vm) => vm.phase)).toEqual(['deleted']);
    expect(vms[0]!.deleteStatistic).toMatchObject({ reason: 'vpsie-autoscaler doctor --launch-test' });
    expect((await stack.kube.core.listNode()).items.map((n) => n.metadata?.name)).not.toContain(hostname);
    const tokens = await stack.kube.core.listNamespacedSecret({ namespace: 'kube-system', fieldSelector: 'type=bootstrap.kubernetes.io/token' });
    expect(tokens.items.filter((s) => String(Buffer.from(s.data?.['description'] ?? '', 'base64')).includes(hostname))).toEqual([]);
    expect(stack.simulator.sim.scripts.all().filter((s) => s.name.startsWith(hostname))).toEqual([]);
  }

  it('userData delivery: the cheapest offering joins as a Ready Node, time and cost printed, everything removed', async () => {
    const { stack } = env;
    await stack.applyNodeGroup('trial', { minNodes: 0, maxNodes: 2, offeringIDs: [simPlan('A-2C-4G'), simPlan('A-1C-2G')] });
    const { code, out, err } = await doctor(args());
    expect(out, `${out}\n${err}\n${stack.describe()}`).toMatch(/✓ launch test NodeGroup [^:]+\/trial: A-1C-2G VM (vpsie-doctor-[0-9a-f]{6}) joined as a Ready Node in [\d.]+ s and was deleted; cost about 0\.\d{4} \(1 started hour of A-1C-2G/);
    expect(out).toMatch(/all \d+ checks passed\n$/);
    expect(code).toBe(0);
    const hostname = /A-1C-2G VM (vpsie-doctor-[0-9a-f]{6})/.exec(out)![1]!;
    expect(err).toContain(`${hostname} joined as a Ready Node after`);
    const created = stack.simulator.sim.vms().find((vm) => vm.hostname === hostname)!;
    expect(created.resourceIdentifier).toBe(simPlan('A-1C-2G'));
    expect(created.request['projectId']).toBe(7);
    await expectAllGone(hostname);
  });

  it('script delivery (the forwarder default --bootstrap-delivery script, a shell template): joins, and the stored script is deleted with the VM', async () => {
    const { stack } = env;
    stack.simulator.sim.configure({ ignoreUserData: true }); // only the stored script can reach the VM
    try {
      await stack.kube.core.createNamespacedSecret({
        namespace: stack.namespace,
        body: { metadata: { name: 'script-bootstrap', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': '#!/bin/sh\nkubeadm join {{apiServerEndpoint}} --token {{token}} --discovery-token-ca-cert-hash {{caCertHash}} --node-name {{nodeName}} {{kubeletArgs}}\n' } },
      });
      await stack.kube.custom.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace: stack.namespace, plural: NODEGROUP_PLURAL, name: 'trial' }).catch(() => {});
      await stack.applyNodeGroup('scripted', { minNodes: 0, maxNodes: 2, offeringIDs: [simPlan('A-1C-2G')], bootstrap: { secretName: 'script-bootstrap' } });
      const { code, out, err } = await doctor([...args(), '--bootstrap-delivery', 'script']);
      expect(out, `${out}\n${err}`).toMatch(/✓ NodeGroup [^:]+\/scripted bootstrap: template .* renders; delivered as a stored VPSie script/);
      expect(out).toMatch(/✓ launch test NodeGroup [^:]+\/scripted: A-1C-2G VM (vpsie-doctor-[0-9a-f]{6}) joined as a Ready Node/);
      expect(code).toBe(0);
      const hostname = /A-1C-2G VM (vpsie-doctor-[0-9a-f]{6})/.exec(out)![1]!;
      const vm = stack.simulator.sim.vms().find((v) => v.hostname === hostname)!;
      expect(typeof vm.request['scriptIdentifier']).toBe('string');
      expect('userData' in vm.request).toBe(false);
      expect(err).toContain('bootstrap as a stored script');
      await expectAllGone(hostname);
      expect((await stack.kube.core.listNode({ labelSelector: `${NODEGROUP_LABEL}=scripted` })).items).toEqual([]);
    } finally {
      stack.simulator.sim.configure({ ignoreUserData: false });
    }
  });
});
