import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { Command } from '../../shared/plan-message.ts';
import type { CommandResult, Snapshot, SnapshotNode, SnapshotPod, SnapshotVm } from '../../shared/snapshot.ts';
import { buildCluster, clusterArb, expectedDisposition, GROUPS } from '../../test/fixtures/random-cluster.ts';
import { TEST_NOW_MS, testPolicy } from '../../test/fixtures/snapshot-builders.ts';
import { plan } from './plan.ts';
import { EMPTY_STATE, type DrainOperation, type PlanningState, type PlanResult } from './types.ts';

// Drains over many reconciles against a random, misbehaving world: commands fail or get lost,
// evictions are refused (429), results are reported twice, pods that tolerate the taint land on
// tainted nodes, time jumps. At every step:
//   - only managed nodes are tainted, evicted from or deleted, and no blocking pod is evicted;
//   - a Node is deleted only once nothing but DaemonSet, mirror or finished pods runs on it
//     (NotReady replacements aside: their kubelet is gone);
//   - no plan sends the same command (kind and target) twice;
//   - a drain past its deadline before the Node's deletion is aborted with an untaint.
// Then the world behaves: every drain ends, and no node is left tainted without a drain.

const stepArb = fc.record({
  advanceS: fc.integer({ min: 5, max: 150 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  intruder: fc.constantFrom(null, null, null, null, 'replicated', 'bare'),
  duplicate: fc.boolean(),
});

/** Deterministic pseudo-random numbers from a step's seed. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return ((x >>> 0) % 10_000) / 10_000;
  };
}

interface World { snap: Snapshot }

function evolve(world: World, commands: Command[], random: () => number, behave: boolean, intruder: string | null, nowMs: number): CommandResult[] {
  const snap = world.snap;
  const results: CommandResult[] = [];
  const report = (c: Command, outcome: CommandResult['outcome'], data?: CommandResult['data']) => results.push({ commandId: c.id, planId: 'p', kind: c.kind, outcome, atMs: nowMs, ...(data ? { data } : {}) });
  const nodes = new Map(snap.nodes.map((n) => [n.name, structuredClone(n)]));
  let pods: SnapshotPod[] = snap.pods.map((p) => ({ ...p }));
  let vms: SnapshotVm[] = [...(snap.vms ?? [])];
  // Pods evicted earlier finish terminating.
  pods = pods.filter((p) => !p.terminating || (!behave && random() < 0.3));
  for (const c of commands) {
    const lost = !behave && random() < 0.1;
    if (lost) continue;
    const ok = behave || random() < 0.85;
    switch (c.kind) {
      case 'taintNode': {
        const n = nodes.get(c.node);
        if (ok && n) { n.taints = [...n.taints.filter((t) => t.key !== TO_BE_DELETED_TAINT), { key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }]; n.unschedulable = true; }
        report(c, ok ? 'succeeded' : 'failed');
        break;
      }
      case 'untaintNode': {
        const n = nodes.get(c.node);
        if (ok && n) { n.taints = n.taints.filter((t) => t.key !== TO_BE_DELETED_TAINT); n.unschedulable = false; }
        report(c, ok ? 'succeeded' : 'failed');
        break;
      }
      case 'evictPod': {
        const refused = !behave && random() < 0.3;
        const pod = pods.find((p) => p.namespace === c.namespace && p.name === c.pod);
        if (!pod) { report(c, 'failed', { status: 404 }); break; }
        if (refused) { report(c, 'failed', { status: 429 }); break; }
        pod.terminating = true;
        report(c, 'succeeded');
        break;
      }
      case 'deleteNode': {
        if (ok) { nodes.delete(c.node); pods = pods.filter((p) => p.nodeName !== c.node); }
        report(c, ok ? 'succeeded' : 'failed');
        break;
      }
      case 'deleteVm': {
        if (ok) vms = vms.filter((v) => v.hostname !== c.hostname);
        report(c, ok ? 'succeeded' : 'failed');
        break;
      }
      default:
        break;
    }
  }
  // A pod that tolerates everything lands on a tainted node.
  let shapes = snap.podShapes;
  if (intruder && !behave) {
    const target = [...nodes.values()].find((n) => n.taints.some((t) => t.key === TO_BE_DELETED_TAINT));
    if (target) {
      const shape = { ...snap.podShapes[0] ?? snap.podShapes[0]!, tolerations: [{ operator: 'Exists' as const }], owner: intruder === 'bare' ? null : { kind: 'ReplicaSet', name: 'intruder' }, labels: { app: 'intruder' }, annotations: {}, localVolumes: [], hostPorts: [], podAntiAffinity: [], podAffinity: [], topologySpread: [], nodeSelector: {}, nodeAffinity: [], requests: { cpuMillis: 10, memoryBytes: 0, ephemeralBytes: 0 }, priority: 0, terminationGracePeriodSeconds: 30 };
      shapes = [...shapes, shape];
      pods.push({ namespace: 'default', name: `intruder-${nowMs}`, shape: shapes.length - 1, nodeName: target.name, phase: 'Running', createdAtMs: nowMs });
    }
  }
  world.snap = { ...snap, takenAtMs: nowMs, nodes: [...nodes.values()], pods, podShapes: shapes, vms, results: [] };
  return results;
}

function managed(snap: Snapshot, node: string): boolean {
  return (GROUPS as readonly string[]).includes(snap.nodes.find((n) => n.name === node)?.labels[NODEGROUP_LABEL] ?? '');
}

function checkStep(before: Snapshot, prior: PlanningState, result: PlanResult, nowMs: number): void {
  const seen = new Set<string>();
  for (const c of result.commands) {
    if (c.kind === 'emitEvent' || c.kind === 'updateNodeGroupStatus' || c.kind === 'createVm') continue;
    const target = 'node' in c ? `${c.kind}:${c.node}:${'pod' in c ? c.pod : ''}` : `${c.kind}:${'hostname' in c ? c.hostname : ''}`;
    expect(seen.has(target), `duplicate ${target}`).toBe(false);
    seen.add(target);
    if ('node' in c && before.nodes.some((n) => n.name === c.node)) expect(managed(before, c.node), `${c.kind} on unmanaged ${c.node}`).toBe(true);
    if (c.kind === 'evictPod') {
      const pod = before.pods.find((p) => p.namespace === c.namespace && p.name === c.pod)!;
      expect(pod.nodeName).toBe(c.node);
      expect(expectedDisposition(before, pod), `evicting ${c.pod}`).toBe('evict');
    }
    if (c.kind === 'deleteNode') {
      const drain = result.state.operations.find((op): op is DrainOperation => op.kind === 'drain' && op.node === c.node);
      if (drain && drain.reason !== 'not-ready') {
        const left = before.pods.filter((p) => p.nodeName === c.node && expectedDisposition(before, p) !== 'ignore');
        expect(left.map((p) => p.name), `deleting ${c.node} with pods on it`).toEqual([]);
        const terminating = before.pods.filter((p) => p.nodeName === c.node && p.terminating);
        expect(terminating, `deleting ${c.node} while pods terminate`).toEqual([]);
      }
    }
  }
  for (const op of prior.operations) {
    if (op.kind !== 'drain' || (op.status !== 'cordoning' && op.status !== 'draining') || nowMs < op.deadlineMs) continue;
    const after = result.state.operations.find((o) => o.id === op.id);
    expect(after?.status, `drain ${op.id} past its deadline`).toMatch(/aborting|failed/);
    if (before.nodes.some((n) => n.name === op.node)) {
      expect(result.commands.some((c) => c.kind === 'untaintNode' && c.node === op.node)).toBe(true);
    }
  }
}

describe('drains over many reconciles', () => {
  it('stay safe while the world misbehaves, and end cleanly once it behaves', () => {
    const sent = new Map<string, number>();
    fc.assert(
      fc.property(clusterArb, fc.array(stepArb, { minLength: 3, maxLength: 25 }), (c, steps) => {
        const policy = testPolicy({ assumeWindowsElapsed: true, maxNonEmptyDrainsPerGroup: c.maxNonEmpty, maxEmptyRemovalsPerGroup: c.maxEmpty });
        const world: World = { snap: buildCluster(c) };
        world.snap = { ...world.snap, vms: world.snap.nodes.map((n) => ({ hostname: n.name, state: 'running' as const, marked: true })) };
        let state: PlanningState = structuredClone(EMPTY_STATE);
        let nowMs = TEST_NOW_MS;
        let previous: CommandResult[] = [];
        const run = (results: CommandResult[]) => {
          const snap = { ...world.snap, results };
          const result = plan(snap, state, policy, nowMs);
          checkStep(snap, state, result, nowMs);
          for (const c of result.commands) sent.set(c.kind, (sent.get(c.kind) ?? 0) + 1);
          state = result.state;
          return result;
        };
        let result = run([]);
        for (const step of steps) {
          const random = rng(step.seed);
          const results = evolve(world, result.commands, random, false, step.intruder, nowMs);
          nowMs += step.advanceS * 1000;
          result = run(step.duplicate ? [...previous, ...results] : results);
          previous = results;
        }
        // The world behaves from here on: everything in flight must finish.
        for (let i = 0; i < 40; i++) {
          const results = evolve(world, result.commands, rng(i + 1), true, null, nowMs);
          nowMs += 60_000;
          result = run(results);
        }
        const active = new Set(state.operations.filter((op) => op.kind === 'drain' && op.status !== 'succeeded' && op.status !== 'failed').map((op) => (op as DrainOperation).node));
        for (const node of world.snap.nodes) {
          if (node.taints.some((t) => t.key === TO_BE_DELETED_TAINT)) expect(active.has(node.name), `${node.name} left tainted`).toBe(true);
        }
        const stuck = state.operations.filter((op) => op.kind === 'drain' && op.status !== 'succeeded' && op.status !== 'failed' && nowMs - op.createdAtMs > 30 * 60_000);
        expect(stuck).toEqual([]);
      }),
      { numRuns: 120, seed: 66 },
    );
    // Every step of the machine is exercised, aborts included.
    for (const kind of ['taintNode', 'evictPod', 'deleteNode', 'deleteVm', 'untaintNode']) expect(sent.get(kind) ?? 0, kind).toBeGreaterThan(20);
  });
});
