import type { Command, CommandKind, Decision } from '../../shared/plan-message.ts';
import type { Snapshot } from '../../shared/snapshot.ts';

// The planning core's own types: `plan(snapshot, state, policy, nowMs) → PlanResult`.
// Pure data in, pure data out. The functions service loads `PlanningState` from the table,
// calls `plan`, persists `result.state` with conditional writes and sends `result.commands`.

/** "<namespace>/<name>" of a NodeGroup. */
export type GroupKey = string;

export interface GroupState {
  lastScaleUpMs?: number;
  lastScaleDownMs?: number;
  /** No launches for this group before this time (after failures: 5 min doubling to 30). */
  backoffUntilMs?: number;
  consecutiveFailures: number;
}

export interface NodeTimers {
  /** Since when the node has been continuously below both scale-down thresholds. */
  underusedSinceMs?: number;
  /** A failed drain backs the node off until this time. */
  drainBackoffUntilMs?: number;
  /** Since when a managed node has been NotReady (for replacement). */
  notReadySinceMs?: number;
  /** Keyed by VM hostname: since when a VM with the cluster prefix has had no operation and no Node (orphan). */
  vmUnaccountedSinceMs?: number;
}

export type OperationStatus =
  | 'launching' // createVm sent, no VM seen yet
  | 'registering' // VM exists, waiting for a Ready Node
  | 'succeeded'
  | 'failed'
  | 'cordoning' // taint+cordon sent, waiting to re-check
  | 'draining' // evictions in progress
  | 'deleting-node'
  | 'deleting-vm'
  | 'aborting';

export interface LaunchOperation {
  id: string;
  kind: 'launch';
  nodeGroup: GroupKey;
  hostname: string;
  offeringId: string;
  status: OperationStatus;
  createdAtMs: number;
  updatedAtMs: number;
  /** No VM by then → clean up and back off. */
  launchDeadlineMs: number;
  /** No Ready Node by then → clean up and back off. */
  registrationDeadlineMs: number;
  vmIdentifier?: string;
  failure?: string;
  /** A consolidation replacement: once its node is Ready, the nodes it replaces are drained (consolidation/). */
  consolidation?: ConsolidationLink;
}

export interface ConsolidationLink {
  /** Nodes this launch replaces. */
  replaces: string[];
  /** Their monthly price minus the replacement's. */
  monthlySaving: number;
  /** Set once the replaced nodes' drains were started (or the consolidation was given up). */
  handedOff?: boolean;
  /** Why: a cheaper fleet (unset) or a drifted/expired node (consolidation/drift.ts), which need not be cheaper. */
  cause?: 'drifted';
  /** Given up before any of its nodes was drained: the replacement is surplus (scale-down may take it at once). */
  abandoned?: boolean;
}

export interface DrainOperation {
  id: string;
  kind: 'drain';
  nodeGroup: GroupKey;
  node: string;
  hostname: string;
  vmIdentifier?: string;
  /** Empty nodes (only DaemonSet/mirror pods) skip evictions. */
  empty: boolean;
  status: OperationStatus;
  createdAtMs: number;
  updatedAtMs: number;
  deadlineMs: number;
  /** Set when the Node's deletion begins (deleting-node or deleting-vm): past it, the removal is given up. */
  removalDeadlineMs?: number;
  /** VPSie accepted the VM's deletion (a deleteVm succeeded): the machine is going, never hand it back. */
  vmDeleteAccepted?: boolean;
  /** Pods evicted so far ("ns/name"); evictions refused by a PDB (429) are sent again by the next step. */
  evicted: string[];
  /** Evictions are being refused by a PDB (429) since sinceMs: the drain waits at the budget's pace (drain-pdb-wait.ts). */
  pdbWait?: { sinceMs: number; pod: string; message: string; refusals: number };
  failure?: string;
  reason: string;
  /** Why the drain started, for people (the evicted pods' Events say it). */
  reasonMessage?: string;
}

export type Operation = LaunchOperation | DrainOperation;

export interface PlanningState {
  groups: Record<GroupKey, GroupState>;
  nodes: Record<string, NodeTimers>;
  operations: Operation[];
  /** Command ids already answered by results, so a result reported twice changes nothing. */
  seenResults?: string[];
  /**
   * Commands sent and not yet answered (results carry only the command id, so this says what an id
   * meant). Recorded by PlanContext.emit; read and pruned by results.ts (sent-commands.ts).
   */
  sentCommands?: SentCommand[];
  /** Pod Events sent lately, so that a pod pending for an hour is not told the same every reconcile (pod-events.ts). */
  podEvents?: PodEventMemo[];
  /**
   * Per NodeGroup and condition type of its status.conditions: the status and since when
   * (lastTransitionTime changes only on a transition; status-conditions.ts).
   */
  conditionsSince?: Record<GroupKey, Record<string, { status: string; sinceMs: number }>>;
}

export interface PodEventMemo {
  /** "<namespace>/<name>". */
  pod: string;
  eventReason: string;
  /** What makes two events the same (the group and offering of a scale-up, a digest of a message). */
  key: string;
  sentAtMs: number;
  /** The emitEvent command, until the forwarder reports it recorded. */
  commandId?: string;
}

export interface SentCommand {
  commandId: string;
  kind: CommandKind;
  operationId?: string;
  /** What it acts on: the node name, "<namespace>/<pod>" or the VM hostname. */
  target: string;
  sentAtMs: number;
}

export const EMPTY_STATE: PlanningState = { groups: {}, nodes: {}, operations: [] };

export interface Policy {
  clusterId: string;
  /** Every VM this cluster makes has a hostname starting with this prefix. */
  hostnamePrefix: string;
  scaleDownCooldownAfterScaleUpMs: number; // default 10 min
  launchDeadlineMs: number; // default 5 min
  registrationDeadlineMs: number; // default 15 min
  drainDeadlineMs: number; // default 10 min
  /** From the Node's deletion to the VM's verified end; past it the removal is given up. */
  removalDeadlineMs: number; // default 15 min
  backoffInitialMs: number; // default 5 min
  backoffMaxMs: number; // default 30 min
  /** Replace a managed node NotReady for longer than this (a NodeGroup's notReadyReplacement.afterSeconds wins). */
  notReadyReplaceAfterMs: number; // default 30 min (Karpenter's node repair wait; see not-ready.ts)
  maxEmptyRemovalsPerGroup: number; // default 10 (Cluster Autoscaler's --max-empty-bulk-delete)
  maxNonEmptyDrainsPerGroup: number; // default 1
  /**
   * How PodDisruptionBudgets gate a drain's start (pdb-budget.ts): "paced" (default, Karpenter) — every
   * PDB covering the node's pods allows at least one disruption now, and the drain evicts at the
   * budget's pace; "all-at-once" (Cluster Autoscaler) — they allow all of the node's pods at once.
   */
  pdbDisruptionMode: 'paced' | 'all-at-once';
  /** Count DaemonSet and mirror pods in utilization (Cluster Autoscaler's default is to count them). */
  countDaemonSetPodsInUtilization: boolean;
  /** Treat observation windows and cooldowns as elapsed (plan CLI what-if). */
  assumeWindowsElapsed: boolean;
  /** Bound on the node-selection search (number of candidate evaluations). */
  searchBudget: number;
  /**
   * Pods with a priority below this neither trigger a scale-up nor keep a node from being removed
   * (Cluster Autoscaler's --expendable-pods-priority-cutoff). Overprovisioning pause pods at −1 count.
   */
  expendablePodsPriorityCutoff: number;
  /**
   * Similar NodeGroups (same labels, taints, weight and node sizes; typically one per datacenter)
   * share a scale-up evenly (Cluster Autoscaler's --balance-similar-node-groups; off, as there).
   */
  balanceSimilarNodeGroups: boolean;
  /**
   * Among fleets whose cost (prices plus spec.nodeOverhead) is within this share of the cheapest
   * found, the scale-up takes the one with the fewest nodes (scale-up/fewer-nodes.ts); 0 = cheapest.
   */
  fewerNodesTolerancePercent: number; // default 3
  /**
   * Pending pods that arrive together are planned together (scale-up/burst.ts): while a pending pod
   * arrived less than this ago (created, or judged unschedulable) the scale-up for pods waits; 0 = off.
   */
  scaleUpBatchIdleMs: number; // default 1 s (Karpenter's BATCH_IDLE_DURATION; see scale-up/burst.ts)
  /** ...but never longer than this after the burst's first pod arrived. */
  scaleUpBatchMaxMs: number; // default 30 s (Karpenter's BATCH_MAX_DURATION is 10 s; see scale-up/burst.ts)
}

export const DEFAULT_POLICY: Omit<Policy, 'clusterId' | 'hostnamePrefix'> = {
  scaleDownCooldownAfterScaleUpMs: 10 * 60_000,
  launchDeadlineMs: 5 * 60_000,
  registrationDeadlineMs: 15 * 60_000,
  drainDeadlineMs: 10 * 60_000,
  removalDeadlineMs: 15 * 60_000,
  backoffInitialMs: 5 * 60_000,
  backoffMaxMs: 30 * 60_000,
  notReadyReplaceAfterMs: 30 * 60_000,
  maxEmptyRemovalsPerGroup: 10,
  maxNonEmptyDrainsPerGroup: 1,
  pdbDisruptionMode: 'paced',
  countDaemonSetPodsInUtilization: true,
  assumeWindowsElapsed: false,
  searchBudget: 200_000,
  expendablePodsPriorityCutoff: -10,
  balanceSimilarNodeGroups: false,
  fewerNodesTolerancePercent: 3,
  scaleUpBatchIdleMs: 1_000,
  scaleUpBatchMaxMs: 30_000,
};

export interface ProvisionSummary { nodeGroup: GroupKey; offering: string; count: number; monthlyCost: number; reason?: string; replaces?: string[] }
/** `monthlySaving`: the node's monthly price (null when unknown); for a consolidation, its price minus its replacement's (`replacedBy`). */
export interface RemovalSummary { node: string; nodeGroup: GroupKey; reason: string; monthlySaving?: number | null; replacedBy?: string }
export interface UnschedulableSummary { pod: string; reason: string; message: string }
export interface KeptNode { node: string; nodeGroup?: GroupKey; reason: string; message: string }

export interface PlanResult {
  /** Commands in execution order; ids are deterministic (same inputs → same ids). */
  commands: Command[];
  decisions: Decision[];
  state: PlanningState;
  provision: ProvisionSummary[];
  remove: RemovalSummary[];
  unschedulable: UnschedulableSummary[];
  kept: KeptNode[];
  /** Change in monthly cost from launches and removals decided now. */
  monthlyCostDelta: number;
  /** The earliest time something needs another look (drain progress, deadlines, windows). */
  nextContactAfterMs: number;
}

export type { Snapshot };
