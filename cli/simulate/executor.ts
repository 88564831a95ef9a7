import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { Command } from '../../shared/plan-message.ts';
import type { CommandResult } from '../../shared/snapshot.ts';
import type { World } from './world.ts';

// The forwarder's part, simulated: runs a plan's commands against the world and reports each result
// with the data the real handlers put in it (forwarder/executor/*.ts): createVm → launch, processId,
// tokenId (no vmIdentifier while VPSie lists the VM as pending); evictPod → the HTTP status (201,
// 404, 429 when the PDB allows no disruption); deleteVm → vmIdentifier, gone. The live re-checks of
// the real handlers that can matter here are kept: deleteNode only on a tainted Node without pods,
// deleteVm never under a live untainted Node.

type Outcome = Pick<CommandResult, 'outcome' | 'message' | 'retryable' | 'data'>;

const ok = (message: string, data?: CommandResult['data']): Outcome => ({ outcome: 'succeeded', message, ...(data ? { data } : {}) });
const fail = (message: string, retryable: boolean, data?: CommandResult['data']): Outcome => ({ outcome: 'failed', message, retryable, ...(data ? { data } : {}) });
const refuse = (message: string): Outcome => ({ outcome: 'refused', message });

export interface ExecutedCommand { command: Command; result: CommandResult }

export function executePlan(world: World, commands: readonly Command[], planId: string, nowMs: number): ExecutedCommand[] {
  return commands.map((command) => ({ command, result: { commandId: command.id, planId, kind: command.kind, ...run(world, command, nowMs), atMs: nowMs } }));
}

function run(world: World, command: Command, nowMs: number): Outcome {
  switch (command.kind) {
    case 'createVm': {
      const group = world.groups.find((g) => g.namespace === command.nodeGroup.namespace && g.name === command.nodeGroup.name);
      if (!group) return fail(`NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name} does not exist`, false);
      const vm = world.launch(command.hostname, group, command.offeringId, nowMs);
      if (typeof vm === 'string') return refuse(vm);
      return ok(`launch of ${command.hostname} (${command.offeringId}) accepted`, { launch: 'created', processId: vm.processId, tokenId: `tok-${vm.identifier}` });
    }
    case 'taintNode': {
      const node = world.nodes.get(command.node);
      if (!node) return fail(`node ${command.node} not found`, false, { gone: true });
      if (!world.isTainted(node)) node.taints = [...node.taints, { key: TO_BE_DELETED_TAINT, value: String(Math.floor(nowMs / 1000)), effect: 'NoSchedule' }];
      node.unschedulable = true;
      return ok(`tainted and cordoned ${command.node}`);
    }
    case 'untaintNode': {
      const node = world.nodes.get(command.node);
      if (!node) return ok(`node ${command.node} is already gone`, { gone: true });
      node.taints = node.taints.filter((t) => t.key !== TO_BE_DELETED_TAINT);
      node.unschedulable = false;
      return ok(`untainted and uncordoned ${command.node}`);
    }
    case 'evictPod': {
      const pod = world.pods.get(command.pod);
      if (!pod) return ok(`pod ${command.namespace}/${command.pod} is already gone`, { status: 404 });
      if (pod.nodeName !== command.node) return fail(`pod ${command.namespace}/${command.pod} is on ${pod.nodeName ?? 'no node'}, not on ${command.node}`, false);
      const allowed = world.disruptionsAllowed(pod.workload);
      if (allowed !== undefined && allowed <= 0) return fail(`eviction of ${command.namespace}/${command.pod} refused for now (PodDisruptionBudget)`, true, { status: 429 });
      world.replacePod(pod, nowMs);
      return ok(`evicted ${command.namespace}/${command.pod}`, { status: 201 });
    }
    case 'deleteNode': {
      const node = world.nodes.get(command.node);
      if (!node) return ok(`node ${command.node} is already gone`, { gone: true });
      if (!world.isTainted(node)) return refuse(`not-tainted: node ${command.node} does not carry the to-be-deleted taint`);
      const left = world.podsOnNode(command.node);
      if (left.length > 0) return refuse(`pods-on-node: node ${command.node} still runs ${left.length} pod(s) that must move first`);
      world.deleteNode(command.node, nowMs);
      return ok(`deleted node ${command.node}`);
    }
    case 'deleteVm': {
      const vm = world.liveVms().find((v) => (command.vmIdentifier !== undefined ? v.identifier === command.vmIdentifier : v.hostname === command.hostname));
      if (!vm) return ok(`VM ${command.hostname} is already gone`, { gone: true });
      if (vm.hostname !== command.hostname) return fail(`VM ${vm.identifier} is ${vm.hostname}, not ${command.hostname}: refusing to delete it`, false);
      if (vm.runningAtMs > nowMs) return fail(`VM ${command.hostname} is still being created; it has no identifier to delete yet`, true);
      const node = world.nodes.get(vm.hostname);
      if (node && node.ready && !world.isTainted(node)) return refuse(`live-node: VM ${vm.hostname} runs a Ready Node that is not tainted for deletion`);
      world.deleteVm(vm, nowMs);
      return ok(`deleted VM ${command.hostname}`, { vmIdentifier: vm.identifier, gone: true });
    }
    case 'releaseNode': {
      // As the forwarder: nominate each listed pod still pending, then remove the startup taint.
      const node = world.nodes.get(command.node);
      if (!node) return fail(`node ${command.node} not found`, false, { gone: true });
      let nominated = 0;
      for (const ref of command.pods) {
        const pod = world.pods.get(ref.name);
        if (!pod || pod.nodeName !== undefined) continue;
        pod.nominatedNodeName = command.node;
        nominated++;
      }
      world.untaintStartup(node);
      return ok(`nominated ${nominated} pod(s) for ${command.node} and removed the startup taint`);
    }
    case 'updateNodeGroupStatus':
    case 'updateClusterStatus':
    case 'emitEvent':
      return ok(`${command.kind} done`);
  }
}
