import { clusterIndex, liveVm } from './cluster-index.ts';
import type { PlanContext } from './context.ts';
import { vmIdentifierOf } from './managed-nodes.ts';
import { isAwaitingResult } from './sent-commands.ts';
import { formatDuration } from './durations.ts';

// VMs with this cluster's hostname prefix that no operation in progress and no Node accounts for —
// a create that materialised after its launch was given up, a Node deleted by hand, state lost —
// are deleted once older than the registration deadline (a launch still joining is never touched).
// IMPORTANT: only on a synced snapshot with a VM list, and only after the VM has been seen
// unaccounted for on two reconciles at least ORPHAN_CONFIRM_MS apart.

export const ORPHAN_CONFIRM_MS = 60_000;

export function sweepOrphanVms(ctx: PlanContext): void {
  const { snapshot, state, policy, nowMs } = ctx;
  if (snapshot.vms === null) return;
  const index = clusterIndex(snapshot);
  const accounted = new Set<string>();
  for (const op of state.operations) {
    if (op.status !== 'succeeded' && op.status !== 'failed') accounted.add(op.hostname);
  }
  const nodeIdentifiers = new Set<string>();
  for (const node of snapshot.nodes) {
    accounted.add(node.name);
    const id = vmIdentifierOf(node);
    if (id !== undefined) nodeIdentifiers.add(id);
  }
  const seen = new Set<string>();
  const vms = [...index.vmByHostname.keys()].sort();
  for (const hostname of vms) {
    const vm = liveVm(index, hostname);
    if (!vm || !hostname.startsWith(policy.hostnamePrefix)) continue;
    seen.add(hostname);
    const timers = (state.nodes[hostname] ??= {});
    if (accounted.has(hostname) || (vm.identifier !== undefined && nodeIdentifiers.has(vm.identifier))) {
      delete timers.vmUnaccountedSinceMs;
      continue;
    }
    timers.vmUnaccountedSinceMs ??= nowMs;
    const sinceMs = timers.vmUnaccountedSinceMs;
    const ageMs = nowMs - (vm.createdAtMs ?? sinceMs);
    if (!snapshot.synced || ageMs < policy.registrationDeadlineMs || nowMs - sinceMs < ORPHAN_CONFIRM_MS) {
      ctx.wakeAt(Math.max(sinceMs + ORPHAN_CONFIRM_MS, nowMs + Math.max(0, policy.registrationDeadlineMs - ageMs)));
      continue;
    }
    if (isAwaitingResult(state, 'deleteVm', hostname, nowMs)) continue;
    const message = `VM ${hostname} has no Node and no launch in progress for ${formatDuration(ageMs)}`;
    ctx.emit({ kind: 'deleteVm', hostname, ...(vm.identifier !== undefined ? { vmIdentifier: vm.identifier } : {}), reason: 'orphan-vm', message });
    ctx.decide({ kind: 'orphan-vm', target: `vm ${hostname}`, reason: 'orphan-vm', message, details: { hostname, vmIdentifier: vm.identifier ?? null, createdAtMs: vm.createdAtMs ?? null } });
  }
  // Forget timers of VMs no longer listed.
  for (const [name, timers] of Object.entries(state.nodes)) {
    if (timers.vmUnaccountedSinceMs !== undefined && !seen.has(name)) delete timers.vmUnaccountedSinceMs;
  }
}
