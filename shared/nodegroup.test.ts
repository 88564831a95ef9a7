import { describe, expect, it } from 'vitest';
import { NODEGROUP_DEFAULTS, NodeGroupValidationError, nodeGroupSchema, parseNodeGroup, parseNodeGroupSpec } from './nodegroup.ts';

const validSpec = () => ({
  minNodes: 1,
  maxNodes: 5,
  datacenterID: 'dc-1',
  offeringIDs: ['small', 'large'],
  osImageID: 'ubuntu-24.04',
});

const group = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'autoscaler.vpsie.com/v1alpha1', kind: 'NodeGroup', metadata: { name: 'workers', namespace: 'prod' }, spec, ...extra,
});

function problems(raw: unknown): string[] {
  try {
    parseNodeGroup(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(NodeGroupValidationError);
    expect((error as Error).message).toMatch(/^NodeGroup workers is invalid: /);
    return (error as NodeGroupValidationError).problems;
  }
  throw new Error('expected the NodeGroup to be refused');
}

// Each case: a change to a valid spec and the problem it must produce (the field's path first).
const INVALID: Array<[string, Record<string, unknown>, RegExp]> = [
  ['minNodes > maxNodes', { minNodes: 6, maxNodes: 5 }, /^spec\.minNodes: minNodes \(6\) must not exceed maxNodes \(5\)$/],
  ['negative minNodes', { minNodes: -1 }, /^spec\.minNodes: must not be negative$/],
  ['negative maxNodes', { maxNodes: -2 }, /^spec\.maxNodes: must not be negative$/],
  ['fractional maxNodes', { maxNodes: 2.5 }, /^spec\.maxNodes: must be an integer$/],
  ['scale-down cpu threshold above 100', { scaleDownPolicy: { cpuThreshold: 150 } }, /^spec\.scaleDownPolicy\.cpuThreshold: must be between 0 and 100$/],
  ['scale-up memory threshold below 0', { scaleUpPolicy: { memoryThreshold: -1 } }, /^spec\.scaleUpPolicy\.memoryThreshold: must be between 0 and 100$/],
  ['negative stabilization window', { scaleDownPolicy: { stabilizationWindowSeconds: -60 } }, /^spec\.scaleDownPolicy\.stabilizationWindowSeconds: must not be negative$/],
  ['empty offeringIDs', { offeringIDs: [] }, /^spec\.offeringIDs: must list at least one offering$/],
  ['repeated offering', { offeringIDs: ['small', 'small'] }, /^spec\.offeringIDs: must not repeat an offering$/],
  ['preferredInstanceType not offered', { preferredInstanceType: 'huge' }, /^spec\.preferredInstanceType: "huge" is not one of offeringIDs$/],
  ['invalid label key', { labels: { 'bad key!': 'x' } }, /^spec\.labels\.bad key!: label key "bad key!"/],
  ['invalid label key prefix', { labels: { 'Example.COM/role': 'x' } }, /^spec\.labels\.Example\.COM\/role: label key .*prefix must be a DNS subdomain/],
  ['invalid label value', { labels: { role: '-starts-with-dash' } }, /^spec\.labels\.role: label value "-starts-with-dash"/],
  ['label value too long', { labels: { role: 'x'.repeat(64) } }, /^spec\.labels\.role: label value/],
  ['invalid taint effect', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'Sometimes' }] }, /^spec\.taints\.0\.effect: effect must be NoSchedule, PreferNoSchedule or NoExecute$/],
  ['invalid taint key', { taints: [{ key: 'no spaces', effect: 'NoSchedule' }] }, /^spec\.taints\.0\.key: not a valid taint key$/],
  ['unparsable reserved cpu', { kubelet: { kubeReserved: { cpu: 'lots' } } }, /^spec\.kubelet\.kubeReserved\.cpu: not a Kubernetes quantity/],
  ['unparsable eviction threshold', { kubelet: { evictionHard: { 'memory.available': '100MiB' } } }, /^spec\.kubelet\.evictionHard\.memory\.available: not a Kubernetes quantity/],
  ['maxPods of 0', { kubelet: { maxPods: 0 } }, /^spec\.kubelet\.maxPods: must be at least 1$/],
  ['unknown top-level field (typo)', { minNode: 1 }, /^spec\.minNode: unknown field$/],
  ['unknown nested field', { scaleDownPolicy: { enable: false } }, /^spec\.scaleDownPolicy\.enable: unknown field$/],
  ['unknown field in a taint', { taints: [{ key: 'a', effect: 'NoSchedule', operator: 'Equal' }] }, /^spec\.taints\.0\.operator: unknown field$/],
  ['wrong type: string count', { maxNodes: '5' }, /^spec\.maxNodes: .*expected number, received string/],
  ['wrong type: boolean as string', { allowMixedInstances: 'yes' }, /^spec\.allowMixedInstances: .*expected boolean/],
  ['wrong type: offeringIDs not a list', { offeringIDs: 'small' }, /^spec\.offeringIDs: .*expected array/],
  ['missing datacenterID', { datacenterID: undefined }, /^spec\.datacenterID: .*expected string, received undefined/],
  ['empty osImageID', { osImageID: '' }, /^spec\.osImageID: must not be empty$/],
  ['bootstrap without a secret name', { bootstrap: { key: 'cloud-init' } }, /^spec\.bootstrap\.secretName: /],
];

describe('NodeGroup validation', () => {
  it('accepts a valid group', () => {
    expect(parseNodeGroup(group(validSpec())).spec.maxNodes).toBe(5);
  });

  it.each(INVALID)('refuses %s, naming the field', (_name, change, expected) => {
    const found = problems(group({ ...validSpec(), ...change }));
    expect(found.some((p) => expected.test(p)), `problems were:\n${found.join('\n')}`).toBe(true);
  });

  it('covers at least twelve kinds of invalid NodeGroup', () => {
    expect(INVALID.length).toBeGreaterThanOrEqual(12);
  });

  it('reports every problem at once, minNodes > maxNodes included', () => {
    const found = problems(group({ ...validSpec(), minNodes: 9, maxNodes: 3, offeringIDs: [], taints: [{ key: 'a', effect: 'Nope' }], extra: 1 }));
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^spec\.minNodes: minNodes \(9\) must not exceed maxNodes \(3\)/),
      expect.stringMatching(/^spec\.offeringIDs: /),
      expect.stringMatching(/^spec\.taints\.0\.effect: /),
      'spec.extra: unknown field',
    ]));
    expect(found).toHaveLength(4);
  });

  it('refuses the wrong apiVersion or kind and names the group', () => {
    expect(problems(group(validSpec(), { apiVersion: 'autoscaler.vpsie.com/v1' }))).toEqual([expect.stringMatching(/^apiVersion: /)]);
    expect(problems(group(validSpec(), { kind: 'NodePool' }))).toEqual([expect.stringMatching(/^kind: /)]);
  });

  it('names an unnamed group as such', () => {
    expect(() => parseNodeGroup({ spec: {} })).toThrow(/NodeGroup \(unnamed\) is invalid/);
    expect(() => parseNodeGroupSpec({ maxNodes: 1 }, 'ng-x')).toThrow(/NodeGroup ng-x is invalid: .*spec\.datacenterID/);
  });

  it('carries the zod error as the cause', () => {
    const error = (() => { try { parseNodeGroupSpec({}); } catch (e) { return e as Error; } })();
    expect(error?.cause).toBeDefined();
  });
});

describe('NodeGroup defaults', () => {
  it('fills every default from NODEGROUP_DEFAULTS', () => {
    const spec = parseNodeGroupSpec({ maxNodes: 3, datacenterID: 'dc', offeringIDs: ['o'], osImageID: 'img' });
    expect(spec).toEqual({
      minNodes: NODEGROUP_DEFAULTS.minNodes,
      maxNodes: 3,
      datacenterID: 'dc',
      offeringIDs: ['o'],
      osImageID: 'img',
      labels: {},
      taints: [],
      allowMixedInstances: NODEGROUP_DEFAULTS.allowMixedInstances,
      scaleUpPolicy: NODEGROUP_DEFAULTS.scaleUpPolicy,
      scaleDownPolicy: NODEGROUP_DEFAULTS.scaleDownPolicy,
      kubelet: NODEGROUP_DEFAULTS.kubelet,
      notReadyReplacement: NODEGROUP_DEFAULTS.notReadyReplacement,
      disruption: NODEGROUP_DEFAULTS.disruption,
      nodeOverhead: NODEGROUP_DEFAULTS.nodeOverhead,
    });
  });

  it('takes a node overhead, 0 included, and refuses a negative one', () => {
    expect(parseNodeGroupSpec({ ...validSpec(), nodeOverhead: { monthlyCost: 0 } }).nodeOverhead).toEqual({ monthlyCost: 0 });
    expect(parseNodeGroupSpec({ ...validSpec(), nodeOverhead: {} }).nodeOverhead).toEqual({ monthlyCost: 3.65 });
    expect(() => parseNodeGroupSpec({ ...validSpec(), nodeOverhead: { monthlyCost: -1 } })).toThrow('spec.nodeOverhead.monthlyCost: must not be negative');
  });

  it('bounds notReadyReplacement.afterSeconds and names the field', () => {
    expect(parseNodeGroupSpec({ ...validSpec(), notReadyReplacement: { afterSeconds: 1800 } }).notReadyReplacement)
      .toEqual({ afterSeconds: 1800, replaceNodesWithLocalData: false });
    expect(() => parseNodeGroupSpec({ ...validSpec(), notReadyReplacement: { afterSeconds: 60 } })).toThrow('spec.notReadyReplacement.afterSeconds: must be at least 300');
    expect(() => parseNodeGroupSpec({ ...validSpec(), notReadyReplacement: { replaceNodesWithLocalData: 'yes' } })).toThrow('spec.notReadyReplacement.replaceNodesWithLocalData');
  });

  it('fills defaults inside a partly written section and keeps what was written', () => {
    const spec = parseNodeGroupSpec({ ...validSpec(), scaleDownPolicy: { cpuThreshold: 30 }, kubelet: { kubeReserved: { cpu: '200m' } }, bootstrap: { secretName: 'boot' } });
    expect(spec.scaleDownPolicy).toEqual({ ...NODEGROUP_DEFAULTS.scaleDownPolicy, cpuThreshold: 30 });
    expect(spec.kubelet).toEqual({ ...NODEGROUP_DEFAULTS.kubelet, kubeReserved: { cpu: '200m' } });
    expect(spec.bootstrap).toEqual({ secretName: 'boot', key: NODEGROUP_DEFAULTS.bootstrap.key });
  });

  it('defaults the namespace and the status fields', () => {
    const parsed = nodeGroupSchema.parse({ ...group(validSpec()), metadata: { name: 'w' }, status: {} });
    expect(parsed.metadata.namespace).toBe('default');
    expect(parsed.status).toEqual({ currentNodes: 0, desiredNodes: 0, readyNodes: 0, conditions: [], nodeList: [] });
  });

  it('does not share default objects between parses', () => {
    const a = parseNodeGroupSpec(validSpec());
    a.labels.x = 'y';
    a.taints.push({ key: 'k', effect: 'NoSchedule' });
    a.kubelet.kubeReserved.cpu = '9';
    a.scaleDownPolicy.cpuThreshold = 1;
    const b = parseNodeGroupSpec(validSpec());
    expect(b.labels).toEqual({});
    expect(b.kubelet.kubeReserved.cpu).toBe(NODEGROUP_DEFAULTS.kubelet.kubeReserved.cpu);
    expect(b.scaleDownPolicy.cpuThreshold).toBe(NODEGROUP_DEFAULTS.scaleDownPolicy.cpuThreshold);
    expect(b.taints).toEqual([]);
  });
});
