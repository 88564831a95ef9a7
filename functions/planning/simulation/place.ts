import type { ClusterModel } from './cluster-model.ts';
import { fits } from './predicates.ts';
import type { Misfit, SimNode, SimPod } from './types.ts';

/** The misfits of a pod not explained (one shared, never changed: not one Map per pod). */
const NOT_EXPLAINED: ReadonlyMap<Misfit['reason'], number> = new Map();

/** Reasons a node keeps refusing a shape while placing (nodes only fill up). */
const PERMANENT = new Set<Misfit['reason']>(['insufficient-cpu', 'insufficient-memory', 'insufficient-ephemeral-storage', 'too-many-pods', 'node-selector', 'node-affinity', 'taint', 'host-port', 'pod-anti-affinity']);

export interface Placement { pod: SimPod; node: SimNode }
export interface Unplaced {
  pod: SimPod;
  /** Why no node took it (counts of misfit reasons over the nodes tried), or empty when not explained. */
  misfits: ReadonlyMap<Misfit['reason'], number>;
  /** One example message for the most frequent reason. */
  message: string;
}
export interface PlaceResult { placed: Placement[]; unplaced: Unplaced[] }

export interface PlaceOptions {
  /** Only these nodes are tried (default: every node in the model, in model order). */
  filter?: (node: SimNode) => boolean;
  /** Collect misfit reasons for unplaced pods (once per shape and namespace). */
  explain?: boolean;
}

/**
 * First-fit, in the order given, binding each pod that fits into the model (take a checkpoint
 * before to undo). Pods of one shape reuse a cursor: a node that refused one replica on resources,
 * ports, taints or anti-affinity refuses the next too (nodes only fill up), so n replicas over m
 * nodes cost O(n + m) checks instead of O(n·m). Shapes with pod affinity or topology spread are
 * not monotone and are always scanned from the first node.
 */
export function place(model: ClusterModel, pods: readonly SimPod[], options: PlaceOptions = {}): PlaceResult {
  const candidates = options.filter ? model.nodes.filter(options.filter) : [...model.nodes];
  // Nodes only fill up while placing, so the largest free room at the start bounds every node's
  // room later: a pod larger than that is refused without a scan.
  const roomiest = { cpuMillis: 0, memoryBytes: 0, ephemeralBytes: 0, pods: 0 };
  for (const node of candidates) {
    roomiest.cpuMillis = Math.max(roomiest.cpuMillis, node.allocatable.cpuMillis - node.requested.cpuMillis);
    roomiest.memoryBytes = Math.max(roomiest.memoryBytes, node.allocatable.memoryBytes - node.requested.memoryBytes);
    roomiest.ephemeralBytes = Math.max(roomiest.ephemeralBytes, node.allocatable.ephemeralBytes - node.requested.ephemeralBytes);
    roomiest.pods = Math.max(roomiest.pods, node.allocatable.pods - node.requested.pods);
  }
  const tooLarge = (pod: SimPod): boolean => {
    const r = pod.shape.requests;
    return roomiest.pods < 1 || (r.cpuMillis > 0 && r.cpuMillis > roomiest.cpuMillis) || (r.memoryBytes > 0 && r.memoryBytes > roomiest.memoryBytes)
      || (r.ephemeralBytes > 0 && r.ephemeralBytes > roomiest.ephemeralBytes);
  };
  const cursors = new Map<string, number>();
  /** For shapes that are not monotone: nodes that refused them for a reason that cannot go away. */
  const refusedFor = new Map<string, Uint8Array>();
  const explanations = new Map<string, { misfits: Map<Misfit['reason'], number>; message: string }>();
  const placed: Placement[] = [];
  const unplaced: Unplaced[] = [];
  for (const pod of pods) {
    const group = `${pod.namespace}\u0000${pod.shapeIndex < 0 ? pod.key : pod.shapeIndex}`;
    const monotone = pod.shape.podAffinity.length === 0 && pod.shape.topologySpread.length === 0;
    let i = monotone ? cursors.get(group) ?? 0 : 0;
    let target: SimNode | undefined;
    if (tooLarge(pod)) i = candidates.length;
    let refused = monotone ? undefined : refusedFor.get(group);
    if (!monotone && !refused) {
      refused = new Uint8Array(candidates.length);
      refusedFor.set(group, refused);
    }
    for (; i < candidates.length; i++) {
      if (refused?.[i]) continue;
      const node = candidates[i]!;
      const misfit = fits(model, node, pod, false);
      if (!misfit) { target = node; break; }
      if (refused && PERMANENT.has(misfit.reason)) refused[i] = 1;
    }
    if (monotone) cursors.set(group, i);
    if (target) {
      model.bind(pod, target);
      placed.push({ pod, node: target });
      continue;
    }
    if (!options.explain) {
      unplaced.push({ pod, misfits: NOT_EXPLAINED, message: '' });
      continue;
    }
    let explanation = explanations.get(group);
    if (!explanation) {
      explanation = explain(model, candidates, pod);
      explanations.set(group, explanation);
    }
    unplaced.push({ pod, ...explanation });
  }
  return { placed, unplaced };
}

/** Counts why each node refuses the pod; the message is an example of the most frequent reason. */
export function explain(model: ClusterModel, nodes: readonly SimNode[], pod: SimPod): { misfits: Map<Misfit['reason'], number>; message: string } {
  const misfits = new Map<Misfit['reason'], number>();
  const examples = new Map<Misfit['reason'], string>();
  for (const node of nodes) {
    const misfit = fits(model, node, pod);
    if (!misfit) continue;
    misfits.set(misfit.reason, (misfits.get(misfit.reason) ?? 0) + 1);
    if (!examples.has(misfit.reason)) examples.set(misfit.reason, misfit.message);
  }
  let top: Misfit['reason'] | undefined;
  for (const [reason, count] of misfits) if (top === undefined || count > misfits.get(top)!) top = reason;
  const summary = [...misfits].map(([reason, count]) => `${count} ${reason}`).join(', ');
  const message = nodes.length === 0
    ? 'no node to try'
    : `0/${nodes.length} nodes fit (${summary})${top ? `; e.g. ${examples.get(top)}` : ''}`;
  return { misfits, message };
}
