import { NODEGROUP_LABEL } from '../../../shared/labels.ts';
import type { NodeTemplate } from '../node-template.ts';
import type { PackInput } from './pack-input.ts';
import type { GroupCapacity } from './groups.ts';

// Balancing similar groups (Cluster Autoscaler's --balance-similar-node-groups; a functions policy
// setting, off by default as in CA). Groups that differ only in where they run — typically one
// NodeGroup per VPSie datacenter — share a scale-up evenly instead of the cheapest taking it all:
// each new node goes to the similar group with the fewest members (current + planned), within its
// maxNodes and limits, the first of them on a tie (CA's BalanceScaleUpBetweenGroups fills the
// smallest groups level by level; the outcome is the same).
//
// Similar (CA's IsCloudProviderNodeInfoSimilar, with the groups' own declared parts added):
//   same weight, same spec.labels and taints, same allowMixedInstances; and per node: the same CPU
//   capacity, memory within 1.5 % (CA's MaxCapacityMemoryDifferenceRatio) and room for pods within
//   5 % (CA's MaxFreeDifferenceRatio). Region/zone, hostname and the group label do not count:
//   they are what tells similar groups apart.

export const MAX_MEMORY_DIFFERENCE_RATIO = 0.015;
export const MAX_FREE_DIFFERENCE_RATIO = 0.05;

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a).filter((k) => k !== NODEGROUP_LABEL);
  return keys.length === Object.keys(b).filter((k) => k !== NODEGROUP_LABEL).length && keys.every((k) => a[k] === b[k]);
}

function close(a: number, b: number, ratio: number): boolean {
  const larger = Math.max(Math.abs(a), Math.abs(b));
  return larger === 0 || Math.abs(a - b) <= ratio * larger;
}

/** Two templates (group × offering) whose nodes the scheduler could not tell apart but for their place. */
export function similarTemplates(a: NodeTemplate, b: NodeTemplate): boolean {
  if (a.offering.cpu !== b.offering.cpu) return false;
  if (!close(a.offering.ramMiB, b.offering.ramMiB, MAX_MEMORY_DIFFERENCE_RATIO)) return false;
  const keys = ['cpuMillis', 'memoryBytes', 'ephemeralBytes', 'pods'] as const;
  return keys.every((k) => close(a.free[k], b.free[k], MAX_FREE_DIFFERENCE_RATIO));
}

/** Group-level part of the similarity (the declared labels, taints, weight, mixed-instance rule). */
export function similarGroups(a: GroupCapacity, b: GroupCapacity): boolean {
  if (a.weight !== b.weight || a.group.spec.allowMixedInstances !== b.group.spec.allowMixedInstances) return false;
  if (!sameRecord(a.group.spec.labels, b.group.spec.labels)) return false;
  const taint = (t: { key: string; value?: string | undefined; effect: string }) => `${t.key}=${t.value ?? ''}:${t.effect}`;
  const ta = a.group.spec.taints.map(taint).sort();
  const tb = b.group.spec.taints.map(taint).sort();
  return ta.length === tb.length && ta.every((t, i) => t === tb[i]);
}

/**
 * The group (index into `sizes`) that takes the next node: the smallest among the candidates that
 * still have room, the first on a tie; undefined when none has room.
 */
export function smallestWithRoom(candidates: readonly number[], sizes: readonly number[], room: (g: number) => boolean): number | undefined {
  let best: number | undefined;
  for (const g of candidates) {
    if (!room(g)) continue;
    if (best === undefined || sizes[g]! < sizes[best]!) best = g;
  }
  return best;
}

/**
 * CA's split of `total` new nodes over similar groups, on counts alone: groups at or over their
 * maximum take nothing; each node goes to the smallest group with room. Returns the increase per group.
 */
export function splitEvenly(groups: readonly { current: number; max: number }[], total: number): number[] {
  const sizes = groups.map((g) => g.current);
  const added = groups.map(() => 0);
  const all = groups.map((_, i) => i);
  for (let n = 0; n < total; n++) {
    const g = smallestWithRoom(all, sizes, (i) => sizes[i]! < groups[i]!.max);
    if (g === undefined) break;
    sizes[g]! += 1;
    added[g]! += 1;
  }
  return added;
}

type TemplateRef = PackInput['refs'][number];

/**
 * Where the node the search chose (template t, carrying `pods` of each class) goes when balancing:
 * the similar group with the fewest members that admits the same pods as many per node and has
 * room (maxNodes, limits, a mixed-instances lock), the search's own group on a tie or when none has.
 */
export function balancedRef(input: PackInput, t: number, pods: readonly (readonly [number, number])[], capacities: readonly GroupCapacity[], groups: { size: (g: number) => number; hasRoom: (g: number, template: NodeTemplate) => boolean }): TemplateRef {
  const chosen = input.refs[t]!;
  const candidates = new Map<number, TemplateRef>([[chosen.groupIndex, chosen]]);
  input.refs.forEach((ref, u) => {
    if (candidates.has(ref.groupIndex)) return;
    if (!similarGroups(capacities[chosen.groupIndex]!, capacities[ref.groupIndex]!) || !similarTemplates(chosen.template, ref.template)) return;
    if (pods.every(([c, n]) => input.classes[c]!.capPerNode[u]! >= n)) candidates.set(ref.groupIndex, ref);
  });
  if (candidates.size === 1) return chosen;
  const sizes: number[] = [];
  for (const g of candidates.keys()) sizes[g] = groups.size(g);
  const g = smallestWithRoom([...candidates.keys()], sizes, (i) => groups.hasRoom(i, candidates.get(i)!.template));
  return g === undefined ? chosen : candidates.get(g)!;
}
