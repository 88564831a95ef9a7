import { NODEGROUP_LABEL, STARTUP_TAINT } from '../../shared/labels.ts';
import { KubeApiError, type KubeHttp } from '../kube/kube-http.ts';
import { NodeGoneError, NodeNotManagedError, nodePath, patchNodeWithRetry, type KubeNodeObject } from './node-patch.ts';
import { failed, GuardRefusal, succeeded, type CommandHandler } from './types.ts';

// releaseNode (issue #22): a node of ours joined with STARTUP_TAINT; the pods the plan placed on it are
// nominated for it (status.nominatedNodeName), then the taint is removed. kube-scheduler tries a pod's
// nominated node first and counts the pods nominated for a node (of at least the priority of the pod it
// places) against that node, so the burst fills the node as planned instead of whichever pods come
// first in the queue.
//
// IMPORTANT: nominations first, taint last. The scheduler clears a pod's nomination on any failed
// attempt, and an attempt on a still-tainted node fails: nominating after the taint is gone would race
// the scheduler, nominating long before would be cleared.
//
// Never patched: a pod that is bound (spec.nodeName), not Pending, being deleted, or nominated for
// another node (the scheduler's own preemption nominated it there). The status patch carries the
// resourceVersion it was judged on: a pod bound in between is a 409, read again, and skipped.

interface LivePod {
  metadata: { resourceVersion?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: { phase?: string; nominatedNodeName?: string };
}

type Nomination = 'nominated' | 'already' | 'skipped';

/** Pods judged and patched at the same time by one release. */
const NOMINATIONS_IN_FLIGHT = 8;

export const releaseNode: CommandHandler<'releaseNode'> = async (command, ctx) => {
  let node: KubeNodeObject;
  try {
    node = await ctx.kube.request<KubeNodeObject>({ method: 'GET', path: nodePath(command.node) });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return failed(`node ${command.node} does not exist`, false, { gone: true });
    throw error;
  }
  const label = node.metadata.labels?.[NODEGROUP_LABEL];
  if (label !== command.nodeGroup.name) {
    throw new GuardRefusal('group-label', `node ${command.node} carries ${NODEGROUP_LABEL}=${label ?? '(none)'}, not ${command.nodeGroup.name}: it is not released`);
  }
  const counts = { nominated: 0, already: 0, skipped: 0 };
  // Several at once (each pod is judged and patched on its own; the client's token bucket bounds the
  // rate): one by one, a node's 16 pods took ~1 s under load, and the node stayed tainted that long.
  // Every nomination has settled before the taint goes.
  const queue = [...command.pods];
  const worker = async () => {
    for (let pod = queue.shift(); pod !== undefined; pod = queue.shift()) counts[await nominate(ctx.kube, pod, command.node)] += 1;
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(NOMINATIONS_IN_FLIGHT, queue.length) }, worker));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  let taintRemoved: boolean;
  try {
    taintRemoved = (await removeStartupTaint(ctx.kube, command.node, command.nodeGroup.name)) === 'changed';
  } catch (error) {
    if (error instanceof NodeGoneError) return failed(error.message, false, { gone: true, ...counts });
    if (error instanceof NodeNotManagedError) throw new GuardRefusal('group-label', error.message);
    throw error;
  }
  const what = `${counts.nominated} pod(s) nominated for ${command.node}${counts.already ? `, ${counts.already} already` : ''}${counts.skipped ? `, ${counts.skipped} skipped (bound, gone or no longer pending)` : ''}`;
  return succeeded(`${what}; ${taintRemoved ? `${STARTUP_TAINT} removed` : `${command.node} had no ${STARTUP_TAINT}`}`, { ...counts, taintRemoved });
};

/** Removes STARTUP_TAINT only, every other taint kept (optimistic concurrency: node-patch.ts). */
export function removeStartupTaint(kube: KubeHttp, nodeName: string, groupName: string): Promise<'changed' | 'unchanged'> {
  return patchNodeWithRetry(kube, nodeName, groupName, (live) => {
    const taints = live.spec?.taints ?? [];
    const kept = taints.filter((t) => t.key !== STARTUP_TAINT);
    // Merge patch replaces the list: the full list goes, ours left out.
    return kept.length === taints.length ? undefined : { spec: { taints: kept } };
  });
}

async function nominate(kube: KubeHttp, ref: { namespace: string; name: string }, nodeName: string, maxAttempts = 3): Promise<Nomination> {
  const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}`;
  for (let attempt = 1; ; attempt++) {
    let pod: LivePod;
    try {
      pod = await kube.request<LivePod>({ method: 'GET', path });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return 'skipped';
      throw error;
    }
    if (pod.status?.phase !== 'Pending' || pod.spec?.nodeName || pod.metadata.deletionTimestamp !== undefined) return 'skipped';
    const nominated = pod.status.nominatedNodeName;
    if (nominated === nodeName) return 'already';
    if (nominated) return 'skipped';
    try {
      await kube.request({
        method: 'PATCH',
        path: `${path}/status`,
        body: { metadata: { resourceVersion: pod.metadata.resourceVersion }, status: { nominatedNodeName: nodeName } },
        contentType: 'application/merge-patch+json',
      });
      return 'nominated';
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return 'skipped';
      if (error instanceof KubeApiError && error.status === 409 && attempt < maxAttempts) continue;
      throw error;
    }
  }
}
