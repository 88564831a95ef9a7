import { commandGroup } from '../shared/command-subject.ts';
import type { Command } from '../shared/plan-message.ts';
import type { CommandResult } from '../shared/snapshot.ts';
import type { ForwarderMetrics } from './metrics.ts';

// Which executed commands the scale-up / scale-down series count (vpsie_autoscaler_scale_*_total,
// forwarder_commands_total, nodegroup_desired_nodes). The rules are data so the dashboards' meaning
// is tested here, not inferred from the composition root.

/** The scale series one result moves. */
export type ScaleSeries = 'scaleUp' | 'scaleUpFailures' | 'scaleDown' | 'scaleDownFailures';

/** A step of a removal: its failure is a scale-down failure. */
const REMOVAL_STEPS = new Set<Command['kind']>(['taintNode', 'evictPod', 'deleteNode', 'deleteVm']);

/**
 * The scale series a result counts in, if any:
 * - a createVm that succeeded is a scale-up; failed or refused, a scale-up failure (dry-run: neither);
 * - a deleteNode that succeeded is a scale-down (the Node leaves the cluster; its VM's deletion is
 *   the clean-up of the same removal, not a second one);
 * - a removal step (taint, evict, delete node or VM) that failed or was refused is a scale-down
 *   failure, except an eviction that will be tried again (a PDB's 429 is waiting, not failing).
 */
export function scaleSeriesOf(command: Command, result: Pick<CommandResult, 'outcome' | 'retryable'>): ScaleSeries | undefined {
  const bad = result.outcome === 'failed' || result.outcome === 'refused';
  if (command.kind === 'createVm') return bad ? 'scaleUpFailures' : result.outcome === 'succeeded' ? 'scaleUp' : undefined;
  if (command.kind === 'deleteNode' && result.outcome === 'succeeded') return 'scaleDown';
  if (bad && REMOVAL_STEPS.has(command.kind) && !(command.kind === 'evictPod' && result.retryable)) return 'scaleDownFailures';
  return undefined;
}

const COUNTER: Record<ScaleSeries, (m: ForwarderMetrics) => ForwarderMetrics['scaleUpTotal']> = {
  scaleUp: (m) => m.scaleUpTotal,
  scaleUpFailures: (m) => m.scaleUpFailuresTotal,
  scaleDown: (m) => m.scaleDownTotal,
  scaleDownFailures: (m) => m.scaleDownFailuresTotal,
};

/** Every series an executed command's result feeds (the executor's onResult). */
export function recordCommandResult(metrics: ForwarderMetrics, command: Command, result: CommandResult): void {
  metrics.commandsTotal.inc({ kind: command.kind, outcome: result.outcome });
  const nodegroup = commandGroup(command)?.name ?? ''; // the label is always present
  const series = scaleSeriesOf(command, result);
  if (series) COUNTER[series](metrics).inc({ nodegroup });
  // The desired count is the one the status written says (a dry run writes none).
  if (command.kind === 'updateNodeGroupStatus' && result.outcome === 'succeeded') metrics.nodegroupDesiredNodes.set({ nodegroup }, command.status.desiredNodes);
}
