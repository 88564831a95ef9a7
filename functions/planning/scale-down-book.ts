import type { SnapshotNode } from '../../shared/snapshot.ts';
import { groupState } from './backoff.ts';
import type { PlanContext, ValidGroup } from './context.ts';
import { activeDrains } from './removal-simulation.ts';
import type { GroupKey } from './types.ts';

// Scale-down's bookkeeping (scale-down.ts): per-group counts the checks need, and how a kept node
// is reported (a decision only where it says something: nodes busy or not ours are kept quietly).

/** Reasons that only say "this node is busy or not ours" go to `kept` without a decision. */
export type QuietReason = 'consolidation-replacement' | 'consolidation-pending' | 'not-managed' | 'unknown-group' | 'not-ready' | 'cordoned' | 'scale-down-disabled' | 'scale-down-disabled-annotation' | 'do-not-disrupt-annotation' | 'not-underused' | 'stabilizing' | 'starting';

/** Per-group counts the checks need, updated as removals are decided. */
export interface GroupEntry {
  /** Nodes whose removal has started (drains in progress, and those decided in this plan). */
  leaving: Set<string>;
  emptyRemovals: number;
  nonEmptyDrains: number;
  launchesInProgress: number;
  lastScaleUpMs?: number;
}

export class GroupBook {
  private readonly entries = new Map<GroupKey, GroupEntry>();
  /** Nodes kept for a reason that concerns their whole group: one decision per group and reason. */
  private readonly keptForGroup = new Map<string, { group: ValidGroup; reason: string; message: string; nodes: string[] }>();
  constructor(private readonly ctx: PlanContext) {}

  keepForGroup(node: SnapshotNode, group: ValidGroup, reason: string, message: string): void {
    this.ctx.kept.push({ node: node.name, nodeGroup: group.key, reason, message });
    const key = `${group.key}\u0000${reason}`;
    const entry = this.keptForGroup.get(key) ?? { group, reason, message, nodes: [] };
    entry.nodes.push(node.name);
    this.keptForGroup.set(key, entry);
  }

  /** Per-group reasons would repeat for every node of a large group; they are decided once. */
  decideKept(): void {
    for (const { group, reason, message, nodes } of this.keptForGroup.values()) {
      const shown = nodes.slice(0, 5).join(', ') + (nodes.length > 5 ? `, … (${nodes.length} in all)` : '');
      this.ctx.decide({
        kind: 'keep-node',
        target: `ng ${group.key}`,
        nodeGroup: group.key,
        reason,
        message: `${message}; kept: ${shown}`,
        details: { nodes: nodes.length, firstNode: nodes[0] ?? null },
      });
    }
  }

  get(group: ValidGroup): GroupEntry {
    let entry = this.entries.get(group.key);
    if (!entry) {
      entry = this.compute(group);
      this.entries.set(group.key, entry);
    }
    return entry;
  }

  /** Counts from the ledger; minNodes is checked on the snapshot's nodes (shared/membership.ts). */
  private compute(group: ValidGroup): GroupEntry {
    const { ctx } = this;
    // Replacements are not scale-ups: they add no demand-driven capacity for scale-down to wait for
    // (consolidation/), and an abandoned one must be removable at once.
    const launches = ctx.state.operations.filter((op) => op.kind === 'launch' && op.nodeGroup === group.key && op.consolidation === undefined);
    const inProgress = launches.filter((op) => op.status === 'launching' || op.status === 'registering');
    const leaving = new Set(activeDrains(ctx).map((op) => op.node));
    const drains = activeDrains(ctx).filter((op) => op.nodeGroup === group.key && op.reason !== 'not-ready');
    const launchTimes = launches.map((op) => op.createdAtMs);
    const recorded = groupState(ctx.state, group.key).lastScaleUpMs;
    if (recorded !== undefined) launchTimes.push(recorded);
    return {
      leaving,
      emptyRemovals: drains.filter((op) => op.empty).length,
      nonEmptyDrains: drains.filter((op) => !op.empty).length,
      launchesInProgress: inProgress.length,
      ...(launchTimes.length > 0 ? { lastScaleUpMs: Math.max(...launchTimes) } : {}),
    };
  }
}

export function keepQuiet(ctx: PlanContext, node: SnapshotNode, nodeGroup: GroupKey | undefined, reason: QuietReason, message: string): void {
  ctx.kept.push({ node: node.name, ...(nodeGroup !== undefined ? { nodeGroup } : {}), reason, message });
}

/** A node that would otherwise go: kept, and the decision says what keeps it. */
export function keep(ctx: PlanContext, node: SnapshotNode, nodeGroup: GroupKey, reason: string, message: string, details?: Record<string, string>): void {
  ctx.kept.push({ node: node.name, nodeGroup, reason, message });
  ctx.decide({ kind: 'keep-node', target: `node ${node.name}`, nodeGroup, reason, message, ...(details ? { details } : {}) });
}
