import { createHash } from 'node:crypto';
import type { PlanContext, ScaleUpPod } from './context.ts';
import { isUnschedulable } from './scale-up.ts';
import { COMMAND_RESEND_AFTER_MS } from './sent-commands.ts';
import type { SimNode, SimPod } from './simulation/types.ts';
import type { LaunchOperation, PodEventMemo } from './types.ts';

// Events on pending pods, as Cluster Autoscaler users read them in `kubectl describe pod`:
//   TriggeredScaleUp  — the pod gets a node from a launch (which group, which offering, how many
//                       nodes), this plan's or one still in flight;
//   NotTriggerScaleUp — no group can help, with each group's reason (scale-up/reasons.ts).
// Pods that fit existing nodes, or wait for a stabilization window, get none (the scheduler or
// the next plan speaks for them).
//
// De-duplication: the same event (pod, reason and what it says) is not sent again within
// POD_EVENT_REPEAT_MS once the forwarder reported it recorded (refused or failed: sent again at once). The memory of what was sent is planning state (persisted with the rest),
// not a Lambda's memory. A pod pending for an hour gets ~6 events, not 120; a changed reason is
// told at once. The forwarder adds Kubernetes' own series aggregation on top (event-recorder.ts).
//
// IMPORTANT: this phase runs after every other that emits Events, and stays within what the
// forwarder executes from one plan (its event and command caps, snapshot.forwarder.limits): a pod
// event left out is not remembered, so the next plan sends it.

export const POD_EVENT_REPEAT_MS = 10 * 60_000;
export const MAX_POD_EVENT_MEMOS = 2_000;
/** An event the forwarder has not answered for this long is sent again (sent-commands.ts's resend time). */
export const UNANSWERED_RESEND_MS = COMMAND_RESEND_AFTER_MS;
/** The forwarder's defaults (forwarder/guardrails.ts DEFAULT_CAPS), for forwarders that send no limits. */
const DEFAULT_MAX_EVENTS = 200;
const DEFAULT_MAX_COMMANDS = 1_000;
/** Commands that may still follow this phase (the cluster status). */
const RESERVED_COMMANDS = 1;

/** `message` is written only for the events sent (a plan of a large cluster has thousands, sends ≤ 200). */
interface PodEvent { pod: string; eventReason: 'TriggeredScaleUp' | 'NotTriggerScaleUp'; key: string; message: () => string }

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

function splitKey(pod: string): { namespace: string; name: string } {
  const slash = pod.indexOf('/');
  return { namespace: pod.slice(0, slash), name: pod.slice(slash + 1) };
}

/** Launches in progress per group, and per group and offering. */
function launchCounts(ctx: PlanContext): Map<string, number> {
  const counts = new Map<string, number>();
  for (const op of ctx.state.operations) {
    if (op.kind !== 'launch' || (op.status !== 'launching' && op.status !== 'registering')) continue;
    for (const key of [op.nodeGroup, `${op.nodeGroup}\u0000${op.offeringId}`]) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function triggered(ctx: PlanContext, placement: ScaleUpPod, counts: ReadonlyMap<string, number>): PodEvent {
  const key = `${placement.nodeGroup}\u0000${placement.offeringId}`;
  return {
    pod: placement.pod,
    eventReason: 'TriggeredScaleUp',
    key,
    // `counts` and the groups do not change once the events are listed.
    message: () => {
      const group = ctx.group(placement.nodeGroup);
      const max = group ? `, max ${group.spec.maxNodes}` : '';
      return `pod triggered scale-up: NodeGroup ${placement.nodeGroup}, offering ${placement.offeringId}: ${counts.get(key) ?? 0} node(s) launching (${counts.get(placement.nodeGroup) ?? 0} in the group${max}); this pod goes to ${placement.hostname}`;
    },
  };
}

/** After scale-up: which pending pods got a launching node (this plan's, or one in flight). */
export function recordScaleUpPods(ctx: PlanContext, placements: readonly { pod: SimPod; node: SimNode }[]): void {
  for (const { pod, node } of placements) {
    if (node.kind === 'existing' || node.nodeGroup === undefined) continue;
    // A joining Node (registered, not Ready yet) may be modelled without its offering: its launch has it.
    const offeringId = node.offeringId ?? ctx.state.operations.find((op): op is LaunchOperation => op.kind === 'launch' && op.hostname === node.name)?.offeringId;
    if (offeringId !== undefined) ctx.scaleUpPods.push({ pod: pod.key, nodeGroup: node.nodeGroup, offeringId, hostname: node.name });
  }
}

/** The events this plan would send, one per pod, before de-duplication (in no particular order). */
function podEventsOf(ctx: PlanContext): PodEvent[] {
  const events = new Map<string, PodEvent>();
  const counts = ctx.scaleUpPods.length > 0 ? launchCounts(ctx) : new Map<string, number>();
  for (const placement of ctx.scaleUpPods) if (!events.has(placement.pod)) events.set(placement.pod, triggered(ctx, placement, counts));
  // The pods of one class share their message: one digest each.
  const digests = new Map<string, string>();
  for (const entry of ctx.unschedulable) {
    if (events.has(entry.pod)) continue;
    const message = `pod didn't trigger scale-up: ${entry.message}`;
    let key = digests.get(message);
    if (key === undefined) {
      key = digest(message);
      digests.set(message, key);
    }
    events.set(entry.pod, { pod: entry.pod, eventReason: 'NotTriggerScaleUp', key, message: () => message });
  }
  return [...events.values()];
}

/**
 * The first `count` events in `before` order, in that order, without sorting them all (a large
 * cluster's plan has thousands of pending pods and sends at most a few hundred events).
 */
function firstInOrder(events: readonly PodEvent[], count: number, before: (a: PodEvent, b: PodEvent) => number): PodEvent[] {
  const first: PodEvent[] = [];
  if (count <= 0) return first;
  for (const event of events) {
    if (first.length === count && before(event, first[count - 1]!) >= 0) continue;
    let low = 0;
    let high = first.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (before(first[mid]!, event) <= 0) low = mid + 1;
      else high = mid;
    }
    first.splice(low, 0, event);
    if (first.length > count) first.pop();
  }
  return first;
}

function budget(ctx: PlanContext): number {
  const limits = ctx.snapshot.forwarder.limits;
  const events = ctx.commands.filter((c) => c.kind === 'emitEvent').length;
  const eventsLeft = (limits?.maxEventsPerPlan ?? DEFAULT_MAX_EVENTS) - events;
  const commandsLeft = (limits?.maxCommandsPerPlan ?? DEFAULT_MAX_COMMANDS) - ctx.commands.length - RESERVED_COMMANDS;
  return Math.max(0, Math.min(eventsLeft, commandsLeft));
}

export function planPodEvents(ctx: PlanContext): void {
  const now = ctx.nowMs;
  const memos = new Map<string, PodEventMemo>();
  for (const memo of ctx.state.podEvents ?? []) memos.set(`${memo.pod}\u0000${memo.eventReason}`, memo);
  // What the forwarder reported about the events sent: recorded (the memo holds), refused or failed
  // (forgotten: sent again now). One never answered (a plan lost, a leader change mid-plan) holds only
  // UNANSWERED_RESEND_MS.
  const outcomes = new Map(ctx.snapshot.results.map((r) => [r.commandId, r.outcome]));
  for (const [key, memo] of memos) {
    const outcome = memo.commandId === undefined ? undefined : outcomes.get(memo.commandId);
    if (outcome === 'succeeded' || outcome === 'dry-run') {
      const { commandId: _answered, ...confirmed } = memo;
      memos.set(key, confirmed);
    } else if (outcome !== undefined) {
      memos.delete(key);
    }
  }
  const fresh = (memo: PodEventMemo | undefined): boolean =>
    memo !== undefined && memo.sentAtMs <= now && now - memo.sentAtMs < (memo.commandId === undefined ? POD_EVENT_REPEAT_MS : UNANSWERED_RESEND_MS);

  const lastSentMs = new Map<PodEvent, number>();
  const due = podEventsOf(ctx).filter((e) => {
    const memo = memos.get(`${e.pod}\u0000${e.eventReason}`);
    lastSentMs.set(e, memo?.sentAtMs ?? -1);
    return !(fresh(memo) && memo!.key === e.key);
  });
  // Never told first, then the longest ago (then by pod): a cap that cuts the list still reaches every pod in turn.
  const before = (a: PodEvent, b: PodEvent) => lastSentMs.get(a)! - lastSentMs.get(b)! || (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0);
  for (const event of firstInOrder(due, budget(ctx), before)) {
    const command = ctx.emit({
      kind: 'emitEvent',
      reason: event.eventReason === 'TriggeredScaleUp' ? 'pending-pods' : 'unschedulable',
      message: event.message().slice(0, 1024),
      involved: { kind: 'Pod', ...splitKey(event.pod) },
      type: 'Normal',
      eventReason: event.eventReason,
    });
    memos.set(`${event.pod}\u0000${event.eventReason}`, { pod: event.pod, eventReason: event.eventReason, key: event.key, sentAtMs: now, commandId: command.id });
  }

  // Only what can still stop a repeat is kept: recent, and about a pod that is still pending.
  const pending = new Set(ctx.snapshot.pods.filter(isUnschedulable).map((p) => `${p.namespace}/${p.name}`));
  const kept = [...memos.values()].filter((m) => fresh(m) && pending.has(m.pod)).sort((a, b) => a.sentAtMs - b.sentAtMs);
  const bounded = kept.slice(Math.max(0, kept.length - MAX_POD_EVENT_MEMOS));
  if (bounded.length > 0 || ctx.state.podEvents !== undefined) ctx.state.podEvents = bounded;
}

/** How many pending pods got a launching node and how many none (for the cluster status). */
export function pendingPodCounts(ctx: PlanContext): { triggeredScaleUp: number; notTriggeredScaleUp: number } {
  const triggeredPods = new Set(ctx.scaleUpPods.map((p) => p.pod));
  const helpless = new Set(ctx.unschedulable.map((u) => u.pod).filter((p) => !triggeredPods.has(p)));
  return { triggeredScaleUp: triggeredPods.size, notTriggeredScaleUp: helpless.size };
}
