import { NODEGROUP_LABEL, STARTUP_TAINT } from '../shared/labels.ts';
import type { SnapshotNode } from '../shared/snapshot.ts';
import type { EventRecorder } from './kube/event-recorder.ts';
import type { KubeHttp } from './kube/kube-http.ts';
import { NodeGoneError, NodeNotManagedError } from './executor/node-patch.ts';
import { removeStartupTaint } from './executor/release-node.ts';
import { every, type Clock } from './util/clock.ts';
import { errorFields, type Logger } from './util/logger.ts';

// The fallback of releaseNode (issue #22): functions that never release a node (an older version, an
// outage) must not leave our new nodes unschedulable. A Node of ours (it carries the NodeGroup label)
// that still has STARTUP_TAINT this long after it registered is untainted here, without nominations,
// with a warning in the log and a Warning Event on the Node. Only the leader sweeps, never in dry-run.

/** GUESS: a release normally follows the node's Ready within one reconcile (seconds); a minute is well past that. */
export const DEFAULT_STARTUP_TAINT_MAX_SECONDS = 60;

/** Our nodes whose startup taint has outlived `maxMs` since the Node was created. */
export function overdueStartupTaints(nodes: Iterable<SnapshotNode>, nowMs: number, maxMs: number): SnapshotNode[] {
  return [...nodes].filter((n) => n.labels[NODEGROUP_LABEL] !== undefined && n.taints.some((t) => t.key === STARTUP_TAINT) && nowMs - n.createdAtMs >= maxMs);
}

export interface StartupTaintSweepOptions {
  kube: KubeHttp;
  events: Pick<EventRecorder, 'record'>;
  view: { nodes(): Iterable<SnapshotNode> };
  clock: Clock;
  logger: Logger;
  maxMs: number;
  /** Whether to sweep now (leader, synced, not dry-run). */
  active: () => boolean;
}

export class StartupTaintSweeper {
  private sweeping: Promise<string[]> | undefined;

  constructor(private readonly options: StartupTaintSweepOptions) {}

  /** Starts the periodic sweep; returns its stop. */
  start(): () => void {
    const periodMs = Math.min(15_000, Math.max(1_000, Math.floor(this.options.maxMs / 4)));
    return every(this.options.clock, periodMs, () => void this.sweep());
  }

  /** One sweep at a time; resolves to the nodes untainted. */
  sweep(): Promise<string[]> {
    if (this.sweeping || !this.options.active()) return this.sweeping ?? Promise.resolve([]);
    this.sweeping = this.run().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async run(): Promise<string[]> {
    const { kube, events, view, clock, logger, maxMs } = this.options;
    const released: string[] = [];
    for (const node of overdueStartupTaints(view.nodes(), clock.now(), maxMs)) {
      const group = node.labels[NODEGROUP_LABEL]!;
      try {
        if ((await removeStartupTaint(kube, node.name, group)) !== 'changed') continue;
      } catch (error) {
        if (error instanceof NodeGoneError || error instanceof NodeNotManagedError) continue;
        logger.warn({ ...errorFields(error), node: node.name }, `could not remove ${STARTUP_TAINT} from an overdue node; tried again at the next sweep`);
        continue;
      }
      released.push(node.name);
      const note = `no releaseNode came within ${Math.round(maxMs / 1000)} s of the node registering: ${STARTUP_TAINT} removed without nominations (the scheduler places pending pods as it likes)`;
      logger.warn({ node: node.name, nodeGroup: group }, note);
      await events.record({ involved: { kind: 'Node', name: node.name }, type: 'Warning', reason: 'StartupTaintTimeout', action: 'RemoveStartupTaint', note })
        .catch((error: unknown) => logger.warn({ ...errorFields(error) }, 'could not record the StartupTaintTimeout event'));
    }
    return released;
  }
}
