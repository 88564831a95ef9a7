import { z } from 'zod';
import { MAX_FENCING_TOKEN } from './fencing-token.ts';
import { clusterStatusSchema } from './cluster-status.ts';
import { nodeGroupStatusSchema } from './nodegroup.ts';

// Wire contract v1, functions → forwarder: a signed plan of commands. Each command has an id that is
// also its idempotency key: the forwarder runs a command id at most once and reports its result with
// the next reconcile. Every command and decision carries a reason as data (the audit trail).

// Bounds on everything a plan carries: the forwarder parses plans from a remote service.
const k8sName = z.string().min(1).max(253).regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name (RFC 1123)');
/** VM hostnames are Node names too: one RFC 1123 label (the guardrails check the cluster's exact pattern). */
const hostname = z.string().min(1).max(63).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'an RFC 1123 label: lowercase letters, digits and dashes, at most 63');
const groupRef = z.strictObject({ namespace: k8sName.max(63), name: k8sName });
export type GroupRef = z.infer<typeof groupRef>;

/** A command's sentence for people at most (the planner shortens longer ones). */
export const MAX_COMMAND_MESSAGE = 2_000;

const base = {
  id: z.string().min(1).max(200),
  /** Machine-readable reason code, e.g. "pending-pods", "underused", "launch-deadline". */
  reason: z.string().min(1).max(128),
  /** One sentence for people. */
  message: z.string().max(MAX_COMMAND_MESSAGE),
  /** The operation (launch or drain) in the ledger this command belongs to, if any. */
  operationId: z.string().max(200).optional(),
};

export const createVmCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('createVm'),
  nodeGroup: groupRef,
  /** Also the Node name; carries the cluster's hostname prefix. */
  hostname,
  offeringId: z.string().min(1).max(128),
  datacenterID: z.string().min(1).max(128),
  osImageID: z.string().min(1).max(128),
});

export const deleteVmCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('deleteVm'),
  nodeGroup: groupRef.optional(),
  hostname,
  /** Unknown when the VM is still pending; the forwarder then looks it up by hostname. */
  vmIdentifier: z.string().min(1).max(128).optional(),
});

/** Taint autoscaler.vpsie.com/to-be-deleted:NoSchedule and cordon. */
export const taintNodeCommandSchema = z.strictObject({ ...base, kind: z.literal('taintNode'), node: k8sName, nodeGroup: groupRef });
/** Remove the taint and uncordon (aborted drain). */
export const untaintNodeCommandSchema = z.strictObject({ ...base, kind: z.literal('untaintNode'), node: k8sName, nodeGroup: groupRef });
/** Through the Eviction API only; a 429 is reported, never replaced by a plain delete. */
export const evictPodCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('evictPod'),
  namespace: k8sName.max(63),
  pod: k8sName,
  node: k8sName,
  nodeGroup: groupRef,
});
export const deleteNodeCommandSchema = z.strictObject({ ...base, kind: z.literal('deleteNode'), node: k8sName, nodeGroup: groupRef });
/** The most pods one releaseNode nominates (a node's max pods is at most 110 by default, 250 by kubelet flag). */
export const MAX_RELEASE_PODS = 500;
/**
 * A node of ours that joined with the startup taint (STARTUP_TAINT, shared/labels.ts) is handed to the
 * scheduler: each listed pod that is still pending and unbound gets status.nominatedNodeName = node (the
 * scheduler then tries that node first and counts the pod against it for others: KEP-1923, KEP-5278),
 * then the startup taint is removed. The pods are the ones the plan placed on this node.
 */
export const releaseNodeCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('releaseNode'),
  node: k8sName,
  nodeGroup: groupRef,
  pods: z.array(z.strictObject({ namespace: k8sName.max(63), name: k8sName })).max(MAX_RELEASE_PODS),
});

export const updateNodeGroupStatusCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('updateNodeGroupStatus'),
  nodeGroup: groupRef,
  status: nodeGroupStatusSchema,
});

export const emitEventCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('emitEvent'),
  involved: z.strictObject({ kind: z.enum(['NodeGroup', 'Pod', 'Node']), namespace: k8sName.max(63).optional(), name: k8sName }),
  type: z.enum(['Normal', 'Warning']),
  /** The Event's reason, e.g. ScaleUpTriggered, ProvisioningFailed, DrainStarted. */
  eventReason: z.string().min(1).max(128).regex(/^[A-Za-z0-9]+$/, 'UpperCamelCase letters and digits'),
});

/** The cluster-wide summary: the forwarder writes it to its ConfigMap vpsie-autoscaler-status (shared/cluster-status.ts). */
export const updateClusterStatusCommandSchema = z.strictObject({
  ...base,
  kind: z.literal('updateClusterStatus'),
  status: clusterStatusSchema,
});

export const commandSchema = z.discriminatedUnion('kind', [
  createVmCommandSchema,
  deleteVmCommandSchema,
  taintNodeCommandSchema,
  untaintNodeCommandSchema,
  evictPodCommandSchema,
  deleteNodeCommandSchema,
  releaseNodeCommandSchema,
  updateNodeGroupStatusCommandSchema,
  emitEventCommandSchema,
  updateClusterStatusCommandSchema,
]);
export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** Why something happened or did not: every scale-up, removal, node kept, pod left pending. */
export const decisionSchema = z.strictObject({
  kind: z.enum(['scale-up', 'scale-down', 'keep-node', 'unschedulable', 'launch-failed', 'drain-aborted', 'orphan-vm', 'replace-node', 'config-error', 'info']),
  /** "ng default/workers", "node w-abc12", "pod default/web-1". */
  target: z.string(),
  nodeGroup: z.string().optional(),
  reason: z.string().min(1),
  message: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type Decision = z.infer<typeof decisionSchema>;

export const PLAN_VERSION = 'v1';

export const planMessageSchema = z.strictObject({
  version: z.literal(PLAN_VERSION),
  clusterId: z.string().min(1),
  planId: z.string().min(1),
  /** Increases with every lease acquisition; the forwarder refuses a plan older than one it executed. */
  fencingToken: z.number().int().min(1).max(MAX_FENCING_TOKEN),
  issuedAtMs: z.number().int().min(0),
  /** More than the forwarder executes from one plan (its cap refuses the rest); bounds parsing. */
  commands: z.array(commandSchema).max(20_000),
  decisions: z.array(decisionSchema).max(50_000),
  /** When the forwarder should call again at the latest (drains and launches in progress ask for sooner). */
  nextContactAfterMs: z.number().int().min(0),
});
export type PlanMessage = z.infer<typeof planMessageSchema>;
