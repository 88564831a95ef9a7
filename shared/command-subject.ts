import type { Command } from './plan-message.ts';

// What a command is about, each idea once for both halves:
// - commandObject: the object it acts on (a VM's hostname, a Node's name, "namespace/pod"); the
//   planner tracks sent commands by it (one outstanding command per kind and object);
// - commandMachine: the machine it touches (a Node name, which is also its VM's hostname); the
//   executor stops a plan's later destructive commands on a machine whose earlier one failed;
// - commandGroup: the NodeGroup it belongs to (Events about it go there);
// - describeCommand: one sentence for people (logs, dry-run Events).

export function commandObject(command: Command): string | undefined {
  switch (command.kind) {
    case 'createVm':
    case 'deleteVm':
      return command.hostname;
    case 'taintNode':
    case 'untaintNode':
    case 'deleteNode':
    case 'releaseNode':
      return command.node;
    case 'evictPod':
      return `${command.namespace}/${command.pod}`;
    default:
      return undefined;
  }
}

export function commandMachine(command: Command): string | undefined {
  switch (command.kind) {
    case 'createVm':
    case 'deleteVm':
      return command.hostname;
    case 'taintNode':
    case 'untaintNode':
    case 'evictPod':
    case 'deleteNode':
    case 'releaseNode':
      return command.node;
    default:
      return undefined;
  }
}

export function commandGroup(command: Command): { namespace: string; name: string } | undefined {
  if (command.kind === 'emitEvent') return command.involved.kind === 'NodeGroup' && command.involved.namespace ? { namespace: command.involved.namespace, name: command.involved.name } : undefined;
  if (command.kind === 'updateClusterStatus') return undefined;
  return command.nodeGroup;
}

/** Names a person reads beside identifiers (the forwarder fills them from the VPSie catalogue it read). */
export interface CommandNames {
  /** The plan's nickname ("A-4C-8G") for an offering identifier; undefined when unknown. */
  offeringName?: (offeringId: string) => string | undefined;
}

export function describeCommand(command: Command, names: CommandNames = {}): string {
  switch (command.kind) {
    case 'createVm': {
      const name = names.offeringName?.(command.offeringId);
      const plan = name && name !== command.offeringId ? `${name} (${command.offeringId})` : command.offeringId;
      return `create VM ${command.hostname} (${plan} in ${command.datacenterID}) for NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name}`;
    }
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
    case 'releaseNode':
      return `release node ${command.node} to the scheduler (${command.pods.length} pod(s) nominated for it, then the startup taint removed)`;
    case 'updateNodeGroupStatus':
      return `update the status of NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name} (${command.status.currentNodes} current, ${command.status.desiredNodes} desired)`;
    case 'updateClusterStatus':
      return `update the cluster status (${command.status.health}, ${command.status.pendingPods.unschedulable} unschedulable pod(s))`;
    case 'emitEvent':
      return `emit event ${command.eventReason} on ${command.involved.kind} ${command.involved.namespace ? `${command.involved.namespace}/` : ''}${command.involved.name}`;
  }
}
