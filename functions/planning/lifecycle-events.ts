import type { PlanContext } from './context.ts';
import { groupRef } from './managed-nodes.ts';
import type { GroupKey } from './types.ts';

// Kubernetes Events for the lifecycle of launches and drains (the forwarder writes them).

export interface EventFields {
  type: 'Normal' | 'Warning';
  /** The Event's reason, e.g. DrainStarted. */
  eventReason: string;
  /** Machine-readable reason code of the command. */
  reason: string;
  message: string;
  operationId?: string;
}

export function groupEvent(ctx: PlanContext, group: GroupKey, fields: EventFields): void {
  const { namespace, name } = groupRef(group);
  ctx.emit({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace, name }, ...fields });
}

export function nodeEvent(ctx: PlanContext, node: string, fields: EventFields): void {
  ctx.emit({ kind: 'emitEvent', involved: { kind: 'Node', name: node }, ...fields });
}

/** An Event on a pod ("<namespace>/<name>"), e.g. why a drain evicts it. */
export function podEvent(ctx: PlanContext, pod: { namespace: string; name: string }, fields: EventFields): void {
  ctx.emit({ kind: 'emitEvent', involved: { kind: 'Pod', namespace: pod.namespace, name: pod.name }, ...fields });
}
