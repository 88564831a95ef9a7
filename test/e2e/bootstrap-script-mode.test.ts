import { describe, expect, it } from 'vitest';
import { BOOTSTRAP_TEMPLATE_LABEL } from '../../shared/labels.ts';
import { eventually, node, simPlan, useE2eStack } from './e2e-helpers.ts';

// Issue 15, "Must show": a launch in `script` mode on the demo stack. The forwarder's default delivery
// is `script` (VPSIE_FWD_VPSIE__BOOTSTRAP_DELIVERY; the NodeGroup sets none), the simulator drops
// userData from creates (as /apps/v2/vm may), so only the stored script can make the VM join. The VM
// joins; its stored script (which holds the join token) is gone afterwards without another launch.

const TEMPLATE = [
  '#!/bin/sh',
  'set -eu',
  'kubeadm join {{apiServerEndpoint}} --token {{token}} --discovery-token-ca-cert-hash {{caCertHash}} --node-name {{nodeName}} {{kubeletArgs}}',
  '',
].join('\n');

describe('bootstrap delivery script on the demo stack', () => {
  const env = useE2eStack('script-mode', { forwarderEnv: { VPSIE_FWD_VPSIE__BOOTSTRAP_DELIVERY: 'script' } });

  it('the forwarder stores the script, creates the VM with scriptIdentifier only, the VM joins, and the script is deleted once the Node is Ready', async () => {
    const { stack } = env;
    stack.simulator.sim.configure({ ignoreUserData: true });
    await stack.kube.core.createNamespacedSecret({ namespace: stack.namespace, body: { metadata: { name: 'script-bootstrap', labels: { [BOOTSTRAP_TEMPLATE_LABEL]: 'true' } }, stringData: { 'cloud-init': TEMPLATE } } });
    await stack.applyNodeGroup('scripted', { minNodes: 1, maxNodes: 2, offeringIDs: [simPlan('A-1C-2G')], bootstrap: { secretName: 'script-bootstrap' } });

    const [hostname] = await eventually(stack, 'a Node of NodeGroup scripted', async () => {
      const names = await stack.managedNodeNames('scripted');
      return names.length > 0 ? names : undefined;
    }, 90_000);
    await eventually(stack, `${hostname} Ready`, async () => (await node(stack, hostname!))?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 60_000);

    const vm = stack.vms().find((v) => v.hostname === hostname)!;
    expect(typeof vm.request['scriptIdentifier'], stack.describe()).toBe('string');
    expect('userData' in vm.request).toBe(false);
    // The VM ran the stored script: what the simulator booted it with is the rendered template.
    expect(Buffer.from(vm.userData ?? '', 'base64').toString('utf8')).toMatch(new RegExp(`^#!/bin/sh\\n[\\s\\S]*--node-name ${hostname} `));
    expect(stack.calls('addScript')).toHaveLength(1);

    await eventually(stack, `the stored script ${hostname}-bootstrap deleted`, () => stack.simulator.sim.scripts.all().every((s) => s.name !== `${hostname}-bootstrap`) || undefined, 30_000);
    expect(stack.calls('deleteScript')).toHaveLength(1);
    expect(stack.calls('createVm')).toHaveLength(1); // no second launch was needed for the sweep
    expect(stack.simulator.sim.scripts.all()).toEqual([]);
  });
});
