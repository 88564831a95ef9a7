import { describe, expect, it } from 'vitest';
import { groupKey } from '../../functions/planning/context.ts';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { STARTUP_TAINT } from '../../shared/labels.ts';
import { snapshotSchema } from '../../shared/snapshot.ts';
import { executePlan } from './executor.ts';
import { seededRandom } from './rng.ts';
import { schedule } from './scheduler.ts';
import { TEST_OFFERINGS } from './test-helpers.ts';
import { parseTrace } from './trace.ts';
import { World } from './world.ts';

const SPEC = { maxNodes: 5, datacenterID: 'dc-1', osImageID: 'os-1', offeringIDs: ['small-2c4g'] };
const group = { key: groupKey('default', 'workers'), namespace: 'default', name: 'workers', spec: parseNodeGroupSpec(SPEC) };

function world(replicas: number, pdb?: number): World {
  const trace = parseTrace(`durationHours: 1\nworkloads:\n  - name: web\n    requests: { cpu: 500m, memory: 256Mi }\n${pdb !== undefined ? `    pdb: { maxUnavailable: ${pdb} }\n` : ''}    replicas: [[0h, ${replicas}]]\n`, 't');
  return new World({
    clusterId: 'sim', groups: [group], nodeGroups: [{ namespace: 'default', name: 'workers', generation: 1, spec: SPEC }],
    offerings: TEST_OFFERINGS, workloads: trace.workloads, provisioning: { launchSeconds: 100, joinSeconds: 20 }, random: seededRandom(1), startMs: 0,
  });
}

const create = (hostname: string) => ({ id: `c-${hostname}`, kind: 'createVm' as const, nodeGroup: { namespace: 'default', name: 'workers' }, hostname, offeringId: 'small-2c4g', datacenterID: 'dc-1', osImageID: 'os-1', reason: 'pending-pods', message: '' });

/** The plan's releaseNode for a joined node (issue #22): nominate `pods`, remove the startup taint. */
const release = (w: ReturnType<typeof world>, node: string, pods: string[], atMs: number) =>
  executePlan(w, [{ id: `r-${node}`, kind: 'releaseNode', node, nodeGroup: { namespace: 'default', name: 'workers' }, pods: pods.map((name) => ({ namespace: 'default', name })), reason: 'node-joined', message: '' }], 'pr', atMs)[0]!.result;

describe('the simulated world', () => {
  it('a createVm is a pending VM (no identifier, as VPSie lists it), then running, then a Ready Node; the snapshot is wire-valid', () => {
    const w = world(2);
    const result = executePlan(w, [create('sim-a')], 'p1', 0)[0]!.result;
    expect(result.outcome).toBe('succeeded');
    expect(result.data).toMatchObject({ launch: 'created', processId: expect.any(String) });
    expect(result.data).not.toHaveProperty('vmIdentifier');
    w.advance(50_000);
    expect(w.snapshot(50_000, []).vms).toEqual([expect.objectContaining({ hostname: 'sim-a', state: 'pending' })]);
    w.advance(100_000);
    expect(w.snapshot(100_000, []).vms).toEqual([expect.objectContaining({ hostname: 'sim-a', state: 'running', identifier: expect.any(String) })]);
    expect(w.nodes.has('sim-a')).toBe(false);
    w.advance(120_000);
    expect(w.nodes.get('sim-a')?.ready).toBe(true);
    // Under the startup taint (as the forwarder's createVm) it takes nothing until released.
    expect(w.nodes.get('sim-a')?.taints.map((t) => t.key)).toEqual([STARTUP_TAINT]);
    expect(schedule(w, 120_000)).toMatchObject({ bound: 0, pending: 2 });
    const pods = [...w.pods.keys()];
    expect(release(w, 'sim-a', pods.slice(0, 1), 120_000).outcome).toBe('succeeded');
    expect(w.pods.get(pods[0]!)?.nominatedNodeName).toBe('sim-a');
    expect(w.nodes.get('sim-a')?.taints).toEqual([]);
    expect(schedule(w, 120_000)).toEqual({ bound: 2, pending: 0, newlyUnschedulable: 0 });
    expect(snapshotSchema.safeParse(w.snapshot(120_000, [])).success).toBe(true);
  });

  it('a joined node nobody released loses the startup taint after 60 s (the forwarder\'s fallback)', () => {
    const w = world(2);
    executePlan(w, [create('sim-a')], 'p1', 0);
    w.advance(120_000);
    const joinedAtMs = w.nodes.get('sim-a')!.readyTransitionMs;
    w.advance(joinedAtMs + 59_999);
    expect(schedule(w, joinedAtMs + 59_999)).toMatchObject({ bound: 0 });
    w.advance(joinedAtMs + 60_000);
    expect(schedule(w, joinedAtMs + 60_000)).toMatchObject({ bound: 2, pending: 0 });
  });

  it('evictions go through the PDB: with maxUnavailable 0 the answer is 429 and the pod stays', () => {
    const w = world(2, 0);
    executePlan(w, [create('sim-a')], 'p1', 0);
    w.advance(120_000);
    release(w, 'sim-a', [], 120_000);
    schedule(w, 120_000);
    const pod = [...w.pods.values()][0]!;
    const result = executePlan(w, [{ id: 'e1', kind: 'evictPod', namespace: 'default', pod: pod.name, node: 'sim-a', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'underused', message: '' }], 'p2', 130_000)[0]!.result;
    expect(result).toMatchObject({ outcome: 'failed', retryable: true, data: { status: 429 } });
    expect(w.pods.get(pod.name)?.nodeName).toBe('sim-a');
  });

  it('counts a pod that a removal displaced and no node could take', () => {
    const w = world(3, 3);
    executePlan(w, [create('sim-a')], 'p1', 0);
    w.advance(120_000);
    release(w, 'sim-a', [], 120_000);
    schedule(w, 120_000);
    const tainted = executePlan(w, [{ id: 't', kind: 'taintNode', node: 'sim-a', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'underused', message: '' }], 'p2', 130_000);
    expect(tainted[0]!.result.outcome).toBe('succeeded');
    // The Node still runs pods: the forwarder's live re-check refuses its deletion.
    const refused = executePlan(w, [{ id: 'd', kind: 'deleteNode', node: 'sim-a', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'underused', message: '' }], 'p3', 140_000);
    expect(refused[0]!.result.outcome).toBe('refused');
    for (const pod of [...w.pods.values()]) {
      executePlan(w, [{ id: `e-${pod.name}`, kind: 'evictPod', namespace: 'default', pod: pod.name, node: 'sim-a', nodeGroup: { namespace: 'default', name: 'workers' }, reason: 'underused', message: '' }], 'p4', 150_000);
    }
    // The three replacements are new pods: each becomes unschedulable now (what triggers a reconcile) …
    expect(schedule(w, 150_000)).toEqual({ bound: 0, pending: 3, newlyUnschedulable: 3 });
    expect(w.displacedPending).toBe(3);
    // … once: still pending a step later, they trigger nothing more.
    expect(schedule(w, 160_000)).toEqual({ bound: 0, pending: 3, newlyUnschedulable: 0 });
  });
});
