import type { PlanContext } from '../context.ts';
import type { NodeTemplate } from '../node-template.ts';
import type { SimNode } from '../simulation/types.ts';
import { startLaunch } from '../start-launch.ts';
import type { GroupCapacity } from './groups.ts';

export interface PlannedNode {
  capacity: GroupCapacity;
  template: NodeTemplate;
  hostname: string;
  node: SimNode;
  reason: 'pending-pods' | 'min-nodes' | 'utilization-threshold';
  /** Pending pods the simulation put on it. */
  pods: number;
  detail?: string;
}

const REASON_TEXT: Record<PlannedNode['reason'], string> = {
  'pending-pods': 'pending pods',
  'min-nodes': 'minNodes',
  'utilization-threshold': 'the utilization threshold',
};

function money(value: number): string {
  return value.toFixed(2);
}

/**
 * Turns the planned nodes into createVm commands (one launch operation each, in the ledger with its
 * deadlines), a ScaleUpTriggered event per group, a scale-up decision and a provision summary per
 * group × offering × reason, and the monthly cost delta.
 *
 * IMPORTANT: the launch operations are written to ctx.state together with the commands, so that a
 * persisted plan always knows its in-flight capacity: the next reconcile counts it (no double launch).
 */
export function emitScaleUp(ctx: PlanContext, planned: readonly PlannedNode[]): void {
  if (planned.length === 0) return;
  const batches = new Map<string, PlannedNode[]>();
  for (const node of planned) {
    const key = `${node.capacity.group.key}\u0000${node.template.offering.identifier}\u0000${node.reason}`;
    batches.set(key, [...(batches.get(key) ?? []), node]);
  }
  const perGroup = new Map<string, { capacity: GroupCapacity; nodes: PlannedNode[] }>();
  for (const node of planned) {
    const entry = perGroup.get(node.capacity.group.key) ?? { capacity: node.capacity, nodes: [] };
    entry.nodes.push(node);
    perGroup.set(node.capacity.group.key, entry);
  }

  for (const nodes of batches.values()) {
    const { capacity, template, reason } = nodes[0]!;
    const group = capacity.group;
    const offering = template.offering;
    const pods = nodes.reduce((sum, n) => sum + n.pods, 0);
    const monthlyCost = offering.priceMonthly * nodes.length;
    const why = reason === 'pending-pods' ? `${pods} pending pod(s)` : nodes[0]!.detail ?? REASON_TEXT[reason];
    const message = `launch ${nodes.length} × ${offering.identifier} in ${group.key} for ${why} (+${money(monthlyCost)}/month)`;
    for (const node of nodes) {
      startLaunch(ctx, { group, hostname: node.hostname, offering, reason, message: `launch ${node.hostname} (${offering.identifier}) in ${group.key} for ${why}` });
    }
    ctx.provision.push({ nodeGroup: group.key, offering: offering.identifier, count: nodes.length, monthlyCost });
    ctx.monthlyCostDelta += monthlyCost;
    ctx.decide({
      kind: 'scale-up',
      target: `ng ${group.key}`,
      nodeGroup: group.key,
      reason,
      message,
      details: { offering: offering.identifier, count: nodes.length, pods, monthlyCost, hostnames: nodes.map((n) => n.hostname).join(',') },
    });
  }

  for (const { capacity, nodes } of perGroup.values()) {
    const group = capacity.group;
    const state = ctx.state.groups[group.key] ?? { consecutiveFailures: 0 };
    ctx.state.groups[group.key] = { ...state, lastScaleUpMs: ctx.nowMs };
    const counts = new Map<string, number>();
    for (const n of nodes) counts.set(n.template.offering.identifier, (counts.get(n.template.offering.identifier) ?? 0) + 1);
    const pods = nodes.reduce((sum, n) => sum + n.pods, 0);
    ctx.emit({
      kind: 'emitEvent',
      reason: nodes[0]!.reason,
      message: `Launching ${nodes.length} node(s) (${[...counts].map(([o, c]) => `${c} × ${o}`).join(', ')})${pods > 0 ? ` for ${pods} pending pod(s)` : ''}; ${capacity.current + nodes.length}/${group.spec.maxNodes} nodes`,
      involved: { kind: 'NodeGroup', namespace: group.namespace, name: group.name },
      type: 'Normal',
      eventReason: 'ScaleUpTriggered',
    });
  }
}
