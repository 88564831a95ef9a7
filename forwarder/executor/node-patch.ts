import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import { KubeApiError, type KubeHttp } from '../kube/kube-http.ts';

// Read-modify-write of a Node with optimistic concurrency: the patch carries the resourceVersion it
// was computed from, and a 409 Conflict means read again and recompute.

export interface KubeNodeObject {
  metadata: { name: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { taints?: Array<{ key: string; value?: string; effect: string; timeAdded?: string }>; unschedulable?: boolean };
}

export class NodeGoneError extends Error {
  override name = 'NodeGoneError';
}

export class NodeNotManagedError extends Error {
  override name = 'NodeNotManagedError';
}

export function nodePath(name: string): string {
  return `/api/v1/nodes/${encodeURIComponent(name)}`;
}

/**
 * Applies `change` to the current Node until the write is not a conflict. `change` returns the merge
 * patch (without metadata.resourceVersion) or undefined when nothing needs to change.
 * The group label is checked on the fresh object: the cache may be a little behind.
 */
export async function patchNodeWithRetry(
  kube: KubeHttp,
  name: string,
  groupName: string,
  change: (node: KubeNodeObject) => Record<string, unknown> | undefined,
  maxAttempts = 5,
): Promise<'changed' | 'unchanged'> {
  for (let attempt = 1; ; attempt++) {
    let node: KubeNodeObject;
    try {
      node = await kube.request<KubeNodeObject>({ method: 'GET', path: nodePath(name) });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) throw new NodeGoneError(`node ${name} does not exist`, { cause: error });
      throw error;
    }
    const label = node.metadata.labels?.[NODEGROUP_LABEL];
    if (label !== groupName) throw new NodeNotManagedError(`node ${name} carries ${NODEGROUP_LABEL}=${label ?? '(none)'}, not ${groupName}`);
    const patch = change(node);
    if (!patch) return 'unchanged';
    const metadata = { ...(patch.metadata as Record<string, unknown> | undefined), resourceVersion: node.metadata.resourceVersion };
    try {
      await kube.request({ method: 'PATCH', path: nodePath(name), body: { ...patch, metadata }, contentType: 'application/merge-patch+json' });
      return 'changed';
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409 && attempt < maxAttempts) continue;
      if (error instanceof KubeApiError && error.status === 404) throw new NodeGoneError(`node ${name} does not exist`, { cause: error });
      throw error;
    }
  }
}
