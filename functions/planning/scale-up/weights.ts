import type { SimPod } from '../simulation/types.ts';
import type { PodClass } from './classes.ts';
import type { GroupCapacity } from './groups.ts';

export interface RoundOutcome { placed: number; unplaced: SimPod[]; refused: SimPod[] }

// NodeGroup spec.weight (Karpenter's NodePool weight; Cluster Autoscaler's priority expander): the
// search runs per weight tier, highest first. A pending pod goes to the highest-weight groups that
// can take it — even when a lower-weight group would be cheaper — and reaches a lower tier only when
// no group of the higher tiers can (its selector, taints or size, maxNodes, limits or a backoff).
// Within a tier the cheapest set wins, as without weights. Unset weight counts as 0: with no weight
// anywhere there is one tier and nothing changes.

/** Group indexes per weight, highest weight first. */
export function weightTiers(capacities: readonly GroupCapacity[]): number[][] {
  const byWeight = new Map<number, number[]>();
  capacities.forEach((capacity, g) => byWeight.set(capacity.weight, [...(byWeight.get(capacity.weight) ?? []), g]));
  return [...byWeight.entries()].sort(([a], [b]) => b - a).map(([, groups]) => groups);
}

/**
 * One search round tier by tier: each tier sees the classes restricted to its groups; the pods it
 * leaves without a node go down to the next tier. Pods the re-check refused are returned for the
 * next round (which starts again from the top tier); pods no tier took are the round's unplaced.
 */
export function byWeightTiers(classes: readonly PodClass[], tiers: readonly number[][], runTier: (classes: PodClass[]) => RoundOutcome): RoundOutcome {
  if (tiers.length <= 1) return runTier([...classes]);
  let placed = 0;
  const refused: SimPod[] = [];
  let left = [...classes];
  for (const tier of tiers) {
    const inTier = new Set(tier);
    const here = left.map((cls) => ({ ...cls, eligibleGroups: new Set([...cls.eligibleGroups].filter((g) => inTier.has(g))) }));
    const outcome = runTier(here.filter((cls) => cls.eligibleGroups.size > 0));
    placed += outcome.placed;
    refused.push(...outcome.refused);
    const carried = new Set([...outcome.unplaced, ...here.filter((cls) => cls.eligibleGroups.size === 0).flatMap((cls) => cls.pods)]);
    left = left.map((cls) => ({ ...cls, pods: cls.pods.filter((pod) => carried.has(pod)) })).filter((cls) => cls.pods.length > 0);
  }
  return { placed, unplaced: left.flatMap((cls) => cls.pods), refused };
}
