import type { PodShape } from '../../../shared/snapshot.ts';
import { matchLabelSelector, matchNodeConstraints } from './selectors.ts';
import type { SimNode, SimPod } from './types.ts';

// The cluster model's topology-spread counts: for each (pod shape, namespace, DoNotSchedule
// constraint) the matching pods per domain, kept up to date incrementally as nodes come and go and
// pods are bound and unbound, so that a fits check does not rescan the cluster.

/**
 * Counts of pods matching one topology-spread constraint of one (shape, namespace), per domain.
 */
interface SpreadCounts {
  namespace: string;
  shape: PodShape;
  constraintIndex: number;
  /** domain value → matching pods; only domains of nodes eligible for the pod (node affinity honoured). */
  counts: Map<string, number>;
  /** domain value → eligible nodes in it (a domain disappears with its last node). */
  members: Map<string, number>;
  minDirty: boolean;
  min: number;
}

/** What the index reads of the model: its nodes, and how many pods are bound in a namespace. */
export interface SpreadSource {
  readonly nodes: readonly SimNode[];
  namespacePodCount(namespace: string): number;
}

export class SpreadIndex {
  private readonly entries = new Map<PodShape, Map<string, SpreadCounts[]>>();

  constructor(private readonly source: SpreadSource) {}

  /**
   * For a pod's DoNotSchedule spread constraint: matching pods per domain over the nodes eligible
   * for the pod (nodeSelector and required node affinity honoured, taints ignored: the Kubernetes
   * defaults nodeAffinityPolicy=Honor, nodeTaintsPolicy=Ignore), and the global minimum
   * (0 when fewer than minDomains domains exist).
   */
  counts(pod: SimPod, constraintIndex: number): { counts: ReadonlyMap<string, number>; min: number } {
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
    if (entry.minDirty) {
      const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
      let min = Infinity;
      for (const count of entry.counts.values()) min = Math.min(min, count);
      if (min === Infinity || (constraint.minDomains !== undefined && entry.counts.size < constraint.minDomains)) min = 0;
      entry.min = min;
      entry.minDirty = false;
    }
    return { counts: entry.counts, min: entry.min };
  }

  /** A node joins (+1) or leaves (-1) the model, with its pods. */
  nodeChanged(node: SimNode, delta: 1 | -1): void {
    for (const entry of this.all()) this.spreadNode(entry, node, delta);
  }

  /** A pod is bound to (+1) or unbound from (-1) a node of the model. */
  podChanged(pod: SimPod, node: SimNode, delta: 1 | -1): void {
    for (const entry of this.all()) {
      if (entry.namespace !== pod.namespace) continue;
      const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
      const domain = node.labels[constraint.topologyKey];
      if (domain === undefined || !constraint.labelSelector || !entry.counts.has(domain)) continue;
      if (!eligible(entry, node)) continue;
      if (!matchLabelSelector(constraint.labelSelector, pod.shape.labels)) continue;
      entry.counts.set(domain, entry.counts.get(domain)! + delta);
      entry.minDirty = true;
    }
  }

  private compute(pod: SimPod, constraintIndex: number): SpreadCounts {
    const entry: SpreadCounts = { namespace: pod.namespace, shape: pod.shape, constraintIndex, counts: new Map(), members: new Map(), minDirty: true, min: 0 };
    for (const node of this.source.nodes) this.spreadNode(entry, node, 1);
    return entry;
  }

  /** Adds (or removes) a node's domain membership and matching pods to one entry. */
  private spreadNode(entry: SpreadCounts, node: SimNode, delta: 1 | -1): void {
    const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined || !eligible(entry, node)) return;
    let matching = 0;
    // Most spread constraints look at a namespace with no pod bound anywhere yet: skip the scan.
    if (constraint.labelSelector && this.source.namespacePodCount(entry.namespace) > 0) {
      for (const other of node.pods) {
        if (other.namespace === entry.namespace && matchLabelSelector(constraint.labelSelector, other.shape.labels)) matching++;
      }
    }
    const members = (entry.members.get(domain) ?? 0) + delta;
    if (members <= 0) {
      entry.members.delete(domain);
      entry.counts.delete(domain);
    } else {
      entry.members.set(domain, members);
      entry.counts.set(domain, (entry.counts.get(domain) ?? 0) + delta * matching);
    }
    entry.minDirty = true;
  }

  private *all(): Generator<SpreadCounts> {
    for (const byNamespace of this.entries.values()) {
      for (const entries of byNamespace.values()) {
        for (const entry of entries) if (entry) yield entry;
      }
    }
  }
}

/** Whether a node is eligible for an entry's pod (nodeSelector and required node affinity). */
function eligible(entry: SpreadCounts, node: SimNode): boolean {
  return matchNodeConstraints(entry.shape, node.labels, node.name) === undefined;
}
