import { groupKey } from '../../functions/planning/context.ts';
import { capacityMemberNames } from '../../functions/planning/scale-up/groups.ts';
import { addUsage, groupUsage, NO_USAGE, offeringUsage, type GroupUsage } from '../../functions/planning/scale-up/limits.ts';
import type { PlanResult } from '../../functions/planning/types.ts';
import { parseNodeGroupSpec, type GroupLimits } from '../../shared/nodegroup.ts';
import type { Snapshot } from '../../shared/snapshot.ts';

// What weights and limits did in a what-if: per NodeGroup its weight, its limits as written, what
// its members add up to now and after the plan's launches, and the limit that stopped a launch
// (the planner's group-limit decisions). The planner's own counting is used (scale-up/limits.ts),
// so the numbers are the ones it decided by.

export interface UsageReport { cpu: number; memoryGiB: number; monthlyCost: number }

export interface GroupReport {
  nodeGroup: string;
  /** spec.weight; 0 when unset. */
  weight: number;
  limits?: GroupLimits;
  provisioned: UsageReport;
  afterPlan: UsageReport;
  /** New nodes this plan launches in the group. */
  launches: number;
  /** Why a launch was not planned under the limits (the decisions' messages). */
  limitedBy?: string[];
}

function usageReport(u: GroupUsage): UsageReport {
  return { cpu: u.cpuMillis / 1000, memoryGiB: Math.round((u.memoryBytes / 2 ** 30) * 100) / 100, monthlyCost: Math.round(u.monthlyCost * 100) / 100 };
}

export function groupReports(snapshot: Snapshot, result: PlanResult, hostnamePrefix: string): GroupReport[] {
  const out: GroupReport[] = [];
  for (const raw of snapshot.nodeGroups) {
    let spec;
    try {
      spec = parseNodeGroupSpec(raw.spec, `${raw.namespace}/${raw.name}`);
    } catch {
      continue; // an invalid group is reported by the plan's config-error decision
    }
    const key = groupKey(raw.namespace, raw.name);
    const group = { key, namespace: raw.namespace, name: raw.name, spec };
    const used = groupUsage(snapshot, group, capacityMemberNames(snapshot, hostnamePrefix, group, []), []);
    let after = used;
    let launches = 0;
    for (const p of result.provision.filter((p) => p.nodeGroup === key)) {
      const offering = snapshot.offerings.find((o) => o.identifier === p.offering);
      for (let i = 0; i < p.count; i++) after = addUsage(after, offering ? offeringUsage(offering) : NO_USAGE);
      launches += p.count;
    }
    const limitedBy = result.decisions.filter((d) => d.reason === 'group-limit' && (d.nodeGroup === key || d.message.includes(`group ${key} `))).map((d) => d.message);
    out.push({
      nodeGroup: raw.name,
      weight: spec.weight ?? 0,
      ...(spec.limits ? { limits: spec.limits } : {}),
      provisioned: usageReport(used),
      afterPlan: usageReport(after),
      launches,
      ...(limitedBy.length > 0 ? { limitedBy: [...new Set(limitedBy)] } : {}),
    });
  }
  return out;
}

/** "cpu 16, memory 64Gi, monthlyCost 120" — the limits as written; "-" when none. */
export function describeLimits(limits: GroupLimits | undefined): string {
  if (!limits) return '-';
  const parts = [limits.cpu !== undefined ? `cpu ${limits.cpu}` : '', limits.memory !== undefined ? `memory ${limits.memory}` : '', limits.monthlyCost !== undefined ? `monthlyCost ${limits.monthlyCost}` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : '-';
}

export function describeUsage(u: UsageReport): string {
  return `${u.cpu} CPU, ${u.memoryGiB}Gi, ${u.monthlyCost.toFixed(2)}/month`;
}
