import type { Command } from '../../shared/plan-message.ts';

/** One line for people: what a command does (logs, dry-run events). */
export function describeCommand(command: Command): string {
  switch (command.kind) {
    case 'createVm':
      return `create VM ${command.hostname} (${command.offeringId} in ${command.datacenterID}) for NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name}`;
    case 'deleteVm':
      return `delete VM ${command.hostname}${command.vmIdentifier ? ` (${command.vmIdentifier})` : ''}`;
    case 'taintNode':
      return `taint and cordon node ${command.node}`;
    case 'untaintNode':
      return `untaint and uncordon node ${command.node}`;
    case 'evictPod':
      return `evict pod ${command.namespace}/${command.pod} from node ${command.node}`;
    case 'deleteNode':
      return `delete node ${command.node}`;
    case 'updateNodeGroupStatus':
      return `update the status of NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name} (${command.status.currentNodes} current, ${command.status.desiredNodes} desired)`;
    case 'emitEvent':
      return `emit event ${command.eventReason} on ${command.involved.kind} ${command.involved.namespace ? `${command.involved.namespace}/` : ''}${command.involved.name}`;
  }
}

/** The node or VM a destructive command acts on; a failure on it stops later commands on it. */
export function commandTarget(command: Command): string | undefined {
  switch (command.kind) {
    case 'taintNode':
    case 'evictPod':
    case 'deleteNode':
      return command.node;
    case 'deleteVm':
      return command.hostname;
    default:
      return undefined;
  }
}

export function commandGroup(command: Command): { namespace: string; name: string } | undefined {
  if (command.kind === 'emitEvent') return command.involved.kind === 'NodeGroup' ? { namespace: command.involved.namespace ?? 'default', name: command.involved.name } : undefined;
  return command.nodeGroup;
}
