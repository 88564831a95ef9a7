import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import type { ClusterIdentity } from '../../shared/ownership.ts';
import type { Offering, SnapshotNodeGroup, SnapshotVm } from '../../shared/snapshot.ts';
import { errorFields, type Logger } from '../util/logger.ts';
import { ownershipWithAdoption } from '../vm-ownership.ts';
import type { VpsieClient } from './client.ts';
import type { VpsiePendingVm, VpsieVm } from './types.ts';

// What the snapshot says about VPSie: this cluster's VMs and the plans the NodeGroups name. A failed
// listing yields null VMs (the planner then holds back) and no offerings.
//
// VMs: only the cluster's project is listed, and each row is judged by the one ownership rule
// (shared/ownership.ts, plus the operator's adoptions): "ours" and "unmarked" ones are sent, marked
// or not; "foreign" ones (another cluster's marker, or outside this cluster's hostname pattern)
// never enter the snapshot. EVERY row is sent, several per hostname when VPSie holds several: a
// duplicate collapsed into one would never be swept.

export interface ClusterVmScope {
  cluster: ClusterIdentity;
  /** Without a project the VMs are not listed at all (null): another project's VMs are not ours. */
  projectId: string | undefined;
  /** Unmarked VMs the operator adopted (forwarder setting adoptVmIdentifiers). */
  adoptedIdentifiers?: ReadonlySet<string>;
}

export async function listClusterVms(vpsie: VpsieClient | undefined, scope: ClusterVmScope, logger: Logger): Promise<SnapshotVm[] | null> {
  if (!vpsie) return null;
  if (!scope.projectId) {
    logger.warn({}, 'no VPSie project id: VMs are not listed (the snapshot says vms: null)');
    return null;
  }
  try {
    // IMPORTANT: pending first. A VM moving from pending to created between the two reads is then
    // seen as created (and maybe also as pending: a pending row has no identifier, so it is never
    // taken for a second VM). The other order could miss it in both.
    const pending = await vpsie.listPending({ projectId: scope.projectId });
    const vms = await vpsie.listVms({ projectId: scope.projectId });
    return clusterVmRows(vms, pending, scope);
  } catch (error) {
    logger.warn({ ...errorFields(error) }, 'VPSie VMs could not be listed; the snapshot says so (vms: null)');
    return null;
  }
}

/** The snapshot rows of one listing: every VM and pending creation judged ours or unmarked. */
export function clusterVmRows(vms: readonly VpsieVm[], pending: readonly VpsiePendingVm[], scope: ClusterVmScope): SnapshotVm[] {
  const adopted = scope.adoptedIdentifiers ?? new Set<string>();
  const out: SnapshotVm[] = [];
  const identifiers = new Set<string>();
  for (const vm of vms) {
    if (identifiers.has(vm.identifier)) continue; // a row listed twice (paging quirk): one VM
    const owner = ownershipWithAdoption(vm, scope.cluster, adopted);
    if (owner.owner === 'foreign') continue;
    identifiers.add(vm.identifier);
    out.push({
      identifier: vm.identifier,
      hostname: vm.hostname,
      state: vm.state,
      ...(vm.createdAtMs !== null ? { createdAtMs: vm.createdAtMs } : {}),
      ...(owner.owner === 'ours' ? { marked: true, ...(owner.nodeGroup ? { nodeGroup: owner.nodeGroup } : {}) } : {}),
    });
  }
  for (const p of pending) {
    const owner = ownershipWithAdoption({ hostname: p.hostname, notes: p.notes }, scope.cluster, adopted);
    if (owner.owner === 'foreign') continue;
    out.push({
      hostname: p.hostname,
      state: 'pending',
      ...(p.createdAtMs !== null ? { createdAtMs: p.createdAtMs } : {}),
      ...(owner.owner === 'ours' ? { marked: true, ...(owner.nodeGroup ? { nodeGroup: owner.nodeGroup } : {}) } : {}),
      ...(p.processId ? { processId: p.processId } : {}),
    });
  }
  return out;
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
  let categories;
  try {
    categories = await vpsie.listPlanCategories();
  } catch (error) {
    logger.warn({ ...errorFields(error) }, 'VPSie plan categories could not be listed');
    return [];
  }
  // One datacenter/OS pair at a time: a NodeGroup naming a datacenter VPSie refuses must not leave
  // every other group without prices (and so without scale-up under the cost cap).
  for (const { dc, os, ids } of wanted.values()) {
    try {
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
    } catch (error) {
      logger.warn({ ...errorFields(error), datacenter: dc, osImage: os }, 'VPSie plans could not be listed for this datacenter and OS image');
    }
  }
  return [...out.values()];
}
