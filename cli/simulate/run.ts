import type { ValidGroup } from '../../functions/planning/context.ts';
import { plan } from '../../functions/planning/plan.ts';
import { EMPTY_STATE, type PlanningState, type PlanResult, type Policy } from '../../functions/planning/types.ts';
import type { CommandResult, Offering, Snapshot } from '../../shared/snapshot.ts';
import { executePlan } from './executor.ts';
import { sampleWorld, utilizationOf, vmCost, type RunMetrics, type Sample } from './metrics.ts';
import { seededRandom } from './rng.ts';
import { schedule } from './scheduler.ts';
import type { Delay, TraceWorkload } from './trace.ts';
import { World } from './world.ts';
import type { ClusterStart } from './cluster-start.ts';
import { ReconcileTiming, type ReconcileTimingConfig } from './reconcile-timing.ts';

// One simulated day through the real planning core, on the real loop's timing. Simulated time moves
// from event to event: the trace's steps (the ReplicaSets follow the trace, a sample is taken), a VM
// coming up or its Node joining (kube-scheduler binds at once), and the forwarder's reconciles, at
// the times forwarder/batcher.ts would fire them (reconcile-timing.ts: the 30 s heartbeat, sooner
// when the plan asks through nextContactAfterMs, and a batching window after pods become
// unschedulable). A reconcile: the snapshot (with the results of the previous plan's commands) →
// plan() → the plan's commands executed against the world, their results kept for the next snapshot;
// then the scheduler again (evicted pods' replacements). The planning state is carried from plan to
// plan, as the functions persist it in their table. The day starts warm: launches decided at time 0
// are there at once (the cluster as the autoscaler left it the night before), so the figures measure
// the day, not a cold start.

/** Simulated days start here (a fixed time: runs are reproducible). */
export const SIM_START_MS = Date.UTC(2025, 0, 6, 0, 0, 0);

export interface RunInput {
  name: string;
  clusterId: string;
  groups: readonly ValidGroup[];
  nodeGroups: Snapshot['nodeGroups'];
  offerings: readonly Offering[];
  workloads: readonly TraceWorkload[];
  provisioning: { launchSeconds: Delay; joinSeconds: Delay };
  policy: Policy;
  durationMs: number;
  stepMs: number;
  seed: number;
  /** Nodes and pods there at time 0 (--cluster); their background workloads are in `workloads`. */
  start?: ClusterStart;
  /** The forwarder's loop timing (default: its defaults, forwarder/batcher.ts). */
  timing?: Partial<ReconcileTimingConfig>;
  /** Called with every plan and the snapshot it was made from (tests: an audit log of a simulated day). */
  onPlan?: (snapshot: Snapshot, result: PlanResult, nowMs: number) => void;
}

export interface RunResult { metrics: RunMetrics; world: World; plans: number }

export function simulateRun(input: RunInput): RunResult {
  const random = seededRandom(input.seed);
  let warm = true;
  const world = new World({
    clusterId: input.clusterId,
    groups: input.groups,
    nodeGroups: input.nodeGroups,
    offerings: input.offerings,
    workloads: input.workloads,
    provisioning: {
      get launchSeconds() { return warm ? 0 : input.provisioning.launchSeconds; },
      get joinSeconds() { return warm ? 0 : input.provisioning.joinSeconds; },
    },
    random,
    startMs: SIM_START_MS,
    ...(input.start ? { start: input.start } : {}),
  });
  let state: PlanningState = structuredClone(EMPTY_STATE);
  let results: CommandResult[] = [];
  const samples: Sample[] = [];
  let pendingMs = 0;
  let longestWaitMs = 0;
  const events = { onBound: (_: unknown, waitedMs: number) => { longestWaitMs = Math.max(longestWaitMs, waitedMs); } };
  const endMs = SIM_START_MS + input.durationMs;
  const timing = new ReconcileTiming(SIM_START_MS, input.timing);
  let plans = 0;
  let nextStepMs = SIM_START_MS;
  let nowMs = SIM_START_MS;
  let pendingPods = 0;
  for (;;) {
    world.advance(nowMs);
    timing.podsUnschedulable(schedule(world, nowMs, events).newlyUnschedulable, nowMs);
    if (timing.nextAtMs <= nowMs) {
      const snapshot = world.snapshot(nowMs, results);
      const result = plan(snapshot, state, input.policy, nowMs);
      plans++;
      input.onPlan?.(snapshot, result, nowMs);
      state = result.state;
      results = executePlan(world, result.commands, `sim-${input.name}-${plans}`, nowMs).map((e) => e.result);
      timing.reconciled(nowMs, result.nextContactAfterMs);
      world.advance(nowMs);
      timing.podsUnschedulable(schedule(world, nowMs, events).newlyUnschedulable, nowMs);
      warm = false;
    }
    if (nowMs === nextStepMs) {
      samples.push(sampleWorld(world, nowMs));
      nextStepMs += input.stepMs;
    }
    pendingPods = world.pendingCount();
    if (nowMs >= endMs) break;
    const nextMs = Math.min(nextStepMs, endMs, timing.nextAtMs, world.nextChangeAfterMs(nowMs));
    pendingMs += pendingPods * (nextMs - nowMs);
    nowMs = nextMs;
  }
  for (const pod of world.pods.values()) if (pod.nodeName === undefined) longestWaitMs = Math.max(longestWaitMs, endMs - pod.createdAtMs);
  const deleted = world.vms.filter((vm) => vm.deletedAtMs !== undefined);
  const cost = vmCost(world, endMs);
  return {
    world,
    plans,
    metrics: {
      name: input.name,
      cost,
      costPerHour: cost / (input.durationMs / 3600_000),
      cpuUtilization: utilizationOf(samples, 'cpu'),
      memoryUtilization: utilizationOf(samples, 'memory'),
      pendingPodMinutes: pendingMs / 60_000,
      longestWaitSeconds: longestWaitMs / 1000,
      podsPendingBecauseOfScaleDown: world.displacedPending,
      vmCreates: world.vms.filter((vm) => !vm.adopted).length,
      vmDeletes: deleted.length,
      reconciles: plans,
      minVmLifetimeSeconds: deleted.length === 0 ? null : Math.min(...deleted.map((vm) => (vm.deletedAtMs! - vm.createdAtMs) / 1000)),
      samples,
    },
  };
}
