import { describe, expect, it } from 'vitest';
import { parseOfferings } from '../../cli/plan/offerings.ts';
import { simulateRun, SIM_START_MS } from '../../cli/simulate/run.ts';
import { buildGroups, traceGroups } from '../../cli/simulate/setup.ts';
import { parseTrace, replicasAt, type Trace } from '../../cli/simulate/trace.ts';
import { DEFAULT_POLICY } from '../../functions/planning/types.ts';
import { SIM_DC, SIM_PLANS } from '../vpsie-sim/index.ts';
import { expectNoDuplicateVms, planNickname, scaleDeployment, simPlan, spreadDeployment, useE2eStack } from './e2e-helpers.ts';
import { SHORT_POLICY, simNodeGroupSpec } from './stack.ts';

// Issue 18: `simulate` and the real system agree. One short trace, run both ways:
//   - simulated: `simulateRun` (the real plan() over the simulated world, scheduler and VPSie);
//   - for real: the e2e stack (control plane + kwok, the VPSie simulator, the functions and the
//     forwarder as processes), the trace's workloads as Deployments scaled phase by phase.
// Both must launch the same number of VMs of the same offerings, phase by phase: three small pods
// (one 2-core node holds them), then one pod only the 8 GiB plan holds, then two that need a 2-core
// node each. The answer is not one offering repeated.
//
// IMPORTANT: in each phase the pending pods are of one shape and fit nothing that exists, so where
// kube-scheduler puts them cannot change what is needed. The simulated scheduler packs (first fit,
// as the planner assumes); kube-scheduler spreads (LeastAllocated) and breaks ties at random. A trace
// with mixed shapes pending at once (2 × 500m/512Mi, 2 × 1/3Gi and 1 × 500m/5Gi together) made the
// real system launch one G-2C-8G more than the simulation (3 × A-2C-4G + 2 × G-2C-8G against
// 3 × A-2C-4G + 1 × G-2C-8G): kube-scheduler put pods on other nodes than the plan assumed and one
// was left over. docs/simulate.md says so; this test checks what the two must agree on.

const OFFERINGS = ['A-1C-1G', 'A-1C-2G', 'A-2C-4G', 'G-2C-8G'];
const GROUP = 'agree';
const POOL = { pool: 'agree' };
/** Phases start here (trace time); each has settled long before the next in both runs. */
const PHASES_MS = [60_000, 10 * 60_000, 20 * 60_000];

const groupSpec = simNodeGroupSpec({ minNodes: 0, maxNodes: 6, offeringIDs: OFFERINGS.map(simPlan), labels: POOL });

const workload = (name: string, cpu: string, memory: string, replicas: Array<[string, number]>) => ({ name, requests: { cpu, memory }, nodeSelector: POOL, replicas });

/** JSON is YAML: the same text `simulate --trace` would read. */
const TRACE: Trace = parseTrace(JSON.stringify({
  durationHours: 0.5,
  stepSeconds: 10,
  // The VPSie simulator's provisioning (1.5 s) and a kwok Node's join take seconds.
  provisioning: { launchSeconds: 2, joinSeconds: { min: 1, max: 5 } },
  nodeGroups: [{ name: GROUP, namespace: 'default', spec: groupSpec }],
  workloads: [
    workload('web', '500m', '512Mi', [['0m', 0], ['1m', 0], ['1m10s', 3]]),
    workload('cache', '500m', '5Gi', [['0m', 0], ['10m', 0], ['10m10s', 1]]),
    workload('batch', '1', '3Gi', [['0m', 0], ['20m', 0], ['20m10s', 2]]),
  ],
}), 'agreement trace');

/** The simulator's catalogue as the forwarder lists it for the group's datacenter. */
const SIM_OFFERINGS = parseOfferings(JSON.stringify({ data: SIM_PLANS.map((p) => ({ ...p, datacenterID: SIM_DC.newYork })) }), 'VPSie simulator plans');

const sorted = (names: string[]) => [...names].sort();

/** Offerings of the VMs launched by the end of each phase. */
function simulated(): string[][] {
  const set = buildGroups(traceGroups(TRACE), SIM_OFFERINGS);
  const { world } = simulateRun({
    name: 'agreement',
    clusterId: 'sim',
    groups: set.groups,
    nodeGroups: set.nodeGroups,
    offerings: SIM_OFFERINGS,
    workloads: TRACE.workloads,
    provisioning: { launchSeconds: TRACE.provisioning.launchSeconds!, joinSeconds: TRACE.provisioning.joinSeconds! },
    // The e2e stack's policy: the same shortened windows on both sides.
    policy: { ...DEFAULT_POLICY, ...SHORT_POLICY, clusterId: 'sim', hostnamePrefix: 'sim-' },
    durationMs: TRACE.durationHours * 3600_000,
    stepMs: TRACE.stepSeconds * 1000,
    seed: 1,
  });
  const nick = (vms: typeof world.vms) => sorted(vms.map((vm) => vm.offering.nickname));
  const ends = [...PHASES_MS.slice(1), TRACE.durationHours * 3600_000];
  return ends.map((endMs) => nick(world.vms.filter((vm) => vm.createdAtMs < SIM_START_MS + endMs)));
}

describe('simulate agrees with the real system on a short trace', () => {
  const env = useE2eStack('agree');

  it('launches the same number and offerings of VMs, phase by phase', async () => {
    const sim = simulated();
    // Worked out by hand from the catalogue (allocatable = plan − 200m, − the memory reservations):
    // 3 × 500m/512Mi fit one A-2C-4G ($20; three A-1C-2G cost $30); 500m/5Gi only a G-2C-8G (the A
    // plans have 4 GiB at most); 1 core/3Gi needs an A-2C-4G each (A-1C-2G is too small, two would
    // need 2 cores of 1.8).
    expect(sim).toEqual([['A-2C-4G'], ['A-2C-4G', 'G-2C-8G'], ['A-2C-4G', 'A-2C-4G', 'A-2C-4G', 'G-2C-8G']]);

    const { stack, namespace, apps } = env;
    await stack.applyNodeGroup(GROUP, groupSpec);
    for (const w of TRACE.workloads) {
      await apps.createNamespacedDeployment({
        namespace,
        body: spreadDeployment({ name: w.name, namespace, replicas: 0, cpu: `${w.requests.cpu}m`, memory: `${w.requests.memory}`, nodeSelector: w.nodeSelector }),
      });
    }
    // Each phase: the Deployments to the trace's counts at its end, then every pod Running.
    const phase = async (atMs: number) => {
      for (const w of TRACE.workloads) await scaleDeployment(apps, namespace, w.name, replicasAt(w, atMs));
      for (const w of TRACE.workloads) await env.running(`${w.name}`, replicasAt(w, atMs), 120_000);
      return sorted(stack.vms().map((vm) => planNickname(vm.resourceIdentifier)));
    };
    const real: string[][] = [];
    // Counts just before the next phase starts (the trace's values once this phase has happened).
    for (const i of PHASES_MS.keys()) real.push(await phase((PHASES_MS[i + 1] ?? TRACE.durationHours * 3600_000) - 1));

    expect(real).toEqual(sim);
    expect(stack.vms().every((vm) => vm.phase === 'running')).toBe(true);
    expectNoDuplicateVms(stack);
  }, 300_000);
});
