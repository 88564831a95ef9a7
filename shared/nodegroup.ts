import { z } from 'zod';
import { API_GROUP, API_VERSION, NODEGROUP_KIND } from './labels.ts';
import { isQuantity, QUANTITY_PATTERN } from './quantity.ts';
import { cronProblem } from './cron.ts';

// The NodeGroup custom resource (autoscaler.vpsie.com/v1alpha1, namespaced).
// IMPORTANT: this schema is the single source of truth; infra/crds/ is generated from it and a test
// checks that they agree. Every default lives in NODEGROUP_DEFAULTS below and nowhere else.

export const NODEGROUP_DEFAULTS = {
  minNodes: 0,
  labels: {} as Record<string, string>,
  taints: [] as Taint[],
  allowMixedInstances: true,
  scaleUpPolicy: {
    /** A pod must have been unschedulable this long before it triggers a launch. */
    stabilizationWindowSeconds: 0,
    /** Proactive scale-up: requested/allocatable over the group's ready nodes above this (percent) adds a node. 100 = off. */
    cpuThreshold: 100,
    memoryThreshold: 100,
  },
  scaleDownPolicy: {
    enabled: true,
    /** A node must stay below both thresholds this long before it may be removed. */
    stabilizationWindowSeconds: 600,
    cpuThreshold: 50,
    memoryThreshold: 50,
  },
  kubelet: {
    maxPods: 110,
    kubeReserved: { cpu: '100m', memory: '256Mi' },
    systemReserved: { cpu: '100m', memory: '256Mi' },
    evictionHard: { 'memory.available': '100Mi' },
  },
  bootstrap: { key: 'cloud-init' },
  notReadyReplacement: {
    /** Nodes holding pods without a controller or with local storage are not replaced unless opted in. */
    replaceNodesWithLocalData: false,
  },
  disruption: {
    /** Off: no replacement by a cheaper node; WhenEmpty: only empty nodes are removed. */
    consolidationPolicy: 'WhenEmptyOrUnderutilized',
    /** No pod may have landed on the node (and the node not joined) for this long before it is replaced. */
    consolidateAfterSeconds: 600,
    /** A replacement must save at least this share of the replaced node's monthly price. */
    minSavingPercent: 20,
    /**
     * A node younger than this is never replaced: VPSie may flag VMs created and deleted within about
     * 15 days as abuse (docs/consolidation.md), so a replacement waits until the VM has lived that long.
     */
    minNodeAgeSeconds: 15 * 24 * 3600,
    /**
     * Karpenter's 10 % for nodes that hold workloads; empty nodes (only DaemonSet or mirror pods) go
     * 10 at a time, as Cluster Autoscaler's --max-empty-bulk-delete: removing them disrupts nothing,
     * and a 10 % budget would take a 50-node group about 23 rounds to empty (issue 22). Set
     * [{ nodes: "10%" }] for Karpenter's default exactly.
     */
    budgets: [{ nodes: '10%', reasons: ['Underutilized', 'Drifted'] }, { nodes: '10', reasons: ['Empty'] }] as DisruptionBudget[],
  },
  nodeOverhead: {
    /**
     * What one more node costs beyond its plan's price, per month, as a planning weight (docs/scale-up.md
     * "Node overhead"): an ESTIMATE, the market price of a public IPv4 address (AWS charges 0.005 USD
     * per hour since February 2024, × 730 h = 3.65). DaemonSet requests and kubelet reservations are
     * already counted in each new node's room; this stands for what is not: the address, monitoring
     * and control-plane load per node, and VPSie's churn rule counting VMs.
     */
    monthlyCost: 3.65,
  },
} as const;

/** The reasons a disruption budget may be limited to. */
export const DISRUPTION_REASONS = ['Empty', 'Underutilized', 'Drifted'] as const;
export type DisruptionReason = (typeof DISRUPTION_REASONS)[number];
export interface DisruptionBudget { nodes: string; schedule?: string; durationSeconds?: number; reasons?: DisruptionReason[] }

/** Bounds of notReadyReplacement.afterSeconds: at least the node lifecycle controller's 5 min eviction, at most a week. */
export const NOT_READY_AFTER_SECONDS = { min: 300, max: 7 * 24 * 3600 } as const;

// RFC 1123 / Kubernetes qualified names, as validated by apimachinery.
const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return `label key "${key}": prefix must be a DNS subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return `label key "${key}": name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return `label value "${value}": must be at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
  }
  return undefined;
}

const labelMap = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  for (const [key, value] of Object.entries(labels)) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [key] });
  }
});

// The pattern is for the CRD (the API server refuses bad quantities at apply time); zod checks with isQuantity.
const quantity = z.string().refine(isQuantity, { message: 'not a Kubernetes quantity (e.g. 100m, 512Mi, 1Gi)' }).meta({ pattern: QUANTITY_PATTERN });
const percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');
const count = z.number().int('must be an integer').min(0, 'must not be negative');

export const taintSchema = z.strictObject({
  key: z.string().refine((k) => labelKeyProblem(k) === undefined, { message: 'not a valid taint key' }),
  value: z.string().refine((v) => labelValueProblem(v) === undefined, { message: 'not a valid taint value' }).optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], {
    message: 'effect must be NoSchedule, PreferNoSchedule or NoExecute',
  }),
});
export type Taint = z.infer<typeof taintSchema>;

const resourcePair = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

export const kubeletSchema = z.strictObject({
  maxPods: z.number().int().min(1, 'must be at least 1').max(10_000).default(NODEGROUP_DEFAULTS.kubelet.maxPods),
  kubeReserved: resourcePair.default({ ...NODEGROUP_DEFAULTS.kubelet.kubeReserved }),
  systemReserved: resourcePair.default({ ...NODEGROUP_DEFAULTS.kubelet.systemReserved }),
  evictionHard: z.strictObject({ 'memory.available': quantity.optional() })
    .default({ ...NODEGROUP_DEFAULTS.kubelet.evictionHard }),
});

export const scaleUpPolicySchema = z.strictObject({
  stabilizationWindowSeconds: count.default(NODEGROUP_DEFAULTS.scaleUpPolicy.stabilizationWindowSeconds),
  cpuThreshold: percent.default(NODEGROUP_DEFAULTS.scaleUpPolicy.cpuThreshold),
  memoryThreshold: percent.default(NODEGROUP_DEFAULTS.scaleUpPolicy.memoryThreshold),
});

export const scaleDownPolicySchema = z.strictObject({
  enabled: z.boolean().default(NODEGROUP_DEFAULTS.scaleDownPolicy.enabled),
  stabilizationWindowSeconds: count.default(NODEGROUP_DEFAULTS.scaleDownPolicy.stabilizationWindowSeconds),
  cpuThreshold: percent.default(NODEGROUP_DEFAULTS.scaleDownPolicy.cpuThreshold),
  memoryThreshold: percent.default(NODEGROUP_DEFAULTS.scaleDownPolicy.memoryThreshold),
});

export const bootstrapSchema = z.strictObject({
  /** Secret in the NodeGroup's namespace holding the cloud-init template. */
  secretName: z.string().min(1),
  key: z.string().min(1).default(NODEGROUP_DEFAULTS.bootstrap.key),
  /**
   * How the rendered template reaches the VM: a stored VPSie script (`script`, the path VPSie's own
   * tools prove; the template must render to a shell script) or cloud-init user data (`userData`,
   * unproven on /apps/v2/vm). Unset (auto): script for a `#!` template, userData otherwise.
   */
  delivery: z.enum(['auto', 'script', 'userData']).optional(),
});

export const notReadyReplacementSchema = z.strictObject({
  // No default here: unset, the functions' notReadyReplaceAfterMs applies (30 minutes by default).
  afterSeconds: z.number().int('must be an integer')
    .min(NOT_READY_AFTER_SECONDS.min, `must be at least ${NOT_READY_AFTER_SECONDS.min}`)
    .max(NOT_READY_AFTER_SECONDS.max, `must be at most ${NOT_READY_AFTER_SECONDS.max}`).optional(),
  replaceNodesWithLocalData: z.boolean().default(NODEGROUP_DEFAULTS.notReadyReplacement.replaceNodesWithLocalData),
});

// A string, as in Karpenter ("10%" or "2"): a structural CRD cannot say int-or-string without losing its type check.
const budgetNodes = z.string().regex(/^([0-9]{1,6}|(100|[1-9]?[0-9])%)$/, 'must be a node count ("2") or a percentage from 0% to 100% ("10%")');

export const disruptionBudgetSchema = z.strictObject({
  nodes: budgetNodes,
  /** Cron, 5 fields, UTC (or @hourly, @daily, @weekly, @monthly, @yearly): when the budget starts to apply. */
  schedule: z.string().min(1).max(128).superRefine((text, ctx) => {
    const problem = cronProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }).optional(),
  durationSeconds: z.number().int('must be an integer').min(60, 'must be at least 60').max(31 * 24 * 3600, 'must be at most 31 days').optional(),
  reasons: z.array(z.enum(DISRUPTION_REASONS)).max(DISRUPTION_REASONS.length).optional(),
}).refine((b) => (b.schedule === undefined) === (b.durationSeconds === undefined), { message: 'schedule and durationSeconds go together' });

export const disruptionSchema = z.strictObject({
  consolidationPolicy: z.enum(['Off', 'WhenEmpty', 'WhenEmptyOrUnderutilized']).default(NODEGROUP_DEFAULTS.disruption.consolidationPolicy),
  consolidateAfterSeconds: count.default(NODEGROUP_DEFAULTS.disruption.consolidateAfterSeconds),
  minSavingPercent: percent.default(NODEGROUP_DEFAULTS.disruption.minSavingPercent),
  minNodeAgeSeconds: count.default(NODEGROUP_DEFAULTS.disruption.minNodeAgeSeconds),
  budgets: z.array(disruptionBudgetSchema).max(50).default(() => NODEGROUP_DEFAULTS.disruption.budgets.map((b) => ({ ...b }))),
  /** Maximum node lifetime: an older node is replaced as drifted (gracefully, within budgets). Unset: no limit. */
  expireAfterSeconds: z.number().int('must be an integer').min(3600, 'must be at least 3600 (an hour)').max(5 * 365 * 24 * 3600, 'must be at most 5 years').optional(),
});

/**
 * Karpenter's NodePool spec.limits: a launch that would take the group's provisioned total (every
 * member that may be billed: Nodes, VMs, launches in flight, counted at their offering's size and
 * price) over a limit is not planned, and the forwarder refuses a create over monthlyCost.
 */
export const groupLimitsSchema = z.strictObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  /** In the VPSie account's currency, as the catalogue's monthly prices. */
  monthlyCost: z.number().nonnegative('must not be negative').optional(),
});
export type GroupLimits = z.infer<typeof groupLimitsSchema>;

/**
 * spec.nodeOverhead: a per-node cost the scale-up search adds to every offering's price, so that among
 * fleets that cost about the same it picks the one with fewer nodes. A planning weight only: planned
 * and reported costs (monthlyCostDelta, the forwarder's cost caps, spec.limits.monthlyCost) stay the
 * offerings' real prices.
 */
export const nodeOverheadSchema = z.strictObject({
  /** In the VPSie account's currency per node and month; 0 = plan prices only. */
  monthlyCost: z.number().nonnegative('must not be negative').max(100_000, 'must be at most 100000').default(NODEGROUP_DEFAULTS.nodeOverhead.monthlyCost),
});

/** Karpenter's NodePool weight bounds (1-100); unset counts as 0, below every weighted group. */
export const WEIGHT_BOUNDS = { min: 1, max: 100 } as const;

export const nodeGroupSpecSchema = z.strictObject({
  minNodes: count.default(NODEGROUP_DEFAULTS.minNodes),
  maxNodes: count,
  datacenterID: z.string().min(1, 'must not be empty'),
  // list-type set: the API server refuses a repeated offering, as the check below does.
  // Bounded so the CRD's CEL rule (preferredInstanceType in offeringIDs) stays within the API server's cost budget.
  offeringIDs: z.array(z.string().min(1).max(128)).min(1, 'must list at least one offering').max(32, 'must list at most 32 offerings')
    .meta({ 'x-kubernetes-list-type': 'set' }),
  osImageID: z.string().min(1, 'must not be empty'),
  labels: labelMap.default({}),
  taints: z.array(taintSchema).default([]),
  scaleUpPolicy: scaleUpPolicySchema.prefault({}),
  scaleDownPolicy: scaleDownPolicySchema.prefault({}),
  preferredInstanceType: z.string().min(1).max(128).optional(),
  allowMixedInstances: z.boolean().default(NODEGROUP_DEFAULTS.allowMixedInstances),
  // prefault: the sections' own defaults are applied on every parse, so no two parses share objects.
  kubelet: kubeletSchema.prefault({}),
  bootstrap: bootstrapSchema.optional(),
  notReadyReplacement: notReadyReplacementSchema.prefault({}),
  disruption: disruptionSchema.prefault({}),
  /** Higher first: pending pods go to the highest-weight group that can take them (Karpenter weight, CA priority expander). */
  weight: z.number().int('must be an integer').min(WEIGHT_BOUNDS.min, `must be at least ${WEIGHT_BOUNDS.min}`).max(WEIGHT_BOUNDS.max, `must be at most ${WEIGHT_BOUNDS.max}`).optional(),
  limits: groupLimitsSchema.optional(),
  nodeOverhead: nodeOverheadSchema.prefault({}),
}).superRefine((spec, ctx) => {
  // IMPORTANT: runs even when fields are invalid (`when` below), so "minNodes > maxNodes" is reported
  // together with every other problem instead of only after they are fixed. The value may therefore
  // be anything: read it defensively.
  const raw = spec as unknown;
  if (typeof raw !== 'object' || raw === null) return;
  const { minNodes = 0, maxNodes, offeringIDs, preferredInstanceType } = raw as Record<string, unknown>;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (isCount(minNodes) && isCount(maxNodes) && minNodes > maxNodes) {
    ctx.addIssue({ code: 'custom', path: ['minNodes'], message: `minNodes (${minNodes}) must not exceed maxNodes (${maxNodes})` });
  }
  const offerings = Array.isArray(offeringIDs) ? offeringIDs.filter((o): o is string => typeof o === 'string') : [];
  if (typeof preferredInstanceType === 'string' && offerings.length > 0 && !offerings.includes(preferredInstanceType)) {
    ctx.addIssue({ code: 'custom', path: ['preferredInstanceType'], message: `"${preferredInstanceType}" is not one of offeringIDs` });
  }
  if (new Set(offerings).size !== offerings.length) {
    ctx.addIssue({ code: 'custom', path: ['offeringIDs'], message: 'must not repeat an offering' });
  }
}, { when: () => true }).meta({
  // The same cross-field checks as CEL rules in the CRD, so `kubectl apply` refuses them too.
  'x-kubernetes-validations': [
    { rule: '!has(self.minNodes) || self.minNodes <= self.maxNodes', message: 'minNodes must not exceed maxNodes', fieldPath: '.minNodes' },
    { rule: '!has(self.preferredInstanceType) || self.preferredInstanceType in self.offeringIDs', message: 'preferredInstanceType must be one of offeringIDs', fieldPath: '.preferredInstanceType' },
  ],
});
export type NodeGroupSpec = z.infer<typeof nodeGroupSpecSchema>;
export type NodeGroupSpecInput = z.input<typeof nodeGroupSpecSchema>;

/** status.scaleDownCandidates holds at most this many nodes (removals first). */
export const MAX_SCALE_DOWN_CANDIDATES = 20;

export const conditionSchema = z.strictObject({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().min(1),
  message: z.string(),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

export const nodeGroupStatusSchema = z.strictObject({
  currentNodes: count.default(0),
  desiredNodes: count.default(0),
  readyNodes: count.default(0),
  conditions: z.array(conditionSchema).default([]).meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
  nodeList: z.array(z.strictObject({
    nodeName: z.string(),
    vpsID: z.string(),
    instanceType: z.string(),
    status: z.enum(['Provisioning', 'Joining', 'Ready', 'NotReady', 'Draining', 'Deleting']),
    createdAt: z.string(),
  })).default([]),
  observedGeneration: z.number().int().optional(),
  /** When the last scale-up (launch) / scale-down (drain start) of the group was decided. */
  lastScaleUpTime: z.string().optional(),
  lastScaleDownTime: z.string().optional(),
  /** Nodes the scale-down looked at (underused, leaving, or held back), each with why it is kept or going; bounded. */
  scaleDownCandidates: z.array(z.strictObject({
    nodeName: z.string(),
    action: z.enum(['Remove', 'Keep']),
    reason: z.string(),
    message: z.string().max(512),
  })).max(MAX_SCALE_DOWN_CANDIDATES).optional(),
});
export type NodeGroupStatus = z.infer<typeof nodeGroupStatusSchema>;

export const nodeGroupSchema = z.object({
  apiVersion: z.literal(`${API_GROUP}/${API_VERSION}`),
  kind: z.literal(NODEGROUP_KIND),
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1).default('default'),
    generation: z.number().int().optional(),
    uid: z.string().optional(),
  }).loose(),
  spec: nodeGroupSpecSchema,
  status: nodeGroupStatusSchema.optional(),
});
export type NodeGroup = z.infer<typeof nodeGroupSchema>;

export class NodeGroupValidationError extends Error {
  override name = 'NodeGroupValidationError';
  constructor(readonly group: string, readonly problems: string[], options?: { cause?: unknown }) {
    super(`NodeGroup ${group} is invalid: ${problems.join('; ')}`, options);
  }
}

/** "spec.kubelet.kubeReserved.cpu: not a Kubernetes quantity" — paths name the field. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return `${path ? path + '.' : ''}${issue.keys.join(', ')}: unknown field${issue.keys.length > 1 ? 's' : ''}`;
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}

export function parseNodeGroup(raw: unknown): NodeGroup {
  const result = nodeGroupSchema.safeParse(raw);
  if (!result.success) {
    const name = (raw as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
    throw new NodeGroupValidationError(typeof name === 'string' ? name : '(unnamed)', formatIssues(result.error), { cause: result.error });
  }
  return result.data;
}

export function parseNodeGroupSpec(raw: unknown, name = '(unnamed)'): NodeGroupSpec {
  const result = nodeGroupSpecSchema.safeParse(raw);
  if (!result.success) throw new NodeGroupValidationError(name, formatIssues(result.error, 'spec'), { cause: result.error });
  return result.data;
}
