import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { AuditLine } from '../../test/e2e/audit-log.ts';
import { SIM_PLANS, type SimVm } from '../../test/vpsie-sim/index.ts';

// What the demo shows: pods pending/running, nodes by group and state, and each decision with its
// reason. Pure functions from observed data to text, so the output is testable; demo.ts collects.

export interface GroupView {
  name: string;
  launching: number;
  ready: number;
  notReady: number;
  draining: number;
}

export interface DemoState {
  elapsedMs: number;
  phase: string;
  pods: { pending: number; running: number; terminating: number };
  groups: GroupView[];
  /** Live VMs by plan nickname. */
  vmsByPlan: Record<string, number>;
  costPerHour: number;
}

const HOURS_PER_MONTH = 720;

export function planNickname(identifier: string): string {
  return SIM_PLANS.find((p) => p.identifier === identifier)?.nickname ?? identifier;
}

export function planMonthlyPrice(identifier: string): number {
  const price = SIM_PLANS.find((p) => p.identifier === identifier)?.price;
  return price === undefined ? 0 : Number(price);
}

/** The group a VM hostname belongs to: "<prefix><group>-<suffix>". */
export function groupOfHostname(hostname: string, prefix: string): string | undefined {
  if (!hostname.startsWith(prefix)) return undefined;
  const rest = hostname.slice(prefix.length);
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? rest.slice(0, dash) : undefined;
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isDraining(node: V1Node): boolean {
  return node.spec?.unschedulable === true || (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT) || node.metadata?.deletionTimestamp !== undefined;
}

export function describeState(input: {
  elapsedMs: number;
  phase: string;
  pods: V1Pod[];
  nodes: V1Node[];
  liveVms: SimVm[];
  hostnamePrefix: string;
  groupNames: string[];
}): DemoState {
  const groups = new Map<string, GroupView>();
  const group = (name: string) => {
    let view = groups.get(name);
    if (!view) groups.set(name, (view = { name, launching: 0, ready: 0, notReady: 0, draining: 0 }));
    return view;
  };
  for (const name of input.groupNames) group(name);
  const nodeNames = new Set<string>();
  for (const node of input.nodes) {
    const name = node.metadata?.labels?.[NODEGROUP_LABEL];
    if (!name) continue;
    nodeNames.add(node.metadata!.name!);
    const view = group(name);
    if (isDraining(node)) view.draining += 1;
    else if (isReady(node)) view.ready += 1;
    else view.notReady += 1;
  }
  const vmsByPlan: Record<string, number> = {};
  let monthly = 0;
  for (const vm of input.liveVms) {
    const nickname = planNickname(vm.resourceIdentifier);
    vmsByPlan[nickname] = (vmsByPlan[nickname] ?? 0) + 1;
    monthly += planMonthlyPrice(vm.resourceIdentifier);
    if (!nodeNames.has(vm.hostname)) {
      const name = groupOfHostname(vm.hostname, input.hostnamePrefix);
      if (name) group(name).launching += 1;
    }
  }
  const live = input.pods.filter((p) => !p.metadata?.deletionTimestamp);
  return {
    elapsedMs: input.elapsedMs,
    phase: input.phase,
    pods: {
      pending: live.filter((p) => p.status?.phase === 'Pending').length,
      running: live.filter((p) => p.status?.phase === 'Running').length,
      terminating: input.pods.length - live.length,
    },
    groups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name)),
    vmsByPlan,
    costPerHour: monthly / HOURS_PER_MONTH,
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function formatMoney(perHour: number): string {
  return `$${perHour.toFixed(3)}`;
}

function plansText(vmsByPlan: Record<string, number>): string {
  const entries = Object.entries(vmsByPlan).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([plan, n]) => `${n} × ${plan}`).join(', ');
}

/** One line: what a plain (non-TTY) log prints whenever it changes. */
export function stateLine(state: DemoState): string {
  const groups = state.groups
    .map((g) => `${g.name}: ${g.ready} ready${g.launching ? `, ${g.launching} launching` : ''}${g.draining ? `, ${g.draining} draining` : ''}${g.notReady ? `, ${g.notReady} not ready` : ''}`)
    .join('; ');
  return `pods: ${state.pods.pending} pending, ${state.pods.running} running | nodes ${groups || 'none'} | VMs: ${plansText(state.vmsByPlan)} (${formatMoney(state.costPerHour)}/h)`;
}

/** The same line without the clock, to print only on change. */
export function stateKey(state: DemoState): string {
  return `${state.phase}|${stateLine(state)}`;
}

/** Decisions and the commands that act, in words; repeated ones are printed once. */
export function decisionLine(line: AuditLine): string | undefined {
  // The planner writes "<nickname> (<id>)"; the demo's screen is narrow: the nickname alone.
  const readable = (text: string) => text
    .replace(/([A-Za-z0-9-]+) \((9b1e0000-0000-4000-8000-\d{12})\)/g, (whole, name: string, id: string) => (name === planNickname(id) ? name : whole))
    .replace(/9b1e0000-0000-4000-8000-\d{12}/g, (id) => planNickname(id));
  if (line.type === 'decision') {
    if (line.kind === 'info') return undefined;
    return `${line.kind} ${line.target}: ${readable(line.message)} [${line.reason}]`;
  }
  switch (line.kind) {
    case 'createVm':
    case 'deleteVm':
    case 'taintNode':
    case 'untaintNode':
    case 'evictPod':
    case 'deleteNode':
    case 'releaseNode':
      return `→ ${line.kind} ${line.target.replace(/^(vm|node|pod) /, '')} [${line.reason}]`;
    default:
      return undefined;
  }
}

/** Decision kinds the planner restates on every reconcile while the situation lasts. */
const RESTATED = new Set(['unschedulable', 'keep-node', 'config-error']);

/**
 * Restated decisions (pods still pending, nodes still kept) share a key, times in the message aside,
 * so they print once; every other decision (scale-up, scale-down, launch-failed, …) is its own event.
 */
export function decisionKey(line: AuditLine): string {
  if (line.type !== 'decision') return `${line.kind}|${line.target}|${line.commandId ?? line.planId}`;
  if (!RESTATED.has(line.kind)) return `${line.kind}|${line.planId}|${line.target}|${line.message}`;
  return `${line.kind}|${line.target}|${line.reason}|${line.message.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')}`;
}

/** The full-screen view for a terminal. */
/** The scale-down phase with a countdown while the window runs (nothing seems to happen meanwhile). */
export function scaleDownPhase(nowMs: number, windowEndsMs: number): string {
  const leftS = Math.ceil((windowEndsMs - nowMs) / 1000);
  return leftS > 0 ? `scale-down: nodes below the thresholds; the window ends in ${leftS}s, then they are drained` : 'scale-down: nodes draining and removed';
}

/** The terminal's size; absent: no limit (a pipe, a test). */
export interface ScreenSize { columns: number; rows: number }

/** Lines cut to the width (with "…"), so that no line wraps and pushes the header off the screen. */
function fit(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * The live view. With a size it never has more lines than the terminal minus one (the cursor's), nor
 * a line wider than it: the newest decisions that fit are shown, the header always stays.
 */
export function renderScreen(state: DemoState, decisions: readonly string[], footer: string, size?: ScreenSize): string {
  const rows = state.groups.map((g) =>
    `  ${g.name.padEnd(12)} ${String(g.launching).padStart(9)} ${String(g.ready).padStart(6)} ${String(g.draining).padStart(9)} ${String(g.notReady).padStart(10)}`,
  );
  const head = [
    `vpsie-autoscaler demo — ${seconds(state.elapsedMs)} — ${state.phase}`,
    '',
    `pods      ${state.pods.pending} pending   ${state.pods.running} running${state.pods.terminating ? `   ${state.pods.terminating} terminating` : ''}`,
    `VMs       ${plansText(state.vmsByPlan)}   ${formatMoney(state.costPerHour)}/hour`,
    '',
    '  nodegroup    launching  ready  draining  not ready',
    ...(rows.length > 0 ? rows : ['  (no NodeGroup yet)']),
    '',
    'decisions (newest last):',
  ];
  const tail = ['', footer];
  const room = size ? Math.max(1, size.rows - 1 - head.length - tail.length) : 14;
  const shown = decisions.length > 0 ? decisions.slice(-Math.min(14, room)).map((d) => `  ${d}`) : ['  (none yet)'];
  let lines = [...head, ...shown, ...tail];
  if (size) {
    // A very small terminal: the header first, the rest as far as it goes.
    lines = lines.slice(0, Math.max(1, size.rows - 1)).map((l) => fit(l, Math.max(10, size.columns)));
  }
  return lines.join('\n');
}

export interface DemoSummary {
  launched: number;
  removed: number;
  timeToScheduleMs: number | undefined;
  peakCostPerHour: number;
  peakPlans: Record<string, number>;
  totalMs: number;
  completed: boolean;
}

export function summaryLine(s: DemoSummary): string {
  const schedule = s.timeToScheduleMs === undefined ? 'n/a' : seconds(s.timeToScheduleMs);
  return (
    `summary: launched=${s.launched} removed=${s.removed} time-to-schedule=${schedule} ` +
    `cost-per-hour=${formatMoney(s.peakCostPerHour)} (peak: ${plansText(s.peakPlans)}) total=${seconds(s.totalMs)}` +
    (s.completed ? '' : ' INCOMPLETE')
  );
}
