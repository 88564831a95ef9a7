import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { AuditLine } from '../../test/e2e/audit-log.ts';
import { SIM_PLANS, type SimVm } from '../../test/vpsie-sim/index.ts';
import { decisionKey, decisionLine, describeState, groupOfHostname, renderScreen, stateLine, summaryLine } from './view.ts';

const plan = (nickname: string) => SIM_PLANS.find((p) => p.nickname === nickname)!.identifier;

function node(name: string, options: { ready?: boolean; tainted?: boolean; group?: string } = {}): V1Node {
  return {
    metadata: { name, labels: { [NODEGROUP_LABEL]: options.group ?? 'workers' } },
    spec: options.tainted ? { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }], unschedulable: true } : {},
    status: { conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

function pod(phase: string, terminating = false): V1Pod {
  return { metadata: { name: `p-${Math.random()}`, ...(terminating ? { deletionTimestamp: new Date() } : {}) }, status: { phase } };
}

function vm(hostname: string, nickname: string): SimVm {
  return { hostname, resourceIdentifier: plan(nickname), phase: 'running' } as SimVm;
}

function audit(partial: Partial<AuditLine>): AuditLine {
  return { audit: true, cluster: 'demo', planId: 'p1', fencingToken: 1, forwarderId: 'f1', snapshotTakenAtMs: 0, dryRun: false, type: 'decision', kind: 'scale-up', target: 'ng ns/workers', reason: 'pending-pods', message: '', inputs: {}, ...partial };
}

describe('demo view', () => {
  it('counts pods, nodes by group and state, launching VMs without a Node, and the hourly cost', () => {
    const state = describeState({
      elapsedMs: 12_300,
      phase: 'scale-up',
      pods: [pod('Pending'), pod('Pending'), pod('Running'), pod('Running', true)],
      nodes: [node('demo-workers-aaaaa'), node('demo-workers-bbbbb', { tainted: true }), node('demo-batch-ccccc', { group: 'batch', ready: false })],
      liveVms: [vm('demo-workers-aaaaa', 'A-4C-8G'), vm('demo-workers-bbbbb', 'A-2C-4G'), vm('demo-batch-ccccc', 'A-1C-2G'), vm('demo-workers-ddddd', 'A-1C-2G')],
      hostnamePrefix: 'demo-',
      groupNames: ['workers'],
    });
    expect(state.pods).toEqual({ pending: 2, running: 1, terminating: 1 });
    expect(state.groups).toEqual([
      { name: 'batch', launching: 0, ready: 0, notReady: 1, draining: 0 },
      { name: 'workers', launching: 1, ready: 1, notReady: 0, draining: 1 },
    ]);
    expect(state.vmsByPlan).toEqual({ 'A-1C-2G': 2, 'A-2C-4G': 1, 'A-4C-8G': 1 });
    expect(state.costPerHour).toBeCloseTo((40 + 20 + 10 + 10) / 720, 10);
    expect(stateLine(state)).toBe(
      'pods: 2 pending, 1 running | nodes batch: 0 ready, 1 not ready; workers: 1 ready, 1 launching, 1 draining | VMs: 2 × A-1C-2G, 1 × A-2C-4G, 1 × A-4C-8G ($0.111/h)',
    );
    expect(renderScreen(state, ['one', 'two'], 'footer')).toContain('  workers              1      1         1          0');
  });

  it('reads the group from a VM hostname', () => {
    expect(groupOfHostname('demo-workers-8944e', 'demo-')).toBe('workers');
    expect(groupOfHostname('demo-gpu-pool-8944e', 'demo-')).toBe('gpu-pool');
    expect(groupOfHostname('other-workers-8944e', 'demo-')).toBeUndefined();
  });

  it('words decisions with plan nicknames and prints restated ones once', () => {
    const up = audit({ message: `launch 1 × ${plan('A-4C-8G')} for 5 pending pod(s)` });
    expect(decisionLine(up)).toBe('scale-up ng ns/workers: launch 1 × A-4C-8G for 5 pending pod(s) [pending-pods]');
    // The planner's "<nickname> (<id>)" reads as the nickname alone; another word before an id stays.
    expect(decisionLine(audit({ message: `launch 1 × A-4C-8G (${plan('A-4C-8G')}) for 5 pending pod(s)` }))).toBe('scale-up ng ns/workers: launch 1 × A-4C-8G for 5 pending pod(s) [pending-pods]');
    expect(decisionLine(audit({ message: `node w1 (${plan('A-4C-8G')})` }))).toBe('scale-up ng ns/workers: node w1 (A-4C-8G) [pending-pods]');
    const other = audit({ message: `launch 1 × ${plan('A-2C-4G')} for 2 pending pod(s)` });
    expect(decisionKey(other)).not.toBe(decisionKey(up));
    // A scale-up in a later plan is a new event, even with the same words.
    expect(decisionKey({ ...up, planId: 'p2' })).not.toBe(decisionKey(up));
    const backoff = (until: string) => audit({ kind: 'unschedulable', reason: 'group-backoff', target: 'pod ns/p', message: `backed off until ${until}` });
    expect(decisionKey(backoff('2026-11-25T21:03:00.000Z'))).toBe(decisionKey(backoff('2026-11-25T21:04:10.500Z')));
    expect(decisionLine(audit({ type: 'command', kind: 'createVm', target: 'vm demo-workers-1', reason: 'pending-pods' }))).toBe('→ createVm demo-workers-1 [pending-pods]');
    expect(decisionLine(audit({ type: 'command', kind: 'releaseNode', target: 'node demo-workers-1', reason: 'node-joined' }))).toBe('→ releaseNode demo-workers-1 [node-joined]');
    expect(decisionLine(audit({ type: 'command', kind: 'updateNodeGroupStatus' }))).toBeUndefined();
    expect(decisionLine(audit({ kind: 'info' }))).toBeUndefined();
  });

  it('ends with a summary line carrying launched, removed, time to schedule and cost per hour', () => {
    const line = summaryLine({ launched: 3, removed: 3, timeToScheduleMs: 5_100, peakCostPerHour: 70 / 720, peakPlans: { 'A-4C-8G': 1, 'A-2C-4G': 1, 'A-1C-2G': 1 }, totalMs: 39_400, completed: true });
    expect(line).toBe('summary: launched=3 removed=3 time-to-schedule=5.1s cost-per-hour=$0.097 (peak: 1 × A-1C-2G, 1 × A-2C-4G, 1 × A-4C-8G) total=39.4s');
    expect(summaryLine({ launched: 1, removed: 0, timeToScheduleMs: undefined, peakCostPerHour: 0, peakPlans: {}, totalMs: 1_000, completed: false })).toMatch(/^summary: launched=1 removed=0 time-to-schedule=n\/a .* INCOMPLETE$/);
  });
});
