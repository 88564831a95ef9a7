import type { RunMetrics } from './metrics.ts';
import type { SimulationReport, StaticMetrics } from './simulate.ts';

// The report: a table (or JSON) ending with one `summary:` line that scripts and the bench read.

const money = (v: number) => v.toFixed(2);
const pct = (v: number) => (v * 100).toFixed(1);
const lifetime = (s: number | null) => (s === null ? 'none' : `${Math.round(s)}s`);

export function summaryLine(r: SimulationReport): string {
  return `summary: cost=${money(r.project.cost)} static=${money(r.static.cost)} savings=${r.savingsVsStaticPercent.toFixed(1)}% ca-like=${money(r.caLike.cost)}`
    + ` utilization=${r.utilizationPercent.toFixed(1)}% pending-pod-minutes=${Math.round(r.project.pendingPodMinutes)} vm-creates=${r.project.vmCreates}`
    + ` min-vm-lifetime=${lifetime(r.project.minVmLifetimeSeconds)}`;
}

type Row = [string, (m: RunMetrics | StaticMetrics) => string];

export function renderTable(r: SimulationReport): string {
  const runs: (RunMetrics | StaticMetrics)[] = [r.project, r.caLike, r.static];
  const savings = (m: RunMetrics | StaticMetrics) => (m === r.project ? '-' : ((m.cost - r.project.cost) / (m.cost || 1) * 100).toFixed(1));
  const rows: Row[] = [
    ['cost, total ($)', (m) => money(m.cost)],
    ['cost per hour ($)', (m) => m.costPerHour.toFixed(4)],
    ['project saves against it (%)', savings],
    ['CPU utilization, average (%)', (m) => pct(m.cpuUtilization.average)],
    ['CPU utilization, p10 (%)', (m) => pct(m.cpuUtilization.p10)],
    ['memory utilization, average (%)', (m) => pct(m.memoryUtilization.average)],
    ['memory utilization, p10 (%)', (m) => pct(m.memoryUtilization.p10)],
    ['pod-minutes pending', (m) => String(Math.round(m.pendingPodMinutes))],
    ['longest wait (s)', (m) => String(Math.round(m.longestWaitSeconds))],
    ['pods pending because of a scale-down', (m) => String(m.podsPendingBecauseOfScaleDown)],
    ['VM creates', (m) => String(m.vmCreates)],
    ['VM deletes', (m) => String(m.vmDeletes)],
    ['shortest VM lifetime', (m) => lifetime(m.minVmLifetimeSeconds)],
    ['reconciles', (m) => String(m.reconciles)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const col = 11;
  const lines = [
    `vpsie-autoscaler simulate: ${r.durationHours}h at ${r.stepSeconds}s steps, seed ${r.seed}`,
    '',
    `${''.padEnd(width)}  ${['project', 'ca-like', 'static'].map((h) => h.padStart(col)).join('')}`,
    ...rows.map(([label, cell]) => `${label.padEnd(width)}  ${runs.map((m) => cell(m).padStart(col)).join('')}`),
    '',
    `static fleet: ${r.static.fleet.infeasible ? 'none holds the peaks (a pod no offering of the groups takes)' : r.static.fleet.nodes.map((n) => `${n.count} × ${n.offering} (${n.nodeGroup})`).join(', ')}`
      + ` = $${money(r.static.fleet.monthlyCost)}/month; aggregate lower bound $${money(r.static.fleet.lowerBoundMonthly)}/month${r.static.fleet.bounded ? ' (search bounded: best found, not proven cheapest)' : ''}`,
    `ca-like: one offering per group: ${Object.entries(r.caLikeOfferings).map(([g, o]) => `${g} → ${o}`).join(', ')}`,
    `NodeGroup settings: ${r.configDifferences.length === 0 ? "the product's defaults (scale-up, scale-down, disruption)" : `not the product's defaults: ${r.configDifferences.join('; ')}`}`,
    `instant bound (the cheapest fleet of each step, changed at once and for free): cost ${money(r.instantBound.cost)}, savings ${r.instantBound.savingsVsStaticPercent.toFixed(1)}%, utilization ${r.instantBound.utilizationPercent.toFixed(1)}%`,
    summaryLine(r),
  ];
  return lines.join('\n') + '\n';
}

/** JSON: everything but the per-step samples (those are for --plot). */
export function toJson(r: SimulationReport): string {
  const strip = <T extends { samples: unknown }>(m: T) => { const { samples: _, ...rest } = m; return rest; };
  return JSON.stringify({ ...r, project: strip(r.project), caLike: strip(r.caLike), static: strip(r.static), summary: summaryLine(r) }, null, 2) + '\n';
}
