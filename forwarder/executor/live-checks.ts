import { MIRROR_POD_ANNOTATION, NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { MemberNode } from '../../shared/membership.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import type { KubeNodeObject } from './node-patch.ts';

// What the executor reads live, right before an irreversible step, instead of trusting the watch
// cache or the plan: the node's taint, the pods bound to it, the group's members. Nodes and pods
// come from separate watches with independent lag; one GET closes that window to milliseconds.

/** More pods than this on one node is not a node we judge from one page: refuse. */
const POD_PAGE = 500;

interface LivePod {
  metadata: { namespace?: string; name?: string; deletionTimestamp?: string; annotations?: Record<string, string>; ownerReferences?: Array<{ kind?: string; controller?: boolean }> };
  status?: { phase?: string };
}

/**
 * A node NotReady at least this long has lost its kubelet: its pods run nowhere, and deleting the
 * Node is what lets their controllers place them again (the pod garbage collector removes the pods
 * of a deleted Node). Pods without a controller would be gone for good: they still block.
 */
export const DEAD_NODE_AFTER_MS = 5 * 60_000;

export interface NodeLiveness {
  /** The Node's Ready condition is not True, and has not been since this long. */
  notReadyForMs: number | undefined;
  /** From this long on it counts as dead (default DEAD_NODE_AFTER_MS). */
  deadAfterMs?: number;
}

export function hasRemovalTaint(node: KubeNodeObject): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

/**
 * Pods bound to the node that must be gone before it may be deleted: everything except DaemonSet
 * pods, mirror pods and finished pods (terminating ones included: their grace period still runs).
 */
export async function podsBlockingRemoval(kube: KubeHttp, nodeName: string, liveness: NodeLiveness = { notReadyForMs: undefined }): Promise<string[]> {
  const list = await kube.request<{ items?: LivePod[]; metadata?: { continue?: string } }>({
    method: 'GET',
    path: '/api/v1/pods',
    query: { fieldSelector: `spec.nodeName=${nodeName}`, limit: POD_PAGE },
  });
  const items = list.items ?? [];
  const dead = liveness.notReadyForMs !== undefined && liveness.notReadyForMs >= (liveness.deadAfterMs ?? DEAD_NODE_AFTER_MS);
  const blocking = items.filter((pod) => {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return false;
    // Being deleted already (evicted through the Eviction API, or by the taint manager): it is moving.
    if (pod.metadata.deletionTimestamp !== undefined) return false;
    const owners = pod.metadata.ownerReferences ?? [];
    if (owners.some((o) => o.controller === true && o.kind === 'DaemonSet')) return false;
    // On a dead node a pod with a controller comes back elsewhere once the Node is gone.
    if (dead && owners.some((o) => o.controller === true)) return false;
    return true;
  }).map((pod) => `${pod.metadata.namespace ?? '?'}/${pod.metadata.name ?? '?'}`);
  if (list.metadata?.continue) blocking.push(`(more than ${POD_PAGE} pods)`);
  return blocking;
}

interface LiveNode extends KubeNodeObject {
  metadata: KubeNodeObject['metadata'] & { deletionTimestamp?: string };
  status?: { conditions?: Array<{ type?: string; status?: string }> };
}

/** The group's Nodes as the API server has them now, in the shape of the membership rule. */
export async function liveGroupNodes(kube: KubeHttp, groupName: string): Promise<MemberNode[]> {
  const list = await kube.request<{ items?: LiveNode[] }>({ method: 'GET', path: '/api/v1/nodes', query: { labelSelector: `${NODEGROUP_LABEL}=${groupName}` } });
  return (list.items ?? []).map((node) => ({
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    taints: node.spec?.taints ?? [],
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    terminating: node.metadata.deletionTimestamp !== undefined,
  }));
}

/** How long the Node's Ready condition has not been True (undefined while it is Ready or unknown). */
export function notReadyFor(node: { status?: { conditions?: Array<{ type?: string; status?: string; lastTransitionTime?: string }> } }, nowMs: number): number | undefined {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True' || !ready.lastTransitionTime) return undefined;
  const sinceMs = Date.parse(ready.lastTransitionTime);
  return Number.isFinite(sinceMs) ? Math.max(0, nowMs - sinceMs) : undefined;
}
