import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ensureKubeletFlags, renderTemplate } from '../../forwarder/executor/cloud-init.ts';
import { kubeletFlags } from '../../forwarder/executor/kubelet-flags.ts';
import { templateValues } from '../../forwarder/executor/template-values.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { parseNodeGroup, parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { kubeletSettingsFromUserData } from '../vpsie-sim/user-data.ts';

// The files in examples/ are what users copy: the NodeGroup is valid, the bursty workload parses, and
// both bootstrap templates render with the forwarder's placeholders and hand the kubelet the group's
// labels, taints and reservations (read back the way the simulator's VM reads them). The kubeadm one
// is also what every e2e stack uses (stack-cluster.ts), so it is exercised end to end.

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../examples');
const read = (name: string) => readFileSync(join(EXAMPLES, name), 'utf8');

function render(template: string) {
  const spec = parseNodeGroupSpec({
    maxNodes: 3,
    datacenterID: 'dc',
    offeringIDs: ['plan-a'],
    osImageID: 'os',
    labels: { pool: 'batch' },
    taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    kubelet: { maxPods: 40 },
  });
  const flags = kubeletFlags('workers', spec, 'plan-a');
  // The forwarder's own values (create-vm.ts): a placeholder renamed there fails these renders.
  const rendered = renderTemplate(template, templateValues({
    hostname: 'c1-workers-abcde',
    token: { text: 'abcdef.0123456789abcdef', id: 'abcdef' },
    join: { apiServerEndpoint: '10.0.0.10:6443', caCertHash: `sha256:${'0'.repeat(64)}` },
    flags,
    nodeGroup: 'workers',
    offering: 'plan-a',
    clusterId: 'c1',
  }));
  return { rendered, flags };
}

describe('examples/', () => {
  it('nodegroup.yaml is a valid NodeGroup naming a bootstrap Secret', () => {
    const group = parseNodeGroup(parse(read('nodegroup.yaml')));
    expect(group.metadata.name).toBe('workers');
    expect(group.spec.bootstrap?.secretName).toBe('workers-bootstrap');
    expect(group.spec.offeringIDs.length).toBeGreaterThan(1);
  });

  it('bursty-workload.yaml is a Deployment (and its PDB) selecting the example group', () => {
    const docs = parseAllDocuments(read('bursty-workload.yaml')).map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> });
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'PodDisruptionBudget']);
    const template = (docs[0]!.spec as { template: { spec: { nodeSelector: Record<string, string> } } }).template;
    const group = parseNodeGroup(parse(read('nodegroup.yaml')));
    expect(template.spec.nodeSelector).toEqual(group.spec.labels);
  });

  for (const file of ['bootstrap/kubeadm.yaml', 'bootstrap/k3s.yaml']) {
    it(`${file} renders and passes the group's kubelet flags to the kubelet`, () => {
      const { rendered, flags } = render(read(file));
      expect(rendered).not.toMatch(/\{\{/);
      expect(rendered).toContain('abcdef.0123456789abcdef');
      expect(rendered).toContain('10.0.0.10:6443');
      // The flags are placed by the template itself (not appended as a comment by the forwarder).
      expect(ensureKubeletFlags(rendered, flags.args).appended).toBe(false);
      const kubelet = kubeletSettingsFromUserData(Buffer.from(rendered).toString('base64'));
      expect(kubelet.labels).toMatchObject({ [NODEGROUP_LABEL]: 'workers', pool: 'batch' });
      expect(kubelet.taints).toEqual([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }]);
      expect(kubelet.maxPods).toBe(40);
      expect(kubelet.kubeReserved).toEqual({ cpu: '100m', memory: '256Mi' });
    });
  }

  it('bootstrap/kubeadm.yaml joins under the VM hostname with the token and CA hash', () => {
    const { rendered } = render(read('bootstrap/kubeadm.yaml'));
    expect(rendered).toContain(`kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:${'0'.repeat(64)} --node-name c1-workers-abcde`);
  });
});
