import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL } from '../shared/labels.ts';
import type { Command } from '../shared/plan-message.ts';
import type { SnapshotNode, SnapshotNodeGroup, SnapshotPod } from '../shared/snapshot.ts';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { Guardrails, type GuardrailView } from './guardrails.ts';

const group = { namespace: 'default', name: 'workers' };
const spec = { minNodes: 1, maxNodes: 3, datacenterID: 'dc1', offeringIDs: ['small', 'large'], osImageID: 'ubuntu' };

function node(name: string, labels: Record<string, string> = { [NODEGROUP_LABEL]: 'workers' }): SnapshotNode {
  return {
    name, labels, taints: [], unschedulable: false, ready: true, pressure: [], createdAtMs: 0, annotations: {},
    allocatable: { cpuMillis: 2000, memoryBytes: 4e9, ephemeralBytes: 0, pods: 110 },
  };
}

function setup({ nodes = [node('c1-workers-a'), node('c1-workers-b')], pods = [] as Array<Omit<SnapshotPod, 'shape'>>, limit = 2 } = {}) {
  const clock = new FakeClock();
  const groups: SnapshotNodeGroup[] = [{ ...group, generation: 1, spec }];
  const view: GuardrailView = {
    node: (name) => nodes.find((n) => n.name === name),
    pod: (ns, name) => pods.find((p) => p.namespace === ns && p.name === name),
    nodeGroup: (ns, name) => groups.find((g) => g.namespace === ns && g.name === name),
    groupNodes: (name) => nodes.filter((n) => n.labels[NODEGROUP_LABEL] === name),
    nodeGroupsNamed: (name) => groups.filter((g) => g.name === name),
  };
  const guard = new Guardrails({ hostnamePrefix: 'c1-', maxDeletionsPerWindow: limit, view, clock });
  return { clock, guard, nodes };
}

const base = { reason: 'test', message: 'test' };
const create = (hostname: string, over: Partial<Extract<Command, { kind: 'createVm' }>> = {}): Command => ({
  ...base, id: `create-${hostname}`, kind: 'createVm', nodeGroup: group, hostname, offeringId: 'small', datacenterID: 'dc1', osImageID: 'ubuntu', ...over,
});
const deleteNode = (name: string): Command => ({ ...base, id: `dn-${name}`, kind: 'deleteNode', node: name, nodeGroup: group });
const deleteVm = (hostname: string): Command => ({ ...base, id: `dv-${hostname}`, kind: 'deleteVm', hostname, nodeGroup: group });

describe('Guardrails', () => {
  it('refuses to touch a node without the group label', () => {
    const { guard } = setup({ nodes: [node('c1-workers-a'), node('c1-other', {}), node('c1-workers-b')] });
    for (const kind of ['taintNode', 'untaintNode', 'deleteNode'] as const) {
      const verdict = guard.check({ ...base, id: kind, kind, node: 'c1-other', nodeGroup: group });
      expect(verdict).toMatchObject({ allowed: false, rule: 'group-label' });
    }
    expect(guard.check({ ...base, id: 'e', kind: 'evictPod', namespace: 'default', pod: 'p', node: 'c1-other', nodeGroup: group }))
      .toMatchObject({ allowed: false, rule: 'group-label' });
    expect(guard.check(deleteVm('c1-other'))).toMatchObject({ allowed: false, rule: 'group-label' });
  });

  it('refuses a node of another group', () => {
    const { guard } = setup({ nodes: [node('c1-a'), node('c1-b'), node('c1-gpu', { [NODEGROUP_LABEL]: 'gpu' })] });
    expect(guard.check({ ...base, id: 't', kind: 'taintNode', node: 'c1-gpu', nodeGroup: group })).toMatchObject({ allowed: false, rule: 'group-label' });
  });

  it('refuses a node it cannot see for taint, but lets a delete of a vanished node through (idempotent)', () => {
    const { guard } = setup();
    expect(guard.check({ ...base, id: 't', kind: 'taintNode', node: 'c1-ghost', nodeGroup: group })).toMatchObject({ allowed: false, rule: 'group-label' });
    expect(guard.check(deleteNode('c1-ghost'))).toEqual({ allowed: true });
  });

  it('refuses a VM without the cluster hostname prefix', () => {
    const { guard } = setup();
    expect(guard.check(deleteVm('prod-db-1'))).toMatchObject({ allowed: false, rule: 'hostname-prefix' });
    expect(guard.check(create('other-workers-x'))).toMatchObject({ allowed: false, rule: 'hostname-prefix' });
    expect(guard.check(deleteVm('c1-'))).toMatchObject({ allowed: false, rule: 'hostname-prefix' });
  });

  it('limits removals per 10 minutes, counting a node and its VM once', () => {
    const { guard, clock } = setup({ nodes: [node('c1-a'), node('c1-b'), node('c1-c'), node('c1-d')], limit: 2 });
    guard.recordDeletion('c1-a');
    expect(guard.check(deleteVm('c1-a'))).toEqual({ allowed: true });
    guard.recordDeletion('c1-b');
    expect(guard.check(deleteNode('c1-c'))).toMatchObject({ allowed: false, rule: 'deletion-rate' });
    clock.advance(10 * 60_000);
    expect(guard.check(deleteNode('c1-c'))).toEqual({ allowed: true });
  });

  it('refuses a launch beyond maxNodes, counting launches that have not joined yet', () => {
    const { guard } = setup();
    expect(guard.check(create('c1-workers-c'))).toEqual({ allowed: true });
    guard.recordLaunch('c1-workers-c', 'workers');
    expect(guard.check(create('c1-workers-d'))).toMatchObject({ allowed: false, rule: 'max-nodes' });
    // a retry of the accepted launch is not a new node
    expect(guard.check(create('c1-workers-c'))).toEqual({ allowed: true });
  });

  it('refuses a removal below minNodes', () => {
    const { guard } = setup({ nodes: [node('c1-a')] });
    expect(guard.check(deleteNode('c1-a'))).toMatchObject({ allowed: false, rule: 'min-nodes' });
    expect(guard.check(deleteVm('c1-a'))).toMatchObject({ allowed: false, rule: 'min-nodes' });
  });

  it('allows replacing the last node once its replacement is launching', () => {
    const { guard } = setup({ nodes: [node('c1-a')] });
    guard.recordLaunch('c1-b', 'workers');
    expect(guard.check(deleteNode('c1-a'))).toEqual({ allowed: true });
  });

  it('refuses offerings, datacenters and images the group does not allow', () => {
    const { guard } = setup({ nodes: [] });
    expect(guard.check(create('c1-x', { offeringId: 'huge' }))).toMatchObject({ allowed: false, rule: 'offering' });
    expect(guard.check(create('c1-x', { datacenterID: 'dc9' }))).toMatchObject({ allowed: false, rule: 'offering' });
  });

  it('refuses commands for a NodeGroup it does not know', () => {
    const { guard } = setup();
    const other = { namespace: 'default', name: 'ghost' };
    expect(guard.check(create('c1-x', { nodeGroup: other }))).toMatchObject({ allowed: false, rule: 'unknown-group' });
    expect(guard.check({ ...base, id: 's', kind: 'updateNodeGroupStatus', nodeGroup: other, status: { currentNodes: 0, desiredNodes: 0, readyNodes: 0, conditions: [], nodeList: [] } }))
      .toMatchObject({ allowed: false, rule: 'unknown-group' });
  });

  it('refuses evicting a pod that is not on the named node', () => {
    const pods = [{ namespace: 'default', name: 'web', nodeName: 'c1-b', phase: 'Running' as const, createdAtMs: 0 }];
    const { guard: guard2 } = setup({ nodes: [node('c1-a'), node('c1-b')], pods });
    expect(guard2.check({ ...base, id: 'e', kind: 'evictPod', namespace: 'default', pod: 'web', node: 'c1-a', nodeGroup: group }))
      .toMatchObject({ allowed: false, rule: 'pod-placement' });
    expect(guard2.check({ ...base, id: 'e', kind: 'evictPod', namespace: 'default', pod: 'web', node: 'c1-b', nodeGroup: group })).toEqual({ allowed: true });
  });
});
