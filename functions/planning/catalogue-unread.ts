import type { Decision } from '../../shared/plan-message.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import type { UnschedulableSummary } from './types.ts';

// A forwarder without VPSie credentials (or that could not reach VPSie) sends no VPSie listing and
// no catalogue: vms null, offerings empty. Then "none of its offerings is in the VPSie catalogue" is
// misleading (issue 21): the offerings may be right, the catalogue was never read. This says so.

export const CATALOGUE_UNREAD = 'vpsie-catalogue-unread';

export function catalogueUnread(snapshot: Snapshot): boolean {
  return snapshot.vms === null && snapshot.offerings.length === 0;
}

function why(snapshot: Snapshot): string {
  return snapshot.forwarder.dryRun
    ? 'the forwarder read no VPSie catalogue: no VPSie credentials (the Secret kube-system/vpsie-credentials is missing, so it runs dry) or VPSie unreachable; its log says which'
    : 'the forwarder could not read the VPSie catalogue (VPSie unreachable or the credentials refused; see its log)';
}

/** In place, after scale-up: pods reported "offering-missing" on an unread catalogue get the real cause. */
export function explainUnreadCatalogue(snapshot: Snapshot, unschedulable: UnschedulableSummary[], decisions: Decision[]): void {
  if (!catalogueUnread(snapshot)) return;
  const message = why(snapshot);
  for (const entry of unschedulable) {
    if (entry.reason !== 'offering-missing') continue;
    entry.reason = CATALOGUE_UNREAD;
    entry.message = message;
  }
  for (const decision of decisions) {
    if (decision.kind !== 'unschedulable' || decision.reason !== 'offering-missing') continue;
    decision.reason = CATALOGUE_UNREAD;
    decision.message = decision.message.replace(/cannot be helped: .*$/, `cannot be helped: ${message}`);
  }
}
