import { INSTANCE_TYPE_LABEL } from '../shared/labels.ts';
import type { Offering, SnapshotNode, SnapshotVm } from '../shared/snapshot.ts';

// The monthly price of this cluster's VMs, for the cost panel and the budget alert (the forwarder's
// cost cap itself is enforced in guardrails.ts, on its own count). A VM is priced by the offering
// it was launched with (known to this process), else by its Node's instance-type label; a VM
// neither prices is counted at the dearest offering, as the cap does, so the estimate errs high.

export interface CostInputs {
  vms: readonly SnapshotVm[] | null;
  offerings: readonly Offering[];
  node(name: string): Pick<SnapshotNode, 'labels'> | undefined;
  /** Offering of each VM launched by this process, by hostname. */
  launchedOffering(hostname: string): string | undefined;
}

/** undefined until VPSie has been listed once (no VM list, no estimate). */
export function estimateMonthlyCost(inputs: CostInputs): number | undefined {
  if (!inputs.vms) return undefined;
  const byId = new Map<string, Offering>();
  for (const o of inputs.offerings) {
    byId.set(o.identifier, o);
    if (o.nickname) byId.set(o.nickname, o);
  }
  const dearest = inputs.offerings.reduce((max, o) => Math.max(max, o.priceMonthly), 0);
  let total = 0;
  for (const vm of inputs.vms) {
    if (vm.state === 'gone') continue;
    const id = inputs.launchedOffering(vm.hostname) ?? inputs.node(vm.hostname)?.labels[INSTANCE_TYPE_LABEL];
    total += (id === undefined ? undefined : byId.get(id)?.priceMonthly) ?? dearest;
  }
  return total;
}

/** The offering of each VM this process launched, by hostname; the newest 10,000. */
export class LaunchedOfferings {
  private readonly byHostname = new Map<string, string>();

  remember(hostname: string, offeringId: string): void {
    this.byHostname.delete(hostname);
    this.byHostname.set(hostname, offeringId);
    if (this.byHostname.size > 10_000) this.byHostname.delete(this.byHostname.keys().next().value!);
  }

  get(hostname: string): string | undefined {
    return this.byHostname.get(hostname);
  }
}
