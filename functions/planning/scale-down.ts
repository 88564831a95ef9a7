import { DO_NOT_DISRUPT, SCALE_DOWN_DISABLED } from '../../shared/labels.ts';
import { describeShortfall } from './pdb-budget.ts';
import { removalKeepsMinimum } from '../../shared/membership.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { PlanContext, ValidGroup } from './context.ts';
import { isTainted, startDrain } from './drains.ts';
import { matchNodeGroup, offeringOfNode, unmarkedVmMessage, unmarkedVmOf } from './managed-nodes.ts';
import { RemovalBudget } from './removal-budget.ts';
import { notReadyAfterMs } from './not-ready.ts';
import { classifyNodePods, removalSimulation, type NodePods } from './removal-simulation.ts';
import { formatPercent, isUnderused, nodeUtilization, type Utilization } from './utilization.ts';
import { formatDuration } from './durations.ts';
import { DisruptionBook } from './consolidation/disruption-book.ts';
import { consolidate } from './consolidation/consolidate.ts';
import type { ReplaceCandidate } from './consolidation/eligibility.ts';
import { planDrift } from './consolidation/drift-replace.ts';
import { GroupBook, keep, keepQuiet } from './scale-down-book.ts';
import { consolidationRoles, isAbandonedReplacement } from './consolidation/replacement-nodes.ts';
import { nodesOf, openDrains } from './open-drains.ts';
import { isStartingNode } from './starting-nodes.ts';

// Safe scale-down. A node goes only if ALL hold (else it is kept, with the first reason found):
//   managed (group label naming one valid NodeGroup) and the group's scaleDownPolicy.enabled;
//   Ready, not cordoned, not already leaving; no scale-down-disabled / do-not-disrupt annotation;
//   CPU and memory requests below the group's thresholds for stabilizationWindowSeconds;
//   not backed off after a failed drain; no pod on it blocks (pod-rules.ts);
//   no launch in progress in its group and the cooldown after the last scale-up has passed;
//   a synced snapshot; the group stays at or above minNodes; the group's disruption budget;
//   the PDBs allow evicting its pods; its pods fit on the remaining nodes (removal-simulation.ts).
// policy.assumeWindowsElapsed treats the stabilization window and the cooldown as elapsed.
// Candidates are tried empty nodes first, then least utilized; each success is final for the plan.

interface Candidate { node: SnapshotNode; group: ValidGroup; utilization: Utilization; pods: NodePods; underusedSinceMs?: number }

export function planScaleDown(ctx: PlanContext): void {
  const { snapshot, state, policy, nowMs } = ctx;
  const leaving = nodesOf(openDrains(state));
  const candidates: Candidate[] = [];
  // The operations do not change in this pass (the candidates are acted on after it).
  const consolidationRole = consolidationRoles(ctx);

  for (const node of [...snapshot.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const match = matchNodeGroup(ctx, node);
    if (match.kind === 'unmanaged') {
      keepQuiet(ctx, node, undefined, 'not-managed', `node ${node.name} has no autoscaler.vpsie.com/nodegroup label; it is never touched`);
      continue;
    }
    if (match.kind === 'unknown-group') {
      keepQuiet(ctx, node, undefined, 'unknown-group', `node ${node.name}: ${match.message}; it is not touched`);
      continue;
    }
    const { group } = match;
    if (leaving.has(node.name)) continue;
    const consolidating = consolidationRole(node.name);
    if (consolidating) {
      keepQuiet(ctx, node, group.key, consolidating.reason, consolidating.message);
      continue;
    }
    if (!node.ready) {
      keepQuiet(ctx, node, group.key, 'not-ready', `node ${node.name} is NotReady; it is replaced after ${formatDuration(notReadyAfterMs(ctx, group))} NotReady instead`);
      continue;
    }
    if (node.unschedulable || isTainted(node) || node.terminating) {
      keepQuiet(ctx, node, group.key, 'cordoned', `node ${node.name} is cordoned or terminating by someone else`);
      continue;
    }
    // Just joined, still to be handed out (release-nodes.ts): empty because its pods are not yet let in.
    if (isStartingNode(node)) {
      keepQuiet(ctx, node, group.key, 'starting', `node ${node.name} has just joined and is not yet released to the scheduler (startup taint)`);
      continue;
    }
    const utilization = nodeUtilization(snapshot, node, policy);
    const underused = isUnderused(utilization, group.spec);
    const timers = (state.nodes[node.name] ??= {});
    // An unsynced snapshot may miss pods: it may stop a window, never start one.
    if (!underused) delete timers.underusedSinceMs;
    else if (snapshot.synced) timers.underusedSinceMs ??= nowMs;
    const usage = `CPU ${formatPercent(utilization.cpu)}, memory ${formatPercent(utilization.memory)} requested`;

    if (!group.spec.scaleDownPolicy.enabled) {
      keepQuiet(ctx, node, group.key, 'scale-down-disabled', `scale-down is disabled for NodeGroup ${group.key}`);
      continue;
    }
    if (node.annotations[SCALE_DOWN_DISABLED] === 'true') {
      keepQuiet(ctx, node, group.key, 'scale-down-disabled-annotation', `node ${node.name} has ${SCALE_DOWN_DISABLED}: "true"`);
      continue;
    }
    if (node.annotations[DO_NOT_DISRUPT] === 'true') {
      keepQuiet(ctx, node, group.key, 'do-not-disrupt-annotation', `node ${node.name} has ${DO_NOT_DISRUPT}: "true"`);
      continue;
    }
    const { cpuThreshold, memoryThreshold, stabilizationWindowSeconds } = group.spec.scaleDownPolicy;
    if (!underused) {
      keepQuiet(ctx, node, group.key, 'not-underused', `${usage}; thresholds CPU ${cpuThreshold}%, memory ${memoryThreshold}%`);
      continue;
    }
    const windowMs = stabilizationWindowSeconds * 1000;
    const sinceMs = timers.underusedSinceMs;
    // An abandoned replacement still empty was never needed: no window to wait (consolidation/handoff.ts).
    const surplus = isAbandonedReplacement(ctx, node.name) && classifyNodePods(ctx, node.name).empty;
    if (!policy.assumeWindowsElapsed && !surplus && (sinceMs === undefined || nowMs - sinceMs < windowMs)) {
      const forS = sinceMs === undefined ? 0 : Math.round((nowMs - sinceMs) / 1000);
      keepQuiet(ctx, node, group.key, 'stabilizing', `${usage}; underused for ${forS}s of the ${stabilizationWindowSeconds}s window`);
      if (sinceMs !== undefined) ctx.wakeAt(sinceMs + windowMs);
      continue;
    }
    if (timers.drainBackoffUntilMs !== undefined && timers.drainBackoffUntilMs > nowMs) {
      keep(ctx, node, group.key, 'drain-backoff', `a drain of node ${node.name} failed; not tried again for ${formatDuration(timers.drainBackoffUntilMs - nowMs)}`);
      continue;
    }
    // Would go otherwise: say why it cannot (an operator adopts the VM to let it go).
    if (unmarkedVmOf(ctx, node)) {
      keep(ctx, node, group.key, 'vm-unmarked', unmarkedVmMessage(node));
      continue;
    }
    const pods = classifyNodePods(ctx, node.name);
    if (pods.block) {
      keep(ctx, node, group.key, pods.block.reason, pods.block.message, { pod: pods.block.pod });
      continue;
    }
    candidates.push({ node, group, utilization, pods, ...(sinceMs !== undefined ? { underusedSinceMs: sinceMs } : {}) });
  }

  // Empty nodes first, then the least utilized; names break ties (determinism).
  candidates.sort((a, b) => Number(b.pods.empty) - Number(a.pods.empty)
    || (a.utilization.cpu + a.utilization.memory) - (b.utilization.cpu + b.utilization.memory)
    || a.node.name.localeCompare(b.node.name));
  const groups = new GroupBook(ctx);
  const budget = new RemovalBudget(ctx);
  const disruption = new DisruptionBook(ctx);
  // IMPORTANT: the order of the methods (Karpenter's): deletions (empty nodes first, then those
  // whose pods fit elsewhere), then multi-node, then single-node replacement (consolidate.ts),
  // then drift; each sees the room and the budgets the earlier ones used.
  const replaceable: ReplaceCandidate[] = [];
  for (const candidate of candidates) tryCandidate(ctx, candidate, groups, budget, disruption, replaceable);
  consolidate(ctx, replaceable, disruption, budget);
  planDrift(ctx, disruption, budget);
  groups.decideKept();
  pruneNodeTimers(ctx);
}

/** Drops timers that say nothing any more (empty, or of nodes gone whose backoff has run out). */
function pruneNodeTimers(ctx: PlanContext): void {
  const present = new Set(ctx.snapshot.nodes.map((n) => n.name));
  for (const [name, timers] of Object.entries(ctx.state.nodes)) {
    if (timers.drainBackoffUntilMs !== undefined && timers.drainBackoffUntilMs <= ctx.nowMs) delete timers.drainBackoffUntilMs;
    if (!present.has(name)) {
      delete timers.underusedSinceMs;
      delete timers.notReadySinceMs;
    }
    if (Object.values(timers).every((v) => v === undefined)) delete ctx.state.nodes[name];
  }
}

function tryCandidate(ctx: PlanContext, c: Candidate, groups: GroupBook, budget: RemovalBudget, disruption: DisruptionBook, replaceable: ReplaceCandidate[]): void {
  const { node, group, pods } = c;
  const { policy, nowMs } = ctx;
  const book = groups.get(group);
  if (book.launchesInProgress > 0) {
    return groups.keepForGroup(node, group, 'scale-up-in-progress', `NodeGroup ${group.key} has ${book.launchesInProgress} launch(es) in progress`);
  }
  const cooldownEndsMs = book.lastScaleUpMs === undefined ? undefined : book.lastScaleUpMs + policy.scaleDownCooldownAfterScaleUpMs;
  if (!policy.assumeWindowsElapsed && cooldownEndsMs !== undefined && nowMs < cooldownEndsMs) {
    ctx.wakeAt(cooldownEndsMs);
    return groups.keepForGroup(node, group, 'scale-up-cooldown', `NodeGroup ${group.key} scaled up ${formatDuration(nowMs - book.lastScaleUpMs!)} ago; scale-down waits ${formatDuration(policy.scaleDownCooldownAfterScaleUpMs)}`);
  }
  if (!ctx.snapshot.synced) {
    return groups.keepForGroup(node, group, 'snapshot-not-synced', 'the forwarder has not finished its initial lists; nothing is removed on an incomplete picture');
  }
  // The forwarder checks the same rule when the removal starts (the taint): one count, no deadlock.
  const minimum = removalKeepsMinimum(group.name, ctx.snapshot.nodes, node.name, group.spec.minNodes, book.leaving);
  if (!minimum.allowed) {
    return groups.keepForGroup(node, group, 'min-nodes', `NodeGroup ${group.key} has ${minimum.serving} serving node(s) (Ready, not leaving); removing one leaves ${minimum.remaining}, below minNodes ${group.spec.minNodes}`);
  }
  if (!pods.empty && group.spec.disruption.consolidationPolicy === 'WhenEmpty') {
    return groups.keepForGroup(node, group, 'consolidation-policy', `NodeGroup ${group.key} has consolidationPolicy WhenEmpty: only empty nodes are removed`);
  }
  // spec.disruption.budgets: shared with consolidation (consolidation/budgets.ts).
  const disrupt = disruption.check(group, pods.empty ? 'Empty' : 'Underutilized');
  if (!disrupt.ok) return groups.keepForGroup(node, group, disrupt.reason, disrupt.message);
  // The forwarder's own limits: never start a removal it will refuse to finish.
  const paced = budget.check();
  if (!paced.ok) {
    ctx.wakeAt(nowMs + 60_000);
    return groups.keepForGroup(node, group, paced.reason, paced.message);
  }
  const limit = pods.empty ? policy.maxEmptyRemovalsPerGroup : policy.maxNonEmptyDrainsPerGroup;
  const inProgress = pods.empty ? book.emptyRemovals : book.nonEmptyDrains;
  if (inProgress >= limit) {
    return groups.keepForGroup(node, group, 'disruption-budget', `NodeGroup ${group.key} already removes ${inProgress} ${pods.empty ? 'empty' : 'non-empty'} node(s); at most ${limit} at a time`);
  }
  const sim = removalSimulation(ctx);
  const shortfall = sim.pdbs.shortfall(pods.evictable);
  if (shortfall) {
    return keep(ctx, node, group.key, 'pdb', describeShortfall(shortfall, `removing node ${node.name}`));
  }
  const fit = sim.tryRemove(node.name, pods.evictable);
  // Consolidation, after every deletion was tried: one cheaper node for the pods that fit nowhere else.
  if (!fit.ok && fit.reason === 'pods-do-not-fit') return void replaceable.push({ node, group, pods, fitMessage: fit.message });
  if (!fit.ok) return keep(ctx, node, group.key, fit.reason, fit.message);

  sim.pdbs.spend(pods.evictable);
  budget.spend();
  disruption.spend(group);
  book.leaving.add(node.name);
  if (pods.empty) book.emptyRemovals += 1;
  else book.nonEmptyDrains += 1;
  const offering = offeringOfNode(ctx, node, group);
  const reason = pods.empty ? 'empty' : 'underused';
  const usage = `CPU ${formatPercent(c.utilization.cpu)}, memory ${formatPercent(c.utilization.memory)} requested`;
  const message = pods.empty
    ? `node ${node.name} runs only DaemonSet or mirror pods (${usage})`
    : `node ${node.name} is underused (${usage}); its ${pods.evictable.length} pod(s) fit on the remaining nodes`;
  startDrain(ctx, { node, group, empty: pods.empty, reason, message });
  ctx.remove.push({ node: node.name, nodeGroup: group.key, reason, monthlySaving: offering?.priceMonthly ?? null });
  if (offering) ctx.monthlyCostDelta -= offering.priceMonthly;
  ctx.decide({
    kind: 'scale-down',
    target: `node ${node.name}`,
    nodeGroup: group.key,
    reason,
    message,
    details: {
      cpuPercent: Math.round(c.utilization.cpu * 1000) / 10,
      memoryPercent: Math.round(c.utilization.memory * 1000) / 10,
      podsToEvict: pods.evictable.length,
      offering: offering?.identifier ?? null,
      monthlyPrice: offering?.priceMonthly ?? null,
      monthlySaving: offering?.priceMonthly ?? null,
      underusedSinceMs: c.underusedSinceMs ?? null,
    },
  });
}

