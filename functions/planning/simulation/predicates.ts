import type { HostPort, PodShape } from '../../../shared/snapshot.ts';
import { formatBytes, formatCpuMillis } from '../../../shared/quantity.ts';
import { type ClusterModel, termMatchesPod } from './cluster-model.ts';
import { matchLabelSelector, matchNodeConstraints, untoleratedTaint } from './selectors.ts';
import type { Misfit, SimNode, SimPod } from './types.ts';

// The scheduler's filter plugins, as far as the snapshot carries the facts: NodeResourcesFit,
// NodeAffinity (nodeSelector + required affinity), TaintToleration, NodePorts, InterPodAffinity
// (required terms, both directions), PodTopologySpread (DoNotSchedule).

const QUICK: Readonly<Record<Misfit['reason'], Misfit>> = Object.freeze({
  'insufficient-cpu': { reason: 'insufficient-cpu', message: 'not enough CPU' },
  'insufficient-memory': { reason: 'insufficient-memory', message: 'not enough memory' },
  'insufficient-ephemeral-storage': { reason: 'insufficient-ephemeral-storage', message: 'not enough ephemeral storage' },
  'too-many-pods': { reason: 'too-many-pods', message: 'too many pods' },
  'node-selector': { reason: 'node-selector', message: "node does not match the pod's nodeSelector" },
  'node-affinity': { reason: 'node-affinity', message: "node does not match the pod's required node affinity" },
  taint: { reason: 'taint', message: 'node has a taint the pod does not tolerate' },
  'host-port': { reason: 'host-port', message: 'host port in use' },
  'pod-affinity': { reason: 'pod-affinity', message: 'required pod affinity not satisfied' },
  'pod-anti-affinity': { reason: 'pod-anti-affinity', message: 'required pod anti-affinity violated' },
  'topology-spread': { reason: 'topology-spread', message: 'topology spread constraint violated' },
});

/**
 * What does not depend on other pods: nodeSelector, required node affinity, taints. Cacheable per
 * (node labels/taints, shape) — the planner evaluates it once per node template.
 */
export function staticMisfit(node: Pick<SimNode, 'name' | 'labels' | 'taints'>, shape: PodShape, detail = true): Misfit | undefined {
  const selector = matchNodeConstraints(shape, node.labels, node.name);
  if (selector === 'node-selector') return detail ? { reason: 'node-selector', message: `node ${node.name} does not match the pod's nodeSelector` } : QUICK['node-selector'];
  if (selector === 'node-affinity') return detail ? { reason: 'node-affinity', message: `node ${node.name} does not match the pod's required node affinity` } : QUICK['node-affinity'];
  const taint = untoleratedTaint(node.taints, shape.tolerations);
  if (taint) {
    return detail ? { reason: 'taint', message: `node ${node.name} has taint ${taint.key}${taint.value ? '=' + taint.value : ''}:${taint.effect} that the pod does not tolerate` } : QUICK['taint'];
  }
  return undefined;
}

/** Requests (cpu, memory, ephemeral storage) and the pod count against what is left on the node. */
export function resourceMisfit(node: SimNode, shape: PodShape, detail = true): Misfit | undefined {
  const { requests } = shape;
  const { requested: used, allocatable: alloc } = node;
  if (used.pods + 1 > alloc.pods) return detail ? { reason: 'too-many-pods', message: `node ${node.name} already runs its maximum of ${alloc.pods} pods` } : QUICK['too-many-pods'];
  if (requests.cpuMillis > 0 && used.cpuMillis + requests.cpuMillis > alloc.cpuMillis) {
    return detail ? { reason: 'insufficient-cpu', message: `node ${node.name} has ${formatCpuMillis(Math.max(0, alloc.cpuMillis - used.cpuMillis))} CPU free, the pod requests ${formatCpuMillis(requests.cpuMillis)}` } : QUICK['insufficient-cpu'];
  }
  if (requests.memoryBytes > 0 && used.memoryBytes + requests.memoryBytes > alloc.memoryBytes) {
    return detail ? { reason: 'insufficient-memory', message: `node ${node.name} has ${formatBytes(Math.max(0, alloc.memoryBytes - used.memoryBytes))} memory free, the pod requests ${formatBytes(requests.memoryBytes)}` } : QUICK['insufficient-memory'];
  }
  if (requests.ephemeralBytes > 0 && used.ephemeralBytes + requests.ephemeralBytes > alloc.ephemeralBytes) {
    return detail ? { reason: 'insufficient-ephemeral-storage', message: `node ${node.name} has ${formatBytes(Math.max(0, alloc.ephemeralBytes - used.ephemeralBytes))} ephemeral storage free, the pod requests ${formatBytes(requests.ephemeralBytes)}` } : QUICK['insufficient-ephemeral-storage'];
  }
  return undefined;
}

const WILDCARD_IPS = new Set(['', '0.0.0.0', '::']);

export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  const [ipA, ipB] = [a.hostIP ?? '', b.hostIP ?? ''];
  return WILDCARD_IPS.has(ipA) || WILDCARD_IPS.has(ipB) || ipA === ipB;
}

function hostPortMisfit(node: SimNode, shape: PodShape, detail: boolean): Misfit | undefined {
  for (const wanted of shape.hostPorts) {
    if (node.hostPorts.some((used) => hostPortsConflict(used, wanted))) {
      return detail ? { reason: 'host-port', message: `host port ${wanted.protocol}/${wanted.port} is already used on node ${node.name}` } : QUICK['host-port'];
    }
  }
  return undefined;
}

function anyPodInDomain(model: ClusterModel, node: SimNode, topologyKey: string, match: (pod: SimPod) => boolean): boolean {
  const domain = node.labels[topologyKey];
  if (domain === undefined) return false;
  for (const member of model.nodesInDomain(topologyKey, domain)) {
    if (member.pods.some(match)) return true;
  }
  return false;
}

function podAffinityMisfit(model: ClusterModel, node: SimNode, pod: SimPod, detail: boolean): Misfit | undefined {
  const terms = pod.shape.podAffinity;
  if (terms.length === 0) return undefined;
  const unmet = terms.filter((term) => !anyPodInDomain(model, node, term.topologyKey, (other) => termMatchesPod(term, pod.namespace, other)));
  if (unmet.length === 0) return undefined;
  // Kubernetes lets the first pod of a self-affine group in: when no pod anywhere matches all the
  // terms and the pod matches them itself, it may go to any node that has the topology keys.
  const selfAffine = terms.every((term) => termMatchesPod(term, pod.namespace, pod) && node.labels[term.topologyKey] !== undefined);
  if (selfAffine && !model.nodes.some((n) => n.pods.some((other) => terms.every((term) => termMatchesPod(term, pod.namespace, other))))) {
    return undefined;
  }
  return detail ? { reason: 'pod-affinity', message: `no pod matching the pod's required affinity (${unmet[0]!.topologyKey}) runs in the topology domain of node ${node.name}` } : QUICK['pod-affinity'];
}

function podAntiAffinityMisfit(model: ClusterModel, node: SimNode, pod: SimPod, detail: boolean): Misfit | undefined {
  for (const term of pod.shape.podAntiAffinity) {
    if (anyPodInDomain(model, node, term.topologyKey, (other) => termMatchesPod(term, pod.namespace, other))) {
      return detail ? { reason: 'pod-anti-affinity', message: `a pod the pod's required anti-affinity excludes runs in the ${term.topologyKey} domain of node ${node.name}` } : QUICK['pod-anti-affinity'];
    }
  }
  // Symmetry: a bound pod's anti-affinity keeps matching pods out of its domain.
  const holder = model.antiAffinityHolderNear(node, (h) => termMatchesPod(h.term, h.pod.namespace, pod));
  if (!holder) return undefined;
  return detail ? { reason: 'pod-anti-affinity', message: `pod ${holder.pod.key} on node ${holder.node.name} has a required anti-affinity that excludes this pod from its ${holder.term.topologyKey} domain` } : QUICK['pod-anti-affinity'];
}

function topologySpreadMisfit(model: ClusterModel, node: SimNode, pod: SimPod, detail: boolean): Misfit | undefined {
  const constraints = pod.shape.topologySpread;
  for (let i = 0; i < constraints.length; i++) {
    const constraint = constraints[i]!;
    if (constraint.whenUnsatisfiable !== 'DoNotSchedule') continue;
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined) {
      return detail ? { reason: 'topology-spread', message: `node ${node.name} has no ${constraint.topologyKey} label required by the pod's topology spread` } : QUICK['topology-spread'];
    }
    const { counts, min } = model.spreadCounts(pod, i);
    const self = constraint.labelSelector && matchLabelSelector(constraint.labelSelector, pod.shape.labels) ? 1 : 0;
    const skew = (counts.get(domain) ?? 0) + self - min;
    if (skew > constraint.maxSkew) {
      return detail ? { reason: 'topology-spread', message: `placing the pod on node ${node.name} would make the ${constraint.topologyKey} spread skew ${skew} > maxSkew ${constraint.maxSkew}` } : QUICK['topology-spread'];
    }
  }
  return undefined;
}

/**
 * Whether `pod` may be bound to `node` in `model` now; undefined when it fits, else the first
 * reason it does not (cheap checks first). The node must belong to the model.
 * `detail: false` returns shared misfits with generic messages and allocates nothing: first-fit
 * scans call it hundreds of thousands of times and only test the result.
 */
export function fits(model: ClusterModel, node: SimNode, pod: SimPod, detail = true): Misfit | undefined {
  return resourceMisfit(node, pod.shape, detail)
    ?? staticMisfit(node, pod.shape, detail)
    ?? hostPortMisfit(node, pod.shape, detail)
    ?? podAntiAffinityMisfit(model, node, pod, detail)
    ?? podAffinityMisfit(model, node, pod, detail)
    ?? topologySpreadMisfit(model, node, pod, detail);
}
