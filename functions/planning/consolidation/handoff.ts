import { DO_NOT_DISRUPT, SCALE_DOWN_DISABLED } from '../../../shared/labels.ts';
import { describeShortfall } from '../pdb-budget.ts';
import { removalKeepsMinimum } from '../../../shared/membership.ts';
import { clusterIndex } from '../cluster-index.ts';
import type { PlanContext, ValidGroup } from '../context.ts';
import { isTainted, startDrain } from '../drains.ts';
import { groupEvent } from '../lifecycle-events.ts';
import { managedGroupOf, unmarkedVmMessage, unmarkedVmOf } from '../managed-nodes.ts';
import { RemovalBudget } from '../removal-budget.ts';
import { activeDrains, classifyNodePods, removalSimulation } from '../removal-simulation.ts';
import { consolidationLaunches, type ConsolidationLaunch } from './replacement-nodes.ts';

// The second half of a replacement (replace.ts): once the replacement's node is Ready, each node it
// replaces is tainted and drained (drains.ts, reason "consolidation"), after every safety check of
// scale-down has passed again on the current snapshot, with the replacement now real room in the
// simulation. A check that fails for good gives the consolidation up (the replacement stays, as
// ordinary capacity; scale-down takes it back when it is unneeded). PDBs and the forwarder's limits
// may clear soon: they are waited for, at most drainDeadlineMs after the replacement was Ready.
// A failed launch simply ends the consolidation: nothing was disrupted.

export function handOffConsolidations(ctx: PlanContext): void {
  let limits: RemovalBudget | undefined;
  for (const op of consolidationLaunches(ctx)) {
    if (op.consolidation.handedOff) continue;
    if (op.status === 'failed') {
      op.consolidation.handedOff = true;
      continue;
    }
    if (op.status !== 'succeeded' || !ctx.snapshot.synced) continue;
    limits ??= new RemovalBudget(ctx);
    handOff(ctx, op, limits);
  }
}

function handOff(ctx: PlanContext, op: ConsolidationLaunch, limits: RemovalBudget): void {
  const index = clusterIndex(ctx.snapshot);
  const waitUntilMs = op.updatedAtMs + ctx.policy.drainDeadlineMs;
  // Drains started by an earlier reconcile of this move (it may have waited for a PDB) count too.
  let drained = op.consolidation.replaces.filter((n) => !index.nodeByName.has(n) || activeDrains(ctx).some((d) => d.node === n)).length;
  for (const name of op.consolidation.replaces) {
    const node = index.nodeByName.get(name);
    if (!node || activeDrains(ctx).some((d) => d.node === name)) continue;
    const group = managedGroupOf(ctx, node);
    const problem = group ? lastingProblem(ctx, node.name, group, op) : { reason: 'group-changed', message: `node ${name} no longer belongs to NodeGroup ${op.nodeGroup}` };
    if (problem) return giveUp(ctx, op, name, problem.reason, problem.message, drained);
    const sim = removalSimulation(ctx);
    const pods = classifyNodePods(ctx, name);
    const paced = limits.check();
    const shortfall = sim.pdbs.shortfall(pods.evictable);
    if (!paced.ok || shortfall) {
      const why = !paced.ok ? paced.message : describeShortfall(shortfall!, 'the drain');
      if (ctx.nowMs >= waitUntilMs) return giveUp(ctx, op, name, !paced.ok ? paced.reason : 'pdb', why, drained);
      ctx.wakeAt(Math.min(waitUntilMs, ctx.nowMs + 60_000));
      return;
    }
    const fit = sim.tryRemove(name, pods.evictable);
    if (!fit.ok) return giveUp(ctx, op, name, fit.reason, fit.message, drained);
    sim.pdbs.spend(pods.evictable);
    limits.spend();
    const saving = op.consolidation.monthlySaving;
    startDrain(ctx, { node, group: group!, empty: pods.empty, reason: op.consolidation.cause ?? 'consolidation', message: `replaced by ${op.hostname}, now Ready (${saving >= 0 ? `saves ${saving.toFixed(2)}` : `costs ${(-saving).toFixed(2)} more`}/month)` });
    drained += 1;
  }
  op.consolidation.handedOff = true;
}

type Problem = { reason: string; message: string };

/** The checks of scale-down that do not clear by waiting a minute. */
function lastingProblem(ctx: PlanContext, name: string, group: ValidGroup, op: ConsolidationLaunch): Problem | undefined {
  const node = clusterIndex(ctx.snapshot).nodeByName.get(name)!;
  if (group.key !== op.nodeGroup) return { reason: 'group-changed', message: `node ${name} no longer belongs to NodeGroup ${op.nodeGroup}` };
  if (!node.ready) return { reason: 'not-ready', message: `node ${name} is NotReady` };
  if (node.unschedulable || isTainted(node) || node.terminating) return { reason: 'cordoned', message: `node ${name} is cordoned or terminating by someone else` };
  if (!group.spec.scaleDownPolicy.enabled) return { reason: 'scale-down-disabled', message: `scale-down was disabled for NodeGroup ${group.key}` };
  // Drift replaces whatever the consolidation policy says (a drifted node is not kept for being cheap).
  if (op.consolidation.cause !== 'drifted' && group.spec.disruption.consolidationPolicy !== 'WhenEmptyOrUnderutilized') return { reason: 'consolidation-off', message: `consolidationPolicy is now ${group.spec.disruption.consolidationPolicy}` };
  if (node.annotations[SCALE_DOWN_DISABLED] === 'true') return { reason: 'scale-down-disabled-annotation', message: `node ${name} has ${SCALE_DOWN_DISABLED}: "true"` };
  if (node.annotations[DO_NOT_DISRUPT] === 'true') return { reason: 'do-not-disrupt-annotation', message: `node ${name} has ${DO_NOT_DISRUPT}: "true"` };
  if (unmarkedVmOf(ctx, node)) return { reason: 'vm-unmarked', message: unmarkedVmMessage(node) };
  const pods = classifyNodePods(ctx, name);
  if (pods.block) return { reason: pods.block.reason, message: pods.block.message };
  const leaving = new Set(activeDrains(ctx).map((d) => d.node));
  const minimum = removalKeepsMinimum(group.name, ctx.snapshot.nodes, name, group.spec.minNodes, leaving);
  if (!minimum.allowed) return { reason: 'min-nodes', message: `removing node ${name} leaves ${minimum.remaining} serving node(s), below minNodes ${group.spec.minNodes}` };
  return undefined;
}

/**
 * Gives the move up. IMPORTANT: a replacement none of whose nodes was drained holds no pod it was
 * launched for: it is surplus, paid for nothing. It is marked abandoned, and scale-down may remove
 * it at once (no stabilization window, no cooldown: replacement-nodes.ts) if it is still empty and
 * every other rule allows. Waiting would not avoid VPSie's create-then-delete flag — the VM exists
 * already — it would only cost money. If some nodes were drained, it holds their pods: it stays.
 */
function giveUp(ctx: PlanContext, op: ConsolidationLaunch, node: string, reason: string, message: string, drained: number): void {
  op.consolidation.handedOff = true;
  if (drained === 0) op.consolidation.abandoned = true;
  const fate = drained === 0 ? 'is surplus: scale-down removes it once it is confirmed empty' : 'stays as ordinary capacity';
  const text = `consolidation given up: node ${node} is kept (${message}); its replacement ${op.hostname} ${fate}`;
  ctx.kept.push({ node, nodeGroup: op.nodeGroup, reason, message: text });
  ctx.decide({ kind: 'keep-node', target: `node ${node}`, nodeGroup: op.nodeGroup, reason, message: text, details: { consolidation: 'given-up', replacement: op.hostname } });
  groupEvent(ctx, op.nodeGroup, { type: 'Normal', eventReason: 'ConsolidationAbandoned', reason, message: text, operationId: op.id });
}
