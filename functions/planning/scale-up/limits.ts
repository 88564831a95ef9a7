import { offeringKeyOfLabels } from '../../../shared/labels.ts';
import type { GroupLimits } from '../../../shared/nodegroup.ts';
import { MIB, parseBytes, parseCpuMillis } from '../../../shared/quantity.ts';
import type { Offering, Snapshot } from '../../../shared/snapshot.ts';
import type { ValidGroup } from '../context.ts';
import { findOffering } from '../node-template.ts';
import type { LaunchOperation } from '../types.ts';

// NodeGroup spec.limits (Karpenter's NodePool limits): the group's provisioned total — every member
// that may be billed (the maxNodes members: Nodes, VMs, launches in flight) at its offering's size
// and price — plus a new node must stay within every limit, or the node is not planned.
// Sizes are the offering's capacity (cpu, RAM), not the allocatable: Karpenter counts capacity too,
// and it is what the operator sees on the VPSie bill.
// A member whose offering cannot be told (a VM with no Node and no launch record, a Node without the
// instance-type label) counts as the group's largest and dearest offering: a limit must not be
// passed by machines it cannot size (the same fail-closed rule as the forwarder's cost cap).

export interface GroupUsage { cpuMillis: number; memoryBytes: number; monthlyCost: number }

export interface LimitValues { cpuMillis?: number; memoryBytes?: number; monthlyCost?: number }

export const NO_USAGE: GroupUsage = Object.freeze({ cpuMillis: 0, memoryBytes: 0, monthlyCost: 0 });

export function limitValues(limits: GroupLimits | undefined): LimitValues {
  if (!limits) return {};
  return {
    ...(limits.cpu !== undefined ? { cpuMillis: parseCpuMillis(limits.cpu) } : {}),
    ...(limits.memory !== undefined ? { memoryBytes: parseBytes(limits.memory) } : {}),
    ...(limits.monthlyCost !== undefined ? { monthlyCost: limits.monthlyCost } : {}),
  };
}

export function hasLimits(limits: LimitValues): boolean {
  return limits.cpuMillis !== undefined || limits.memoryBytes !== undefined || limits.monthlyCost !== undefined;
}

export function offeringUsage(offering: Offering): GroupUsage {
  return { cpuMillis: offering.cpu * 1000, memoryBytes: offering.ramMiB * MIB, monthlyCost: offering.priceMonthly };
}

export function addUsage(a: GroupUsage, b: GroupUsage): GroupUsage {
  return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes, monthlyCost: a.monthlyCost + b.monthlyCost };
}

/** The offering a member runs on: its launch's, else its Node's offering label, else its instance-type label (identifier or nickname). */
function memberOffering(snapshot: Snapshot, group: ValidGroup, hostname: string, launches: readonly LaunchOperation[], nodeLabels: ReadonlyMap<string, Readonly<Record<string, string>>>): Offering | undefined {
  const launch = launches.find((l) => l.hostname === hostname);
  if (launch) return findOffering(snapshot.offerings, group, launch.offeringId);
  const labels = nodeLabels.get(hostname);
  const label = labels === undefined ? undefined : offeringKeyOfLabels(labels);
  if (label === undefined) return undefined;
  return findOffering(snapshot.offerings, group, label) ?? snapshot.offerings.find((o) => o.nickname === label);
}

/** What the group's members add up to (members: the maxNodes members, shared/membership.ts). */
export function groupUsage(snapshot: Snapshot, group: ValidGroup, members: Iterable<string>, launches: readonly LaunchOperation[]): GroupUsage {
  const own = group.spec.offeringIDs.map((id) => findOffering(snapshot.offerings, group, id)).filter((o): o is Offering => o !== undefined);
  const pool = own.length > 0 ? own : snapshot.offerings;
  const worst: GroupUsage = {
    cpuMillis: Math.max(0, ...pool.map((o) => o.cpu * 1000)),
    memoryBytes: Math.max(0, ...pool.map((o) => o.ramMiB * MIB)),
    monthlyCost: Math.max(0, ...pool.map((o) => o.priceMonthly)),
  };
  const nodeLabels = new Map(snapshot.nodes.map((n) => [n.name, n.labels]));
  let usage = NO_USAGE;
  for (const hostname of members) {
    const offering = memberOffering(snapshot, group, hostname, launches, nodeLabels);
    usage = addUsage(usage, offering ? offeringUsage(offering) : worst);
  }
  return usage;
}

export interface LimitBreach { resource: 'cpu' | 'memory' | 'monthlyCost'; used: number; adding: number; limit: number }

/** The first limit that `used + adding` would pass; undefined when every limit holds (a total equal to a limit is allowed). */
export function limitBreach(limits: LimitValues, used: GroupUsage, adding: GroupUsage): LimitBreach | undefined {
  const check = (resource: LimitBreach['resource'], limit: number | undefined, u: number, a: number): LimitBreach | undefined =>
    limit !== undefined && u + a > limit + 1e-9 ? { resource, used: u, adding: a, limit } : undefined;
  return check('cpu', limits.cpuMillis, used.cpuMillis, adding.cpuMillis)
    ?? check('memory', limits.memoryBytes, used.memoryBytes, adding.memoryBytes)
    ?? check('monthlyCost', limits.monthlyCost, used.monthlyCost, adding.monthlyCost);
}

/** "spec.limits.cpu 8 (provisioned 6, a new A-2C-4G adds 2)" — in the units a person wrote. */
export function describeBreach(breach: LimitBreach, offering: string): string {
  const fmt = (n: number) => (breach.resource === 'cpu' ? `${+(n / 1000).toFixed(3)}` : breach.resource === 'memory' ? `${+(n / 2 ** 30).toFixed(2)}Gi` : n.toFixed(2));
  return `spec.limits.${breach.resource} ${fmt(breach.limit)} (provisioned ${fmt(breach.used)}, a new ${offering} node adds ${fmt(breach.adding)})`;
}

/** How many more nodes of this offering fit under the limits (Infinity when none is set). */
export function nodesWithinLimits(limits: LimitValues, used: GroupUsage, offering: Offering): number {
  const size = offeringUsage(offering);
  const room = (limit: number | undefined, u: number, s: number) => (limit === undefined || s <= 0 ? Infinity : Math.max(0, Math.floor((limit - u + 1e-9) / s)));
  return Math.min(room(limits.cpuMillis, used.cpuMillis, size.cpuMillis), room(limits.memoryBytes, used.memoryBytes, size.memoryBytes), room(limits.monthlyCost, used.monthlyCost, size.monthlyCost));
}

/** The most new nodes of any one of these offerings that fit under the limits (an upper bound for a mixed set). */
export function roomUnderLimits(limits: LimitValues, used: GroupUsage, offerings: readonly Offering[]): number {
  return Math.max(0, ...offerings.map((o) => nodesWithinLimits(limits, used, o)));
}
