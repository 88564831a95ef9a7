import type { ValidGroup } from '../../functions/planning/context.ts';
import type { Offering } from '../../shared/snapshot.ts';
import { staticFleet } from './static-fleet.ts';
import { replicasAt, type Trace } from './trace.ts';

// What no autoscaler can beat on a trace: at every step, the cheapest fleet that holds that step's
// pods (the static fleet's exact search on that one instant), changed for free and at once — no
// launch or join delay, no stabilization window, no VM kept a minute longer than needed. Its cost
// is a floor under any autoscaler's, its utilization a ceiling: when the ceiling is under a
// target, the trace (its shapes against the offerings) cannot meet it, whatever the policy.

export interface InstantBound {
  cost: number;
  /** Mean over the steps of requested / allocatable, CPU and memory averaged (as the report's utilization). */
  utilizationPercent: number;
}

export function instantBound(trace: Trace, groups: readonly ValidGroup[], offerings: readonly Offering[]): InstantBound {
  const stepMs = trace.stepSeconds * 1000;
  const durationMs = trace.durationHours * 3600_000;
  const cache = new Map<string, { costPerHour: number; cpu: number; memory: number }>();
  let cost = 0;
  let utilization = 0;
  let steps = 0;
  for (let t = 0; t <= durationMs; t += stepMs) {
    const counts = trace.workloads.map((w) => replicasAt(w, t));
    const key = counts.join(',');
    let entry = cache.get(key);
    if (!entry) {
      const instant: Trace = { ...trace, durationHours: trace.stepSeconds / 3600, workloads: trace.workloads.map((w, i) => ({ ...w, replicas: [[0, counts[i]!]] })) };
      const fleet = staticFleet(instant, groups, offerings);
      let cpu = 0, memory = 0;
      trace.workloads.forEach((w, i) => { cpu += counts[i]! * w.requests.cpu; memory += counts[i]! * w.requests.memory; });
      entry = {
        costPerHour: fleet.costPerHour,
        cpu: fleet.allocatable.cpuMillis > 0 ? Math.min(1, cpu / fleet.allocatable.cpuMillis) : 0,
        memory: fleet.allocatable.memoryBytes > 0 ? Math.min(1, memory / fleet.allocatable.memoryBytes) : 0,
      };
      cache.set(key, entry);
    }
    // The last sample closes the day; it costs nothing more (as the runs' samples).
    if (t < durationMs) cost += entry.costPerHour * (stepMs / 3600_000);
    utilization += (entry.cpu + entry.memory) / 2;
    steps++;
  }
  return { cost, utilizationPercent: (utilization / steps) * 100 };
}
