import type { ClusterCache } from '../../forwarder/watch/cluster-cache.ts';
import { API_GROUP, API_VERSION, INSTANCE_TYPE_LABEL, NODEGROUP_LABEL, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { runPlan } from '../fixtures/plan-helpers.ts';
import { offering } from '../fixtures/snapshot-builders.ts';
import { kwokNode } from '../harness/builders.ts';
import { randomSuffix, type Harness } from '../harness/context.ts';
import { snapshotOf } from './cache-snapshot.ts';
import { ensureNodeGroupCrd, newClusterId } from './fixture.ts';

// The removal-safety cache tests' stage: a NodeGroup in a namespace of its own with one managed kwok
// node that other tests' pods stay off (a taint only the test's own pods tolerate), and the planner
// run on the cache's snapshot, reporting what happens to that node.

/** The node's taint: the test's pods tolerate it, no other test's do. */
export const ISOLATED = { key: 'removal-safety/isolated', effect: 'NoSchedule' } as const;

export interface IsolatedNode {
  ns: string;
  group: string;
  nodeName: string;
}

export async function createIsolatedNode(h: Harness, names: { namespace: string; nodePrefix: string }): Promise<IsolatedNode> {
  await ensureNodeGroupCrd(h.kc);
  const ns = await h.newNamespace(names.namespace);
  const suffix = randomSuffix();
  const group = `rs-${suffix}`;
  const nodeName = `${names.nodePrefix}-${suffix}`;
  await h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: group }, spec: { minNodes: 0, maxNodes: 5, datacenterID: 'dc1', offeringIDs: ['small'], osImageID: 'ubuntu-24' } },
  });
  await h.createKwokNode(kwokNode({ name: nodeName, labels: { [NODEGROUP_LABEL]: group, [INSTANCE_TYPE_LABEL]: 'small' }, taints: [ISOLATED] }));
  return { ns, group, nodeName };
}

export interface NodePlan {
  snapshot: Snapshot;
  /** [nodeName] when the planner removes the node, [] otherwise. */
  removed: string[];
  /** Why the node is kept, when it is. */
  kept: { reason: string; message?: string } | undefined;
}

/** Plans on the cache's snapshot now (windows taken as elapsed) and says what happens to `nodeName`. */
export function planForNode(cache: ClusterCache, nodeName: string): () => Promise<NodePlan> {
  const clusterId = newClusterId();
  const offerings = [offering({ identifier: 'small', cpu: 2, ramMiB: 4096 })];
  return async () => {
    const snapshot = await snapshotOf(cache, { clusterId, offerings });
    const result = runPlan(snapshot, { policy: { assumeWindowsElapsed: true }, nowMs: Date.now() });
    return { snapshot, removed: result.remove.map((r) => r.node).filter((n) => n === nodeName), kept: result.kept.find((k) => k.node === nodeName) };
  };
}
