import { matchesHostnamePattern } from '../../shared/ownership.ts';
import type { SnapshotVm } from '../../shared/snapshot.ts';
import { clusterIndex, extraVms, liveVm } from './cluster-index.ts';
import type { PlanContext } from './context.ts';
import { formatDuration } from './durations.ts';
import { isAwaitingResult } from './sent-commands.ts';

// The orphan-VM sweep deletes VMs of this cluster that nothing accounts for:
// - orphans: a hostname with no operation in progress and no Node (a create that materialised after
//   its launch was given up, a Node deleted by hand, state lost), once older than the registration
//   deadline (a launch still joining is never touched);
// - extras: a second VM under a hostname that already has one (a create sent twice): the VM a
//   Node's providerID names is kept, else the oldest (cluster-index.ts primaryVm).
// Only VMs the forwarder judged this cluster's are ever deleted (`marked`: its marker, or adopted by
// the operator) AND whose hostname matches the cluster's exact pattern. Unmarked VMs — made before
// ownership markers existed — are never deleted (README: adopting them).
// IMPORTANT: only on a synced snapshot with a VM list, and only after the VM has been seen
// sweepable on two reconciles at least ORPHAN_CONFIRM_MS apart.

export const ORPHAN_CONFIRM_MS = 60_000;

/** The sweep may delete this VM: this cluster's by marker (or adoption), never an unmarked one. */
export function isSweepable(vm: SnapshotVm, hostnamePrefix: string): boolean {
  return vm.marked === true && matchesHostnamePattern(vm.hostname, hostnamePrefix);
}

interface Candidate {
  vm: SnapshotVm;
  kind: 'orphan' | 'extra';
}

export function sweepOrphanVms(ctx: PlanContext): void {
  const { snapshot, state, policy, nowMs } = ctx;
  if (snapshot.vms === null) return;
  const index = clusterIndex(snapshot);
  const accounted = new Set<string>();
  for (const op of state.operations) {
    if (op.status !== 'succeeded' && op.status !== 'failed') accounted.add(op.hostname);
  }
  for (const node of snapshot.nodes) accounted.add(node.name);
  const seen = new Set<string>();
  for (const hostname of [...index.vmsByHostname.keys()].sort()) {
    const primary = liveVm(index, hostname);
    if (!primary) continue;
    const orphan = !accounted.has(hostname) && !(primary.identifier !== undefined && index.nodeVmIdentifiers.has(primary.identifier));
    const candidates: Candidate[] = [
      ...(orphan ? [{ vm: primary, kind: 'orphan' as const }] : []),
      ...extraVms(index, hostname).map((vm) => ({ vm, kind: 'extra' as const })),
    ].filter((c) => isSweepable(c.vm, policy.hostnamePrefix));
    const timers = state.nodes[hostname];
    if (candidates.length === 0) {
      if (timers) delete timers.vmUnaccountedSinceMs;
      continue;
    }
    seen.add(hostname);
    const sinceMs = ((state.nodes[hostname] ??= {}).vmUnaccountedSinceMs ??= nowMs);
    for (const candidate of candidates) sweep(ctx, candidate, sinceMs);
  }
  // Forget timers of hostnames with nothing left to sweep.
  for (const [name, timers] of Object.entries(state.nodes)) {
    if (timers.vmUnaccountedSinceMs !== undefined && !seen.has(name)) delete timers.vmUnaccountedSinceMs;
  }
}

function sweep(ctx: PlanContext, { vm, kind }: Candidate, sinceMs: number): void {
  const { snapshot, state, policy, nowMs } = ctx;
  const ageMs = nowMs - (vm.createdAtMs ?? sinceMs);
  // An extra never becomes a node of its own (its hostname is taken): no registration wait.
  const minAgeMs = kind === 'orphan' ? policy.registrationDeadlineMs : 0;
  if (!snapshot.synced || ageMs < minAgeMs || nowMs - sinceMs < ORPHAN_CONFIRM_MS) {
    ctx.wakeAt(Math.max(sinceMs + ORPHAN_CONFIRM_MS, nowMs + Math.max(0, minAgeMs - ageMs)));
    return;
  }
  if (isAwaitingResult(state, 'deleteVm', vm.hostname, nowMs)) return;
  const reason = kind === 'orphan' ? 'orphan-vm' : 'duplicate-vm';
  const message =
    kind === 'orphan'
      ? `VM ${vm.hostname} has no Node and no launch in progress for ${formatDuration(ageMs)}`
      : `VM ${vm.identifier} is a second VM named ${vm.hostname} (the one kept is ${liveVm(clusterIndex(snapshot), vm.hostname)?.identifier ?? 'pending'})`;
  ctx.emit({ kind: 'deleteVm', hostname: vm.hostname, ...(vm.identifier !== undefined ? { vmIdentifier: vm.identifier } : {}), reason, message });
  ctx.decide({ kind: 'orphan-vm', target: `vm ${vm.hostname}`, reason, message, details: { hostname: vm.hostname, vmIdentifier: vm.identifier ?? null, createdAtMs: vm.createdAtMs ?? null } });
}
