import { CompactError } from '../errors.ts';
import { DO_NOT_DISRUPT, MIRROR_POD_ANNOTATION, SAFE_TO_EVICT, SAFE_TO_EVICT_LOCAL_VOLUMES } from '../labels.ts';
import type { HostPort, LabelSelector, PodAffinityTerm, PodShape, SnapshotPod, TopologySpread } from '../snapshot.ts';
import type { KubeLabelSelector, KubeMeta, KubePod, KubePodAffinityTerm, KubePodSpec } from './kube-types.ts';
import { effectiveRequests } from './pod-requests.ts';
import { labelSelector, nodeSelectorTerm, stringMap, toleration } from './selectors.ts';
import { toEpochMs } from './time.ts';

// Pod → (per-pod facts, shape). The shape holds everything replicas of one template share; the
// per-pod part is identity, placement and lifecycle. Only the facts DESIGN.md's decisions read.

export interface CompactPod {
  pod: Omit<SnapshotPod, 'shape'>;
  shape: PodShape;
}

/** The only annotations a decision reads; everything else is dropped (values can be large). */
export const POD_ANNOTATIONS = [SAFE_TO_EVICT, SAFE_TO_EVICT_LOCAL_VOLUMES, DO_NOT_DISRUPT, MIRROR_POD_ANNOTATION] as const;
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
/**
 * Admission resolves priorityClassName into priority on pods; templates (DaemonSets) and pods read
 * from files have only the name. The two built-in classes are known without asking the API.
 */
const BUILTIN_PRIORITIES: Record<string, number> = { 'system-node-critical': 2_000_001_000, 'system-cluster-critical': 2_000_000_000 };
const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown']);
const PROTOCOLS = new Set(['TCP', 'UDP', 'SCTP']);

/** "pod default/web-1", "node w-1": how errors name the object they are about. */
export function objectName(kind: string, meta: KubeMeta | null | undefined, namespaced = true): string {
  const name = meta?.name ?? '(unnamed)';
  return namespaced ? `${kind} ${meta?.namespace ?? 'default'}/${name}` : `${kind} ${name}`;
}

function pickAnnotations(annotations: Record<string, string> | null | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = annotations?.[key];
    if (value !== undefined && value !== null) out[key] = String(value);
  }
  return out;
}

/**
 * matchLabelKeys / mismatchLabelKeys are shorthand for "In/NotIn my own value of this label"; the API
 * server or the scheduler merges them into the selector. Done here so the planner sees one selector.
 * Expressions already merged by the API server are not added twice.
 */
function withLabelKeys(selector: LabelSelector, podLabels: Record<string, string>, match: readonly string[], mismatch: readonly string[]): LabelSelector {
  const expressions = [...(selector.matchExpressions ?? [])];
  const addExpr = (key: string, operator: 'In' | 'NotIn') => {
    const value = podLabels[key];
    if (value === undefined) return;
    const exists = expressions.some((e) => e.key === key && e.operator === operator && e.values?.length === 1 && e.values[0] === value);
    if (!exists) expressions.push({ key, operator, values: [value] });
  };
  match.forEach((k) => addExpr(k, 'In'));
  mismatch.forEach((k) => addExpr(k, 'NotIn'));
  return expressions.length > 0 ? { ...selector, matchExpressions: expressions } : selector;
}

function selectorFor(selector: KubeLabelSelector | null | undefined, podLabels: Record<string, string>, object: string, field: string,
  match: readonly string[] = [], mismatch: readonly string[] = []): LabelSelector | undefined {
  if (!selector) return undefined;
  return withLabelKeys(labelSelector(selector, object, field), podLabels, match, mismatch);
}

function affinityTerms(terms: readonly KubePodAffinityTerm[] | null | undefined, podLabels: Record<string, string>, object: string, field: string): PodAffinityTerm[] {
  return (terms ?? []).map((term, i) => {
    const selector = selectorFor(term.labelSelector, podLabels, object, `${field}[${i}].labelSelector`, term.matchLabelKeys ?? [], term.mismatchLabelKeys ?? []);
    return {
      ...(selector ? { labelSelector: selector } : {}),
      ...(term.namespaces && term.namespaces.length > 0 ? { namespaces: [...term.namespaces] } : {}),
      topologyKey: term.topologyKey,
    };
  });
}

function hostPorts(spec: KubePodSpec): HostPort[] {
  const ports: HostPort[] = [];
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const p of container.ports ?? []) {
      // With hostNetwork every container port is a host port (API defaulting sets hostPort = containerPort).
      const port = p.hostPort && p.hostPort > 0 ? p.hostPort : spec.hostNetwork ? p.containerPort : undefined;
      if (!port || port <= 0) continue;
      const protocol = p.protocol && PROTOCOLS.has(p.protocol) ? (p.protocol as HostPort['protocol']) : 'TCP';
      const hostIP = p.hostIP && p.hostIP !== '0.0.0.0' ? p.hostIP : undefined;
      ports.push({ port, protocol, ...(hostIP ? { hostIP } : {}) });
    }
  }
  return ports;
}

function spreadConstraints(spec: KubePodSpec, podLabels: Record<string, string>, object: string): TopologySpread[] {
  return (spec.topologySpreadConstraints ?? []).map((c, i) => {
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') {
      throw new CompactError(object, `spec.topologySpreadConstraints[${i}].whenUnsatisfiable: unknown value "${c.whenUnsatisfiable}"`);
    }
    const selector = selectorFor(c.labelSelector, podLabels, object, `spec.topologySpreadConstraints[${i}].labelSelector`, c.matchLabelKeys ?? []);
    return {
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      whenUnsatisfiable: c.whenUnsatisfiable,
      ...(selector ? { labelSelector: selector } : {}),
      ...(c.minDomains !== null && c.minDomains !== undefined ? { minDomains: c.minDomains } : {}),
    };
  });
}

/** The shape of a pod or of a pod template (DaemonSet). `object` names the source in errors. */
export function compactPodShape(meta: KubeMeta | null | undefined, spec: KubePodSpec, object: string): PodShape {
  const labels = stringMap(meta?.labels);
  const controller = (meta?.ownerReferences ?? []).find((ref) => ref.controller === true);
  const affinity = spec.affinity;
  const nodeTerms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return {
    requests: effectiveRequests(spec, object),
    labels,
    nodeSelector: stringMap(spec.nodeSelector),
    nodeAffinity: nodeTerms.map((t, i) => nodeSelectorTerm(t, object, `spec.affinity.nodeAffinity.required.nodeSelectorTerms[${i}]`)),
    tolerations: (spec.tolerations ?? []).map(toleration).filter((t) => t !== undefined),
    hostPorts: hostPorts(spec),
    podAffinity: affinityTerms(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, labels, object, 'spec.affinity.podAffinity.required'),
    podAntiAffinity: affinityTerms(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, labels, object, 'spec.affinity.podAntiAffinity.required'),
    topologySpread: spreadConstraints(spec, labels, object),
    owner: controller ? { kind: controller.kind, name: controller.name } : null,
    priority: spec.priority ?? BUILTIN_PRIORITIES[spec.priorityClassName ?? ''] ?? 0,
    localVolumes: (spec.volumes ?? [])
      .filter((v) => (v.emptyDir && v.emptyDir.medium !== 'Memory') || (v.hostPath !== undefined && v.hostPath !== null))
      .map((v) => v.name),
    annotations: pickAnnotations(meta?.annotations, POD_ANNOTATIONS),
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS,
  };
}

export function compactPod(pod: KubePod): CompactPod {
  const meta = pod.metadata;
  const object = objectName('pod', meta);
  if (!meta?.name) throw new CompactError(object, 'metadata.name is missing');
  const spec = pod.spec ?? {};
  const createdAtMs = toEpochMs(meta.creationTimestamp) ?? 0;
  const unschedulable = (pod.status?.conditions ?? [])
    .find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  const phase = pod.status?.phase ?? 'Pending';
  return {
    pod: {
      namespace: meta.namespace ?? 'default',
      name: meta.name,
      ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
      phase: (PHASES.has(phase) ? phase : 'Unknown') as SnapshotPod['phase'],
      ...(unschedulable ? { unschedulableSinceMs: toEpochMs(unschedulable.lastTransitionTime) ?? createdAtMs } : {}),
      ...(meta.deletionTimestamp ? { terminating: true } : {}),
      createdAtMs,
      // Preemption is under way for it: a node frees up, so it must not trigger a scale-up.
      ...(pod.status?.nominatedNodeName ? { nominatedNodeName: pod.status.nominatedNodeName } : {}),
    },
    shape: compactPodShape(meta, spec, object),
  };
}
