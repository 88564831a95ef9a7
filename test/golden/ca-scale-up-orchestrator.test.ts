import { describe, expect, it } from 'vitest';
import { emptyState } from '../fixtures/planning-builders.ts';
import { boundPod, groupNode, pendingPods, podShape, runPlan, templateGroup } from './golden-harness.ts';

// Ported from Cluster Autoscaler, cluster-autoscaler/core/scaleup/orchestrator/orchestrator_test.go.
// CA's node groups take the shape of their existing node; here each group's one offering has that
// size. VPSie plans have whole CPUs, so every CPU figure of a case is scaled ×10 (100m → 1 CPU);
// memory stays in the case's units (MiB where the case uses MiB, bytes where it uses bytes).
// CA asks an expander to pick among groups; we pick the cheapest, so where a case forces a choice
// the prices make that choice the cheapest.

const MI = 1024 * 1024;

describe('golden: Cluster Autoscaler scale-up orchestrator', () => {
  it('TestScaleUpOK: only the larger group fits the pod', () => {
    const ng1 = templateGroup('ng1', { cpuMillis: 1000, memoryMiB: 100 });
    const ng2 = templateGroup('ng2', { cpuMillis: 10000, memoryMiB: 1000 });
    const outcome = runPlan({
      offerings: [ng1.offering, ng2.offering],
      groups: [ng1.group, ng2.group],
      nodes: [groupNode('n1', 'ng1', 1000, 100), groupNode('n2', 'ng2', 10000, 1000)],
      pods: [boundPod('p1', 'n1', podShape(800, 0)), boundPod('p2', 'n2', podShape(8000, 0)), ...pendingPods('p-new', podShape(5000, 0), 1)],
    });
    expect(outcome.nodes).toEqual({ ng2: 1 });
    expect(outcome.podsOnNewNodes).toBe(1);
  });

  it('TestMixedScaleUp: triggering pod scales ng2, the too-large one stays pending, the awaiting one fits n1', () => {
    // CA leaves "awaiting" for a later loop (one group per scale-up); it fits n1's free memory, and our
    // planner tries existing nodes first, so it needs no node at all.
    const ng1 = templateGroup('ng1', { cpuMillis: 1000, memoryMiB: 1000 });
    const ng2 = templateGroup('ng2', { cpuMillis: 10000, memoryMiB: 100 });
    const outcome = runPlan({
      offerings: [ng1.offering, ng2.offering],
      groups: [ng1.group, ng2.group],
      nodes: [groupNode('n1', 'ng1', 1000, 1000), groupNode('n2', 'ng2', 10000, 100)],
      pods: [
        boundPod('p1', 'n1', podShape(800, 0)),
        boundPod('p2', 'n2', podShape(8000, 0)),
        ...pendingPods('triggering', podShape(9000, 0), 1),
        ...pendingPods('remaining', podShape(20000, 0), 1),
        ...pendingPods('awaiting', podShape(0, 200 * MI), 1),
      ],
    });
    expect(outcome.nodes).toEqual({ ng2: 1 });
    expect(outcome.unschedulable).toEqual(['default/remaining']);
    expect(outcome.result.unschedulable[0]!.reason).toBe('too-large');
    expect(outcome.onExisting).toBe(1);
  });

  it('TestScaleUpNoHelp: a pod larger than the template gets no node and a reason', () => {
    const ng1 = templateGroup('ng1', { cpuMillis: 1000, memoryMiB: 1000 });
    const outcome = runPlan({
      offerings: [ng1.offering],
      groups: [ng1.group],
      nodes: [groupNode('n1', 'ng1', 1000, 1000)],
      pods: [boundPod('p1', 'n1', podShape(800, 0)), ...pendingPods('p-new', podShape(5000, 0), 1)],
    });
    expect(outcome.nodes).toEqual({});
    expect(outcome.result.unschedulable).toEqual([expect.objectContaining({ pod: 'default/p-new', reason: 'too-large' })]);
  });

  it('TestScaleUpUnhealthy: a group that cannot launch (here: backed off) is not scaled', () => {
    const ng1 = templateGroup('ng1', { cpuMillis: 1000, memoryMiB: 1000 });
    const ng2 = templateGroup('ng2', { cpuMillis: 10000, memoryMiB: 1000 });
    const state = emptyState();
    state.groups['default/ng2'] = { consecutiveFailures: 3, backoffUntilMs: Number.MAX_SAFE_INTEGER };
    const outcome = runPlan({
      offerings: [ng1.offering, ng2.offering],
      groups: [ng1.group, ng2.group],
      nodes: [groupNode('n1', 'ng1', 1000, 1000), groupNode('n2', 'ng2', 10000, 1000)],
      pods: [boundPod('p1', 'n1', podShape(800, 0)), boundPod('p2', 'n2', podShape(8000, 0)), ...pendingPods('p-new', podShape(5500, 0), 1)],
    }, state);
    expect(outcome.nodes).toEqual({});
    expect(outcome.result.unschedulable[0]!.reason).toBe('group-backoff');
  });

  it('TestScaleUpTwoGroups: two 1400m pods need two more 1500m nodes (CA balances 1+1; we may use either group)', () => {
    const ng1 = templateGroup('ng1', { cpuMillis: 15000, memoryMiB: 1000 });
    const ng2 = templateGroup('ng2', { cpuMillis: 15000, memoryMiB: 1000 });
    const outcome = runPlan({
      offerings: [ng1.offering, ng2.offering],
      groups: [ng1.group, ng2.group],
      nodes: [groupNode('ng1-n1', 'ng1', 15000, 1000), groupNode('ng2-n1', 'ng2', 15000, 1000)],
      pods: [boundPod('p1', 'ng1-n1', podShape(14000, 0)), boundPod('p2', 'ng2-n1', podShape(14000, 0)), ...pendingPods('p', podShape(14000, 0), 2)],
    });
    expect((outcome.nodes['ng1'] ?? 0) + (outcome.nodes['ng2'] ?? 0)).toBe(2);
    expect(outcome.podsOnNewNodes).toBe(2);
  });

  it('TestScaleUpCapToMaxTotalNodesLimit: a node limit caps the scale-up at 1 (as a group maxNodes)', () => {
    // CA's MaxNodesTotal=3 with 2 nodes; our limit is per group: ng2 maxNodes 2 with one node.
    const ng1 = templateGroup('ng1', { cpuMillis: 20000, memoryMiB: 100, maxNodes: 1 });
    const ng2 = templateGroup('ng2', { cpuMillis: 40000, memoryMiB: 1000, maxNodes: 2 });
    const outcome = runPlan({
      offerings: [ng1.offering, ng2.offering],
      groups: [ng1.group, ng2.group],
      nodes: [groupNode('n1', 'ng1', 20000, 100), groupNode('n2', 'ng2', 40000, 1000)],
      pods: [
        boundPod('p1', 'n1', podShape(10000, 0)),
        boundPod('p2', 'n2', podShape(30000, 0)),
        ...pendingPods('p-new', podShape(40000, 100 * MI), 3),
      ],
    });
    expect(outcome.nodes).toEqual({ ng2: 1 });
    expect(outcome.unschedulable).toHaveLength(2);
    expect(outcome.result.unschedulable.every((u) => u.reason === 'group-at-maximum')).toBe(true);
  });

  it('TestWillConsiderGpuAndStandardPoolForPodWhichDoesNotRequireGpu: a tolerating pod may use either pool; the cheaper wins', () => {
    // GPUs are not modelled (VPSie plans have none); the GPU pool is the tainted one.
    const gpu = templateGroup('gpu-pool', { cpuMillis: 20000, memoryMiB: 1000, price: 50, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] });
    const std = templateGroup('std-pool', { cpuMillis: 20000, memoryMiB: 1000, price: 20 });
    const tolerant = podShape(20000, 1000 * MI, { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] });
    const outcome = runPlan({
      offerings: [gpu.offering, std.offering],
      groups: [gpu.group, std.group],
      nodes: [groupNode('gpu-node-1', 'gpu-pool', 20000, 1000, { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] }), groupNode('std-node-1', 'std-pool', 20000, 1000)],
      pods: [boundPod('gpu-pod-1', 'gpu-node-1', tolerant), boundPod('std-pod-1', 'std-node-1', podShape(20000, 1000 * MI)), ...pendingPods('extra-std-pod', tolerant, 1)],
    });
    expect(outcome.nodes).toEqual({ 'std-pool': 1 });
  });

  it('TestWillConsiderOnlyGpuPoolForPodWhichDoesRequiresGpu: a pod that selects the GPU pool gets only that pool', () => {
    const gpu = templateGroup('gpu-pool', { cpuMillis: 20000, memoryMiB: 1000, price: 50, labels: { accelerator: 'gpu' }, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] });
    const std = templateGroup('std-pool', { cpuMillis: 20000, memoryMiB: 1000, price: 20 });
    const gpuPod = podShape(20000, 1000 * MI, { nodeSelector: { accelerator: 'gpu' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] });
    const outcome = runPlan({
      offerings: [gpu.offering, std.offering],
      groups: [gpu.group, std.group],
      pods: pendingPods('extra-gpu-pod', gpuPod, 1),
    });
    expect(outcome.nodes).toEqual({ 'gpu-pool': 1 });
  });

  it('TestScaleUpNodeComingNoScale: a node still coming up absorbs the pod (in-flight capacity counts)', () => {
    const ng1 = templateGroup('ng1', { cpuMillis: 10000, memoryMiB: 1000 });
    const state = emptyState();
    state.operations.push({
      id: 'op-1', kind: 'launch', nodeGroup: 'default/ng1', hostname: 'test-ng1-coming', offeringId: 'ng1-plan', status: 'launching',
      createdAtMs: 0, updatedAtMs: 0, launchDeadlineMs: Number.MAX_SAFE_INTEGER, registrationDeadlineMs: Number.MAX_SAFE_INTEGER,
    });
    const outcome = runPlan({
      offerings: [ng1.offering],
      groups: [ng1.group],
      nodes: [groupNode('n1', 'ng1', 10000, 1000)],
      pods: [boundPod('p1', 'n1', podShape(8000, 0)), ...pendingPods('p-new', podShape(5500, 0), 1)],
    }, state);
    expect(outcome.nodes).toEqual({});
    expect(outcome.onExisting).toBe(1);
  });
});
