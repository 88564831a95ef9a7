import type { HostPort, NodeResources, PodAffinityTerm, PodShape } from '../../../shared/snapshot.ts';
import { addPodRequests } from './resources.ts';
import { matchLabelSelector, matchNodeConstraints } from './selectors.ts';
import type { SimNode, SimNodeInit, SimPod } from './types.ts';

interface MutableNode extends SimNodeInit {
  requested: NodeResources;
  pods: SimPod[];
  hostPorts: HostPort[];
}

type JournalEntry =
  | { op: 'add'; node: MutableNode }
  | { op: 'remove'; node: MutableNode; index: number }
  | { op: 'bind'; pod: SimPod; node: MutableNode }
  | { op: 'unbind'; pod: SimPod; node: MutableNode; index: number };

/** A bound pod whose required anti-affinity term may repel an incoming pod (symmetry). */
export interface AntiAffinityHolder { pod: SimPod; node: SimNode; term: PodAffinityTerm }

/**
 * Counts of pods matching one topology-spread constraint of one (shape, namespace), per domain,
 * kept up to date incrementally as nodes come and go and pods are bound and unbound.
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

/** The namespaces a pod affinity term looks at: the listed ones, or the pod's own. */
export function termNamespaces(term: PodAffinityTerm, ownNamespace: string): readonly string[] {
  return term.namespaces && term.namespaces.length > 0 ? term.namespaces : [ownNamespace];
}

/** An absent selector matches no pods (Kubernetes: labels.Nothing()). */
export function termMatchesPod(term: PodAffinityTerm, ownNamespace: string, pod: SimPod): boolean {
  return term.labelSelector !== undefined
    && termNamespaces(term, ownNamespace).includes(pod.namespace)
    && matchLabelSelector(term.labelSelector, pod.shape.labels);
}

/**
 * The simulated cluster: nodes with their bound pods and requested resources. Mutated only through
 * addNode / removeNode / bind / unbind, every change journaled so that `rollback(checkpoint())`
 * undoes a what-if (scale-down tries a node removal, scale-up tries a packing) without copying.
 * Node order is stable (insertion order; rollback restores positions), which keeps first-fit
 * placement deterministic.
 */
export class ClusterModel {
  private readonly list: MutableNode[] = [];
  private readonly byName = new Map<string, MutableNode>();
  private readonly journal: JournalEntry[] = [];
  private domainIndex = new Map<string, Map<string, MutableNode[]>>();
  /** Bound pods per namespace, across the nodes in the model. */
  private readonly namespacePods = new Map<string, number>();
  /** Bound pods' anti-affinity terms by topology key, then by the domain of their node. */
  private readonly antiHolders = new Map<string, Map<string, AntiAffinityHolder[]>>();
  private readonly spread = new Map<PodShape, Map<string, SpreadCounts[]>>();
  /** Bumped on every change; caches key on it. */
  version = 0;

  get nodes(): readonly SimNode[] {
    return this.list;
  }

  node(name: string): SimNode | undefined {
    return this.byName.get(name);
  }

  addNode(init: SimNodeInit): SimNode {
    if (this.byName.has(init.name)) throw new Error(`node ${init.name} is already in the model`);
    const node: MutableNode = { ...init, requested: { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0, pods: 0 }, pods: [], hostPorts: [] };
    this.insert(node, this.list.length);
    this.journal.push({ op: 'add', node });
    return node;
  }

  /** Takes a node (and its pods) out of consideration; returns its pods. */
  removeNode(name: string): readonly SimPod[] {
    const node = this.byName.get(name);
    if (!node) return [];
    const index = this.list.indexOf(node);
    this.detach(node, index);
    this.journal.push({ op: 'remove', node, index });
    return node.pods;
  }

  /** Binds without checking; use `fits` first. */
  bind(pod: SimPod, node: SimNode): void {
    const target = this.mutable(node);
    this.attachPod(pod, target, target.pods.length);
    this.journal.push({ op: 'bind', pod, node: target });
  }

  unbind(pod: SimPod, node: SimNode): void {
    const target = this.mutable(node);
    const index = target.pods.indexOf(pod);
    if (index < 0) throw new Error(`pod ${pod.key} is not on node ${node.name}`);
    this.detachPod(target, index);
    this.journal.push({ op: 'unbind', pod, node: target, index });
  }

  checkpoint(): number {
    return this.journal.length;
  }

  /** Undoes every change made since `mark`, newest first. */
  rollback(mark: number): void {
    while (this.journal.length > mark) {
      const entry = this.journal.pop()!;
      switch (entry.op) {
        case 'add': this.detach(entry.node, this.list.indexOf(entry.node)); break;
        case 'remove': this.insert(entry.node, entry.index); break;
        case 'bind': this.detachPod(entry.node, entry.node.pods.lastIndexOf(entry.pod)); break;
        case 'unbind': this.attachPod(entry.pod, entry.node, entry.index); break;
      }
    }
  }

  /** Nodes whose label `topologyKey` equals `value` (the topology domain). */
  nodesInDomain(topologyKey: string, value: string): readonly SimNode[] {
    let index = this.domainIndex.get(topologyKey);
    if (!index) {
      index = new Map();
      for (const node of this.list) {
        const v = node.labels[topologyKey];
        if (v !== undefined) push(index, v, node);
      }
      this.domainIndex.set(topologyKey, index);
    }
    return index.get(value) ?? [];
  }

  /** Bound pods whose required anti-affinity term covers the topology domain of `node` (symmetric check). */
  *antiAffinityHoldersNear(node: SimNode): Generator<AntiAffinityHolder> {
    for (const [key, byDomain] of this.antiHolders) {
      const domain = node.labels[key];
      if (domain === undefined) continue;
      const holders = byDomain.get(domain);
      if (holders) yield* holders;
    }
  }

  private addHolder(pod: SimPod, node: MutableNode): void {
    for (const term of pod.shape.podAntiAffinity) {
      const domain = node.labels[term.topologyKey];
      if (domain === undefined) continue;
      let byDomain = this.antiHolders.get(term.topologyKey);
      if (!byDomain) {
        byDomain = new Map();
        this.antiHolders.set(term.topologyKey, byDomain);
      }
      push(byDomain, domain, { pod, node, term });
    }
  }

  private removeHolders(pod: SimPod, node: MutableNode): void {
    for (const term of pod.shape.podAntiAffinity) {
      const domain = node.labels[term.topologyKey];
      const list = domain === undefined ? undefined : this.antiHolders.get(term.topologyKey)?.get(domain);
      if (list) removeWhere(list, (h) => h.pod === pod && h.node === node);
    }
  }

  /**
   * For a pod's DoNotSchedule spread constraint: matching pods per domain over the nodes eligible
   * for the pod (nodeSelector and required node affinity honoured, taints ignored: the Kubernetes
   * defaults nodeAffinityPolicy=Honor, nodeTaintsPolicy=Ignore), and the global minimum
   * (0 when fewer than minDomains domains exist).
   */
  spreadCounts(pod: SimPod, constraintIndex: number): { counts: ReadonlyMap<string, number>; min: number } {
    // Keyed by the shape object and namespace (no string building: this runs per fits check).
    let byNamespace = this.spread.get(pod.shape);
    if (!byNamespace) {
      byNamespace = new Map();
      this.spread.set(pod.shape, byNamespace);
    }
    let entries = byNamespace.get(pod.namespace);
    if (!entries) {
      entries = [];
      byNamespace.set(pod.namespace, entries);
    }
    let entry = entries[constraintIndex];
    if (!entry) {
      entry = this.computeSpread(pod, constraintIndex);
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

  private computeSpread(pod: SimPod, constraintIndex: number): SpreadCounts {
    const entry: SpreadCounts = { namespace: pod.namespace, shape: pod.shape, constraintIndex, counts: new Map(), members: new Map(), minDirty: true, min: 0 };
    for (const node of this.list) this.spreadNode(entry, node, 1);
    return entry;
  }

  /** Adds (or removes) a node's domain membership and matching pods to one entry. */
  private spreadNode(entry: SpreadCounts, node: MutableNode, delta: 1 | -1): void {
    const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
    const domain = node.labels[constraint.topologyKey];
    if (domain === undefined || matchNodeConstraints(entry.shape, node.labels, node.name)) return;
    let matching = 0;
    // Most spread constraints look at a namespace with no pod bound anywhere yet: skip the scan.
    if (constraint.labelSelector && (this.namespacePods.get(entry.namespace) ?? 0) > 0) {
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

  private *spreadEntries(): Generator<SpreadCounts> {
    for (const byNamespace of this.spread.values()) {
      for (const entries of byNamespace.values()) {
        for (const entry of entries) if (entry) yield entry;
      }
    }
  }

  private updateSpread(pod: SimPod, node: MutableNode, delta: 1 | -1): void {
    for (const entry of this.spreadEntries()) {
      if (entry.namespace !== pod.namespace) continue;
      const constraint = entry.shape.topologySpread[entry.constraintIndex]!;
      const domain = node.labels[constraint.topologyKey];
      if (domain === undefined || !constraint.labelSelector || !entry.counts.has(domain)) continue;
      if (!matchNodeConstraintsCached(entry, node)) continue;
      if (!matchLabelSelector(constraint.labelSelector, pod.shape.labels)) continue;
      entry.counts.set(domain, entry.counts.get(domain)! + delta);
      entry.minDirty = true;
    }
  }

  private mutable(node: SimNode): MutableNode {
    const found = this.byName.get(node.name);
    if (found !== node) throw new Error(`node ${node.name} is not in the model`);
    return found;
  }

  private insert(node: MutableNode, index: number): void {
    this.list.splice(index, 0, node);
    this.byName.set(node.name, node);
    for (const pod of node.pods) {
      this.countNamespace(pod.namespace, 1);
      if (pod.shape.podAntiAffinity.length > 0) this.addHolder(pod, node);
    }
    for (const [key, index] of this.domainIndex) {
      const v = node.labels[key];
      if (v !== undefined) push(index, v, node);
    }
    for (const entry of this.spreadEntries()) this.spreadNode(entry, node, 1);
    this.version++;
  }

  private detach(node: MutableNode, index: number): void {
    this.list.splice(index, 1);
    this.byName.delete(node.name);
    // IMPORTANT: before the namespace counts drop, or the spread entries would skip this node's pods.
    for (const entry of this.spreadEntries()) this.spreadNode(entry, node, -1);
    for (const pod of node.pods) {
      this.countNamespace(pod.namespace, -1);
      if (pod.shape.podAntiAffinity.length > 0) this.removeHolders(pod, node);
    }
    for (const [key, index] of this.domainIndex) {
      const v = node.labels[key];
      if (v !== undefined) removeWhere(index.get(v) ?? [], (n) => n === node);
    }
    this.version++;
  }

  private countNamespace(namespace: string, delta: number): void {
    this.namespacePods.set(namespace, (this.namespacePods.get(namespace) ?? 0) + delta);
  }

  private attachPod(pod: SimPod, node: MutableNode, index: number): void {
    node.pods.splice(index, 0, pod);
    this.countNamespace(pod.namespace, 1);
    addPodRequests(node.requested, pod.shape.requests, 1);
    node.hostPorts.push(...pod.shape.hostPorts);
    if (pod.shape.podAntiAffinity.length > 0) this.addHolder(pod, node);
    this.updateSpread(pod, node, 1);
    this.version++;
  }

  private detachPod(node: MutableNode, index: number): void {
    const [pod] = node.pods.splice(index, 1);
    if (!pod) return;
    this.countNamespace(pod.namespace, -1);
    addPodRequests(node.requested, pod.shape.requests, -1);
    for (const port of pod.shape.hostPorts) {
      const at = node.hostPorts.indexOf(port);
      if (at >= 0) node.hostPorts.splice(at, 1);
    }
    if (pod.shape.podAntiAffinity.length > 0) this.removeHolders(pod, node);
    this.updateSpread(pod, node, -1);
    this.version++;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function removeWhere<T>(list: T[], predicate: (item: T) => boolean): void {
  let write = 0;
  for (const item of list) if (!predicate(item)) list[write++] = item;
  list.length = write;
}

/** Whether a node is eligible for an entry's pod (nodeSelector and required node affinity). */
function matchNodeConstraintsCached(entry: SpreadCounts, node: MutableNode): boolean {
  return matchNodeConstraints(entry.shape, node.labels, node.name) === undefined;
}
