import type { ClusterModel } from '../simulation/cluster-model.ts';
import { admission, ClassFacts, type PodClass } from './classes.ts';
import type { GroupCapacity } from './groups.ts';

// Why pending pods get no node, in words a person can act on. Every group is examined; the reason
// reported is the most actionable one (raise maxNodes before fixing a selector that only one
// group fails), with the other groups' reasons appended.

export type UnschedulableReason =
  | 'no-node-groups'
  | 'no-group-admits'
  | 'offering-missing'
  | 'too-large'
  | 'pod-affinity'
  | 'host-port'
  | 'group-backoff'
  | 'group-at-maximum'
  | 'group-limit'
  | 'constraints'
  | 'stabilization-window';

/** An ISO time, or 'further notice' beyond what Date can represent. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : 'further notice';
}

const RANK: UnschedulableReason[] = ['stabilization-window', 'group-at-maximum', 'group-limit', 'group-backoff', 'constraints', 'pod-affinity', 'host-port', 'too-large', 'offering-missing', 'no-group-admits', 'no-node-groups'];

export interface Diagnosis {
  reason: UnschedulableReason;
  message: string;
  /** For 'stabilization-window': when the earliest eligible group's window ends. */
  waitUntilMs?: number;
}

export interface DiagnoseInput {
  model: ClusterModel;
  capacities: readonly GroupCapacity[];
  /** New nodes each group may still take after this plan's launches. */
  roomLeft: readonly number[];
  /** Why no offering of group g may take another node under its spec.limits (undefined: one may). */
  limitProblem?: (groupIndex: number) => string | undefined;
  /** When the class becomes eligible for group g (window end), undefined when it already is. */
  windowEndsMs: (cls: PodClass, groupIndex: number) => number | undefined;
  /** What the simulation said when the pods did not fit the planned nodes. */
  simulationMessage?: string;
  nowMs: number;
}

function perGroup(input: DiagnoseInput, cls: PodClass, g: number, facts: ClassFacts): Diagnosis {
  const capacity = input.capacities[g]!;
  const name = capacity.group.key;
  if (capacity.templates.length === 0) {
    return { reason: 'offering-missing', message: `group ${name}: none of its offerings (${capacity.missingOfferings.join(', ')}) is in the VPSie catalogue` };
  }
  const admissions = capacity.templates.map((t) => ({ template: t, admission: admission(input.model, cls, t, true, false, facts) }));
  const admitted = admissions.filter((a) => !a.admission.misfit || !['node-selector', 'node-affinity', 'taint'].includes(a.admission.misfit.reason));
  if (admitted.length === 0) {
    const misfit = admissions[0]!.admission.misfit!;
    const labels = admissions[0]!.template.labels;
    const unmatched = Object.entries(cls.shape.nodeSelector).filter(([k, v]) => labels[k] !== v).map(([k, v]) => `${k}=${v}`);
    const why = misfit.reason === 'taint'
      ? misfit.message.replace(/^node \S+ has/, 'its nodes have')
      : misfit.reason === 'node-selector'
        ? `its nodes lack the label(s) ${unmatched.join(', ')} of the pod's nodeSelector (add them to spec.labels, or make another group)`
        : "its nodes' labels do not match the pod's required node affinity";
    return { reason: 'no-group-admits', message: `group ${name}: ${why}` };
  }
  const fitting = admitted.filter((a) => a.admission.cap > 0);
  if (fitting.length === 0) {
    const misfit = admitted[0]!.admission.misfit!;
    const reason = misfit.reason === 'pod-affinity' ? 'pod-affinity' : misfit.reason === 'host-port' ? 'host-port' : misfit.reason === 'topology-spread' ? 'constraints' : 'too-large';
    const largest = admitted.reduce((a, b) => (b.template.free.cpuMillis + b.template.free.memoryBytes / 2 ** 20 > a.template.free.cpuMillis + a.template.free.memoryBytes / 2 ** 20 ? b : a));
    const message = reason === 'too-large'
      ? `group ${name}: the pod is larger than every offering; it ${largest.admission.misfit!.message}`
      : `group ${name}: ${misfit.message}`;
    return { reason, message };
  }
  const windowEnd = input.windowEndsMs(cls, g);
  if (windowEnd !== undefined) {
    return { reason: 'stabilization-window', message: `group ${name}: waiting for its scale-up stabilization window (until ${isoTime(windowEnd)})`, waitUntilMs: windowEnd };
  }
  if (capacity.backoffUntilMs !== undefined) {
    return { reason: 'group-backoff', message: `group ${name} is backed off after failed launches until ${isoTime(capacity.backoffUntilMs)}` };
  }
  if (input.roomLeft[g]! <= 0) {
    return { reason: 'group-at-maximum', message: `group ${name} is at its maximum of ${capacity.group.spec.maxNodes} nodes (raise spec.maxNodes)` };
  }
  const limit = input.limitProblem?.(g);
  if (limit !== undefined) {
    return { reason: 'group-limit', message: `group ${name} is at its limits: another node would pass ${limit} (raise spec.limits)` };
  }
  return { reason: 'constraints', message: `group ${name}: ${input.simulationMessage ?? 'the pod does not fit the planned nodes'}` };
}

export function diagnose(input: DiagnoseInput, cls: PodClass): Diagnosis {
  if (input.capacities.length === 0) {
    return { reason: 'no-node-groups', message: 'no valid NodeGroup exists to launch a node for it' };
  }
  // The class's own facts, read once for every group's templates (the model does not change here).
  const facts = new ClassFacts(input.model, cls);
  const all = input.capacities.map((_, g) => perGroup(input, cls, g, facts));
  // Within a reason, a group that only lacks a toleration is closer than one whose labels differ.
  const closeness = (d: Diagnosis) => (d.reason === 'no-group-admits' && / taint /.test(d.message) ? 0 : 1);
  all.sort((a, b) => RANK.indexOf(a.reason) - RANK.indexOf(b.reason) || closeness(a) - closeness(b));
  const [best, ...others] = all;
  const waits = all.filter((d) => d.reason === 'stabilization-window').map((d) => d.waitUntilMs!);
  const rest = others.slice(0, 3).map((d) => d.message);
  const more = others.length > 3 ? `; and ${others.length - 3} more group(s)` : '';
  return {
    reason: best!.reason,
    message: [best!.message, ...rest].join('; ') + more,
    ...(waits.length > 0 ? { waitUntilMs: Math.min(...waits) } : {}),
  };
}
