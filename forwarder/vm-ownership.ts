import { vmOwnership, type ClusterIdentity, type VmOwnership } from '../shared/ownership.ts';

// The one ownership rule (shared/ownership.ts) plus the operator's adoptions: VMs made before
// ownership markers existed carry none, and VPSie documents no call that edits a VM's notes. An
// operator adopts such a VM by listing its identifier in the forwarder's `adoptVmIdentifiers`
// setting (README, "Adopting VMs made before ownership markers"): an unmarked VM whose identifier
// is listed counts as this cluster's. A VM marked for another cluster, or outside this cluster's
// hostname pattern, is never adopted.

export function ownershipWithAdoption(
  vm: { identifier?: string | null; hostname: string; notes?: string | null },
  cluster: ClusterIdentity,
  adoptedIdentifiers: ReadonlySet<string>,
): VmOwnership {
  const owner = vmOwnership(vm, cluster);
  if (owner.owner === 'unmarked' && vm.identifier && adoptedIdentifiers.has(vm.identifier)) return { owner: 'ours' };
  return owner;
}
