import { describe, expect, it } from 'vitest';
import { parseNodeGroupSpec, type NodeGroupSpecInput } from './nodegroup.ts';
import { launchTemplateHash } from './launch-template.ts';
import { labelValueProblem } from './nodegroup.ts';

const base: NodeGroupSpecInput = {
  minNodes: 1, maxNodes: 5, datacenterID: 'dc-1', offeringIDs: ['small', 'large'], osImageID: 'ubuntu-24',
  labels: { tier: 'web' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }], bootstrap: { secretName: 'boot' },
};
const hash = (o: Partial<NodeGroupSpecInput> = {}) => launchTemplateHash(parseNodeGroupSpec({ ...base, ...o }));

describe('launchTemplateHash', () => {
  it('is a valid label value and stable across key order', () => {
    const h = hash();
    expect(labelValueProblem(h)).toBeUndefined();
    expect(h).toMatch(/^t1-[0-9a-f]{16}$/);
    expect(hash({ labels: { b: '2', a: '1' } })).toBe(hash({ labels: { a: '1', b: '2' } }));
  });

  it('changes with each launch-template field', () => {
    const h = hash();
    const changes: Array<[string, Partial<NodeGroupSpecInput>]> = [
      ['datacenter', { datacenterID: 'dc-2' }],
      ['OS image', { osImageID: 'debian-12' }],
      ['bootstrap Secret', { bootstrap: { secretName: 'boot-v2' } }],
      ['bootstrap key', { bootstrap: { secretName: 'boot', key: 'other' } }],
      ['bootstrap delivery', { bootstrap: { secretName: 'boot', delivery: 'script' } }],
      ['kubelet maxPods', { kubelet: { maxPods: 50 } }],
      ['kubelet reservations', { kubelet: { kubeReserved: { cpu: '300m' } } }],
      ['label value', { labels: { tier: 'batch' } }],
      ['label removed', { labels: {} }],
      ['taint', { taints: [{ key: 'gpu', effect: 'NoExecute' }] }],
    ];
    for (const [what, change] of changes) expect(hash(change), what).not.toBe(h);
  });

  it('does not change with behavioural fields (not drift)', () => {
    const h = hash();
    const same: Array<[string, Partial<NodeGroupSpecInput>]> = [
      ['min/max', { minNodes: 0, maxNodes: 50 }],
      ['offerings (checked apart)', { offeringIDs: ['small', 'medium', 'large'] }],
      ['scale-down policy', { scaleDownPolicy: { cpuThreshold: 20, stabilizationWindowSeconds: 60 } }],
      ['scale-up policy', { scaleUpPolicy: { cpuThreshold: 80 } }],
      ['disruption', { disruption: { consolidationPolicy: 'WhenEmpty', budgets: [{ nodes: '1' }] } }],
      ['preferred type, mixing', { preferredInstanceType: 'large', allowMixedInstances: false }],
      ['defaults written out', { kubelet: { maxPods: 110 } }],
    ];
    for (const [what, change] of same) expect(hash(change), what).toBe(h);
  });
});
