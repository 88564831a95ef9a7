import type { PodShape } from '../../../shared/snapshot.ts';
import { matchLabelSelector, matchNodeConstraints } from './selectors.ts';
import type { SimNode, SimPod } from './types.ts';

// The cluster model's topology-spread counts: for each (pod shape, namespace, DoNotSchedule
// constraint) the matching pods per domain, kept up to date incrementally as nodes come and go and
// pods are bound and unbound, so that a fits check does not rescan the cluster.
// Costs that grow with the cluster are paid once, not per constraint: the eligible domains are shared
// by every constraint with the same topology key and node constraints (a cluster has few of those and
// a hostname spread has one domain per node), only non-zero counts are stored, a new constraint
// counts the pods of its own namespace only, and the global minimum is kept up to date.

/** The eligible nodes per domain for one (topology key, nodeSelector, required node affinity). */
interface Domains {
  topologyKey: string;
  /** A shape with these node constraints (eligibility reads only its nodeSelector and nodeAffinity). */
  shape: PodShape;
  /** domain value → eligible nodes in it (a domain disappears with its last node). */
  members: Map<string, number>;
  entries: SpreadCounts[];
}

/** Counts of pods matching one topology-spread constraint of one (shape, namespace), per domain. */
interface SpreadCounts {
  namespace: string;
  shape: PodShape;
  constraintIndex: number;
  domains: Domains;
  /** domain value → matching pods, for the domains with at least one (the others have 0). */
  counts: Map<string, number>;
  /** Whether a pod shape matches the constraint's label selector (false when it has none), by shape. */
  selects: Map<PodShape, boolean>;
  /** The least of `counts` (Infinity when empty) and how many domains have it; stale when minDirty. */
  min: number;
  atMin: number;
  minDirty: boolean;
}

/** What the index reads of the model: its nodes, and the nodes with pods bound of a namespace. */
export interface SpreadSource {
  readonly nodes: readonly SimNode[];
  nodesWithPodsIn(namespace: string): Iterable<SimNode>;
}

/** A constraint's view: matching pods per domain (absent = 0), the eligible domains, the global minimum. */
export interface SpreadView {
  counts: ReadonlyMap<string, number>;
  /** The domains of the nodes eligible for the pod (keys; values are how many nodes). */
  domains: ReadonlyMap<string, number>;
  min: number;
}

export class SpreadIndex {
  private readonly entries = new Map<PodShape, Map<string, SpreadCounts[]>>();
  private readonly domainSets = new Map<string, Domains>();
  /** Entries by namespace, for pod changes (a pod counts only in its own namespace). */
  private readonly byNamespace = new Map<string, SpreadCounts[]>();

  constructor(private readonly source: SpreadSource) {}

  /**
   * For a pod's DoNotSchedule spread constraint: matching pods per domain over the nodes eligible
   * for the pod (nodeSelector and required node affinity honoured, taints ignored: the Kubernetes
   * defaults nodeAffinityPolicy=Honor, nodeTaintsPolicy=Ignore), and the global minimum
   * (0 when fewer than minDomains domains exist).
   */
  counts(pod: SimPod, constraintIndex: number): SpreadView {
    // Keyed by the shape object and namespace (no string building: this runs per fits check).
    let byNamespace = this.entries.get(pod.shape);
    if (!byNamespace) {
      byNamespace = new Map();
      this.entries.set(pod.shape, byNamespace);
    }
    let entries = byNamespace.get(pod.namespace);
    if (!entries) {
      entries = [];
      byNamespace.set(pod.namespace, entries);
    }
    let entry = entries[constraintIndex];
    if (!entry) {
      entry = this.compute(pod, constraintIndex);
      entries[constraintIndex] = entry;
    }
    const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
    const domains = entry.domains.members;
    let min = 0;
    // A domain with no matching pod (absent from counts) makes the minimum 0.
    if (domains.size > 0 && entry.counts.size === domains.size && !(constraint.minDomains !== undefined && domains.size < constraint.minDomains)) {
      if (entry.minDirty) recomputeMin(entry);
      min = entry.min;
    }
    return { counts: entry.counts, domains, min };
  }

  /** A node joins (+1) or leaves (-1) the model, with its pods. */
  nodeChanged(node: SimNode, delta: 1 | -1): void {
    for (const set of this.domainSets.values()) {
      const domain = node.labels[set.topologyKey];
      if (domain === undefined || !eligible(set.shape, node)) continue;
      const members = (set.members.get(domain) ?? 0) + delta;
      if (members <= 0) set.members.delete(domain);
      else set.members.set(domain, members);
      if (node.pods.length === 0) continue;
      for (const entry of set.entries) {
        const matching = matchingOn(entry, node);
        if (matching > 0) addCount(entry, domain, delta * matching);
      }
    }
  }

  /** A pod is bound to (+1) or unbound from (-1) a node of the model. */
  podChanged(pod: SimPod, node: SimNode, delta: 1 | -1): void {
    const entries = this.byNamespace.get(pod.namespace);
    if (!entries) return;
    for (const entry of entries) {
      const domain = node.labels[entry.domains.topologyKey];
      if (domain === undefined || !entry.domains.members.has(domain)) continue;
      if (!selects(entry, pod.shape) || !eligible(entry.shape, node)) continue;
      addCount(entry, domain, delta);
    }
  }

  private compute(pod: SimPod, constraintIndex: number): SpreadCounts {
    const domains = this.domainsFor(pod.shape, pod.shape.topologySpread[constraintIndex]!.topologyKey);
    const entry: SpreadCounts = {
      namespace: pod.namespace, shape: pod.shape, constraintIndex, domains, counts: new Map(), selects: new Map(), min: Infinity, atMin: 0, minDirty: true,
    };
    if (pod.shape.topologySpread[constraintIndex]!.labelSelector) {
      for (const node of this.source.nodesWithPodsIn(pod.namespace)) {
        const domain = node.labels[domains.topologyKey];
        if (domain === undefined || !domains.members.has(domain) || !eligible(domains.shape, node)) continue;
        const matching = matchingOn(entry, node);
        if (matching > 0) entry.counts.set(domain, (entry.counts.get(domain) ?? 0) + matching);
      }
    }
    domains.entries.push(entry);
    const inNamespace = this.byNamespace.get(pod.namespace);
    if (inNamespace) inNamespace.push(entry);
    else this.byNamespace.set(pod.namespace, [entry]);
    return entry;
  }

  /** The shared eligible domains for a shape's node constraints and a topology key (scans the nodes once). */
  private domainsFor(shape: PodShape, topologyKey: string): Domains {
    const key = `${topologyKey}\u0000${JSON.stringify(shape.nodeSelector)}\u0000${JSON.stringify(shape.nodeAffinity)}`;
    let set = this.domainSets.get(key);
    if (!set) {
      set = { topologyKey, shape, members: new Map(), entries: [] };
      for (const node of this.source.nodes) {
        const domain = node.labels[topologyKey];
        if (domain !== undefined && eligible(shape, node)) set.members.set(domain, (set.members.get(domain) ?? 0) + 1);
      }
      this.domainSets.set(key, set);
    }
    return set;
  }
}

/** Pods on the node in the entry's namespace that its selector picks. */
function matchingOn(entry: SpreadCounts, node: SimNode): number {
  let matching = 0;
  for (const other of node.pods) {
    if (other.namespace === entry.namespace && selects(entry, other.shape)) matching++;
  }
  return matching;
}

/** Whether the constraint's selector picks pods of this shape (cached per shape). */
function selects(entry: SpreadCounts, shape: PodShape): boolean {
  let match = entry.selects.get(shape);
  if (match === undefined) {
    const selector = entry.shape.topologySpread[entry.constraintIndex]!.labelSelector;
    match = selector !== undefined && matchLabelSelector(selector, shape.labels);
    entry.selects.set(shape, match);
  }
  return match;
}

/**
 * Adds `delta` to a domain's count, keeping only non-zero counts and the minimum up to date.
 * IMPORTANT: the new count is taken in before the old one is let go, so a count that drops below
 * the minimum moves the minimum instead of forcing a rescan.
 */
function addCount(entry: SpreadCounts, domain: string, delta: number): void {
  const before = entry.counts.get(domain);
  const after = (before ?? 0) + delta;
  if (after === 0) entry.counts.delete(domain);
  else entry.counts.set(domain, after);
  if (entry.minDirty) return;
  if (after !== 0) {
    if (after < entry.min) {
      entry.min = after;
      entry.atMin = 1;
    } else if (after === entry.min) entry.atMin++;
  }
  if (before !== undefined && before === entry.min && --entry.atMin === 0) entry.minDirty = true;
}

function recomputeMin(entry: SpreadCounts): void {
  let min = Infinity;
  let atMin = 0;
  for (const count of entry.counts.values()) {
    if (count < min) {
      min = count;
      atMin = 1;
    } else if (count === min) atMin++;
  }
  entry.min = min;
  entry.atMin = atMin;
  entry.minDirty = false;
}

/** Whether a node is eligible for a shape (nodeSelector and required node affinity). */
function eligible(shape: PodShape, node: SimNode): boolean {
  return matchNodeConstraints(shape, node.labels, node.name) === undefined;
}
