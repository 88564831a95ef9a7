import { describe, expect, it } from 'vitest';
import { dsPod, nodeGroup, pdb, snapNode, snapPod, snapshot, type BuiltPod } from '../../fixtures/snapshot-builders.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import { planOnce, removedNodes } from './support.ts';

// Ported from Karpenter's consolidation suite (pkg/controllers/disruption/consolidation_test.go,
// Context "Delete" and "Empty"): two 32-CPU nodes of one pool, three ReplicaSet pods — two on
// node1, one on node2 — and one case per rule. Karpenter picks the node that is cheapest to
// disrupt (fewest pods); our order is "least utilized", so pods carry 1 CPU each to make both agree.

const POOL = 'default-pool';
const node = (name: string, o: Partial<Parameters<typeof snapNode>[0]> = {}): SnapshotNode => snapNode({ name, group: POOL, cpu: '32', memory: '128Gi', ...o });
const pod = (name: string, nodeName: string | undefined, o: Partial<Parameters<typeof snapPod>[0]> = {}): BuiltPod =>
  snapPod({ name, ...(nodeName ? { node: nodeName } : {}), cpu: '1', labels: { app: 'test' }, owner: { kind: 'ReplicaSet', name: 'rs' }, ...o });
const threePods = (o2: Partial<Parameters<typeof snapPod>[0]> = {}, n1 = 'node1', n2 = 'node2') => [pod('pod-0', n1), pod('pod-1', n1), pod('pod-2', n2, o2)];
// Karpenter's consolidation suite runs its NodePool with a budget of 100 % (its default is 10 %).
const pool = nodeGroup({ name: POOL, offeringIDs: ['medium'], maxNodes: 100, disruption: { budgets: [{ nodes: '100%' }] } });

function consolidate(nodes: SnapshotNode[], pods: BuiltPod[], extra: Parameters<typeof snapshot>[0] = {}) {
  return planOnce(snapshot({ nodeGroups: [pool], nodes, pods, ...extra }), { policy: { maxNonEmptyDrainsPerGroup: 1 } });
}

describe('Karpenter consolidation: Delete', () => {
  it('can delete nodes', () => {
    expect(removedNodes(consolidate([node('node1'), node('node2')], threePods()))).toEqual(['node2']);
  });

  it('can delete nodes, when non-Karpenter capacity can fit pods', () => {
    const unmanaged = snapNode({ name: 'unmanaged', cpu: '32', memory: '128Gi' });
    const r = consolidate([node('node1'), unmanaged], [pod('pod-0', 'node1'), pod('pod-1', 'node1'), pod('pod-2', 'node1')]);
    expect(removedNodes(r)).toEqual(['node1']);
  });

  it('can delete nodes, considers PDB', () => {
    const r = consolidate([node('node1'), node('node2')], [pod('pod-0', 'node1', { labels: {} }), pod('pod-1', 'node1', { labels: {} }), pod('pod-2', 'node2')], {
      pdbs: [pdb({ name: 'pdb', matchLabels: { app: 'test' }, disruptionsAllowed: 0 })],
    });
    expect(removedNodes(r)).toEqual(['node1']);
    expect(r.kept.find((k) => k.node === 'node2')?.reason).toBe('pdb');
  });

  it('can delete nodes, considers karpenter.sh/do-not-disrupt on nodes', () => {
    const r = consolidate([node('node1'), node('node2', { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })], threePods());
    expect(removedNodes(r)).toEqual(['node1']);
  });

  it('can delete nodes, considers karpenter.sh/do-not-disrupt on pods', () => {
    const r = consolidate([node('node1'), node('node2')], threePods({ annotations: { 'karpenter.sh/do-not-disrupt': 'true' } }));
    expect(removedNodes(r)).toEqual(['node1']);
  });

  it('pods without an ownerRef: Karpenter evicts them, our rules keep their node (CA\'s replicated rule)', () => {
    const r = consolidate([node('node1'), node('node2')], threePods({ owner: null }));
    // Karpenter deletes node2; here node2 is kept (the pod would be lost) and node1 goes instead.
    expect(removedNodes(r)).toEqual(['node1']);
    expect(r.kept.find((k) => k.node === 'node2')?.reason).toBe('not-replicated');
  });

  it('won\'t delete node if it would require pods to schedule on an un-initialized node', () => {
    const r = consolidate([node('node1', { ready: false }), node('node2')], threePods());
    expect(removedNodes(r)).toEqual([]);
    expect(r.kept.find((k) => k.node === 'node2')?.reason).toBe('pods-do-not-fit');
  });

  it('can delete nodes with a permanently pending pod', () => {
    const pending = pod('pending', undefined, { nodeSelector: { 'non-existent': 'node-label' } });
    expect(removedNodes(consolidate([node('node1'), node('node2')], [...threePods(), pending]))).toEqual(['node2']);
  });

  it('won\'t delete nodes if it would make a non-pending pod go pending', () => {
    const nodes = [node('node1', { labels: { foo: '1' } }), node('node2', { labels: { foo: '2' } })];
    const pods = [pod('pod-0', 'node1', { nodeSelector: { foo: '1' } }), pod('pod-1', 'node1', { nodeSelector: { foo: '1' } }), pod('pod-2', 'node2', { nodeSelector: { foo: '2' } })];
    expect(removedNodes(consolidate(nodes, pods))).toEqual([]);
  });

  it('can delete nodes while an invalid NodeGroup exists', () => {
    const bad = nodeGroup({ name: 'bad-pool', offeringIDs: [], maxNodes: 1 });
    const r = planOnce(snapshot({ nodeGroups: [pool, bad], nodes: [node('node1'), node('node2')], pods: threePods() }), { policy: { maxNonEmptyDrainsPerGroup: 1 } });
    expect(removedNodes(r)).toEqual(['node2']);
  });

  it('won\'t delete a node whose pods need its host port when the other node has it taken', () => {
    const port = { hostPorts: [{ port: 80, protocol: 'TCP' as const }] };
    expect(removedNodes(consolidate([node('node1'), node('node2')], [pod('pod-0', 'node1', port), pod('pod-2', 'node2', port)]))).toEqual([]);
  });
});

describe('Karpenter consolidation: Empty', () => {
  it('can delete empty nodes', () => {
    const r = consolidate([node('node1'), node('node2')], []);
    expect(removedNodes(r)).toEqual(['node1', 'node2']);
    expect(r.remove.every((x) => x.reason === 'empty')).toBe(true);
  });

  it('nodes running only DaemonSet pods are empty', () => {
    const r = consolidate([node('node1'), node('node2')], [dsPod({ name: 'ds-1', node: 'node1', cpu: '1' }), dsPod({ name: 'ds-2', node: 'node2', cpu: '1' })]);
    expect(r.remove.map((x) => x.reason)).toEqual(['empty', 'empty']);
  });

  it('a finished do-not-disrupt pod does not block', () => {
    const r = consolidate([node('node1')], [pod('done', 'node1', { phase: 'Succeeded', annotations: { 'karpenter.sh/do-not-disrupt': 'true' } })]);
    expect(removedNodes(r)).toEqual(['node1']);
  });
});
