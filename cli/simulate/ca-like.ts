import { offeringAllocatable } from '../../functions/planning/node-template.ts';
import { parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import type { Offering } from '../../shared/snapshot.ts';
import type { RawGroup } from './setup.ts';
import type { TraceWorkload } from './trace.ts';

// The Cluster-Autoscaler-like baseline, as NodeGroup overrides on the same planner (not a second
// planner): one offering per group (a CA node group is one instance type), removal of underused
// nodes only (no consolidation; below 50 % CPU and memory requested — CA's scale-down-utilization-threshold — for
// 10 minutes — scale-down-unneeded-time), no proactive scale-up. The Policy side (10 min
// scale-down-delay-after-add, up to 10 empty nodes at once) is in caLikePolicy (simulate.ts).
//
// The one offering: the group's preferredInstanceType if it has one, else the cheapest of its
// offerings whose allocatable holds the largest CPU and the largest memory request of the trace
// (what someone setting up CA picks so that every pod fits a node); else its largest.

export function caLikeOffering(group: RawGroup, offerings: readonly Offering[], workloads: readonly TraceWorkload[]): string {
  const spec = parseNodeGroupSpec(group.spec);
  if (spec.preferredInstanceType) return spec.preferredInstanceType;
  const cpu = Math.max(...workloads.map((w) => w.requests.cpu));
  const memory = Math.max(...workloads.map((w) => w.requests.memory));
  const own = spec.offeringIDs.map((id) => offerings.find((o) => o.identifier === id)!).filter(Boolean);
  const fitting = own.filter((o) => {
    const a = offeringAllocatable(spec, o);
    return a.cpuMillis >= cpu && a.memoryBytes >= memory;
  }).sort((a, b) => a.priceMonthly - b.priceMonthly || a.identifier.localeCompare(b.identifier));
  return (fitting[0] ?? [...own].sort((a, b) => b.cpu - a.cpu || b.ramMiB - a.ramMiB)[0]!).identifier;
}

export function caLikeGroups(groups: readonly RawGroup[], offerings: readonly Offering[], workloads: readonly TraceWorkload[]): RawGroup[] {
  return groups.map((group) => {
    const offering = caLikeOffering(group, offerings, workloads);
    return {
      ...group,
      spec: {
        ...group.spec,
        offeringIDs: [offering],
        preferredInstanceType: offering,
        allowMixedInstances: false,
        scaleUpPolicy: { stabilizationWindowSeconds: 0, cpuThreshold: 100, memoryThreshold: 100 },
        scaleDownPolicy: { enabled: true, stabilizationWindowSeconds: 600, cpuThreshold: 50, memoryThreshold: 50 },
        // CA removes nodes, it never replaces one by a cheaper one.
        disruption: { ...(group.spec.disruption as Record<string, unknown> | undefined), consolidationPolicy: 'Off' },
      },
    };
  });
}
