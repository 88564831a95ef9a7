import type { VpsieVm } from '../../forwarder/vpsie/index.ts';
import { ownershipWithAdoption } from '../../forwarder/vm-ownership.ts';
import type { PlanResult } from '../../functions/planning/types.ts';
import type { ClusterIdentity } from '../../shared/ownership.ts';

// The plan command's view of `--vms`: which VMs the plan deletes and why, and which it never
// touches and why (another cluster's, outside this cluster's hostname pattern, or unmarked).

export interface VmReport {
  delete: { hostname: string; identifier: string | null; reason: string; message: string }[];
  untouched: { hostname: string; identifier: string; owner: 'foreign' | 'unmarked'; why: string }[];
}

export function vmReport(result: PlanResult, vms: readonly VpsieVm[], cluster: ClusterIdentity): VmReport {
  const deletes = result.commands.flatMap((c) =>
    c.kind === 'deleteVm' ? [{ hostname: c.hostname, identifier: c.vmIdentifier ?? null, reason: c.reason, message: c.message }] : [],
  );
  const untouched: VmReport['untouched'] = [];
  for (const vm of vms) {
    const owner = ownershipWithAdoption(vm, cluster, new Set());
    if (owner.owner === 'foreign') untouched.push({ hostname: vm.hostname, identifier: vm.identifier, owner: 'foreign', why: owner.why });
    else if (owner.owner === 'unmarked') {
      untouched.push({ hostname: vm.hostname, identifier: vm.identifier, owner: 'unmarked', why: `no ownership marker in its notes: made before markers existed, never deleted until adopted (README)` });
    }
  }
  return { delete: deletes, untouched };
}
