import type { ClusterIdentity } from '../shared/ownership.ts';
import type { Offering, SnapshotNode, SnapshotNodeGroup, SnapshotPod, SnapshotVm } from '../shared/snapshot.ts';
import type { GuardLedger } from './guard-ledger.ts';

// The guardrails' vocabulary (guardrails.ts has the rules): what they read, the caps, the verdicts.

export interface GuardrailView {
  node(name: string): SnapshotNode | undefined;
  nodes(): Iterable<SnapshotNode>;
  pod(namespace: string, name: string): Omit<SnapshotPod, 'shape'> | undefined;
  nodeGroup(namespace: string, name: string): SnapshotNodeGroup | undefined;
  /** Nodes carrying NODEGROUP_LABEL=<group name>. */
  groupNodes(groupName: string): SnapshotNode[];
  /** NodeGroups with this name in any namespace (node labels carry the name only). */
  nodeGroupsNamed(name: string): SnapshotNodeGroup[];
  /** This cluster's VMs (ours and unmarked) from the last VPSie listing; null when it failed. */
  vms(): readonly SnapshotVm[] | null;
  /** The plans the NodeGroups name, with prices (last listing). */
  offerings(): readonly Offering[];
  /** Every watch is up and listed: a view that may lag never justifies a destructive command. */
  synced(): boolean;
}

export interface GuardCaps {
  maxDeletionsPerWindow: number;
  maxLaunchesPerWindow: number;
  /** VMs of this cluster (Nodes ∪ VMs ∪ launches) at most. */
  maxClusterVms: number;
  /** Sum of the monthly prices of this cluster's VMs at most (the account's currency). */
  maxMonthlyCost: number;
  maxCommandsPerPlan: number;
  maxEventsPerPlan: number;
  /** Nodes under removal (tainted) at once, cluster-wide. */
  maxNodesLeaving: number;
}

// Why these defaults (README, "What the forwarder refuses", has the long form). Deletions: 100 per
// 10 minutes, as many as the default cluster-wide VM cap, so a 50-node burst scales back down in one
// window (it was 10: the 11th deletion waited 10 minutes, issue 22). What bounds a runaway plan is not
// mainly this rate but the rules before it: a deletion needs the to-be-deleted taint, a taint keeps
// minNodes serving and at most maxNodesLeaving (10, Cluster Autoscaler's --max-scale-down-parallelism)
// nodes under removal at once, and a Node goes only when a live list shows no pod but DaemonSet, mirror or
// finished ones, its pods having left through the PDB-respecting Eviction API.
export const DEFAULT_CAPS: GuardCaps = {
  maxDeletionsPerWindow: 100,
  maxLaunchesPerWindow: 50,
  maxClusterVms: 100,
  maxMonthlyCost: 5_000,
  maxCommandsPerPlan: 1_000,
  maxEventsPerPlan: 200,
  maxNodesLeaving: 10,
};

export interface GuardrailOptions {
  cluster: ClusterIdentity;
  caps: GuardCaps;
  view: GuardrailView;
  ledger: GuardLedger;
  /**
   * A dry run buys nothing: a create it cannot count (no VM list, no price — typically no VPSie
   * credentials yet) is shown as what it would do instead of refused. Every other rule still applies.
   */
  dryRun?: boolean;
}

export type GuardRule =
  | 'plan-size' | 'event-cap' | 'stale-view' | 'hostname' | 'group-label' | 'not-tainted' | 'not-draining' | 'deletion-rate'
  | 'max-nodes' | 'min-nodes' | 'launch-rate' | 'cluster-vms' | 'cost-cap' | 'group-cost' | 'vm-list' | 'nodes-leaving' | 'unknown-group'
  | 'invalid-group' | 'offering' | 'pod-placement' | 'event-target' | 'ledger' | 'pods-on-node' | 'ownership';
export type GuardVerdict = { allowed: true } | { allowed: false; rule: GuardRule; message: string };

export const allow: GuardVerdict = { allowed: true };
export const refuse = (rule: GuardRule, message: string): GuardVerdict => ({ allowed: false, rule, message });

export function first(...checks: Array<() => GuardVerdict>): GuardVerdict {
  for (const check of checks) {
    const verdict = check();
    if (!verdict.allowed) return verdict;
  }
  return allow;
}
