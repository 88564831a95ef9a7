import { describe, expect, it } from 'vitest';
import { buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testPolicy } from '../../test/fixtures/planning-builders.ts';
import type { CommandOf } from '../../shared/plan-message.ts';
import type { CommandResult, Snapshot } from '../../shared/snapshot.ts';
import { plan } from './plan.ts';
import { POD_EVENT_REPEAT_MS, UNANSWERED_RESEND_MS } from './pod-events.ts';
import type { PlanningState, PlanResult } from './types.ts';

const NOW = 5_000_000;
const policy = testPolicy({ assumeWindowsElapsed: true });

function podEvents(r: PlanResult): CommandOf<'emitEvent'>[] {
  return r.commands.filter((c): c is CommandOf<'emitEvent'> => c.kind === 'emitEvent' && c.involved.kind === 'Pod');
}

/** The next snapshot, as the forwarder sends it: with its report on the events of the last plan. */
function reported(snapshot: Snapshot, last: PlanResult, outcome: CommandResult['outcome'] = 'succeeded'): Snapshot {
  return { ...snapshot, results: podEvents(last).map((c) => ({ commandId: c.id, planId: 'p', kind: c.kind, outcome, atMs: 0 })) };
}

/** Two groups: "workers" (no gpu label) and "gpu" (full). */
function twoGroups(pods: ReturnType<typeof pendingPods>): Snapshot {
  return buildSnapshot({
    offerings: [offering('m', 2, 4096, 10), offering('g', 8, 16384, 90)],
    groups: [
      nodeGroup('workers', { offeringIDs: ['m'], maxNodes: 10 }),
      nodeGroup('gpu', { offeringIDs: ['g'], maxNodes: 0, minNodes: 0, labels: { workload: 'gpu' } }),
    ],
    pods,
  });
}

describe('pod events', () => {
  it('tells each pod of a burst TriggeredScaleUp with its group, offering and node count', () => {
    const snapshot = twoGroups(pendingPods('web', shape({ cpu: '1500m' }), 3));
    const r = plan(snapshot, emptyState(), policy, NOW);
    const events = podEvents(r);
    expect(events.map((e) => `${e.involved.namespace}/${e.involved.name}`).sort()).toEqual(['default/web-0', 'default/web-1', 'default/web-2']);
    const launched = r.commands.filter((c) => c.kind === 'createVm').length;
    expect(launched).toBe(3);
    for (const e of events) {
      expect(e.eventReason).toBe('TriggeredScaleUp');
      expect(e.type).toBe('Normal');
      expect(e.message).toContain('NodeGroup default/workers, offering m: 3 node(s) launching');
      expect(e.message).toMatch(/this pod goes to test-workers-/);
    }
  });

  it('tells a pod no group can help NotTriggerScaleUp with the reason of every group', () => {
    const gpuPod = pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 1);
    const r = plan(twoGroups(gpuPod), emptyState(), policy, NOW);
    const [event, ...more] = podEvents(r);
    expect(more).toEqual([]);
    expect(event).toMatchObject({ eventReason: 'NotTriggerScaleUp', involved: { kind: 'Pod', namespace: 'default', name: 'trainer' } });
    expect(event!.message).toMatch(/^pod didn't trigger scale-up: /);
    expect(event!.message).toContain('group default/gpu is at its maximum of 0 nodes');
    expect(event!.message).toContain('group default/workers: its nodes lack the label(s) workload=gpu');
    expect(r.commands.filter((c) => c.kind === 'createVm')).toEqual([]);
  });

  it('does not repeat an event within the window; repeats it after; tells a changed reason at once', () => {
    const gpuPod = pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 1);
    const snapshot = twoGroups(gpuPod);
    const first = plan(snapshot, emptyState(), policy, NOW);
    expect(podEvents(first)).toHaveLength(1);
    const again = plan(reported(snapshot, first), first.state, policy, NOW + 30_000);
    expect(podEvents(again)).toEqual([]);
    const later = plan(snapshot, again.state, policy, NOW + POD_EVENT_REPEAT_MS);
    expect(podEvents(later).map((e) => e.eventReason)).toEqual(['NotTriggerScaleUp']);
    // The gpu group's maximum is raised past what its offering holds: another reason, told now.
    const changed = structuredClone(snapshot);
    (changed.nodeGroups[1]!.spec as { maxNodes: number }).maxNodes = 2;
    (changed.pods[0]! as { shape: number }).shape = changed.podShapes.push({ ...changed.podShapes[0]!, requests: { ...changed.podShapes[0]!.requests, cpuMillis: 64_000 } }) - 1;
    const told = plan(changed, later.state, policy, NOW + POD_EVENT_REPEAT_MS + 30_000);
    expect(podEvents(told)).toHaveLength(1);
    expect(podEvents(told)[0]!.message).toContain('larger than every offering');
  });

  it('a pod pending for an hour, planned every 30 s, gets 6 events, not 120', () => {
    const snapshot = twoGroups(pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 1));
    let state: PlanningState = emptyState();
    let events = 0;
    let last: PlanResult | undefined;
    for (let i = 0; i < 120; i++) {
      const r = plan(last ? reported(snapshot, last) : snapshot, state, policy, NOW + i * 30_000);
      events += podEvents(r).length;
      state = r.state;
      last = r;
    }
    expect(events).toBe(6);
  });

  it('sends again at once an event the forwarder refused or failed, and after 2 minutes one it never answered', () => {
    const snapshot = twoGroups(pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 1));
    const first = plan(snapshot, emptyState(), policy, NOW);
    expect(podEvents(first)).toHaveLength(1);
    const refused = plan(reported(snapshot, first, 'refused'), first.state, policy, NOW + 30_000);
    expect(podEvents(refused)).toHaveLength(1);
    const failed = plan(reported(snapshot, refused, 'failed'), refused.state, policy, NOW + 60_000);
    expect(podEvents(failed)).toHaveLength(1);
    // No answer at all (a leader change mid-plan): held back for a while, not for the whole window.
    const quiet = plan(snapshot, failed.state, policy, NOW + 90_000);
    expect(podEvents(quiet)).toEqual([]);
    const resent = plan(snapshot, quiet.state, policy, NOW + 60_000 + UNANSWERED_RESEND_MS);
    expect(podEvents(resent)).toHaveLength(1);
    // Recorded: now the whole window holds.
    const recorded = plan(reported(snapshot, resent), resent.state, policy, NOW + 60_000 + UNANSWERED_RESEND_MS + 30_000);
    expect(podEvents(recorded)).toEqual([]);
    expect(podEvents(plan(snapshot, recorded.state, policy, NOW + 60_000 + 2 * UNANSWERED_RESEND_MS + 30_000))).toEqual([]);
  });

  it('stays within the forwarder event cap; the pods left out are told in the next plans', () => {
    const pods = pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 25);
    const snapshot = twoGroups(pods);
    snapshot.forwarder.limits = {
      windowMs: 600_000, deletionsPerWindow: 10, deletionsRemaining: 10, launchesPerWindow: 50, launchesRemaining: 50,
      maxNodesLeaving: 10, maxClusterVms: 100, maxMonthlyCost: 5_000, maxCommandsPerPlan: 1_000, maxEventsPerPlan: 10,
    };
    const told = new Set<string>();
    let state: PlanningState = emptyState();
    let last: PlanResult | undefined;
    for (let i = 0; i < 3; i++) {
      const r = plan(last ? reported(snapshot, last) : snapshot, state, policy, NOW + i * 30_000);
      last = r;
      const events = r.commands.filter((c) => c.kind === 'emitEvent');
      expect(events.length).toBeLessThanOrEqual(10);
      for (const e of podEvents(r)) {
        expect(told.has(e.involved.name)).toBe(false);
        told.add(e.involved.name);
      }
      state = r.state;
    }
    expect(told.size).toBe(25);
  });

  it('forgets pods that are no longer pending (bounded memory)', () => {
    const snapshot = twoGroups(pendingPods('trainer', shape({ cpu: '1', nodeSelector: { workload: 'gpu' } }), 3));
    const first = plan(snapshot, emptyState(), policy, NOW);
    expect(first.state.podEvents).toHaveLength(3);
    const gone = structuredClone(snapshot);
    gone.pods = gone.pods.slice(0, 1);
    expect(plan(gone, first.state, policy, NOW + 30_000).state.podEvents?.map((m) => m.pod)).toEqual(['default/trainer-0']);
  });
});
