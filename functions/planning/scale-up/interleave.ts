import type { SimPod } from '../simulation/types.ts';

// The order pending pods fill the nodes on their way (issue #22). Those nodes were sized for a mix
// of the burst's pods (scale-up/burst.ts launches early only nodes filled as the batch fills them on
// average); first-fit in largest-first order gives the first of them the largest pods alone — a node
// full of 3-GiB pods with its CPU idle — and the CPU pods then need new nodes of their own: on
// issue #22's burst planned in rounds, 23 + 1 nodes where one plan of the whole buys 20 + 1.
// Interleaved in proportion to their counts, each node takes the batch's mix. The order depends on
// the set of pods only (classes by shape, each in the canonical order), not on when each came.

/**
 * The pods interleaved by class (namespace and shape): next, the class with the least share of its
 * pods taken so far ((taken + 1/2) / count), ties to the class first in `order`; within a class, `order`.
 */
export function interleaveByClass(pods: readonly SimPod[], order: (a: SimPod, b: SimPod) => number): SimPod[] {
  // Classes by namespace, then shape index (or the pod's key for a pod without one), without a key
  // string per pod; `lists` in the order of each class's first pod: the ties go the same way on every run.
  const classes = new Map<string, Map<string, SimPod[]>>();
  const lists: SimPod[][] = [];
  for (const pod of [...pods].sort(order)) {
    let byShape = classes.get(pod.namespace);
    if (!byShape) classes.set(pod.namespace, (byShape = new Map()));
    const key = pod.shapeIndex < 0 ? pod.key : String(pod.shapeIndex);
    const list = byShape.get(key);
    if (list) list.push(pod);
    else {
      const fresh = [pod];
      byShape.set(key, fresh);
      lists.push(fresh);
    }
  }
  const taken = lists.map(() => 0);
  // (taken + 1/2) / count per class, updated when its count taken changes.
  const shares = Float64Array.from(lists, (list) => 0.5 / list.length);
  // A binary heap of the classes with pods left, by (share, index): the linear scan's choice in log time.
  const before = (a: number, b: number) => shares[a]! < shares[b]! || (shares[a] === shares[b] && a < b);
  const heap = lists.map((_, i) => i);
  const down = (at: number) => {
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let top = at;
      if (l < heap.length && before(heap[l]!, heap[top]!)) top = l;
      if (r < heap.length && before(heap[r]!, heap[top]!)) top = r;
      if (top === at) return;
      const swapped = heap[at]!;
      heap[at] = heap[top]!;
      heap[top] = swapped;
      at = top;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  const out: SimPod[] = [];
  while (heap.length > 0) {
    const best = heap[0]!;
    out.push(lists[best]![taken[best]!++]!);
    shares[best] = (taken[best]! + 0.5) / lists[best]!.length;
    if (taken[best]! >= lists[best]!.length) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }
  return out;
}
