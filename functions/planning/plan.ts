import type { Snapshot } from '../../shared/snapshot.ts';
import { PlanContext } from './context.ts';
import { applyResults } from './results.ts';
import { advanceOperations } from './operations.ts';
import { runScaleUp } from './scale-up.ts';
import { releaseStartingNodes } from './release-nodes.ts';
import { planScaleDown } from './scale-down.ts';
import { handOffConsolidations } from './consolidation/handoff.ts';
import { planStatus } from './status.ts';
import { planPodEvents, recordScaleUpPods } from './pod-events.ts';
import { planClusterStatus } from './cluster-status.ts';
import { discardWhatIf } from './what-if.ts';
import { nameOfferingsInPlan } from './names.ts';
import { explainUnreadCatalogue } from './catalogue-unread.ts';
import type { PlanningState, PlanResult, Policy } from './types.ts';

/**
 * The planning core: pure, deterministic, no clock and no I/O.
 *
 * IMPORTANT: the phase order is an invariant. Results are applied before anything is decided (so a
 * result reported twice is recognised), in-flight operations advance before scale-up (their capacity
 * counts and their deadlines may free room under maxNodes), and scale-up runs before scale-down (a
 * group with a scale-up in progress is never scaled down in the same plan). A plan for a dry-run
 * forwarder is a what-if: the state it returns keeps none of the operations it started (what-if.ts).
 */
export function plan(snapshot: Snapshot, state: PlanningState, policy: Policy, nowMs: number): PlanResult {
  const ctx = new PlanContext(snapshot, structuredClone(state), policy, nowMs);
  applyResults(ctx);
  advanceOperations(ctx);
  // The pods it gives a launching node are told so in Events (pod-events.ts).
  const scaleUp = runScaleUp(ctx);
  recordScaleUpPods(ctx, scaleUp.placements);
  // Our Ready nodes still under the startup taint get the pods scale-up placed on them (issue #22).
  releaseStartingNodes(ctx, scaleUp.placements, scaleUp.burst);
  // Replacements now Ready get their old nodes drained before scale-down looks (it must not take them).
  handOffConsolidations(ctx);
  planScaleDown(ctx);
  const groups = planStatus(ctx);
  explainUnreadCatalogue(snapshot, ctx.unschedulable, ctx.decisions);
  // Pod events come last but the cluster status: they fill what is left of the forwarder's event cap.
  planPodEvents(ctx);
  planClusterStatus(ctx, groups);
  nameOfferingsInPlan(ctx.commands, ctx.decisions, snapshot.offerings);
  return {
    commands: ctx.commands,
    decisions: ctx.decisions,
    state: snapshot.forwarder.dryRun ? discardWhatIf(state, ctx.state) : ctx.state,
    provision: ctx.provision,
    remove: ctx.remove,
    unschedulable: ctx.unschedulable,
    kept: ctx.kept,
    monthlyCostDelta: Math.round(ctx.monthlyCostDelta * 100) / 100,
    nextContactAfterMs: ctx.nextContactAfterMs,
  };
}
