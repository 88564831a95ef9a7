import { describe, expect, it } from 'vitest';
import { dsPod, mirrorPod, nodeGroup, snapPod, snapPods, snapshot } from '../test/fixtures/snapshot-builders.ts';
import { auditDemand, demandLineSchema, demandShapes } from './audit-demand.ts';

describe('audit demand line', () => {
  const snap = snapshot({
    nodeGroups: [nodeGroup({ name: 'workers', offeringIDs: ['small'] })],
    pods: [
      ...snapPods(3, 'web', { labels: { app: 'web' }, cpu: '250m', memory: '512Mi', node: 'w-1' }),
      ...snapPods(2, 'web-new', { labels: { app: 'web' }, cpu: '250m', memory: '512Mi' }),
      snapPod({ name: 'batch-0', labels: { app: 'batch' }, cpu: '2', memory: '4Gi', nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'batch', operator: 'Exists' }] }),
      snapPod({ name: 'leaving', labels: { app: 'web' }, cpu: '250m', memory: '512Mi', node: 'w-1', terminating: true }),
      snapPod({ name: 'done', labels: { app: 'web' }, cpu: '250m', memory: '512Mi', node: 'w-1', phase: 'Succeeded' }),
      snapPod({ name: 'bare', cpu: '100m', memory: '64Mi', owner: null, node: 'w-1' }),
      dsPod({ name: 'proxy-1', cpu: '100m', memory: '128Mi', node: 'w-1' }),
      mirrorPod({ name: 'etcd', cpu: '100m', memory: '128Mi', node: 'w-1' }),
    ],
  });

  it('counts the pods by template and namespace, running and pending; DaemonSet, mirror, terminating and finished pods left out', () => {
    expect(demandShapes(snap).shapes).toEqual([
      { namespace: 'default', owner: 'ReplicaSet/web', cpuMillis: 250, memoryBytes: 512 * 2 ** 20, nodeSelector: {}, tolerations: [], running: 3, pending: 2 },
      { namespace: 'default', owner: 'ReplicaSet/batch', cpuMillis: 2000, memoryBytes: 4 * 2 ** 30, nodeSelector: { disk: 'ssd' }, tolerations: [{ key: 'batch', operator: 'Exists' }], running: 0, pending: 1 },
      { namespace: 'default', owner: null, pod: 'bare', cpuMillis: 100, memoryBytes: 64 * 2 ** 20, nodeSelector: {}, tolerations: [], running: 1, pending: 0 },
    ]);
  });

  it('bare pods of one template are one shape; over the cap the shapes with the fewest pods are left out and counted', () => {
    const many = snapshot({
      pods: [
        snapPod({ name: 'bare-a', cpu: '100m', memory: '64Mi', owner: null }),
        snapPod({ name: 'bare-b', cpu: '100m', memory: '64Mi', owner: null, node: 'w-1' }),
        ...snapPods(1, 'one', { labels: { app: 'one' }, cpu: '1', memory: '1Gi' }),
        ...snapPods(4, 'four', { labels: { app: 'four' }, cpu: '2', memory: '2Gi' }),
        ...snapPods(3, 'three', { labels: { app: 'three' }, cpu: '3', memory: '3Gi' }),
      ],
    });
    const all = demandShapes(many);
    expect(all.omitted).toEqual({ shapes: 0, pods: 0 });
    expect(all.shapes.map((s) => [s.owner, s.pod, s.running, s.pending])).toEqual([
      [null, 'bare-a', 1, 1], ['ReplicaSet/one', undefined, 0, 1], ['ReplicaSet/four', undefined, 0, 4], ['ReplicaSet/three', undefined, 0, 3],
    ]);
    const capped = demandShapes(many, 2);
    expect(capped.shapes.map((s) => s.owner)).toEqual(['ReplicaSet/four', 'ReplicaSet/three']);
    expect(capped.omitted).toEqual({ shapes: 2, pods: 3 });
    const lines: Record<string, unknown>[] = [];
    auditDemand({ info: (fields, msg) => lines.push({ ...fields, msg }) }, { clusterId: 'test', planId: 'test-8', fencingToken: 8 }, many);
    expect(lines[0]).not.toHaveProperty('omitted');
  });

  it('one line with the plan\'s identity, the shapes and the NodeGroups, that the demand schema reads back', () => {
    const lines: Record<string, unknown>[] = [];
    auditDemand({ info: (fields, msg) => lines.push({ ...fields, msg }) }, { clusterId: 'test', planId: 'test-7', fencingToken: 7 }, snap);
    expect(lines).toHaveLength(1);
    const line = demandLineSchema.parse(JSON.parse(JSON.stringify(lines[0])));
    expect(line).toMatchObject({ type: 'demand', cluster: 'test', planId: 'test-7', snapshotTakenAtMs: snap.takenAtMs });
    expect(line.shapes).toHaveLength(3);
    expect(line.nodeGroups).toEqual([{ namespace: 'default', name: 'workers', spec: expect.objectContaining({ offeringIDs: ['small'] }) }]);
  });
});
