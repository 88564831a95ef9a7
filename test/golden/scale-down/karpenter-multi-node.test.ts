import { describe, expect, it } from 'vitest';
import { commandsOf } from '../../fixtures/plan-helpers.ts';
import { nodeGroup, offering, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../fixtures/snapshot-builders.ts';
import type { SnapshotNode } from '../../../shared/snapshot.ts';
import { planOnce, removedNodes } from './support.ts';

// Ported from Karpenter's consolidation suite (pkg/controllers/disruption/consolidation_test.go,
// kubernetes-sigs/karpenter at 2266468, read for this port): Context "Multi-NodeClaim", "Budgets"
// and "Node Lifetime Consideration". Karpenter's nodes are of its most (or least) expensive fake
// instance type with 32 CPU; here "xl" (32 CPU, $320) and "small" (2 CPU, $20) of one NodeGroup.
// Its pods request nothing; here 100m each (our simulation counts requests). Its budget is 100 %
// unless a case sets one. Nodes are 20 days old (our minNodeAgeSeconds, 15 days, would otherwise
// hold any replacement; Karpenter has no such rule).
//
// How the outcomes are reached differs, the outcomes do not: Karpenter's multi-node move deletes all
// candidates at once and launches one replacement in one command; here scale-down deletes every node
// whose pods fit elsewhere one after the other (each seeing the room the earlier ones used), and the
// last node, whose pods then fit nowhere, is replaced by one cheaper node (single-node). Our own
// multi-node move (several nodes into ONE new node) applies when no deletion is possible — cases in
// functions/planning/consolidation/multi-node.test.ts.

const POOL = 'default-pool';
const OLD = TEST_NOW_MS - 20 * 24 * 3_600_000;
const offerings = [offering({ identifier: 'small', cpu: 2, ramMiB: 4096, priceMonthly: 20 }), offering({ identifier: 'medium', cpu: 4, ramMiB: 8192, priceMonthly: 40 }), offering({ identifier: 'xl', cpu: 32, ramMiB: 131072, priceMonthly: 320 })];
const pool = (budget = '100%') => nodeGroup({ name: POOL, offeringIDs: ['small', 'medium', 'xl'], maxNodes: 100, disruption: { budgets: [{ nodes: budget }] } });
const node = (name: string, type: 'xl' | 'small' = 'xl'): SnapshotNode =>
  snapNode({ name, group: POOL, instanceType: type, cpu: type === 'xl' ? '32' : '1800m', memory: type === 'xl' ? '128Gi' : '3Gi', createdAtMs: OLD, providerID: `vpsie://${name}` });
const pod = (name: string, nodeName: string): BuiltPod => snapPod({ name, node: nodeName, cpu: '100m', memory: '64Mi', labels: { app: 'test' }, owner: { kind: 'ReplicaSet', name: 'rs' }, createdAtMs: OLD });
const run = (nodes: SnapshotNode[], pods: BuiltPod[], budget?: string) =>
  planOnce(snapshot({ nodeGroups: [pool(budget)], nodes, pods, offerings, vms: nodes.map((n) => vm({ hostname: n.name, identifier: n.name, marked: true })) }));

describe('Karpenter consolidation: Multi-NodeClaim', () => {
  it('can merge 3 nodes into 1', () => {
    const r = run([node('node-0'), node('node-1'), node('node-2')], [pod('pod-0', 'node-0'), pod('pod-1', 'node-1'), pod('pod-2', 'node-2')]);
    // Karpenter: 3 nodeclaims replaced by 1. Here: node-0 and node-1 deleted (their pods fit on
    // node-2), node-2 replaced by the cheapest offering holding all three pods.
    expect(removedNodes(r)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(commandsOf(r, 'createVm').map((c) => c.offeringId)).toEqual(['small']);
    expect(r.monthlyCostDelta).toBe(-(3 * 320 - 20));
  });

  it('won\'t merge 2 nodes into 1 of the same type (deletes the node with the fewest pods instead)', () => {
    const r = run([node('node-0', 'small'), node('node-1', 'small')], [pod('pod-0', 'node-0'), pod('pod-1', 'node-1'), pod('pod-2', 'node-1')]);
    expect(removedNodes(r)).toEqual(['node-0']);
    expect(commandsOf(r, 'createVm')).toEqual([]);
    expect(r.decisions.find((d) => d.target === 'node node-1')?.details).toMatchObject({ consolidation: 'no-cheaper-offering' });
  });

  it('should consolidate multiple empty nodes', () => {
    const r = run([node('node-0'), node('node-1'), node('node-2')], []);
    expect(removedNodes(r)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(r.remove.every((x) => x.reason === 'empty')).toBe(true);
  });
});

describe('Karpenter consolidation: Budgets', () => {
  const ten = Array.from({ length: 10 }, (_, i) => node(`node-${i}`));
  const tenPods = ten.map((n, i) => pod(`pod-${i}`, n.name));

  it('should only allow 3 nodes to be deleted in multi node consolidation delete (30 %)', () => {
    const r = run(ten, tenPods, '30%');
    expect(r.remove).toHaveLength(3);
    expect(r.remove.every((x) => x.reason === 'underused')).toBe(true);
    expect(commandsOf(r, 'createVm')).toEqual([]);
  });

  it('should allow no nodes to be deleted (budget 0)', () => {
    expect(run(ten, tenPods, '0').remove).toEqual([]);
  });

  it('should only allow 3 empty nodes to be disrupted', () => {
    expect(run(ten, [], '30%').remove).toHaveLength(3);
  });
});

describe('Karpenter consolidation: Node Lifetime Consideration', () => {
  it('should consolidate the node with best savings ratio first (fewest pods)', () => {
    const r = run([node('node-0', 'small'), node('node-1', 'small')], [pod('pod-0', 'node-0'), pod('pod-1', 'node-0'), pod('pod-2', 'node-1')], '1');
    expect(removedNodes(r)).toEqual(['node-1']);
  });
});
