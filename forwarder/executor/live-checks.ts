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
  metadata: { namespace?: string; name?: string; annotations?: Record<string, string>; ownerReferences?: Array<{ kind?: string; controller?: boolean }> };
  status?: { phase?: string };
}

export function hasRemovalTaint(node: KubeNodeObject): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

/**
 * Pods bound to the node that must be gone before it may be deleted: everything except DaemonSet
 * pods, mirror pods and finished pods (terminating ones included: their grace period still runs).
 */
export async function podsBlockingRemoval(kube: KubeHttp, nodeName: string): Promise<string[]> {
  const list = await kube.request<{ items?: LivePod[]; metadata?: { continue?: string } }>({
    method: 'GET',
    path: '/api/v1/pods',
    query: { fieldSelector: `spec.nodeName=${nodeName}`, limit: POD_PAGE },
  });
  const items = list.items ?? [];
  const blocking = items.filter((pod) => {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
    if (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return false;
    return !(pod.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.kind === 'DaemonSet');
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
