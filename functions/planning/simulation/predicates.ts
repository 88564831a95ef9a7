import type { HostPort, PodShape } from '../../../shared/snapshot.ts';
import { formatBytes, formatCpuMillis } from '../../../shared/quantity.ts';
import { type ClusterModel, termMatchesPod } from './cluster-model.ts';
import { matchLabelSelector, matchNodeConstraints, untoleratedTaint } from './selectors.ts';
import type { Misfit, SimNode, SimPod } from './types.ts';

// The scheduler's filter plugins, as far as the snapshot carries the facts: NodeResourcesFit,
// NodeAffinity (nodeSelector + required affinity), TaintToleration, NodePorts, InterPodAffinity
// (required terms, both directions), PodTopologySpread (DoNotSchedule).

/**
 * What does not depend on other pods: nodeSelector, required node affinity, taints. Cacheable per
 * (node labels/taints, shape) — the planner evaluates it once per node template.
 */
export function staticMisfit(node: Pick<SimNode, 'name' | 'labels' | 'taints'>, shape: PodShape): Misfit | undefined {
  const selector = matchNodeConstraints(shape, node.labels, node.name);
  if (selector === 'node-selector') return { reason: 'node-selector', message: `node ${node.name} does not match the pod's nodeSelector` };
  if (selector === 'node-affinity') return { reason: 'node-affinity', message: `node ${node.name} does not match the pod's required node affinity` };
  const taint = untoleratedTaint(node.taints, shape.tolerations);
  if (taint) {
    return { reason: 'taint', message: `node ${node.name} has taint ${taint.key}${taint.value ? '=' + taint.value : ''}:${taint.effect} that the pod does not tolerate` };
  }
  return undefined;
}

/** Requests (cpu, memory, ephemeral storage) and the pod count against what is left on the node. */
export function resourceMisfit(node: SimNode, shape: PodShape): Misfit | undefined {
  const { requests } = shape;
  const { requested: used, allocatable: alloc } = node;
  if (used.pods + 1 > alloc.pods) return { reason: 'too-many-pods', message: `node ${node.name} already runs its maximum of ${alloc.pods} pods` };
  if (requests.cpuMillis > 0 && used.cpuMillis + requests.cpuMillis > alloc.cpuMillis) {
    return { reason: 'insufficient-cpu', message: `node ${node.name} has ${formatCpuMillis(Math.max(0, alloc.cpuMillis - used.cpuMillis))} CPU free, the pod requests ${formatCpuMillis(requests.cpuMillis)}` };
  }
  if (requests.memoryBytes > 0 && used.memoryBytes + requests.memoryBytes > alloc.memoryBytes) {
    return { reason: 'insufficient-memory', message: `node ${node.name} has ${formatBytes(Math.max(0, alloc.memoryBytes - used.memoryBytes))} memory free, the pod requests ${formatBytes(requests.memoryBytes)}` };
  }
  if (requests.ephemeralBytes > 0 && used.ephemeralBytes + requests.ephemeralBytes > alloc.ephemeralBytes) {
    return { reason: 'insufficient-ephemeral-storage', message: `node ${node.name} has ${formatBytes(Math.max(0, alloc.ephemeralBytes - used.ephemeralBytes))} ephemeral storage free, the pod requests ${formatBytes(requests.ephemeralBytes)}` };
  }
  return undefined;
}

const WILDCARD_IPS = new Set(['', '0.0.0.0', '::']);

export function hostPortsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  const [ipA, ipB] = [a.hostIP ?? '', b.hostIP ?? ''];
  return WILDCARD_IPS.has(ipA) || WILDCARD_IPS.has(ipB) || ipA === ipB;
}

function hostPortMisfit(node: SimNode, shape: PodShape): Misfit | undefined {
  for (const wanted of shape.hostPorts) {
    if (node.hostPorts.some((used) => hostPortsConflict(used, wanted))) {
      return { reason: 'host-port', message: `host port ${wanted.protocol}/${wanted.port} is already used on node ${node.name}` };
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

function podAffinityMisfit(model: ClusterModel, node: SimNode, pod: SimPod): Misfit | undefined {
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
  return { reason: 'pod-affinity', message: `no pod matching the pod's required affinity (${unmet[0]!.topologyKey}) runs in the topology domain of node ${node.name}` };
}

function podAntiAffinityMisfit(model: ClusterModel, node: SimNode, pod: SimPod): Misfit | undefined {
  for (const term of pod.shape.podAntiAffinity) {
    if (anyPodInDomain(model, node, term.topologyKey, (other) => termMatchesPod(term, pod.namespace, other))) {
      return { reason: 'pod-anti-affinity', message: `a pod the pod's required anti-affinity excludes runs in the ${term.topologyKey} domain of node ${node.name}` };
    }
  }
  // Symmetry: a bound pod's anti-affinity keeps matching pods out of its domain.
  for (const holder of model.antiAffinityHolders) {
    const domain = holder.node.labels[holder.term.topologyKey];
    if (domain === undefined || node.labels[holder.term.topologyKey] !== domain) continue;
    if (termMatchesPod(holder.term, holder.pod.namespace, pod)) {
      return { reason: 'pod-anti-affinity', message: `pod ${holder.pod.key} on node ${holder.node.name} has a required anti-affinity that excludes this pod from its ${holder.term.topologyKey} domain` };
    }
  }
  return undefined;
}

function topologySpreadMisfit(model: ClusterModel, node: SimNode, pod: SimPod): Misfit | undefined {
  const constraints = pod.shape.topologySpread;
  for (let i = 0; i < constraints.length; i++) {
    const constraint = constraints[i]!;
    if (constraint.whenUnsatisfiable !== 'DoNotSchedule') continue;
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined) {
      return { reason: 'topology-spread', message: `node ${node.name} has no ${constraint.topologyKey} label required by the pod's topology spread` };
    }
    const { counts, min } = model.spreadCounts(pod, i);
    const self = constraint.labelSelector && matchLabelSelector(constraint.labelSelector, pod.shape.labels) ? 1 : 0;
    const skew = (counts.get(domain) ?? 0) + self - min;
    if (skew > constraint.maxSkew) {
      return { reason: 'topology-spread', message: `placing the pod on node ${node.name} would make the ${constraint.topologyKey} spread skew ${skew} > maxSkew ${constraint.maxSkew}` };
    }
  }
  return undefined;
}

/**
 * Whether `pod` may be bound to `node` in `model` now; undefined when it fits, else the first
 * reason it does not (cheap checks first). The node must belong to the model.
 */
export function fits(model: ClusterModel, node: SimNode, pod: SimPod): Misfit | undefined {
  return resourceMisfit(node, pod.shape)
    ?? staticMisfit(node, pod.shape)
    ?? hostPortMisfit(node, pod.shape)
    ?? podAntiAffinityMisfit(model, node, pod)
    ?? podAffinityMisfit(model, node, pod)
    ?? topologySpreadMisfit(model, node, pod);
}
