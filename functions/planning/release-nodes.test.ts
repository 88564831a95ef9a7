import { describe, expect, it } from 'vitest';
import { commandsOf, resultFor, runPlan } from '../../test/fixtures/plan-helpers.ts';
import { nodeGroup, snapNode, snapPod, snapshot, TEST_NOW_MS, vm, type BuiltPod } from '../../test/fixtures/snapshot-builders.ts';
import { STARTUP_TAINT } from '../../shared/labels.ts';
import type { CommandResult, SnapshotNode } from '../../shared/snapshot.ts';
import type { PlanningState } from './types.ts';

// Issue #22: a Ready node of ours under the startup taint is filled like a launch in flight (the
// interleaved mix it was sized for, not the scheduler's queue order), then released: one releaseNode
// with the pending pods placed on it, or with none (it is untainted all the same).

const STARTING = { key: STARTUP_TAINT, effect: 'NoSchedule' as const };
const HOUR_MS = 3_600_000;
const starting = (o: Partial<Parameters<typeof snapNode>[0]> = {}) => snapNode({ name: 'test-s0', group: 'workers', cpu: '4', memory: '8Gi', taints: [STARTING], ...o });

/** 6 memory pods (250m, 2Gi) and 6 CPU pods (1, 256Mi); `memFirst`: the memory pods are older (first in the queue). */
function burst(memFirst = true): BuiltPod[] {
  const at = (i: number, mem: boolean) => TEST_NOW_MS - HOUR_MS + (mem === memFirst ? 0 : 60_000) + i * 1000;
  const pending = { unschedulableSinceMs: TEST_NOW_MS - HOUR_MS };
  return [
    ...Array.from({ length: 6 }, (_, i) => snapPod({ name: `mem-${i}`, cpu: '250m', memory: '2Gi', labels: { app: 'mem' }, createdAtMs: at(i, true), ...pending })),
    ...Array.from({ length: 6 }, (_, i) => snapPod({ name: `cpu-${i}`, cpu: '1', memory: '256Mi', labels: { app: 'cpu' }, createdAtMs: at(i, false), ...pending })),
  ];
}

function world(nodes: SnapshotNode[], pods: BuiltPod[], results: CommandResult[] = []) {
  return snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], maxNodes: 10 })],
    nodes,
    pods,
    vms: nodes.map((n) => vm({ hostname: n.name })),
    results,
  });
}

const releases = (r: ReturnType<typeof runPlan>) => commandsOf(r, 'releaseNode');
const names = (r: ReturnType<typeof runPlan>) => releases(r).map((c) => c.pods.map((p) => `${p.namespace}/${p.name}`));

describe('releaseNode for a starting node of ours', () => {
  it('releases the fullest node first: untainted with room, a node takes pods planned for the nodes after it', () => {
    // test-s0 (first in the snapshot) gets one unconstrained pod (3 of 4 CPU free); test-s1 is filled
    // by the two pods that select it (2 of 2 CPU). Released first, test-s0 could take pods meant for
    // others before their nominations are written; test-s1, full, cannot.
    const pending = { unschedulableSinceMs: TEST_NOW_MS - HOUR_MS, createdAtMs: TEST_NOW_MS - HOUR_MS };
    const pods = [
      snapPod({ name: 'any', cpu: '1', memory: '256Mi', ...pending }),
      ...[0, 1].map((i) => snapPod({ name: `pinned-${i}`, cpu: '1', memory: '256Mi', nodeSelector: { 'kubernetes.io/hostname': 'test-s1' }, ...pending })),
    ];
    const r = runPlan(world([starting(), starting({ name: 'test-s1', cpu: '2' })], pods));
    expect(releases(r).map((c) => c.node)).toEqual(['test-s1', 'test-s0']);
    expect(names(r)).toEqual([['default/pinned-0', 'default/pinned-1'], ['default/any']]);
  });

  it('lists the pending pods the plan put on a Ready starting node, in the interleaved mix (not the queue order)', () => {
    const r = runPlan(world([starting()], burst()));
    expect(releases(r)).toHaveLength(1);
    expect(releases(r)[0]).toMatchObject({ node: 'test-s0', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'node-joined' });
    // Interleaved (CPU class first: larger CPU), first-fit on 4 CPU / 8 GiB until neither class fits:
    // cpu-0, mem-0, cpu-1, mem-1, cpu-2, mem-2 = 3.75 CPU, 6.75 GiB. The queue order (memory pods
    // older) would have given it mem-0..3 alone: 8 GiB full, 3 CPU idle.
    expect(names(r)).toEqual([['default/cpu-0', 'default/mem-0', 'default/cpu-1', 'default/mem-1', 'default/cpu-2', 'default/mem-2']]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'info', target: 'node test-s0', reason: 'node-released', details: { pods: 6, placed: 6 } }));
    // The startup taint does not count: the 6 pods placed there buy nothing; the other 6 (3 + 3) do.
    expect(commandsOf(r, 'createVm').length).toBeGreaterThan(0);
    expect(r.unschedulable).toEqual([]);
  });

  it('gives the same lists for the same pods whatever their order and ages', () => {
    const a = names(runPlan(world([starting()], burst(true))));
    const b = names(runPlan(world([starting()], burst(false).reverse())));
    expect(b).toEqual(a);
  });

  it('releases a starting node with pods: [] when no pending pod goes there', () => {
    const big = snapPod({ name: 'big', cpu: '16', unschedulableSinceMs: TEST_NOW_MS - HOUR_MS });
    for (const pods of [[], [big]]) {
      const r = runPlan(world([starting()], pods));
      expect(releases(r).map((c) => ({ node: c.node, pods: c.pods }))).toEqual([{ node: 'test-s0', pods: [] }]);
    }
  });

  it('sends nothing for a starting node that is not Ready, not ours, or has no startup taint', () => {
    for (const node of [starting({ ready: false }), starting({ group: undefined }), starting({ taints: [] })]) {
      expect(releases(runPlan(world([node], burst())))).toEqual([]);
    }
  });

  it('does not count the startup taint on our nodes only: on a node not ours it keeps pods off', () => {
    const pod = snapPod({ name: 'web', cpu: '1', unschedulableSinceMs: TEST_NOW_MS - HOUR_MS });
    expect(commandsOf(runPlan(world([starting()], [pod])), 'createVm')).toEqual([]);
    expect(commandsOf(runPlan(world([starting({ group: undefined })], [pod])), 'createVm')).toHaveLength(1);
  });

  it('is not sent again while one is awaiting its result; sent again after a failed one', () => {
    const r1 = runPlan(world([starting()], []));
    expect(releases(r1)).toHaveLength(1);
    const r2 = runPlan(world([starting()], []), { state: r1.state, nowMs: TEST_NOW_MS + 10_000 });
    expect(releases(r2)).toEqual([]);
    const failed = resultFor(releases(r1)[0]!, 'failed', { retryable: true });
    const r3 = runPlan(world([starting()], [], [failed]), { state: r2.state as PlanningState, nowMs: TEST_NOW_MS + 20_000 });
    expect(releases(r3)).toHaveLength(1);
  });
});

describe('pods we nominated', () => {
  const nominated = (node: string) => {
    const p = snapPod({ name: 'web', cpu: '1', unschedulableSinceMs: TEST_NOW_MS - HOUR_MS });
    return { ...p, pod: { ...p.pod, nominatedNodeName: node } };
  };

  it('buys no node for a pod nominated for a node that exists and takes pods', () => {
    const r = runPlan(world([snapNode({ name: 'test-a0', group: 'workers', cpu: '4', memory: '8Gi' })], [nominated('test-a0')]));
    expect(commandsOf(r, 'createVm')).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ reason: 'pod-nominated', target: 'pod default/web' }));
  });

  it('counts a pod nominated for a node that is gone, or cordoned, as pending again', () => {
    const full = snapNode({ name: 'test-a0', group: 'workers', cpu: '4', memory: '8Gi' });
    const filler = snapPod({ name: 'filler', cpu: '3500m', node: 'test-a0' });
    for (const nodes of [[full], [{ ...full, unschedulable: true }]]) {
      const r = runPlan(world(nodes, [filler, nominated(nodes[0]!.unschedulable ? 'test-a0' : 'test-gone')]));
      expect(commandsOf(r, 'createVm')).toHaveLength(1);
      expect(r.decisions).not.toContainEqual(expect.objectContaining({ reason: 'pod-nominated' }));
    }
  });
});

describe('while the burst still arrives', () => {
  // The same 12 pods, the last of them 300 ms old (scaleUpBatchIdleMs 1 s: still arriving) or 5 s old.
  const arriving = (lastAgoMs: number) => burst().map((p, i) => {
    const at = TEST_NOW_MS - lastAgoMs - (11 - i) * 100;
    return { ...p, pod: { ...p.pod, createdAtMs: at, unschedulableSinceMs: at } };
  });
  const policy = { scaleUpBatchIdleMs: 1_000, scaleUpBatchMaxMs: 30_000, assumeWindowsElapsed: true };

  it('holds the release of a node with pods placed on it, and calls back when the burst settles', () => {
    const r = runPlan(world([starting()], arriving(300)), { policy });
    expect(releases(r)).toEqual([]);
    expect(r.decisions).toContainEqual(expect.objectContaining({ kind: 'info', target: 'node test-s0', reason: 'release-held' }));
    // Called back at the latest when the last arrival is idleMs old.
    expect(r.nextContactAfterMs).toBeLessThanOrEqual(TEST_NOW_MS + 1_000);
  });

  it('releases it once the burst has settled, and when nothing was placed on it', () => {
    expect(names(runPlan(world([starting()], arriving(5_000)), { policy }))[0]).toHaveLength(6);
    const big = snapPod({ name: 'big', cpu: '16', createdAtMs: TEST_NOW_MS - 300, unschedulableSinceMs: TEST_NOW_MS - 300 });
    expect(releases(runPlan(world([starting()], [big]), { policy })).map((c) => c.pods)).toEqual([[]]);
  });

  it('holds no longer than scaleUpBatchMaxMs after the oldest pod placed there', () => {
    const pods = arriving(300);
    pods[0] = { ...pods[0]!, pod: { ...pods[0]!.pod, createdAtMs: TEST_NOW_MS - 31_000, unschedulableSinceMs: TEST_NOW_MS - 31_000 } };
    const r = runPlan(world([starting()], pods), { policy });
    expect(releases(r)).toHaveLength(1);
  });
});

describe('a starting node and scale-down', () => {
  it('is never a scale-down candidate while it waits for its release, however long it has been empty', () => {
    const policy = { assumeWindowsElapsed: true };
    const marked = (node: SnapshotNode) => snapshot({
      nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['medium'], maxNodes: 10 })],
      nodes: [node],
      vms: [vm({ hostname: node.name, identifier: '101', marked: true })],
    });
    const empty = runPlan(marked(starting()), { policy });
    expect(commandsOf(empty, 'taintNode')).toEqual([]);
    expect(empty.kept).toContainEqual(expect.objectContaining({ node: 'test-s0', reason: 'starting' }));
    // The same empty node without the taint is removed: the rule, not the fixture, keeps it.
    expect(commandsOf(runPlan(marked(starting({ taints: [] })), { policy }), 'taintNode')).toHaveLength(1);
  });
});
