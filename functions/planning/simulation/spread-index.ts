import type { PodShape } from '../../../shared/snapshot.ts';
import { matchLabelSelector, matchNodeConstraints } from './selectors.ts';
import type { SimNode, SimPod } from './types.ts';

// The cluster model's topology-spread counts: for each (pod shape, namespace, DoNotSchedule
// constraint) the matching pods per domain, kept up to date incrementally as nodes come and go and
// pods are bound and unbound, so that a fits check does not rescan the cluster.
// The global minimum is kept up to date too (with how many domains sit at it): a hostname spread has
// one domain per node, and a rescan of thousands of domains after every bind was most of a plan.

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
  /** Whether a pod shape matches the constraint's label selector (false when it has none), by shape. */
  selects: Map<PodShape, boolean>;
  /** The least count over the domains (Infinity with none) and how many domains have it; stale when minDirty. */
  min: number;
  atMin: number;
  minDirty: boolean;
}

/** What the index reads of the model: its nodes, and how many pods are bound in a namespace. */
export interface SpreadSource {
  readonly nodes: readonly SimNode[];
  namespacePodCount(namespace: string): number;
}

export class SpreadIndex {
  private readonly entries = new Map<PodShape, Map<string, SpreadCounts[]>>();
  /** Every entry, for node changes; and by namespace, for pod changes (a pod counts only in its own). */
  private readonly list: SpreadCounts[] = [];
  private readonly byNamespace = new Map<string, SpreadCounts[]>();

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
      this.list.push(entry);
      const inNamespace = this.byNamespace.get(pod.namespace);
      if (inNamespace) inNamespace.push(entry);
      else this.byNamespace.set(pod.namespace, [entry]);
    }
    if (entry.minDirty) recomputeMin(entry);
    const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
    const min = entry.min === Infinity || (constraint.minDomains !== undefined && entry.counts.size < constraint.minDomains) ? 0 : entry.min;
    return { counts: entry.counts, min };
  }

  /** A node joins (+1) or leaves (-1) the model, with its pods. */
  nodeChanged(node: SimNode, delta: 1 | -1): void {
    for (const entry of this.list) this.spreadNode(entry, node, delta);
  }

  /** A pod is bound to (+1) or unbound from (-1) a node of the model. */
  podChanged(pod: SimPod, node: SimNode, delta: 1 | -1): void {
    const entries = this.byNamespace.get(pod.namespace);
    if (!entries) return;
    for (const entry of entries) {
      const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
      const domain = node.labels[constraint.topologyKey];
      if (domain === undefined || !entry.counts.has(domain)) continue;
      if (!selects(entry, pod.shape) || !eligible(entry, node)) continue;
      const before = entry.counts.get(domain)!;
      entry.counts.set(domain, before + delta);
      countChanged(entry, before, before + delta);
    }
  }

  private compute(pod: SimPod, constraintIndex: number): SpreadCounts {
    const entry: SpreadCounts = {
      namespace: pod.namespace, shape: pod.shape, constraintIndex, counts: new Map(), members: new Map(), selects: new Map(), min: Infinity, atMin: 0, minDirty: true,
    };
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
        if (other.namespace === entry.namespace && selects(entry, other.shape)) matching++;
      }
    }
    const before = entry.counts.get(domain);
    const members = (entry.members.get(domain) ?? 0) + delta;
    if (members <= 0) {
      entry.members.delete(domain);
      entry.counts.delete(domain);
      countChanged(entry, before, undefined);
    } else {
      entry.members.set(domain, members);
      const after = (before ?? 0) + delta * matching;
      entry.counts.set(domain, after);
      countChanged(entry, before, after);
    }
  }
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
 * A domain's count went from `before` to `after` (undefined: the domain did not / no longer exists).
 * IMPORTANT: the new count is taken in before the old one is let go, so a count that drops below
 * the minimum moves the minimum instead of forcing a rescan.
 */
function countChanged(entry: SpreadCounts, before: number | undefined, after: number | undefined): void {
  if (before === after || entry.minDirty) return;
  if (after !== undefined) {
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

/** Whether a node is eligible for an entry's pod (nodeSelector and required node affinity). */
function eligible(entry: SpreadCounts, node: SimNode): boolean {
  return matchNodeConstraints(entry.shape, node.labels, node.name) === undefined;
}
