import { describe, expect, it } from 'vitest';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { MIB } from '../../shared/quantity.ts';
import { offering, shape } from '../../test/fixtures/planning-builders.ts';
import type { ValidGroup } from './context.ts';
import { daemonSetPods, kubeletReservations, nodeTemplate, offeringAllocatable } from './node-template.ts';
import { buildSnapshot } from '../../test/fixtures/planning-builders.ts';

function group(spec: Record<string, unknown>): ValidGroup {
  return { key: 'default/workers', namespace: 'default', name: 'workers', spec: parseNodeGroupSpec({ maxNodes: 5, datacenterID: 'dc1', osImageID: 'os', offeringIDs: ['m'], ...spec }) };
}

describe('allocatable of a new node', () => {
  it('subtracts the default reservations: 200m CPU, 612Mi memory', () => {
    const g = group({});
    expect(kubeletReservations(g.spec)).toEqual({ cpuMillis: 200, memoryBytes: 612 * MIB });
    const alloc = offeringAllocatable(g.spec, offering('m', 2, 4096, 10));
    expect(alloc.cpuMillis).toBe(1800);
    expect(alloc.memoryBytes).toBe((4096 - 612) * MIB);
    expect(alloc.pods).toBe(110);
  });

  it('takes the defaults for fields left unset and the group values otherwise', () => {
    const g = group({ kubelet: { maxPods: 30, kubeReserved: { cpu: '500m' }, evictionHard: { 'memory.available': '500Mi' } } });
    expect(kubeletReservations(g.spec)).toEqual({ cpuMillis: 600, memoryBytes: (256 + 256 + 500) * MIB });
    expect(offeringAllocatable(g.spec, offering('m', 1, 1024, 5)).pods).toBe(30);
  });
});

describe('nodeTemplate', () => {
  it('labels the node, copies taints and subtracts only the DaemonSets that land on it', () => {
    const g = group({ labels: { pool: 'fast' }, taints: [{ key: 'dedicated', value: 'fast', effect: 'NoSchedule' }] });
    const snapshot = buildSnapshot({
      daemonSets: [
        { name: 'everywhere', shape: shape({ cpu: '100m', memory: '100Mi', tolerations: [{ operator: 'Exists' }] }) },
        { name: 'untolerant', shape: shape({ cpu: '1' }) },
        { name: 'other-pool', shape: shape({ cpu: '1', nodeSelector: { pool: 'slow' }, tolerations: [{ operator: 'Exists' }] }) },
        { name: 'linux', shape: shape({ cpu: '50m', nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [{ operator: 'Exists' }] }) },
      ],
    });
    const t = nodeTemplate(g, offering('m', 2, 4096, 10), daemonSetPods(snapshot));
    expect(t.labels).toMatchObject({ pool: 'fast', 'autoscaler.vpsie.com/nodegroup': 'workers', 'node.kubernetes.io/instance-type': 'm', 'topology.kubernetes.io/zone': 'dc1' });
    expect(t.taints).toEqual([{ key: 'dedicated', value: 'fast', effect: 'NoSchedule' }]);
    expect(t.daemonSetPods.map((p) => p.key)).toEqual(['kube-system/everywhere', 'kube-system/linux']);
    expect(t.free.cpuMillis).toBe(1800 - 150);
    expect(t.free.pods).toBe(108);
  });
});
