import { absenceOf, rowsThatCouldBe, type PendingListing, type VmListing } from './absence.ts';
import { incomplete, type ApiCalls } from './api-calls.ts';
import { VpsieAbsenceUnconfirmedError, VpsieNotFoundError } from './errors.ts';
import { inProject, type ProjectResolver } from './projects.ts';
import { isNonVmPendingItem, pendingItem, vmDetail, vmRow } from './schemas.ts';
import type { VmLookup, VpsiePendingVm, VpsieVm } from './types.ts';

// Reading VMs: the list, one VM, pending creations, a hostname. Every answer that says "absent" is
// checked against a listing here (absence.ts decides), because a wrong "absent" leaks or duplicates.

export type VmReadDeps = { api: ApiCalls; projects: ProjectResolver };

/**
 * Every VM row the client could read, and the rows it could not. With `projectId` (an id, UUID or
 * name), only that project's VMs: asked of the API with the numeric id (`?projectId=`) and checked
 * again on each row, in case an API ignores the parameter.
 */
export async function listVmListing(deps: VmReadDeps, options: { projectId?: string } = {}): Promise<VmListing> {
  const project = options.projectId ? await deps.projects.resolve(options.projectId) : undefined;
  const query = project ? { query: { projectId: project.id } } : {};
  const { rows, unreadable } = await deps.api.callRows({ operation: 'listVms', method: 'GET', path: '/apps/v2/vm', ...query, retry: 'safe' }, vmRow);
  return { vms: project ? rows.filter((vm) => inProject(vm.projectId, project)) : rows, unreadable };
}

/** The complete VM list, or VpsieIncompleteListingError (a caller of this decides from absence). */
export async function listVms(deps: VmReadDeps, options: { projectId?: string } = {}): Promise<VpsieVm[]> {
  const listing = await listVmListing(deps, options);
  if (listing.unreadable.length > 0) throw incomplete('listVms', listing.unreadable);
  return listing.vms;
}

/** Pending creations the client could read; items that are not VM creates are skipped (and reported). /vm/pending takes no project parameter. */
export async function listPendingListing(deps: VmReadDeps, options: { projectId?: string } = {}): Promise<PendingListing> {
  const project = options.projectId ? await deps.projects.resolve(options.projectId) : undefined;
  const { rows, unreadable } = await deps.api.callRows({ operation: 'listPending', method: 'GET', path: '/apps/v2/vm/pending', retry: 'safe' }, pendingItem, isNonVmPendingItem);
  return { pending: project ? rows.filter((p) => inProject(p.projectId, project)) : rows, unreadable };
}

export async function listPending(deps: VmReadDeps, options: { projectId?: string } = {}): Promise<VpsiePendingVm[]> {
  const listing = await listPendingListing(deps, options);
  if (listing.unreadable.length > 0) throw incomplete('listPending', listing.unreadable);
  return listing.pending;
}

/**
 * undefined when the VM is gone. IMPORTANT: `data: false`, a "Not found" message or a 404 is never
 * taken as proof — VPSie answers an unknown route with the same "Not found". Absence is confirmed by
 * listing the account's VMs (confirmGone).
 */
export async function getVm(deps: VmReadDeps, identifier: string): Promise<VpsieVm | undefined> {
  let vm: VpsieVm | false | null;
  try {
    vm = await deps.api.call({ operation: 'getVm', method: 'GET', path: `/apps/v2/vm/${encodeURIComponent(identifier)}`, pathTemplate: '/apps/v2/vm/{identifier}', retry: 'safe' }, vmDetail);
  } catch (error) {
    if (!(error instanceof VpsieNotFoundError)) throw error;
    vm = false;
  }
  if (vm !== false && vm !== null) return vm;
  const gone = await confirmGone(deps, identifier, 'getVm');
  return gone && gone.state === 'gone' ? gone : undefined;
}

/**
 * After a "Not found" for `identifier`: the account's listing must agree. Returns the listed row when
 * it shows the VM deleted, undefined when the VM is absent; raises VpsieAbsenceUnconfirmedError otherwise.
 */
export async function confirmGone(deps: VmReadDeps, identifier: string, operation: string, said = 'VPSie answered "Not found"'): Promise<VpsieVm | undefined> {
  const verdict = absenceOf(identifier, await listVmListing(deps));
  if (verdict.verdict === 'absent') return verdict.gone;
  if (verdict.verdict === 'listed') {
    throw new VpsieAbsenceUnconfirmedError(
      `${operation}: ${said} for VM ${identifier} (${verdict.vm.hostname}), but the VM list still shows it (${verdict.vm.state}): the "Not found" is not about this VM (a wrong route or API version?); the VM is treated as still there`,
      { operation, identifier, retryable: false },
    );
  }
  throw new VpsieAbsenceUnconfirmedError(`${operation}: ${said} for VM ${identifier}, and its absence cannot be confirmed: ${verdict.why}`, { operation, identifier, retryable: true });
}

/**
 * Looks for a hostname among pending creations and created VMs (deleted ones are ignored). Rows that
 * cannot be read are tolerated when they cannot be this hostname; otherwise "not found" is not an
 * answer (a create could duplicate the VM, a delete could leak it): VpsieIncompleteListingError.
 *
 * IMPORTANT: pending is read BEFORE the VM list. A VM moves from pending to the list; reading in this
 * order, a VM that moves between the two reads is seen in the list. The other order can miss it in
 * both, and a launch retry would then make a second VM.
 */
export async function findVmByHostname(deps: VmReadDeps, hostname: string, scope: { projectId: string }): Promise<VmLookup | undefined> {
  const pending = await listPendingListing(deps, scope);
  const listing = await listVmListing(deps, scope);
  const matches = listing.vms.filter((vm) => vm.hostname === hostname && vm.state !== 'gone');
  const vm = matches.find((m) => m.state === 'running') ?? matches[0];
  if (vm) return { where: 'created', vm };
  const waiting = pending.pending.find((p) => p.hostname === hostname);
  if (waiting) return { where: 'pending', pending: waiting };
  const doubtful = [...rowsThatCouldBe(hostname, listing.unreadable), ...rowsThatCouldBe(hostname, pending.unreadable)];
  if (doubtful.length > 0) throw incomplete('findVmByHostname', doubtful, `hostname ${hostname} not found, but`);
  return undefined;
}
