import { MAX_SCALE_DOWN_CANDIDATES, type NodeGroupStatus } from '../../shared/nodegroup.ts';
import type { PlanContext } from './context.ts';
import { openDrains } from './open-drains.ts';
import type { GroupKey } from './types.ts';

// status.scaleDownCandidates: the nodes of a group the scale-down is removing or held back, each with
// why — what Cluster Autoscaler's status calls unneeded nodes, with the reason a node stays. Busy nodes
// (requests above the thresholds) are no candidates and are left out. Removals first; bounded.

export type ScaleDownCandidate = NonNullable<NodeGroupStatus['scaleDownCandidates']>[number];

/** Kept reasons that say "not a candidate" rather than "a candidate held back". */
const NOT_CANDIDATES = new Set(['not-underused']);

function bounded(text: string): string {
  return text.length > 512 ? `${text.slice(0, 509)}...` : text;
}

export function scaleDownCandidates(ctx: PlanContext, group: GroupKey): ScaleDownCandidate[] {
  const removing: ScaleDownCandidate[] = [];
  const names = new Set<string>();
  for (const op of openDrains(ctx.state)) {
    if (op.nodeGroup !== group || names.has(op.node)) continue;
    names.add(op.node);
    const why = op.reasonMessage ?? op.reason;
    // An aborting drain hands its node back (untaint, uncordon): it stays.
    removing.push(op.status === 'aborting'
      ? { nodeName: op.node, action: 'Keep', reason: 'drain-aborted', message: bounded(`the drain is being undone: ${op.failure ?? why}`) }
      : { nodeName: op.node, action: 'Remove', reason: op.reason, message: bounded(`${op.status}${op.pdbWait ? ` (waiting on a PodDisruptionBudget: eviction of ${op.pdbWait.pod} refused for now)` : ''}: ${why}`) });
  }
  const keeping: ScaleDownCandidate[] = [];
  for (const kept of ctx.kept) {
    if (kept.nodeGroup !== group || names.has(kept.node) || NOT_CANDIDATES.has(kept.reason)) continue;
    names.add(kept.node);
    keeping.push({ nodeName: kept.node, action: 'Keep', reason: kept.reason, message: bounded(kept.message) });
  }
  const rank = (c: ScaleDownCandidate) => (c.action === 'Remove' ? 0 : 1);
  return [...removing, ...keeping].sort((a, b) => rank(a) - rank(b) || a.nodeName.localeCompare(b.nodeName)).slice(0, MAX_SCALE_DOWN_CANDIDATES);
}
