import { AppsV1Api, type V1Pod } from '@kubernetes/client-node';
import { expect, it } from 'vitest';
import { SIM_PLANS } from '../vpsie-sim/index.ts';
import {
  eventually,
  expectNoDuplicateVms,
  isRunning,
  planNickname,
  pods,
  simPlan,
  spreadDeployment,
  scaleDeployment,
  useE2eStack,
  waitPodsRunning,
} from './e2e-helpers.ts';

// Consolidation on the real control plane (issue 17): a burst scales up on mixed sizes, the load
// drops to a fifth, and the fleet converges to a cheaper one with every pod Running throughout.
//   the burst: `db`, one 1500m pod → an A-2C-4G ($20; A-1C-2G is too small); then `burst`, 13 × 600m,
//   created while the group is held at maxNodes 1 so that one reconcile sees all 13 Pending when the
//   limit is raised (otherwise the trigger batches of a loaded machine split them over several
//   smaller launches) → one A-8C-16G ($80, 7.8 CPU: exactly 13; two A-4C-8G hold only 12): mixed sizes;
//   the load drops: `burst` to 3 pods (a fifth of 14). They stay on the A-8C (23 %: underused) and fit
//   on no other node (the A-2C has 0.3 CPU free), so consolidation replaces the A-8C by one A-2C-4G
//   ($20; 3 × 600m fit): launched first, Ready, then the A-8C drained through the Eviction API and
//   deleted — $100 → $40 a month.
// IMPORTANT: the NodeGroup shortens the disruption timers for the test — minNodeAgeSeconds 0 (the
// default 15 days is VPSie's abuse rule), consolidateAfterSeconds 5, a 5 s stabilization window and a
// 100 % budget — and the stack shortens the planner's (SHORT_POLICY). No PDB on `burst`: a PDB allowing
// fewer disruptions than a node's pods keeps the node, for consolidation as for scale-down.

const GROUP = 'mixed';
const env = useE2eStack('consolidate');

interface PendingWatch { stop: () => Promise<{ maxPendingMs: number; minRunning: number; samples: number }> }

/** Samples the pods of `app` every 250 ms: the longest any pod stayed Pending, the fewest Running. */
function watchPods(namespace: string, app: string): PendingWatch {
  const pendingSince = new Map<string, number>();
  let maxPendingMs = 0;
  let minRunning = Number.POSITIVE_INFINITY;
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const now = Date.now();
      const list: V1Pod[] = (await pods(env.stack, namespace, `app=${app}`)).filter((p) => !p.metadata?.deletionTimestamp);
      samples += 1;
      minRunning = Math.min(minRunning, list.filter(isRunning).length);
      const seen = new Set<string>();
      for (const p of list) {
        const uid = p.metadata!.uid!;
        seen.add(uid);
        if (isRunning(p)) {
          const since = pendingSince.get(uid);
          if (since !== undefined) maxPendingMs = Math.max(maxPendingMs, now - since);
          pendingSince.delete(uid);
        } else if (!pendingSince.has(uid)) pendingSince.set(uid, now);
      }
      for (const [uid, since] of pendingSince) {
        maxPendingMs = Math.max(maxPendingMs, now - since);
        if (!seen.has(uid)) pendingSince.delete(uid);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return { stop: async () => { stopped = true; await loop; return { maxPendingMs, minRunning, samples }; } };
}

const PRICE = new Map(SIM_PLANS.map((p) => [p.identifier, Number(p.price)]));
/** An audit line's time (pino writes it as an ISO string). */
const at = (line: { time?: unknown }) => (typeof line.time === 'number' ? line.time : Date.parse(String(line.time)));
const fleetCost = (vms: Array<{ resourceIdentifier: string }>) => vms.reduce((sum, vm) => sum + (PRICE.get(vm.resourceIdentifier) ?? Number.NaN), 0);

it('a burst on mixed sizes, then a fifth of the load: the fleet converges to a cheaper one, every pod Running throughout', async () => {
  const { stack, namespace } = env;
  const apps = stack.kube.kc.makeApiClient(AppsV1Api);
  const spec = {
    minNodes: 0,
    maxNodes: 1,
    offeringIDs: [simPlan('A-1C-2G'), simPlan('A-2C-4G'), simPlan('A-4C-8G'), simPlan('A-8C-16G')],
    labels: { pool: 'mixed' },
    scaleDownPolicy: { stabilizationWindowSeconds: 5, cpuThreshold: 50, memoryThreshold: 50 },
    disruption: { minNodeAgeSeconds: 0, consolidateAfterSeconds: 5, budgets: [{ nodes: '100%' }] },
  };
  await stack.applyNodeGroup(GROUP, spec);

  // The burst.
  await apps.createNamespacedDeployment({ namespace, body: spreadDeployment({ name: 'db', namespace, replicas: 1, cpu: '1500m', memory: '512Mi', nodeSelector: { pool: 'mixed' } }) });
  await waitPodsRunning(stack, namespace, 'app=db', 1, 120_000);
  await apps.createNamespacedDeployment({ namespace, body: spreadDeployment({ name: 'burst', namespace, replicas: 13, cpu: '600m', memory: '256Mi', nodeSelector: { pool: 'mixed' } }) });
  await eventually(stack, '13 burst pods Pending at maxNodes 1', async () => (await pods(stack, namespace, 'app=burst')).filter((p) => !p.spec?.nodeName).length === 13);
  await stack.patchNodeGroup(GROUP, { maxNodes: 8 });
  await waitPodsRunning(stack, namespace, 'app=burst', 13, 120_000);
  const burstVms = stack.liveVms();
  const burstFleet = burstVms.map((vm) => planNickname(vm.resourceIdentifier)).sort();
  expect(burstFleet).toEqual(['A-2C-4G', 'A-8C-16G']); // mixed sizes
  const big = burstVms.find((vm) => planNickname(vm.resourceIdentifier) === 'A-8C-16G')!.hostname;
  const burstCost = fleetCost(burstVms);
  const createsAfterBurst = stack.vms().length;

  // The load drops to a fifth; from here on every pod of `burst` and `db` is watched.
  const evictionsBefore = await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod', outcome: 'succeeded' });
  const auditBefore = stack.audit().length;
  await scaleDeployment(apps, namespace, 'burst', 3);
  await waitPodsRunning(stack, namespace, 'app=burst', 3);
  const watchBurst = watchPods(namespace, 'burst');
  const watchDb = watchPods(namespace, 'db');

  // Converged: the cheapest fleet for what is left ($40), nothing leaving any more.
  await eventually(stack, 'the A-8C-16G replaced and deleted: $40/month', async () => !stack.liveVms().some((vm) => vm.hostname === big) && fleetCost(stack.liveVms()) <= 40 && (await stack.managedNodeNames(GROUP)).length === stack.liveVms().length, 300_000);
  const watched = [await watchBurst.stop(), await watchDb.stop()];
  const finalVms = stack.liveVms();
  const finalFleet = finalVms.map((vm) => planNickname(vm.resourceIdentifier)).sort();
  expect(finalFleet).toEqual(['A-2C-4G', 'A-2C-4G']);
  expect(fleetCost(finalVms)).toBeLessThan(burstCost);

  // What the planner did after the drop, from the audit trail.
  const audit = stack.audit().slice(auditBefore);
  const replacements = audit.filter((a) => a.type === 'command' && a.kind === 'createVm' && a.reason === 'consolidation');
  const otherLaunches = audit.filter((a) => a.type === 'command' && a.kind === 'createVm' && a.reason !== 'consolidation');
  expect(otherLaunches).toEqual([]); // no scale-up: nothing went Pending for want of room
  const taints = audit.filter((a) => a.type === 'command' && a.kind === 'taintNode');
  expect(taints.length).toBeGreaterThan(0);
  // A replaced node is tainted only after its replacement was launched (and, by the hand-off rule, Ready).
  for (const r of replacements) {
    const decision = audit.find((a) => a.type === 'decision' && a.kind === 'replace-node' && a.inputs.operationId === r.operationId);
    expect(decision?.message).toMatch(/saves \d+\.\d\d\/month/);
  }
  expect(replacements).toHaveLength(1);
  expect(taints.map((t) => [t.target, t.reason])).toEqual([[`node ${big}`, 'consolidation']]);
  // The replacement's launch: from its createVm to the old node's taint (the replacement was Ready by then).
  const launchBoundMs = at(taints[0]!) - at(replacements[0]!);
  expect(launchBoundMs).toBeGreaterThan(0);

  // Every pod Running throughout: none Pending longer than the replacement's launch; the pods whole.
  await waitPodsRunning(stack, namespace, 'app=burst', 3);
  await waitPodsRunning(stack, namespace, 'app=db', 1);
  for (const w of watched) {
    expect(w.samples).toBeGreaterThan(10); // the watch did look, all along
    expect(w.maxPendingMs).toBeLessThan(launchBoundMs);
  }

  // Evictions only through the Eviction API: every pod that left a node left by an evictPod command.
  const evicted = (await stack.metric('vpsie_autoscaler_forwarder_commands_total', { kind: 'evictPod', outcome: 'succeeded' })) - evictionsBefore;
  const podCommands = new Set(audit.filter((a) => a.type === 'command' && /pod/i.test(a.kind)).map((a) => a.kind));
  expect([...podCommands].every((k) => k === 'evictPod')).toBe(true);
  expect(evicted).toBeGreaterThanOrEqual(3);
  expect((await stack.events()).some((e) => e.kind === 'NodeGroup' && e.name === GROUP && e.reason === 'ConsolidationTriggered')).toBe(true);
  expectNoDuplicateVms(stack);

  const creates = stack.vms().length;
  const deletes = stack.vms().filter((vm) => vm.phase === 'deleted').length;
  process.stdout.write(`consolidation e2e: burst fleet ${burstFleet.join(' + ')} ($${burstCost}/month) → ${finalFleet.join(' + ')} ($${fleetCost(finalVms)}/month); VMs created ${creates} (${createsAfterBurst} for the burst, ${creates - createsAfterBurst} replacements), deleted ${deletes}; ${taints.length} node(s) drained (${taints.filter((t) => t.reason === 'consolidation').length} replaced), ${evicted} eviction(s); longest Pending: burst ${watched[0]!.maxPendingMs} ms, db ${watched[1]!.maxPendingMs} ms (bound ${launchBoundMs} ms); fewest Running: burst ${watched[0]!.minRunning}/3, db ${watched[1]!.minRunning}/1 (${watched[0]!.samples} samples, every 250 ms)\n`);
  expect(creates - createsAfterBurst).toBe(1);
  expect(deletes).toBe(1);
}, 600_000);
