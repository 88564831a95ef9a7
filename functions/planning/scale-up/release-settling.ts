import { NODEGROUP_LABEL } from '../../../shared/labels.ts';
import type { PlanContext } from '../context.ts';
import { isStartingNode } from '../starting-nodes.ts';
import type { PlannedNode } from './emit.ts';
import { FULL_NODE_SHARE, nodeFill } from './burst.ts';
import type { SimNode } from '../simulation/types.ts';
import { nominatedHere } from '../simulation/build-model.ts';

// While a release settles, what it leaves over waits to be planned whole (issue #22).
//
// A plan releases its joined nodes (release-nodes.ts): the forwarder nominates each node's pods for
// it, one node after the other (50 QPS: 300 pods take 6–11 s), and removes its taint; kube-scheduler
// then binds them, but not always as planned (an untainted node with room takes pods planned for a
// node released after it). The pods that end up with no room come back pending one by one, as the
// scheduler gets to them. Planned as they come, each gets a node of its own: on the Karpenter bench's
// issue-22 burst one run bought a 2-CPU node for one such pod, and half a second later another
// 2-CPU node for the next (20 × A-8C-16G + 2 × A-2C-4G + A-4C-8G), where the runs that saw both pods
// at once bought one 4-CPU node (20 × A-8C-16G + 2 × A-4C-8G): a different fleet for the same burst.
//
// So while a release of ours is settling — this plan releases joined nodes with pods placed on them,
// a releaseNode sent less than scaleUpBatchMaxMs ago is unanswered, or a pending pod is nominated
// for, or fits the room of, a node of ours that has lost its startup taint and registered less than
// twice scaleUpBatchMaxMs ago (the scheduler has yet to bind it: one run bought its tail node while 3
// such pods were on their way, and a 2-CPU node for one of them half a second later) — the new nodes
// this plan would launch for pending pods and fill less than FULL_NODE_SHARE of (in every resource:
// the tail, which what the release leaves over may share) wait, a decision says so, and the plan looks
// again after scaleUpBatchIdleMs. Full nodes launch: they are right whatever comes back. Nominations
// settle in seconds (a nominated pod is bound, or fails there and loses its nomination); a hold never
// outlasts the freshness bound of the last node of ours to join, and since held launches make no new
// nodes, it ends. Off with the batch window (scaleUpBatchIdleMs 0). Launches for minNodes and the
// utilization threshold do not wait.
//
// The cost: the tail's pods wait for the release (the forwarder nominates at its API rate: a few
// seconds for a few hundred pods), against a node's boot of a minute or more on VPSie.

export interface Settling {
  /** Nodes this plan releases with pods placed on them. */
  releasingNow: number;
  /** releaseNode commands sent and not answered yet. */
  releasing: number;
  /** Pending pods nominated for a freshly released node of ours. */
  nominated: number;
  /** Pending pods, not nominated, that fit the room of a freshly released node of ours (the scheduler has yet to bind them). */
  fitting: number;
}

/** Whether a release of ours is still settling (see above); undefined when none is, or batching is off. */
export function releaseSettling(ctx: PlanContext, releasingNow: number, placedOnExisting: readonly { node: SimNode }[]): Settling | undefined {
  const { scaleUpBatchIdleMs: idleMs, scaleUpBatchMaxMs: maxMs } = ctx.policy;
  if (idleMs <= 0) return undefined;
  const releasing = (ctx.state.sentCommands ?? []).filter((s) => s.kind === 'releaseNode' && ctx.nowMs - s.sentAtMs < maxMs).length;
  const fresh = new Set(ctx.snapshot.nodes
    .filter((n) => n.labels[NODEGROUP_LABEL] !== undefined && !isStartingNode(n) && n.ready && !n.unschedulable && !n.terminating && ctx.nowMs - n.createdAtMs < 2 * maxMs)
    .map((n) => n.name));
  const nominated = fresh.size === 0 ? 0 : ctx.snapshot.pods.filter((p) => fresh.has(nominatedHere(p) ?? '')).length;
  const fitting = fresh.size === 0 ? 0 : placedOnExisting.filter((p) => fresh.has(p.node.name)).length;
  return releasingNow > 0 || releasing > 0 || nominated > 0 || fitting > 0 ? { releasingNow, releasing, nominated, fitting } : undefined;
}

/** The planned nodes to launch now: those for pending pods that are not full wait while a release settles. */
export function holdWhileSettling(ctx: PlanContext, planned: readonly PlannedNode[], settling: Settling | undefined): readonly PlannedNode[] {
  if (!settling) return planned;
  const held = planned.filter((p) => p.reason === 'pending-pods' && nodeFill(p.node) < FULL_NODE_SHARE);
  if (held.length === 0) return planned;
  const untilMs = ctx.nowMs + ctx.policy.scaleUpBatchIdleMs;
  ctx.wakeAt(untilMs);
  const pods = held.reduce((n, p) => n + p.pods, 0);
  ctx.decide({
    kind: 'info',
    target: 'cluster',
    reason: 'release-settling',
    message: `a release of joined nodes is settling (${settling.releasingNow} released now, ${settling.releasing} release(s) unanswered, ${settling.nominated} pod(s) nominated for released nodes and ${settling.fitting} more fitting there, not bound yet): ${held.length} new node(s) not full for ${pods} pending pod(s) wait, so that they are planned with the pods the release leaves over; looking again after ${ctx.policy.scaleUpBatchIdleMs} ms`,
    details: { heldNodes: held.length, heldPods: pods, releasingNow: settling.releasingNow, releasing: settling.releasing, nominated: settling.nominated, fitting: settling.fitting, untilMs },
  });
  const waiting = new Set(held);
  return planned.filter((p) => !waiting.has(p));
}
