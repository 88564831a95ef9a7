import { z } from 'zod';

// The cluster-wide summary the forwarder writes to the ConfigMap vpsie-autoscaler-status in its
// namespace, as Cluster Autoscaler's cluster-autoscaler-status ConfigMap gives one: health, pending
// pods, scale-up / scale-down activity per NodeGroup, and when the autoscaler last acted.

export const CLUSTER_STATUS_CONFIGMAP = 'vpsie-autoscaler-status';
/** The ConfigMap's data key (JSON, which is also YAML: `kubectl describe cm` shows it as written). */
export const CLUSTER_STATUS_KEY = 'status';
export const MAX_STATUS_GROUPS = 200;

const health = z.enum(['Healthy', 'Degraded', 'Unhealthy']);
const time = z.string().max(40);

export const groupSummarySchema = z.strictObject({
  /** "<namespace>/<name>". */
  name: z.string().min(1).max(317),
  health,
  /** Why the health is what it is (the failing condition's message), or a one-line summary. */
  message: z.string().max(512),
  readyNodes: z.number().int().min(0),
  currentNodes: z.number().int().min(0),
  desiredNodes: z.number().int().min(0),
  minNodes: z.number().int().min(0),
  maxNodes: z.number().int().min(0),
  scaleUp: z.enum(['InProgress', 'NoActivity', 'Backoff', 'AtMaxNodes']),
  scaleDown: z.enum(['InProgress', 'CandidatesPresent', 'NoCandidates']),
  lastScaleUpTime: time.optional(),
  lastScaleDownTime: time.optional(),
});
export type GroupSummary = z.infer<typeof groupSummarySchema>;

export const clusterStatusSchema = z.strictObject({
  /** When the plan was made. */
  time,
  health,
  message: z.string().max(1024),
  nodeGroups: z.array(groupSummarySchema).max(MAX_STATUS_GROUPS),
  /** Groups left out of nodeGroups to keep the ConfigMap bounded. */
  nodeGroupsOmitted: z.number().int().min(0).optional(),
  pendingPods: z.strictObject({
    /** Pods the scheduler marked unschedulable. */
    unschedulable: z.number().int().min(0),
    /** ... that get a node from a launch (this plan's or one in flight). */
    triggeredScaleUp: z.number().int().min(0),
    /** ... that no NodeGroup can help (NotTriggerScaleUp). */
    notTriggeredScaleUp: z.number().int().min(0),
  }),
  /** The latest scale-up / scale-down of any group, and the latest of both. */
  lastScaleUpTime: time.optional(),
  lastScaleDownTime: time.optional(),
  lastActivityTime: time.optional(),
});
export type ClusterStatus = z.infer<typeof clusterStatusSchema>;
