import type { SnapshotNode, SnapshotPod } from '../shared/snapshot.ts';

// The latencies dashboards chart (trigger → create, create → Ready, pending-pod wait, drain), from
// what this forwarder sees: pods turning unschedulable (the cache's trigger), the results of the
// commands it executed, and the Nodes and pods the cache holds. Kept in memory, per process: a new
// leader starts with no launches or drains in progress (it observes the ones it runs itself).
// Bounded: at most MAX_TRACKED entries per kind, oldest dropped first (a cluster with more pending
// pods than that is reported by the oldest ones still tracked).

export const MAX_TRACKED = 10_000;

export interface LatencyObserver {
  triggerToCreate(nodegroup: string, seconds: number): void;
  createToReady(nodegroup: string, seconds: number): void;
  podPending(seconds: number): void;
  drain(nodegroup: string, outcome: 'completed' | 'aborted', seconds: number): void;
}

export interface TrackerView {
  pod(key: string): Pick<SnapshotPod, 'nodeName' | 'unschedulableSinceMs'> | undefined;
  node(name: string): Pick<SnapshotNode, 'ready' | 'readyTransitionMs'> | undefined;
}

interface Started {
  nodegroup: string;
  startedMs: number;
}

export class LatencyTracker {
  /** Unschedulable pods by "namespace/name", and since when (the pod's own unschedulable time). */
  private readonly pending = new Map<string, number>();
  private readonly launches = new Map<string, Started>();
  private readonly drains = new Map<string, Started>();

  constructor(
    private readonly view: TrackerView,
    private readonly observe: LatencyObserver,
    private readonly now: () => number,
  ) {}

  /** The cache saw a pod turn unschedulable. */
  podUnschedulable(key: string): void {
    const sinceMs = this.view.pod(key)?.unschedulableSinceMs ?? this.now();
    bounded(this.pending, key, sinceMs);
  }

  /** VPSie accepted a create: the launch is timed until its Node is Ready. */
  vmCreated(nodegroup: string, hostname: string): void {
    const nowMs = this.now();
    const oldestPendingMs = this.oldestPendingMs();
    if (oldestPendingMs !== undefined) this.observe.triggerToCreate(nodegroup, Math.max(0, nowMs - oldestPendingMs) / 1000);
    bounded(this.launches, hostname, { nodegroup, startedMs: nowMs });
  }

  /** The taint that starts a removal was applied. */
  drainStarted(nodegroup: string, node: string): void {
    if (!this.drains.has(node)) bounded(this.drains, node, { nodegroup, startedMs: this.now() });
  }

  /** The removal ended: the Node was deleted (completed) or untainted (aborted). */
  drainEnded(node: string, outcome: 'completed' | 'aborted'): void {
    const started = this.drains.get(node);
    if (!started) return;
    this.drains.delete(node);
    this.observe.drain(started.nodegroup, outcome, Math.max(0, this.now() - started.startedMs) / 1000);
  }

  /**
   * Settles what the cache shows now: pods bound to a node (their wait ends), pods gone (forgotten),
   * launches whose Node is Ready (timed to the Ready condition's own transition time).
   */
  sweep(): void {
    const nowMs = this.now();
    for (const [key, sinceMs] of this.pending) {
      const pod = this.view.pod(key);
      if (!pod) this.pending.delete(key);
      else if (pod.nodeName) {
        this.pending.delete(key);
        this.observe.podPending(Math.max(0, nowMs - sinceMs) / 1000);
      }
    }
    for (const [hostname, launch] of this.launches) {
      const node = this.view.node(hostname);
      if (!node?.ready) continue;
      this.launches.delete(hostname);
      const readyMs = node.readyTransitionMs !== undefined && node.readyTransitionMs >= launch.startedMs ? node.readyTransitionMs : nowMs;
      this.observe.createToReady(launch.nodegroup, (readyMs - launch.startedMs) / 1000);
    }
  }

  oldestUnschedulablePodSeconds(): number {
    const oldestMs = this.oldestPendingMs();
    return oldestMs === undefined ? 0 : Math.max(0, this.now() - oldestMs) / 1000;
  }

  oldestUnjoinedLaunchSeconds(): Map<string, number> {
    return oldestByGroup(this.launches, this.now());
  }

  oldestDrainSeconds(): Map<string, number> {
    return oldestByGroup(this.drains, this.now());
  }

  private oldestPendingMs(): number | undefined {
    let oldest: number | undefined;
    for (const [key, sinceMs] of this.pending) {
      if (this.view.pod(key)?.nodeName) continue;
      if (oldest === undefined || sinceMs < oldest) oldest = sinceMs;
    }
    return oldest;
  }
}

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
}

function oldestByGroup(entries: Map<string, Started>, nowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const { nodegroup, startedMs } of entries.values()) {
    const seconds = Math.max(0, nowMs - startedMs) / 1000;
    if (seconds > (out.get(nodegroup) ?? -1)) out.set(nodegroup, seconds);
  }
  return out;
}

/** What an executed command tells the tracker (the executor's onResult hook). */
export function trackCommand(
  tracker: LatencyTracker,
  command: { kind: string; hostname?: string; node?: string; nodeGroup?: { name: string } },
  outcome: string,
): void {
  if (outcome !== 'succeeded') return;
  const group = command.nodeGroup?.name ?? '';
  if (command.kind === 'createVm' && command.hostname) tracker.vmCreated(group, command.hostname);
  else if (command.kind === 'taintNode' && command.node) tracker.drainStarted(group, command.node);
  else if (command.kind === 'deleteNode' && command.node) tracker.drainEnded(command.node, 'completed');
  else if (command.kind === 'untaintNode' && command.node) tracker.drainEnded(command.node, 'aborted');
}
