import type { UnreadableRow } from './rows.ts';
import type { VpsiePendingVm, VpsieVm } from './types.ts';

// Absence is the dangerous answer: "the VM is gone" ends a delete (a leak if wrong), "the hostname is
// free" allows a create (a duplicate if wrong). Both are decided here, from listings only, and only
// when the rows that could not be read cannot be the VM asked about.

export type VmListing = { vms: VpsieVm[]; unreadable: UnreadableRow[] };
export type PendingListing = { pending: VpsiePendingVm[]; unreadable: UnreadableRow[] };

export type AbsenceVerdict =
  | { verdict: 'absent'; gone: VpsieVm | undefined }
  | { verdict: 'listed'; vm: VpsieVm }
  | { verdict: 'unknown'; why: string };

/** Whether a listing of the whole account proves that `identifier` is gone (absent, or is_deleted/terminated). */
export function absenceOf(identifier: string, listing: VmListing): AbsenceVerdict {
  const rows = listing.vms.filter((vm) => vm.identifier === identifier);
  const live = rows.find((vm) => vm.state !== 'gone');
  if (live) return { verdict: 'listed', vm: live };
  const blocking = listing.unreadable.filter((row) => row.identifier === undefined || row.identifier === identifier);
  if (rows.length === 0 && blocking.length > 0) {
    return { verdict: 'unknown', why: `${blocking.length} unreadable row(s) of the VM listing could be this VM (${blocking[0]!.problem})` };
  }
  return { verdict: 'absent', gone: rows[0] };
}

/** Unreadable rows that could hold `hostname` (a row whose hostname was read and differs cannot). */
export function rowsThatCouldBe(hostname: string, unreadable: readonly UnreadableRow[]): UnreadableRow[] {
  return unreadable.filter((row) => row.hostname === undefined || row.hostname === hostname);
}
