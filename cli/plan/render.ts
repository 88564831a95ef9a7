import type { PlanResult } from '../../functions/planning/types.ts';
import type { Offering } from '../../shared/snapshot.ts';
import { describeLimits, describeUsage, type GroupReport } from './group-report.ts';
import type { VmReport } from './vm-report.ts';

// The plan command's two outputs: JSON for tools, a table for people.

export interface PlanReport {
  /** A consolidation's replacement: reason "consolidation" and the nodes it replaces. */
  provision: { nodeGroup: string; offering: string; offeringName?: string; count: number; monthlyCost: number; reason?: string; replaces?: string[] }[];
  /** monthlySaving: the node's price (null when unknown); a consolidation's removal names its replacement. */
  remove: { node: string; nodeGroup: string; reason: string; monthlySaving?: number | null; replacedBy?: string }[];
  unschedulable: { pod: string; reason: string; message: string }[];
  /** Every node the plan keeps, with the first reason that keeps it (why "Remove: nothing."). */
  kept: { node: string; nodeGroup?: string; reason: string; message: string }[];
  monthlyCostDelta: number;
  /** Every decision with its reason (the audit trail). */
  decisions: PlanResult['decisions'];
  /** With --vms: the VMs deleted and why, and those never touched and why. */
  vms?: VmReport;
  /** Per NodeGroup: weight, limits, what it has and will have, and the limit that stopped a launch (group-report.ts). */
  groups?: GroupReport[];
  /** Whether similar groups shared the scale-up (--balance-similar-node-groups). */
  balanceSimilarNodeGroups?: boolean;
}

/** "<namespace>/<name>" → "<name>": the JSON names groups as NodeGroup names. */
function groupName(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

/** `offerings`: the snapshot's, whose nicknames stand beside the identifiers (the JSON keeps both). */
export function toReport(result: PlanResult, offerings: readonly Offering[] = []): PlanReport {
  const names = new Map(offerings.filter((o) => o.nickname !== '' && o.nickname !== o.identifier).map((o) => [o.identifier, o.nickname]));
  return {
    provision: result.provision.map((p) => ({ nodeGroup: groupName(p.nodeGroup), offering: p.offering, ...(names.has(p.offering) ? { offeringName: names.get(p.offering)! } : {}), count: p.count, monthlyCost: round(p.monthlyCost), ...(p.reason !== undefined ? { reason: p.reason } : {}), ...(p.replaces ? { replaces: p.replaces } : {}) })),
    remove: result.remove.map((r) => ({ node: r.node, nodeGroup: groupName(r.nodeGroup), reason: r.reason, ...(r.monthlySaving !== undefined ? { monthlySaving: r.monthlySaving === null ? null : round(r.monthlySaving) } : {}), ...(r.replacedBy !== undefined ? { replacedBy: r.replacedBy } : {}) })),
    unschedulable: result.unschedulable.map((u) => ({ pod: u.pod, reason: u.reason, message: u.message })),
    kept: result.kept.map((k) => ({ node: k.node, ...(k.nodeGroup !== undefined ? { nodeGroup: groupName(k.nodeGroup) } : {}), reason: k.reason, message: k.message })),
    monthlyCostDelta: result.monthlyCostDelta,
    decisions: result.decisions,
  };
}

/** Kept only because a window or cooldown has not passed yet. */
const WINDOW_REASONS = new Set(['stabilizing', 'scale-up-cooldown']);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function renderTable(report: PlanReport): string {
  const out: string[] = [];
  const signed = (v: number) => `${v >= 0 ? '+' : '-'}${Math.abs(v).toFixed(2)}`;
  out.push(report.provision.length === 0 ? 'Launch: nothing.' : `Launch ${report.provision.reduce((s, p) => s + p.count, 0)} node(s):`);
  if (report.provision.length > 0) {
    out.push(table(['NODEGROUP', 'OFFERING', 'COUNT', 'MONTHLY'], report.provision.map((p) => [p.nodeGroup, p.offeringName ? `${p.offeringName} (${p.offering})` : p.offering, String(p.count), p.monthlyCost.toFixed(2)])));
    for (const d of report.decisions.filter((d) => d.kind === 'scale-up')) out.push(`  - ${d.message}`);
  }
  out.push('');
  out.push(report.remove.length === 0 ? 'Remove: nothing.' : `Remove ${report.remove.length} node(s):`);
  if (report.remove.length > 0) {
    out.push(table(['NODE', 'NODEGROUP', 'REASON', 'SAVES/MONTH'], report.remove.map((r) => [r.node, r.nodeGroup, r.replacedBy ? `${r.reason} (by ${r.replacedBy})` : r.reason, r.monthlySaving == null ? '-' : r.monthlySaving.toFixed(2)])));
    for (const d of report.decisions.filter((d) => d.kind === 'replace-node' && d.reason === 'consolidation')) out.push(`  - ${d.message}`);
  }
  // Weights and limits: shown when a group sets either, or when balancing is on.
  const groups = report.groups ?? [];
  if (groups.some((g) => g.weight !== 0 || g.limits) || report.balanceSimilarNodeGroups) {
    out.push('');
    out.push(`NodeGroups (higher weight first${report.balanceSimilarNodeGroups ? '; similar groups balanced' : ''}):`);
    const sorted = [...groups].sort((a, b) => b.weight - a.weight);
    out.push(table(['NODEGROUP', 'WEIGHT', 'LIMITS', 'PROVISIONED', 'AFTER PLAN'], sorted.map((g) => [g.nodeGroup, String(g.weight), describeLimits(g.limits), describeUsage(g.provisioned), `${describeUsage(g.afterPlan)} (+${g.launches})`])));
    for (const g of sorted) for (const why of g.limitedBy ?? []) out.push(`  - ${why}`);
  }
  out.push('');
  out.push(report.unschedulable.length === 0 ? 'Left pending: none.' : `Left pending ${report.unschedulable.length} pod(s):`);
  if (report.unschedulable.length > 0) out.push(table(['POD', 'REASON', 'WHY'], report.unschedulable.map((u) => [u.pod, u.reason, u.message])));
  // Every kept node with what keeps it, so that "Remove: nothing." is never left unexplained.
  if (report.kept.length > 0) {
    out.push('');
    out.push(`Kept ${report.kept.length} node(s):`);
    out.push(table(['NODE', 'NODEGROUP', 'REASON', 'WHY'], report.kept.map((k) => [k.node, k.nodeGroup ?? '-', k.reason, k.message])));
    if (report.kept.some((k) => WINDOW_REASONS.has(k.reason))) out.push('  (windows and cooldowns start with this run: --assume-windows-elapsed shows the plan once they have passed)');
  }
  if (report.vms) {
    const { delete: deletes, untouched } = report.vms;
    out.push('');
    out.push(deletes.length === 0 ? 'Delete VMs: none.' : `Delete ${deletes.length} VM(s):`);
    if (deletes.length > 0) out.push(table(['VM', 'IDENTIFIER', 'REASON', 'WHY'], deletes.map((d) => [d.hostname, d.identifier ?? '-', d.reason, d.message])));
    if (untouched.length > 0) {
      out.push(`Never touched ${untouched.length} VM(s):`);
      out.push(table(['VM', 'IDENTIFIER', 'OWNER', 'WHY'], untouched.map((u) => [u.hostname, u.identifier, u.owner, u.why])));
    }
  }
  out.push('');
  out.push(`Monthly cost change: ${signed(report.monthlyCostDelta)}`);
  return out.join('\n') + '\n';
}
