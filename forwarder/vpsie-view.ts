import { parseNodeGroupSpec } from '../shared/nodegroup.ts';
import type { Offering, SnapshotNodeGroup, SnapshotVm } from '../shared/snapshot.ts';
import { errorFields, type Logger } from './util/logger.ts';
import type { VpsieClient } from './vpsie/index.ts';

// What the snapshot says about VPSie: this cluster's VMs (hostname prefix) and the plans the
// NodeGroups name. A failed listing yields null VMs (the planner then holds back) and no offerings.

export async function listClusterVms(vpsie: VpsieClient | undefined, hostnamePrefix: string, projectId: string | undefined, logger: Logger): Promise<SnapshotVm[] | null> {
  if (!vpsie) return null;
  try {
    // Pending first: a VM moving from pending to created between the reads is then seen once, created.
    const pending = await vpsie.listPending();
    const vms = await vpsie.listVms(projectId ? { projectId } : {});
    const out: SnapshotVm[] = [];
    const seen = new Set<string>();
    for (const vm of vms) {
      if (!vm.hostname.startsWith(hostnamePrefix)) continue;
      const createdAtMs = vm.createdOn ? Date.parse(vm.createdOn) : NaN;
      out.push({
        identifier: vm.identifier,
        hostname: vm.hostname,
        state: vm.state,
        ...(Number.isFinite(createdAtMs) ? { createdAtMs } : {}),
      });
      if (vm.state !== 'gone') seen.add(vm.hostname);
    }
    for (const p of pending) {
      if (!p.hostname.startsWith(hostnamePrefix) || seen.has(p.hostname)) continue;
      const createdAtMs = p.createdOn ? Date.parse(p.createdOn) : NaN;
      out.push({ hostname: p.hostname, state: 'pending', ...(Number.isFinite(createdAtMs) ? { createdAtMs } : {}) });
    }
    return out;
  } catch (error) {
    logger.warn({ ...errorFields(error) }, 'VPSie VMs could not be listed; the snapshot says so (vms: null)');
    return null;
  }
}

/** Plans are per datacenter, OS and category; the client caches them for an hour. */
export async function listOfferings(vpsie: VpsieClient | undefined, groups: Iterable<SnapshotNodeGroup>, logger: Logger): Promise<Offering[]> {
  if (!vpsie) return [];
  const wanted = new Map<string, { dc: string; os: string; ids: Set<string> }>();
  for (const group of groups) {
    let spec;
    try {
      spec = parseNodeGroupSpec(group.spec, `${group.namespace}/${group.name}`);
    } catch {
      continue; // the functions report invalid groups
    }
    const key = `${spec.datacenterID}|${spec.osImageID}`;
    const entry = wanted.get(key) ?? { dc: spec.datacenterID, os: spec.osImageID, ids: new Set<string>() };
    for (const id of spec.offeringIDs) entry.ids.add(id);
    wanted.set(key, entry);
  }
  if (wanted.size === 0) return [];
  const out = new Map<string, Offering>();
  try {
    const categories = await vpsie.listPlanCategories();
    for (const { dc, os, ids } of wanted.values()) {
      for (const category of categories) {
        const plans = await vpsie.listPlans({ dcIdentifier: dc, osIdentifier: os, categoryIdentifier: category.identifier });
        for (const plan of plans) {
          if (!ids.has(plan.identifier)) continue;
          out.set(`${dc}|${plan.identifier}`, {
            identifier: plan.identifier,
            nickname: plan.nickname,
            datacenterID: dc,
            cpu: Math.max(1, Math.round(plan.cpu)),
            ramMiB: Math.max(1, Math.round(plan.ramMb)),
            ssdGiB: Math.max(0, Math.round(plan.ssdGb ?? 0)),
            priceMonthly: plan.priceMonthly,
          });
        }
        if ([...ids].every((id) => out.has(`${dc}|${id}`))) break;
      }
    }
  } catch (error) {
    logger.warn({ ...errorFields(error) }, 'VPSie plans could not be listed');
  }
  return [...out.values()];
}
