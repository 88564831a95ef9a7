import type { HostPort, NodeResources } from '../../../shared/snapshot.ts';
import { AntiAffinityIndex, type AntiAffinityHolder } from './anti-affinity-index.ts';
import { push, removeWhere } from './multimap.ts';
import { addPodRequests } from './resources.ts';
import { SpreadIndex, type SpreadView } from './spread-index.ts';
import type { SimNode, SimNodeInit, SimPod } from './types.ts';

export { termMatchesPod, termNamespaces, type AntiAffinityHolder } from './anti-affinity-index.ts';

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
  /** namespace → the nodes in the model with pods of it bound, and how many; built when a spread constraint first asks. */
  private namespaceNodes: Map<string, Map<SimNode, number>> | undefined;
  private readonly antiHolders = new AntiAffinityIndex();
  private readonly spread = new SpreadIndex({ nodes: this.list, nodesWithPodsIn: (namespace) => this.nodesWithPodsIn(namespace) });
  /** Off while `initialize` builds the starting state. */
  private journaling = true;
  /** Bumped on every change; caches key on it. */
  version = 0;

  get nodes(): readonly SimNode[] {
    return this.list;
  }

  node(name: string): SimNode | undefined {
    return this.byName.get(name);
  }

  /**
   * Runs `build` (addNode and bind calls) without journaling: the model's starting state, which no
   * rollback can undo. A model of a large cluster binds every running pod, and a journal entry per
   * bind was garbage kept alive for the whole plan.
   */
  initialize(build: () => void): void {
    if (this.journal.length > 0) throw new Error('initialize comes before any journaled change');
    this.journaling = false;
    try {
      build();
    } finally {
      this.journaling = true;
    }
  }

  addNode(init: SimNodeInit): SimNode {
    if (this.byName.has(init.name)) throw new Error(`node ${init.name} is already in the model`);
    // Written out, not spread: this runs for every node of the cluster.
    const node: MutableNode = {
      name: init.name, labels: init.labels, taints: init.taints, allocatable: init.allocatable, kind: init.kind,
      requested: { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0, pods: 0 }, pods: [], hostPorts: [],
    };
    if (init.nodeGroup !== undefined) node.nodeGroup = init.nodeGroup;
    if (init.offeringId !== undefined) node.offeringId = init.offeringId;
    this.insert(node, this.list.length);
    if (this.journaling) this.journal.push({ op: 'add', node });
    return node;
  }

  /** Takes a node (and its pods) out of consideration; returns its pods. */
  removeNode(name: string): readonly SimPod[] {
    const node = this.byName.get(name);
    if (!node) return [];
    const index = this.list.indexOf(node);
    this.detach(node, index);
    if (this.journaling) this.journal.push({ op: 'remove', node, index });
    return node.pods;
  }

  /** Binds without checking; use `fits` first. */
  bind(pod: SimPod, node: SimNode): void {
    const target = this.mutable(node);
    this.attachPod(pod, target, target.pods.length);
    if (this.journaling) this.journal.push({ op: 'bind', pod, node: target });
  }

  unbind(pod: SimPod, node: SimNode): void {
    const target = this.mutable(node);
    const index = target.pods.indexOf(pod);
    if (index < 0) throw new Error(`pod ${pod.key} is not on node ${node.name}`);
    this.detachPod(target, index);
    if (this.journaling) this.journal.push({ op: 'unbind', pod, node: target, index });
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

  /** The first bound pod whose required anti-affinity term covers the topology domain of `node` and passes `test` (symmetric check). */
  antiAffinityHolderNear(node: SimNode, test: (holder: AntiAffinityHolder) => boolean): AntiAffinityHolder | undefined {
    return this.antiHolders.findNear(node, test);
  }

  /** For a pod's DoNotSchedule spread constraint: matching pods per domain and the global minimum (spread-index.ts). */
  spreadCounts(pod: SimPod, constraintIndex: number): SpreadView {
    return this.spread.counts(pod, constraintIndex);
  }

  private mutable(node: SimNode): MutableNode {
    const found = this.byName.get(node.name);
    if (found !== node) throw new Error(`node ${node.name} is not in the model`);
    return found;
  }

  private insert(node: MutableNode, index: number): void {
    if (index === this.list.length) this.list.push(node);
    else this.list.splice(index, 0, node);
    this.byName.set(node.name, node);
    for (const pod of node.pods) {
      this.countNamespace(pod.namespace, node, 1);
      if (pod.shape.podAntiAffinity.length > 0) this.antiHolders.add(pod, node);
    }
    for (const [key, index] of this.domainIndex) {
      const v = node.labels[key];
      if (v !== undefined) push(index, v, node);
    }
    this.spread.nodeChanged(node, 1);
    this.version++;
  }

  private detach(node: MutableNode, index: number): void {
    this.list.splice(index, 1);
    this.byName.delete(node.name);
    this.spread.nodeChanged(node, -1);
    for (const pod of node.pods) {
      this.countNamespace(pod.namespace, node, -1);
      if (pod.shape.podAntiAffinity.length > 0) this.antiHolders.remove(pod, node);
    }
    for (const [key, index] of this.domainIndex) {
      const v = node.labels[key];
      if (v !== undefined) removeWhere(index.get(v) ?? [], (n) => n === node);
    }
    this.version++;
  }

  private nodesWithPodsIn(namespace: string): Iterable<SimNode> {
    if (!this.namespaceNodes) {
      this.namespaceNodes = new Map();
      for (const node of this.list) for (const pod of node.pods) this.countNamespace(pod.namespace, node, 1);
    }
    return this.namespaceNodes.get(namespace)?.keys() ?? [];
  }

  private countNamespace(namespace: string, node: SimNode, delta: number): void {
    if (!this.namespaceNodes) return;
    let nodes = this.namespaceNodes.get(namespace);
    if (!nodes) {
      nodes = new Map();
      this.namespaceNodes.set(namespace, nodes);
    }
    const count = (nodes.get(node) ?? 0) + delta;
    if (count > 0) nodes.set(node, count);
    else nodes.delete(node);
  }

  private attachPod(pod: SimPod, node: MutableNode, index: number): void {
    if (index === node.pods.length) node.pods.push(pod);
    else node.pods.splice(index, 0, pod);
    this.countNamespace(pod.namespace, node, 1);
    addPodRequests(node.requested, pod.shape.requests, 1);
    if (pod.shape.hostPorts.length > 0) node.hostPorts.push(...pod.shape.hostPorts);
    if (pod.shape.podAntiAffinity.length > 0) this.antiHolders.add(pod, node);
    this.spread.podChanged(pod, node, 1);
    this.version++;
  }

  private detachPod(node: MutableNode, index: number): void {
    const [pod] = node.pods.splice(index, 1);
    if (!pod) return;
    this.countNamespace(pod.namespace, node, -1);
    addPodRequests(node.requested, pod.shape.requests, -1);
    for (const port of pod.shape.hostPorts) {
      const at = node.hostPorts.indexOf(port);
      if (at >= 0) node.hostPorts.splice(at, 1);
    }
    if (pod.shape.podAntiAffinity.length > 0) this.antiHolders.remove(pod, node);
    this.spread.podChanged(pod, node, -1);
    this.version++;
  }
}
