import { failed, succeeded, type CommandHandler } from './types.ts';

// Delete one VM, found by identifier or by hostname. The hostname prefix was checked by the
// guardrails; the VM VPSie returns is checked again here: the identifier must belong to that hostname.
export const deleteVm: CommandHandler<'deleteVm'> = async (command, ctx) => {
  if (!ctx.vpsie) return failed('VPSie credentials are not configured (Secret kube-system/vpsie-credentials)', false, { configError: true });
  let identifier = command.vmIdentifier;
  if (identifier) {
    const vm = await ctx.vpsie.getVm(identifier);
    if (!vm || vm.state === 'gone') return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    if (vm.hostname !== command.hostname) {
      return failed(`VM ${identifier} is ${vm.hostname}, not ${command.hostname}: refusing to delete it`, false);
    }
  } else {
    const found = await ctx.vpsie.findVmByHostname(command.hostname);
    if (!found) return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    if (found.where === 'pending') return failed(`VM ${command.hostname} is still being created; it has no identifier to delete yet`, true);
    if (found.vm.state === 'gone') return succeeded(`VM ${command.hostname} is already gone`, { gone: true });
    identifier = found.vm.identifier;
  }
  const result = await ctx.vpsie.deleteVm({ identifier, reason: command.reason, note: command.message.slice(0, 200) });
  ctx.guardrails.recordDeletion(command.hostname);
  return succeeded(result.outcome === 'deleted' ? `deleted VM ${command.hostname}` : `VM ${command.hostname} was already gone`, { vmIdentifier: identifier, gone: true });
};
