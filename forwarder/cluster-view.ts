import { NODEGROUP_LABEL } from '../shared/labels.ts';
import type { Offering, SnapshotVm } from '../shared/snapshot.ts';
import type { GuardrailView } from './guardrails.ts';
import type { Logger } from './util/logger.ts';
import type { VpsieClient } from './vpsie/client.ts';
import { listClusterVms, listOfferings, type ClusterVmScope } from './vpsie/snapshot-view.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';

// What the guardrails see: the cluster cache now, and what VPSie said on the last reconcile (the
// guardrails count VMs and price launches from it). The reconcile loop lists VPSie through here so
// that both read the same answer.

export interface ClusterView extends GuardrailView {
  /** This cluster's VMs (null: not listed), remembered for the guardrails. */
  listVms(): Promise<SnapshotVm[] | null>;
  /** The NodeGroups' plans with prices; a listing that found nothing keeps the last good one. */
  listOfferings(): Promise<Offering[]>;
}

export function createClusterView(cache: ClusterCache, vpsie: VpsieClient | undefined, scope: ClusterVmScope, logger: Logger): ClusterView {
  let lastVms: SnapshotVm[] | null = null;
  let lastOfferings: Offering[] = [];
  return {
    node: (name) => cache.nodes.items.get(name),
    nodes: () => cache.nodes.items.values(),
    vms: () => lastVms,
    offerings: () => lastOfferings,
    synced: () => cache.synced,
    pod: (namespace, name) => cache.pods.items.get(`${namespace}/${name}`)?.pod,
    nodeGroup: (namespace, name) => cache.nodeGroup(namespace, name),
    groupNodes: (group) => [...cache.nodes.items.values()].filter((n) => n.labels[NODEGROUP_LABEL] === group),
    nodeGroupsNamed: (name) => [...cache.nodeGroups.items.values()].filter((g) => g.name === name),
    listVms: async () => (lastVms = await listClusterVms(vpsie, scope, logger)),
    listOfferings: async () => {
      const listed = await listOfferings(vpsie, cache.nodeGroups.items.values(), logger);
      // Prices for the cost cap: a catalogue read that failed (listed nothing) keeps the last good
      // list, so one slow answer from VPSie does not make every create "of unknown price".
      if (listed.length > 0) lastOfferings = listed;
      return listed;
    },
  };
}
