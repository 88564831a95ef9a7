import type { PodShape, SnapshotPod } from '../../shared/snapshot.ts';
import { clusterIndex, podKey, shapeOf } from './cluster-index.ts';
import type { PlanContext } from './context.ts';
import { PdbBudget } from './pdb-budget.ts';
import { isDaemonSetPod, isMirrorPod, podDisposition, type BlockReason } from './pod-rules.ts';
import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import { buildClusterModel, fits, place, type ClusterModel, type SimPod } from './simulation/index.ts';
import type { DrainOperation } from './types.ts';
import { nodesOf, openDrains, removalsUnderway } from './open-drains.ts';

// "Can this node go?" for scale-down and for the re-check of a drain: which of its pods block, and
// whether the pods to evict fit on the remaining nodes (the scale-up simulation, not a second one).
//
// The model holds every schedulable node except those being drained. Before any candidate is tried
// it absorbs, best effort, the pods that will need room anyway: first those still on nodes whose
// drain is past its re-check, then pending pods (evicted pods' replacements among them —
// Cluster Autoscaler's "recently evicted pods"). A node's removal is then tried by taking it out of
// the model and placing its pods first-fit; a success stays in the model, so later candidates see
// the room earlier removals used; a failure is rolled back.

export interface PodRef { pod: SnapshotPod; shape: PodShape }

export interface NodePods {
  /** Pods the drain must evict (need room elsewhere). */
  evictable: PodRef[];
  /** The first blocking pod, if any. */
  block?: { pod: string; reason: BlockReason; message: string };
  /** No pod other than DaemonSet, mirror, finished or terminating ones. */
  empty: boolean;
}

export function classifyNodePods(ctx: PlanContext, nodeName: string): NodePods {
  const { snapshot } = ctx;
  const result: NodePods = { evictable: [], empty: true };
  // A pod the forwarder could not read is still there: the node is neither empty nor removable.
  const unknown = snapshot.unknownPods?.find((pod) => pod.nodeName === nodeName);
  if (unknown) {
    result.empty = false;
    result.block = { pod: `${unknown.namespace}/${unknown.name}`, reason: 'unreadable-pod', message: `pod ${unknown.namespace}/${unknown.name} on node ${nodeName} could not be read by the forwarder (${unknown.reason}); the node is kept until it can be` };
  }
  for (const pod of clusterIndex(snapshot).podsByNode.get(nodeName) ?? []) {
    const shape = shapeOf(snapshot, pod);
    const disposition = podDisposition(pod, shape, snapshot.pdbs, ctx.policy.expendablePodsPriorityCutoff);
    if (disposition.kind === 'ignore') continue;
    result.empty = false;
    if (disposition.kind === 'evict') result.evictable.push({ pod, shape });
    else result.block ??= { pod: podKey(pod), reason: disposition.reason, message: disposition.message };
  }
  return result;
}

export type RemovalOutcome = { ok: true } | { ok: false; reason: 'pods-do-not-fit' | 'search-budget'; message: string };

/** Drains whose node is going (open-drains.ts: removals underway). */
export function activeDrains(ctx: PlanContext): DrainOperation[] {
  return removalsUnderway(ctx.state);
}

const PAST_RECHECK = new Set(['draining', 'deleting-node', 'deleting-vm']);

export class RemovalSimulation {
  readonly pdbs: PdbBudget;
  private readonly model: ClusterModel;
  private readonly simPods = new Map<SnapshotPod, SimPod>();
  private placements = 0;

  constructor(private readonly ctx: PlanContext) {
    const { snapshot } = ctx;
    const drains = activeDrains(ctx).sort((a, b) => a.createdAtMs - b.createdAtMs || a.node.localeCompare(b.node));
    // Aborting drains stay out too: their nodes are tainted until the untaint lands.
    const leaving = nodesOf(openDrains(ctx.state));
    // In-flight launches are not counted as room: a pod must not be evicted towards a node that may never come.
    const built = buildClusterModel(snapshot, { groups: ctx.groups, launches: [], excludeNodes: leaving });
    this.model = built.model;
    snapshot.pods.forEach((pod, i) => this.simPods.set(pod, built.pods[i]!));

    const inFlightEvictions: PodRef[] = [];
    for (const drain of drains) {
      if (!PAST_RECHECK.has(drain.status)) continue;
      const { evictable } = classifyNodePods(ctx, drain.node);
      inFlightEvictions.push(...evictable);
      place(this.model, evictable.map((p) => this.simPods.get(p.pod)!));
    }
    // Pods still on a node past its re-check spend their PDBs (paced drains evict them over several
    // steps): a PDB such a drain still waits on has nothing left for another node's drain.
    this.pdbs = new PdbBudget(snapshot.pdbs, ctx.policy.pdbDisruptionMode);
    this.pdbs.spend(inFlightEvictions);

    // Expendable pending pods claim no room: they would not stop a removal had they been running.
    const pending = snapshot.pods.filter((pod) => pod.nodeName === undefined && pod.phase === 'Pending' && !pod.terminating
      && !isDaemonSetPod(shapeOf(snapshot, pod)) && !isMirrorPod(shapeOf(snapshot, pod))
      && shapeOf(snapshot, pod).priority >= ctx.policy.expendablePodsPriorityCutoff);
    this.unplacedPending = place(this.model, pending.map((pod) => this.simPods.get(pod)!)).unplaced.map((u) => u.pod);
  }

  /** Pending pods that found no room in the model (they wait for scale-up, or for nothing). */
  private readonly unplacedPending: SimPod[];

  /**
   * A pending pod that has room nowhere else but would fit on this node were it not being removed
   * (our taint aside): the node is still needed. Used by the drain re-check — a pod that went
   * pending while the node was being tainted must not lose its only place.
   */
  neededByPendingPod(nodeName: string): string | undefined {
    const node = this.ctx.snapshot.nodes.find((n) => n.name === nodeName);
    if (!node || this.unplacedPending.length === 0 || this.model.node(nodeName)) return undefined;
    const mark = this.model.checkpoint();
    try {
      const sim = this.model.addNode({
        name: node.name,
        labels: node.labels,
        taints: node.taints.filter((t) => t.key !== TO_BE_DELETED_TAINT),
        allocatable: node.allocatable,
        kind: 'existing',
      });
      for (const pod of clusterIndex(this.ctx.snapshot).podsByNode.get(nodeName) ?? []) {
        if (pod.phase !== 'Succeeded' && pod.phase !== 'Failed') this.model.bind(this.simPods.get(pod)!, sim);
      }
      return this.unplacedPending.find((pod) => fits(this.model, sim, pod) === undefined)?.key;
    } finally {
      this.model.rollback(mark);
    }
  }

  /**
   * Takes the node out (if it is in the model) and places its evictable pods and any pending pods
   * the model had put on it. Kept on success, rolled back on failure.
   */
  tryRemove(nodeName: string, evictable: readonly PodRef[]): RemovalOutcome {
    if (this.placements > this.ctx.policy.searchBudget) {
      return { ok: false, reason: 'search-budget', message: 'the scale-down search budget for this plan is spent; the node is looked at again next time' };
    }
    const mark = this.model.checkpoint();
    const evictableSim = new Set(evictable.map((p) => this.simPods.get(p.pod)!));
    const toPlace: SimPod[] = [...evictableSim];
    if (this.model.node(nodeName)) {
      // Pending pods the model put here must move too, and so must pods an earlier removal of this
      // plan moved here (dropping them would strand them); the node's own DaemonSet, mirror and
      // terminating pods go with it.
      for (const sim of this.model.removeNode(nodeName)) {
        if (!evictableSim.has(sim) && this.cameFromElsewhere(sim, nodeName)) toPlace.push(sim);
      }
    }
    // First-fit with per-shape cursors costs about pods + nodes checks.
    this.placements += toPlace.length + this.model.nodes.length;
    const { unplaced } = place(this.model, toPlace, { explain: true });
    if (unplaced.length === 0) return { ok: true };
    this.model.rollback(mark);
    const first = unplaced[0]!;
    const more = unplaced.length > 1 ? ` (and ${unplaced.length - 1} more)` : '';
    return { ok: false, reason: 'pods-do-not-fit', message: `pod ${first.pod.key}${more} would not fit on the remaining nodes: ${first.message}` };
  }

  /**
   * Consolidation's what-if (consolidation/replace.ts): takes the node out, places its evictable
   * pods (and pending pods the model had put on it) on the remaining nodes, and hands those left
   * over to `replace`, which may add a new node to the model and place them there. Always rolled
   * back: nothing is evicted before the replacement is Ready, so nothing may count on the room.
   */
  whatIfReplaced<T>(nodeNames: string | readonly string[], evictable: readonly PodRef[], replace: (model: ClusterModel, left: SimPod[]) => T): T {
    const mark = this.model.checkpoint();
    try {
      const evictableSim = new Set(evictable.map((p) => this.simPods.get(p.pod)!));
      const toPlace: SimPod[] = [...evictableSim];
      // Several nodes (multi-node consolidation): all leave the model before any pod is placed.
      const names = typeof nodeNames === 'string' ? [nodeNames] : nodeNames;
      for (const nodeName of names) {
        if (!this.model.node(nodeName)) continue;
        for (const sim of this.model.removeNode(nodeName)) if (!evictableSim.has(sim) && this.cameFromElsewhere(sim, nodeName) && !names.includes(this.homes!.get(sim) ?? '')) toPlace.push(sim);
      }
      this.placements += toPlace.length + this.model.nodes.length;
      const { unplaced } = place(this.model, toPlace);
      return replace(this.model, unplaced.map((u) => u.pod));
    } finally {
      this.model.rollback(mark);
    }
  }

  private homes?: Map<SimPod, string | undefined>;
  /** A pod the model holds on `nodeName` that the snapshot has elsewhere or pending. */
  private cameFromElsewhere(sim: SimPod, nodeName: string): boolean {
    if (!this.homes) {
      this.homes = new Map();
      for (const [pod, s] of this.simPods) this.homes.set(s, pod.nodeName);
    }
    // Not in the map: a template's DaemonSet pod, bound to its own node.
    return this.homes.has(sim) && this.homes.get(sim) !== nodeName;
  }

}

const cache = new WeakMap<PlanContext, RemovalSimulation>();

/** One simulation per plan, shared by the drain re-checks and scale-down (in that order). */
export function removalSimulation(ctx: PlanContext): RemovalSimulation {
  let sim = cache.get(ctx);
  if (!sim) {
    sim = new RemovalSimulation(ctx);
    cache.set(ctx, sim);
  }
  return sim;
}
