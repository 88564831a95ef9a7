import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import type { ListQuery } from './list-watch.ts';

// What the forwarder watches. Paths are cluster-wide except the Secrets (its own namespace only:
// that is all its RBAC allows).

export interface WatchedResource {
  name: string;
  path: string;
  query?: ListQuery;
  /** Only the list's resourceVersion matters (history is not replayed): list one item, then watch. */
  watchOnly?: boolean;
}

export function watchedResources(namespace: string): Record<
  'pods' | 'nodes' | 'pdbs' | 'daemonSets' | 'nodeGroups' | 'secrets' | 'schedulingEvents' | 'nodeEvents',
  WatchedResource
> {
  return {
    pods: { name: 'pods', path: '/api/v1/pods' },
    nodes: { name: 'nodes', path: '/api/v1/nodes' },
    pdbs: { name: 'pdbs', path: '/apis/policy/v1/poddisruptionbudgets' },
    daemonSets: { name: 'daemonsets', path: '/apis/apps/v1/daemonsets' },
    nodeGroups: { name: 'nodegroups', path: `/apis/${API_GROUP}/${API_VERSION}/${NODEGROUP_PLURAL}` },
    secrets: { name: 'secrets', path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets` },
    schedulingEvents: { name: 'events-failedscheduling', path: '/api/v1/events', query: { fieldSelector: 'reason=FailedScheduling' }, watchOnly: true },
    // Kubelet warnings about nodes (EvictionThresholdMet, NodeNotReady, …): pressure shows in the
    // Node conditions too; the event only makes the reconcile come sooner.
    nodeEvents: { name: 'events-node', path: '/api/v1/events', query: { fieldSelector: 'involvedObject.kind=Node,type=Warning' }, watchOnly: true },
  };
}
