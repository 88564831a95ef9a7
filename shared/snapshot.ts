import { z } from 'zod';
import { MAX_FENCING_TOKEN } from './fencing-token.ts';

// Wire contract v1, forwarder → functions: a compact, signed picture of the cluster.
// Only the facts the decisions need (DESIGN.md), never whole objects. Pods that share a spec
// (replicas of one template) are sent once as a `shape`; each pod names its shape by index.
// See docs/wire-contracts.md for an example.

const int = z.number().int();
const nonNegative = int.min(0);
const labels = z.record(z.string(), z.string());

export const resourcesSchema = z.strictObject({
  cpuMillis: nonNegative,
  memoryBytes: nonNegative,
  ephemeralBytes: nonNegative,
});
export type Resources = z.infer<typeof resourcesSchema>;

export const nodeResourcesSchema = resourcesSchema.extend({ pods: nonNegative });
export type NodeResources = z.infer<typeof nodeResourcesSchema>;

export const labelSelectorSchema = z.strictObject({
  matchLabels: labels.optional(),
  matchExpressions: z.array(z.strictObject({
    key: z.string(),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  })).optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const nodeSelectorRequirementSchema = z.strictObject({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
  values: z.array(z.string()).optional(),
});
export type NodeSelectorRequirement = z.infer<typeof nodeSelectorRequirementSchema>;

/** Terms are ORed; the expressions inside a term are ANDed (as in Kubernetes). */
export const nodeSelectorTermSchema = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirementSchema).optional(),
  matchFields: z.array(nodeSelectorRequirementSchema).optional(),
});
export type NodeSelectorTerm = z.infer<typeof nodeSelectorTermSchema>;

export const tolerationSchema = z.strictObject({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});
export type Toleration = z.infer<typeof tolerationSchema>;

export const snapshotTaintSchema = z.strictObject({
  key: z.string(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
});
export type SnapshotTaint = z.infer<typeof snapshotTaintSchema>;

export const podAffinityTermSchema = z.strictObject({
  labelSelector: labelSelectorSchema.optional(),
  /** Empty/absent = the pod's own namespace. */
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string(),
});
export type PodAffinityTerm = z.infer<typeof podAffinityTermSchema>;

export const topologySpreadSchema = z.strictObject({
  maxSkew: int.min(1),
  topologyKey: z.string(),
  whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
  labelSelector: labelSelectorSchema.optional(),
  minDomains: int.min(1).optional(),
});
export type TopologySpread = z.infer<typeof topologySpreadSchema>;

export const hostPortSchema = z.strictObject({
  port: int.min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']),
  hostIP: z.string().optional(),
});
export type HostPort = z.infer<typeof hostPortSchema>;

/** What replicas of one pod template share. */
export const podShapeSchema = z.strictObject({
  /** Effective requests: max(largest init container, sum of containers, sidecars included) + overhead. */
  requests: resourcesSchema,
  labels: labels,
  nodeSelector: labels,
  /** Required node affinity (requiredDuringSchedulingIgnoredDuringExecution) terms; empty = none. */
  nodeAffinity: z.array(nodeSelectorTermSchema),
  tolerations: z.array(tolerationSchema),
  hostPorts: z.array(hostPortSchema),
  /** Required pod affinity / anti-affinity terms. */
  podAffinity: z.array(podAffinityTermSchema),
  podAntiAffinity: z.array(podAffinityTermSchema),
  topologySpread: z.array(topologySpreadSchema),
  /** The controlling owner reference, if any. */
  owner: z.strictObject({ kind: z.string(), name: z.string() }).nullable(),
  priority: int,
  /** Volumes that keep data on the node: emptyDir not backed by memory, hostPath. */
  localVolumes: z.array(z.string()),
  /** Only the annotations a decision reads (safe-to-evict, safe-to-evict-local-volumes, do-not-disrupt, mirror). */
  annotations: labels,
  terminationGracePeriodSeconds: nonNegative,
});
export type PodShape = z.infer<typeof podShapeSchema>;

export const podPhaseSchema = z.enum(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);

export const snapshotPodSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** Index into `podShapes`. */
  shape: nonNegative,
  nodeName: z.string().optional(),
  phase: podPhaseSchema,
  /** PodScheduled=False with reason Unschedulable; since when. */
  unschedulableSinceMs: nonNegative.optional(),
  /** deletionTimestamp is set. */
  terminating: z.boolean().optional(),
  createdAtMs: nonNegative,
  /** status.nominatedNodeName: the scheduler is preempting pods on that node for this one (optional, added later). */
  nominatedNodeName: z.string().min(1).optional(),
});
export type SnapshotPod = z.infer<typeof snapshotPodSchema>;

export const snapshotNodeSchema = z.strictObject({
  name: z.string().min(1),
  labels: labels,
  taints: z.array(snapshotTaintSchema),
  unschedulable: z.boolean(),
  allocatable: nodeResourcesSchema,
  ready: z.boolean(),
  /** When the Ready condition last changed. */
  readyTransitionMs: nonNegative.optional(),
  /** Memory/disk/PID pressure conditions that are True. */
  pressure: z.array(z.enum(['MemoryPressure', 'DiskPressure', 'PIDPressure'])),
  providerID: z.string().optional(),
  createdAtMs: nonNegative,
  /** Only the annotations a decision reads (scale-down-disabled). */
  annotations: labels,
  terminating: z.boolean().optional(),
});
export type SnapshotNode = z.infer<typeof snapshotNodeSchema>;

export const snapshotPdbSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  selector: labelSelectorSchema,
  /** status.disruptionsAllowed as computed by the disruption controller. */
  disruptionsAllowed: nonNegative,
});
export type SnapshotPdb = z.infer<typeof snapshotPdbSchema>;

export const snapshotDaemonSetSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** Index into `podShapes`: the pod template (nodeSelector, affinity, tolerations, requests). */
  shape: nonNegative,
});
export type SnapshotDaemonSet = z.infer<typeof snapshotDaemonSetSchema>;

export const snapshotNodeGroupSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  generation: nonNegative,
  /** The spec as written by the user; the functions validate it again (and apply the defaults). */
  spec: z.unknown(),
});
export type SnapshotNodeGroup = z.infer<typeof snapshotNodeGroupSchema>;

/** A VPSie plan the NodeGroups name, as the forwarder read it from the VPSie API. */
export const offeringSchema = z.strictObject({
  identifier: z.string().min(1),
  nickname: z.string(),
  datacenterID: z.string(),
  cpu: int.min(1),
  ramMiB: int.min(1),
  ssdGiB: nonNegative,
  priceMonthly: z.number().nonnegative(),
});
export type Offering = z.infer<typeof offeringSchema>;

/**
 * One VM (or one pending creation) of this cluster: EVERY row is sent, several per hostname when
 * VPSie holds several (a create retried after a lost answer), each with its own identifier. Only
 * VMs the forwarder judged this cluster's (shared/ownership.ts) or unmarked ones are sent; foreign
 * ones never are. The ownership fields are optional so that older forwarders still validate:
 * absent `marked` means unmarked (never deleted by the orphan sweep).
 */
export const snapshotVmSchema = z.strictObject({
  /** Absent for pending creations (VPSie gives them no identifier yet). */
  identifier: z.string().min(1).optional(),
  hostname: z.string(),
  state: z.enum(['pending', 'created', 'running', 'gone']),
  createdAtMs: nonNegative.optional(),
  /** Carries this cluster's marker in `notes`, or an operator adopted it (forwarder setting). */
  marked: z.boolean().optional(),
  /** The NodeGroup the marker names, if any. */
  nodeGroup: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }).optional(),
  /** Pending creations echo the create's processId (how a later reconcile tells creates apart). */
  processId: z.string().min(1).optional(),
});
export type SnapshotVm = z.infer<typeof snapshotVmSchema>;

export const commandResultSchema = z.strictObject({
  commandId: z.string().min(1),
  planId: z.string().min(1),
  kind: z.string().min(1),
  outcome: z.enum(['succeeded', 'failed', 'refused', 'dry-run']),
  message: z.string().optional(),
  retryable: z.boolean().optional(),
  /** What the command produced (VM identifier for a create, HTTP status of an eviction, …). */
  data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  atMs: nonNegative,
});
export type CommandResult = z.infer<typeof commandResultSchema>;

/**
 * A pod the forwarder could not compact: it exists, so its node is not empty and must not be removed
 * (fail closed). Without nodeName it is not bound to a node (a pod whose node cannot be read at all
 * makes the pods' freshness false instead).
 */
export const snapshotUnknownPodSchema = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  nodeName: z.string().min(1).optional(),
  /** Why it could not be read (the compaction error), for the decision's message. */
  reason: z.string().max(300),
});
export type SnapshotUnknownPod = z.infer<typeof snapshotUnknownPodSchema>;

/** How current the forwarder's picture of one resource is when the snapshot is taken. */
export const resourceFreshnessSchema = z.strictObject({
  /** A complete list was delivered and a watch is open now; false while the watch is down or relisting. */
  fresh: z.boolean(),
  /** Since the last list page or watch event (bookmarks included); absent before the first. */
  lastEventAgeMs: nonNegative.optional(),
  /** Objects that exist but could not be read (compaction failed). */
  unreadable: nonNegative.optional(),
});
export type ResourceFreshness = z.infer<typeof resourceFreshnessSchema>;

/** The resources a snapshot is built from (the keys of `freshness`). */
export const SNAPSHOT_RESOURCES = ['pods', 'nodes', 'pdbs', 'daemonSets', 'nodeGroups'] as const;
export type SnapshotResource = (typeof SNAPSHOT_RESOURCES)[number];

export const SNAPSHOT_VERSION = 'v1';

export const forwarderLimitsSchema = z.strictObject({
  /** The window of the rate caps. */
  windowMs: nonNegative,
  deletionsPerWindow: nonNegative,
  /** Deletions the forwarder would still accept in the current window. */
  deletionsRemaining: nonNegative,
  launchesPerWindow: nonNegative,
  launchesRemaining: nonNegative,
  maxNodesLeaving: nonNegative,
  maxClusterVms: nonNegative,
  maxMonthlyCost: z.number().nonnegative(),
  maxCommandsPerPlan: nonNegative,
  maxEventsPerPlan: nonNegative,
});
export type ForwarderLimits = z.infer<typeof forwarderLimitsSchema>;

export const snapshotSchema = z.strictObject({
  version: z.literal(SNAPSHOT_VERSION),
  clusterId: z.string().min(1).max(64).regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes'),
  takenAtMs: nonNegative,
  /**
   * Every resource of the snapshot is fresh (see `freshness`) and none holds an unreadable node,
   * NodeGroup or PDB: destructive decisions need a synced snapshot.
   */
  synced: z.boolean(),
  /** Per resource (absent from forwarders older than this field: then only `synced` speaks). */
  freshness: z.partialRecord(z.enum(SNAPSHOT_RESOURCES), resourceFreshnessSchema).optional(),
  /** Pods that exist but could not be read; their nodes are kept (absent = none, or an older forwarder). */
  unknownPods: z.array(snapshotUnknownPodSchema).optional(),
  forwarder: z.strictObject({
    id: z.string().min(1),
    version: z.string(),
    dryRun: z.boolean(),
    /** The highest fencing token this forwarder (or its predecessor) has executed (exact: ≤ 2^52, shared/fencing-token.ts). */
    lastFencingToken: nonNegative.max(MAX_FENCING_TOKEN),
    /**
     * The forwarder's caps and what is left of them now (forwarder/guardrails.ts): the planner paces
     * itself so that it never starts what the forwarder will refuse. Absent from older forwarders.
     */
    limits: forwarderLimitsSchema.optional(),
  }),
  nodeGroups: z.array(snapshotNodeGroupSchema),
  nodes: z.array(snapshotNodeSchema),
  podShapes: z.array(podShapeSchema),
  pods: z.array(snapshotPodSchema),
  pdbs: z.array(snapshotPdbSchema),
  daemonSets: z.array(snapshotDaemonSetSchema),
  offerings: z.array(offeringSchema),
  /** This cluster's VMs and unmarked ones matching its hostname pattern (never foreign ones); null when VPSie could not be listed. */
  vms: z.array(snapshotVmSchema).nullable(),
  results: z.array(commandResultSchema),
}).superRefine((snapshot, ctx) => {
  const shapes = snapshot.podShapes.length;
  snapshot.pods.forEach((pod, i) => {
    if (pod.shape >= shapes) ctx.addIssue({ code: 'custom', path: ['pods', i, 'shape'], message: `shape ${pod.shape} does not exist` });
  });
  snapshot.daemonSets.forEach((ds, i) => {
    if (ds.shape >= shapes) ctx.addIssue({ code: 'custom', path: ['daemonSets', i, 'shape'], message: `shape ${ds.shape} does not exist` });
  });
  // Several VMs may share a hostname, never an identifier: the planner deletes extras by identifier.
  const identifiers = new Set<string>();
  snapshot.vms?.forEach((vm, i) => {
    if (vm.identifier === undefined) return;
    if (identifiers.has(vm.identifier)) ctx.addIssue({ code: 'custom', path: ['vms', i, 'identifier'], message: `VM identifier ${vm.identifier} is listed twice` });
    identifiers.add(vm.identifier);
  });
});
export type Snapshot = z.infer<typeof snapshotSchema>;
