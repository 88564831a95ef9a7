import { NODEGROUP_LABEL, vmIdentifierOfProviderId } from '../../shared/labels.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { ownershipWithAdoption } from '../vm-ownership.ts';
import { hasRemovalTaint } from './live-checks.ts';
import { nodePath, type KubeNodeObject } from './node-patch.ts';
import { failed, GuardRefusal, succeeded, type CommandHandler, type ExecutorContext } from './types.ts';

// Delete one VM, found by identifier or by hostname. Strict where deletion is concerned: the VM VPSie
// returns must be this cluster's by the one ownership rule (its notes' marker and the exact hostname
// pattern, or adopted by the operator), the identifier must belong to that hostname, and a Node of that name, if the API server
// has one now, must be ours and under removal (tainted).
export const deleteVm: CommandHandler<'deleteVm'> = async (command, ctx) => {
  if (!ctx.vpsie) return failed('VPSie credentials are not configured (Secret kube-system/vpsie-credentials)', false, { configError: true });
  await assertNodeRemovable(command.hostname, command.vmIdentifier, command.nodeGroup?.name, ctx);
  let identifier = command.vmIdentifier;
  let notes: string | null;
  if (identifier) {
    const vm = await ctx.vpsie.getVm(identifier);
    if (!vm || vm.state === 'gone') return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    if (vm.hostname !== command.hostname) {
      return failed(`VM ${identifier} is ${vm.hostname}, not ${command.hostname}: refusing to delete it`, false);
    }
    notes = vm.notes;
  } else {
    // Every VM listing is scoped to the cluster's project (another project's VM of that name is not ours).
    if (!ctx.vpsieProjectId) return failed('no VPSie project id (key "projectId" of kube-system/vpsie-credentials, or --vpsie-project-id)', false, { configError: true });
    const found = await ctx.vpsie.findVmByHostname(command.hostname, { projectId: ctx.vpsieProjectId });
    if (!found) return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    if (found.where === 'pending') return failed(`VM ${command.hostname} is still being created; it has no identifier to delete yet`, true);
    if (found.vm.state === 'gone') return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    identifier = found.vm.identifier;
    notes = found.vm.notes;
  }
  const ownership = ownershipWithAdoption({ identifier, hostname: command.hostname, notes }, ctx.guardrails.options.cluster, ctx.adoptedVmIdentifiers);
  if (ownership.owner !== 'ours') {
    const why = ownership.owner === 'foreign' ? ownership.why : `VM ${command.hostname} carries no ownership marker (made before markers existed; see the README on adopting VMs)`;
    throw new GuardRefusal('ownership', `${why}: not deleted`);
  }
  // IMPORTANT: recorded before the DELETE (write-ahead): a crash right after it still counts it.
  await ctx.guardrails.ledger.recordDeletion(command.hostname);
  const result = await ctx.vpsie.deleteVm({ identifier, reason: command.reason, note: command.message.slice(0, 200) });
  return succeeded(result.outcome === 'deleted' ? `deleted VM ${command.hostname}` : `VM ${command.hostname} was already gone`, { vmIdentifier: identifier, gone: true });
};

/**
 * The Node of that hostname, read live: none, ours and tainted for deletion, or running on another
 * machine than the one named (a second VM under the hostname, swept as an extra: the Node's
 * providerID names its own VM, so deleting the other leaves the Node untouched).
 */
async function assertNodeRemovable(hostname: string, vmIdentifier: string | undefined, groupName: string | undefined, ctx: ExecutorContext): Promise<void> {
  let node: KubeNodeObject & { spec?: { providerID?: string } };
  try {
    node = await ctx.kube.request<KubeNodeObject & { spec?: { providerID?: string } }>({ method: 'GET', path: nodePath(hostname) });
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return;
    throw error;
  }
  const nodeVm = vmIdentifierOfProviderId(node.spec?.providerID);
  if (vmIdentifier !== undefined && nodeVm !== undefined && nodeVm !== vmIdentifier) return;
  const label = node.metadata.labels?.[NODEGROUP_LABEL];
  if (label === undefined) throw new GuardRefusal('group-label', `node ${hostname} has no ${NODEGROUP_LABEL} label: its VM is not deleted`);
  if (groupName !== undefined && label !== groupName) throw new GuardRefusal('group-label', `node ${hostname} belongs to NodeGroup ${label}, not ${groupName}`);
  if (!hasRemovalTaint(node)) throw new GuardRefusal('not-tainted', `node ${hostname} is live and not tainted for deletion: its VM is deleted only after a drain`);
}
