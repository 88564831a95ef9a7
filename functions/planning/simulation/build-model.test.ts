import { describe, expect, it } from 'vitest';
import { boundPod, buildSnapshot, nodeGroup, offering, pendingPods, shape, testNode } from '../../../test/fixtures/planning-builders.ts';
import { PlanContext } from '../context.ts';
import { DEFAULT_POLICY, EMPTY_STATE, type LaunchOperation } from '../types.ts';
import { buildClusterModel } from './build-model.ts';
import { place } from './place.ts';

const small = shape({ cpu: '1', memory: '1Gi' });

function launch(hostname: string, status: LaunchOperation['status'] = 'launching'): LaunchOperation {
  return { id: `op-${hostname}`, kind: 'launch', nodeGroup: 'default/workers', hostname, offeringId: 'm', status, createdAtMs: 0, updatedAtMs: 0, launchDeadlineMs: 1e12, registrationDeadlineMs: 1e12 };
}

describe('buildClusterModel', () => {
  const snapshot = buildSnapshot({
    offerings: [offering('m', 2, 4096, 10)],
    groups: [nodeGroup('workers', { offeringIDs: ['m'] })],
    nodes: [
      testNode('ready', { cpu: '2' }),
      testNode('cordoned', { unschedulable: true }),
      testNode('doomed', { taints: [{ key: 'autoscaler.vpsie.com/to-be-deleted', effect: 'NoSchedule' }] }),
      testNode('notready', { ready: false }),
      testNode('joining', { ready: false, cpu: '2', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }),
    ],
    pods: [boundPod('a', 'ready', small), boundPod('done', 'ready', small, { phase: 'Succeeded' }), ...pendingPods('p', small, 5)],
  });
  const ctx = new PlanContext(snapshot, structuredClone(EMPTY_STATE), { ...DEFAULT_POLICY, clusterId: 'c', hostnamePrefix: 'c-' }, 0);

  it('keeps schedulable nodes, counts bound active pods and adds virtual in-flight nodes', () => {
    const { model, inFlight, excluded } = buildClusterModel(snapshot, { groups: ctx.groups, launches: [launch('joining', 'registering'), launch('c-workers-abcde')] });
    expect(model.nodes.map((n) => [n.name, n.kind])).toEqual([['ready', 'existing'], ['joining', 'in-flight'], ['c-workers-abcde', 'in-flight']]);
    expect(excluded.map((n) => n.name)).toEqual(['cordoned', 'doomed', 'notready']);
    expect(model.node('ready')!.requested.cpuMillis).toBe(1000);
    expect(model.node('joining')!.taints).toEqual([]);
    expect(inFlight.get('op-c-workers-abcde')!.allocatable.cpuMillis).toBe(1800);
  });

  it('places pending pods first-fit over existing then in-flight nodes', () => {
    const { model, pods } = buildClusterModel(snapshot, { groups: ctx.groups, launches: [launch('joining', 'registering'), launch('c-workers-abcde')] });
    const pending = pods.filter((_, i) => snapshot.pods[i]!.nodeName === undefined);
    const { placed, unplaced } = place(model, pending, { explain: true });
    expect(placed.map((p) => p.node.name)).toEqual(['ready', 'joining', 'joining', 'c-workers-abcde']);
    expect(unplaced).toHaveLength(1);
    expect(unplaced[0]!.message).toMatch(/0\/3 nodes fit \(3 insufficient-cpu\)/);
  });

  it('honours excludeNodes', () => {
    const { model } = buildClusterModel(snapshot, { groups: ctx.groups, excludeNodes: new Set(['ready']) });
    expect(model.nodes.map((n) => n.name)).toEqual([]);
  });
});
