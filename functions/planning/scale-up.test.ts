import { describe, expect, it } from 'vitest';
import {
  boundPod, buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type SnapshotParts,
} from '../../test/fixtures/planning-builders.ts';
import { plan } from './plan.ts';
import type { LaunchOperation, PlanningState } from './types.ts';

const NOW = 10_000_000;
const cpu1 = shape({ cpu: '1', memory: '1Gi' });

function run(parts: SnapshotParts, state: PlanningState = emptyState(), policy = testPolicy()) {
  return plan(buildSnapshot(parts), state, policy, NOW);
}
const provisioned = (r: ReturnType<typeof run>) => r.provision.map((p) => `${p.nodeGroup}:${p.offering}x${p.count}`).sort();

describe('planScaleUp: where pending pods go', () => {
  it('launches nothing when existing nodes have room', () => {
    const r = run({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'] })],
      nodes: [testNode('n1', { cpu: '4', group: 'workers' })],
      pods: pendingPods('web', cpu1, 3),
    });
    expect(r.provision).toEqual([]);
    expect(r.decisions.find((d) => d.reason === 'fits-existing-capacity')?.details?.pods).toBe(3);
  });

  it('does not launch again for pods a just-Ready node still tainted not-ready is about to take', () => {
    // The node lifecycle controller lifts node.kubernetes.io/not-ready about a second after Ready;
    // a snapshot taken in between, with the launch already succeeded, used to buy a second VM (e2e).
    const notReadyTaint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' as const };
    const parts = {
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'] })],
      pods: pendingPods('web', cpu1, 1),
    };
    const tainted = run({ ...parts, nodes: [testNode('test-workers-aaaaa', { cpu: '2', group: 'workers', taints: [notReadyTaint] })] });
    expect(tainted.provision).toEqual([]);
    const notReady = run({ ...parts, nodes: [testNode('test-workers-aaaaa', { cpu: '2', group: 'workers', ready: false, taints: [notReadyTaint] })] });
    expect(notReady.provision).toEqual([{ nodeGroup: 'default/workers', offering: 'm', count: 1, monthlyCost: 10 }]);
  });

  it('counts in-flight launches as capacity', () => {
    const state = emptyState();
    const op: LaunchOperation = { id: 'op1', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-workers-aaaaa', offeringId: 'm', status: 'launching', createdAtMs: NOW - 1000, updatedAtMs: NOW - 1000, launchDeadlineMs: NOW + 1e6, registrationDeadlineMs: NOW + 1e6 };
    state.operations.push(op);
    const r = run({
      offerings: [offering('m', 4, 8192, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS })],
      pods: pendingPods('web', cpu1, 6),
    }, state);
    // 4 fit on the launching node; 2 need one more.
    expect(provisioned(r)).toEqual(['default/workers:mx1']);
    expect(r.provision[0]!.count).toBe(1);
  });

  it('ignores pods not marked unschedulable, terminating or bound', () => {
    const r = run({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'] })],
      pods: [
        ...pendingPods('fresh', cpu1, 1, { unschedulableSinceMs: undefined }),
        ...pendingPods('gone', cpu1, 1, { terminating: true }),
      ],
    });
    expect(r.provision).toEqual([]);
    expect(r.unschedulable).toEqual([]);
  });
});

describe('planScaleUp: choice of nodes', () => {
  it('picks the cheapest mix: 8 pods on a large and 2 on a small', () => {
    const r = run({
      offerings: [offering('small', 2, 4096, 10), offering('large', 8, 16384, 30)],
      groups: [nodeGroup('workers', { offeringIDs: ['small', 'large'], kubelet: NO_RESERVATIONS })],
      pods: pendingPods('web', cpu1, 10),
    });
    expect(provisioned(r)).toEqual(['default/workers:largex1', 'default/workers:smallx1']);
    expect(r.monthlyCostDelta).toBe(40);
  });

  it('finds the uniform optimum the greedy misses (2 × 5-pod nodes for $12, not 8+2 for $14)', () => {
    const r = run({
      offerings: [offering('a', 8, 16384, 8), offering('b', 5, 10240, 6)],
      groups: [nodeGroup('workers', { offeringIDs: ['a', 'b'], kubelet: NO_RESERVATIONS })],
      pods: pendingPods('web', cpu1, 10),
    });
    expect(provisioned(r)).toEqual(['default/workers:bx2']);
    expect(r.monthlyCostDelta).toBe(12);
  });

  it('merges a greedy tail into one larger, cheaper node (local moves)', () => {
    // Greedy alone: two 1-CPU nodes ($20) — the first holds the best value per dollar; merged: one $16 node.
    const r = run({
      offerings: [offering('o0', 7, 1024, 35), offering('o1', 1, 10240, 10), offering('o2', 5, 14336, 16)],
      groups: [nodeGroup('workers', { offeringIDs: ['o0', 'o1', 'o2'], kubelet: NO_RESERVATIONS })],
      pods: [...pendingPods('a', shape({ cpu: '500m', memory: '1792Mi' }), 2), ...pendingPods('b', shape({ cpu: '400m', memory: '3Gi' }), 1)],
    });
    expect(provisioned(r)).toEqual(['default/workers:o2x1']);
    expect(r.monthlyCostDelta).toBe(16);
  });

  it('uses one offering per group when allowMixedInstances is false', () => {
    const r = run({
      offerings: [offering('small', 2, 4096, 10), offering('large', 8, 16384, 30)],
      // No node overhead: this is about one offering per group at the lowest price (with the default
      // 3.65 per node, 2 × large would weigh 67.30 against 68.25, and win).
      groups: [nodeGroup('workers', { offeringIDs: ['small', 'large'], allowMixedInstances: false, kubelet: NO_RESERVATIONS, nodeOverhead: { monthlyCost: 0 } })],
      pods: pendingPods('web', cpu1, 10),
    });
    expect(r.provision).toHaveLength(1);
    expect(r.monthlyCostDelta).toBe(50); // 5 × small ($50) beats 2 × large ($60)
  });

  it('breaks price ties with preferredInstanceType', () => {
    const groups = (preferred: string) => [nodeGroup('workers', { offeringIDs: ['x', 'y'], preferredInstanceType: preferred, kubelet: NO_RESERVATIONS })];
    const offerings = [offering('x', 2, 4096, 10), offering('y', 2, 4096, 10)];
    expect(provisioned(run({ offerings, groups: groups('y'), pods: pendingPods('web', cpu1, 4) }))).toEqual(['default/workers:yx2']);
    expect(provisioned(run({ offerings, groups: groups('x'), pods: pendingPods('web', cpu1, 4) }))).toEqual(['default/workers:xx2']);
  });

  it('chooses across groups by price, respecting selectors and taints', () => {
    const r = run({
      offerings: [offering('cheap', 2, 4096, 5), offering('dear', 2, 4096, 20)],
      groups: [
        nodeGroup('tainted', { offeringIDs: ['cheap'], taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }], kubelet: NO_RESERVATIONS }),
        nodeGroup('general', { offeringIDs: ['dear'], kubelet: NO_RESERVATIONS }),
      ],
      pods: [
        ...pendingPods('web', cpu1, 2),
        ...pendingPods('batch', shape({ cpu: '1', tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }] }), 2),
      ],
    });
    expect(provisioned(r)).toEqual(['default/general:dearx1', 'default/tainted:cheapx1']);
  });

  it('subtracts DaemonSet pods that land on the new node', () => {
    const r = run({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS })],
      daemonSets: [{ name: 'agent', shape: shape({ cpu: '500m' }) }],
      pods: pendingPods('web', cpu1, 2),
    });
    expect(r.provision[0]!.count).toBe(2); // 1.5 CPU left per node
  });

  it('puts pods with hostname anti-affinity on separate nodes', () => {
    const spread = shape({ cpu: '100m', labels: { app: 'x' }, podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } }] });
    const r = run({
      offerings: [offering('m', 8, 16384, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'] })],
      pods: pendingPods('x', spread, 3),
    });
    expect(r.provision[0]!.count).toBe(3);
  });
});

describe('planScaleUp: limits and reasons', () => {
  it('never exceeds maxNodes and places as many pods as the allowed nodes hold', () => {
    const r = run({
      offerings: [offering('small', 2, 4096, 2), offering('big', 4, 8192, 5)],
      groups: [nodeGroup('workers', { offeringIDs: ['small', 'big'], maxNodes: 3, kubelet: NO_RESERVATIONS })],
      nodes: [testNode('w1', { group: 'workers', cpu: '1' })],
      pods: [boundPod('busy', 'w1', cpu1), ...pendingPods('web', cpu1, 10)],
    });
    expect(provisioned(r)).toEqual(['default/workers:bigx2']);
    expect(r.unschedulable).toHaveLength(2);
    expect(r.unschedulable[0]!.reason).toBe('group-at-maximum');
  });

  it('skips a backed-off group and says so', () => {
    const state = emptyState();
    state.groups['default/workers'] = { consecutiveFailures: 2, backoffUntilMs: NOW + 60_000 };
    const r = run({ offerings: [offering('m', 2, 4096, 10)], groups: [nodeGroup('workers', { offeringIDs: ['m'] })], pods: pendingPods('web', cpu1, 1) }, state);
    expect(r.provision).toEqual([]);
    expect(r.unschedulable[0]).toMatchObject({ pod: 'default/web', reason: 'group-backoff' });
  });

  it('reports selectors no group admits, pods larger than every offering and missing offerings', () => {
    const r = run({
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'] }), nodeGroup('ghost', { offeringIDs: ['nope'] })],
      pods: [
        ...pendingPods('ssd', shape({ cpu: '1', nodeSelector: { disk: 'ssd' } }), 1),
        ...pendingPods('huge', shape({ cpu: '16' }), 1),
      ],
    });
    const byPod = Object.fromEntries(r.unschedulable.map((u) => [u.pod, u]));
    expect(byPod['default/ssd']!.reason).toBe('offering-missing');
    expect(byPod['default/ssd']!.message).toMatch(/default\/workers: its nodes lack the label\(s\) disk=ssd/);
    expect(byPod['default/huge']!.reason).toBe('too-large');
    expect(byPod['default/huge']!.message).toMatch(/larger than every offering/);
    const solo = run({ offerings: [offering('m', 2, 4096, 10)], groups: [nodeGroup('workers', { offeringIDs: ['m'] })], pods: pendingPods('ssd', shape({ nodeSelector: { disk: 'ssd' } }), 1) });
    expect(solo.unschedulable[0]!.reason).toBe('no-group-admits');
  });

  it('waits for the stabilization window unless windows are assumed elapsed', () => {
    const parts: SnapshotParts = {
      offerings: [offering('m', 2, 4096, 10)],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], scaleUpPolicy: { stabilizationWindowSeconds: 20 } })],
      pods: pendingPods('web', cpu1, 1, { unschedulableSinceMs: NOW - 10_000 }),
    };
    const waiting = run(parts);
    expect(waiting.provision).toEqual([]);
    expect(waiting.unschedulable).toEqual([]);
    expect(waiting.nextContactAfterMs).toBe(NOW + 10_000);
    expect(run(parts, emptyState(), testPolicy({ assumeWindowsElapsed: true })).provision).toHaveLength(1);
  });

  it('launches up to minNodes', () => {
    const r = run({ offerings: [offering('m', 2, 4096, 10), offering('l', 4, 8192, 15)], groups: [nodeGroup('workers', { offeringIDs: ['l', 'm'], minNodes: 2 })] });
    expect(provisioned(r)).toEqual(['default/workers:mx2']);
    expect(r.commands.filter((c) => c.kind === 'createVm').every((c) => c.reason === 'min-nodes')).toBe(true);
  });
});

describe('removal-safety: minNodes counts what serves, maxNodes what is billed', () => {
  const m = offering('m', 2, 4096, 10);
  const stuck = testNode('test-workers-aaaaa', { group: 'workers', ready: false });
  const creates = (r: ReturnType<typeof run>) => r.commands.filter((c) => c.kind === 'createVm');

  it('launches a replacement for a group whose only node never became Ready', () => {
    const r = run({ offerings: [m], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 2 })], nodes: [stuck] });
    expect(creates(r).map((c) => c.reason)).toEqual(['min-nodes']);
  });

  it('does not go above maxNodes for it: the NotReady node is still billed', () => {
    const r = run({ offerings: [m], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 1 })], nodes: [stuck] });
    expect(creates(r)).toEqual([]);
  });

  it('replaces a launch that fails at its registration deadline in the same plan, once; then the backoff holds', () => {
    const launch: LaunchOperation = {
      id: 'launch-1', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-workers-aaaaa', offeringId: 'm', status: 'registering',
      createdAtMs: NOW - 900_000, updatedAtMs: NOW - 60_000, launchDeadlineMs: NOW - 600_000, registrationDeadlineMs: NOW,
    };
    const parts: SnapshotParts = { offerings: [m], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 2 })], nodes: [stuck] };
    const first = run(parts, { ...emptyState(), operations: [launch] });
    expect(first.decisions).toContainEqual(expect.objectContaining({ kind: 'launch-failed', reason: 'registration-deadline' }));
    expect(creates(first).map((c) => c.reason)).toEqual(['min-nodes']);
    // Second failure in a row (the group had failed once before): no launch until the backoff ends.
    const again = run(parts, { groups: { 'default/workers': { consecutiveFailures: 1 } }, nodes: {}, operations: [launch] });
    expect(again.state.groups['default/workers']!.consecutiveFailures).toBe(2);
    expect(creates(again)).toEqual([]);
  });

  it('does not buy a VM for a NotReady blip shorter than the grace (a kubelet restart), but does after it', () => {
    const blip = (sinceMs: number) => ({ ...testNode('test-workers-bbbbb', { group: 'workers', ready: false }), readyTransitionMs: NOW - sinceMs });
    const parts = (sinceMs: number): SnapshotParts => ({ offerings: [m], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 2 })], nodes: [blip(sinceMs)] });
    expect(creates(run(parts(60_000)))).toEqual([]);
    expect(creates(run(parts(5 * 60_000 - 1)))).toEqual([]);
    expect(creates(run(parts(5 * 60_000))).map((c) => c.reason)).toEqual(['min-nodes']);
  });

  it('counts a launch in flight towards minNodes (no second launch while it joins)', () => {
    const launch: LaunchOperation = {
      id: 'launch-1', kind: 'launch', nodeGroup: 'default/workers', hostname: 'test-workers-aaaaa', offeringId: 'm', status: 'registering',
      createdAtMs: NOW - 60_000, updatedAtMs: NOW - 60_000, launchDeadlineMs: NOW + 240_000, registrationDeadlineMs: NOW + 840_000,
    };
    const r = run({ offerings: [m], groups: [nodeGroup('workers', { offeringIDs: ['m'], minNodes: 1, maxNodes: 2 })], nodes: [stuck] }, { ...emptyState(), operations: [launch] });
    expect(creates(r)).toEqual([]);
  });

  it('counts the group\'s VMs without a Node against maxNodes, and only the group\'s', () => {
    const parts: SnapshotParts = {
      offerings: [m],
      groups: [nodeGroup('workers', { offeringIDs: ['m'], maxNodes: 2, kubelet: NO_RESERVATIONS })],
      nodes: [testNode('n1', { cpu: '2', memory: '4Gi', group: 'workers' })],
      pods: [boundPod('busy', 'n1', shape({ cpu: '2' })), ...pendingPods('web', shape({ cpu: '2' }), 2)],
    };
    const withVms = (hostnames: string[]) => {
      const snapshot = buildSnapshot(parts);
      snapshot.vms = hostnames.map((hostname) => ({ hostname, state: 'pending' as const }));
      return plan(snapshot, emptyState(), testPolicy(), NOW);
    };
    // n1 + nothing else: room for 1 of the 2 nodes wanted.
    expect(creates(withVms([]))).toHaveLength(1);
    // A pending VM of the group (no Node yet, no launch of ours) is billed: no room left.
    expect(creates(withVms(['test-workers-bbbbb']))).toHaveLength(0);
    // A VM of another group does not count.
    expect(creates(withVms(['test-other-bbbbb']))).toHaveLength(1);
    // The marker's NodeGroup wins over the hostname.
    const marked = (nodeGroup: { namespace: string; name: string }) => {
      const snapshot = buildSnapshot(parts);
      snapshot.vms = [{ hostname: 'test-workers-ccccc', state: 'running', marked: true, nodeGroup }];
      return plan(snapshot, emptyState(), testPolicy(), NOW);
    };
    expect(creates(marked({ namespace: 'default', name: 'workers' }))).toHaveLength(0);
    expect(creates(marked({ namespace: 'default', name: 'other' }))).toHaveLength(1);
  });
});

describe('planScaleUp: commands and state', () => {
  const parts: SnapshotParts = {
    offerings: [offering('m', 2, 4096, 10)],
    groups: [nodeGroup('a-very-long-node-group-name-that-goes-on-and-on-and-on', { offeringIDs: ['m'], kubelet: NO_RESERVATIONS })],
    pods: pendingPods('web', shape({ cpu: '1500m' }), 2),
  };

  it('emits createVm with valid unique hostnames, launch operations, lastScaleUpMs and an event', () => {
    const r = run(parts, emptyState(), testPolicy({ hostnamePrefix: 'prod-' }));
    const creates = r.commands.filter((c) => c.kind === 'createVm');
    expect(creates).toHaveLength(2);
    for (const c of creates) {
      expect(c.hostname).toMatch(/^prod-a-very-long[a-z0-9-]*-[0-9a-f]{5}$/);
      expect(c.hostname.length).toBeLessThanOrEqual(63);
      expect(c).toMatchObject({ offeringId: 'm', datacenterID: 'dc1', osImageID: 'ubuntu-22' });
    }
    expect(new Set(creates.map((c) => c.kind === 'createVm' && c.hostname)).size).toBe(2);
    const ops = r.state.operations.filter((op) => op.kind === 'launch');
    expect(ops.map((op) => op.hostname).sort()).toEqual(creates.map((c) => (c.kind === 'createVm' ? c.hostname : '')).sort());
    expect(ops[0]).toMatchObject({ status: 'launching', launchDeadlineMs: NOW + 5 * 60_000, registrationDeadlineMs: NOW + 15 * 60_000 });
    expect(creates[0]!.operationId).toBe(ops.find((o) => o.hostname === (creates[0]!.kind === 'createVm' ? creates[0]!.hostname : ''))!.id);
    const groupKey = 'default/a-very-long-node-group-name-that-goes-on-and-on-and-on';
    expect(r.state.groups[groupKey]!.lastScaleUpMs).toBe(NOW);
    expect(r.commands.find((c) => c.kind === 'emitEvent' && c.eventReason === 'ScaleUpTriggered')).toBeDefined();
  });

  it('is deterministic and does not launch again next time', () => {
    const first = run(parts);
    expect(run(parts).commands).toEqual(first.commands);
    const again = plan(buildSnapshot(parts), first.state, testPolicy(), NOW + 1000);
    expect(again.provision).toEqual([]);
  });
});
