import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_GROUP, API_VERSION, NODEGROUP_PLURAL } from '../shared/labels.ts';
import type { Command } from '../shared/plan-message.ts';
import { startFakeFunctions, type FakeFunctions } from '../test/forwarder/fake-functions.ts';
import { command, ensureNodeGroupCrd, newClusterId, runPlan, SIGNING_KEY, startTestForwarder } from '../test/forwarder/fixture.ts';
import { useHarness, waitFor, type Harness } from '../test/harness/context.ts';
import { SIM_DC, SIM_OS_IMAGES, SIM_PLANS } from '../test/vpsie-sim/index.ts';
import type { ForwarderHandle } from './main.ts';

// The dry run as an operator reads it (issue 21): without VPSie credentials, one DryRun Event per
// status change (not one per heartbeat), and a graceful stop that reports the last results with a
// what-if snapshot whose plan is not executed.

interface Setup { h: Harness; ns: string; fake: FakeFunctions; forwarder: ForwarderHandle }

async function setup(): Promise<Setup> {
  const h = useHarness();
  await ensureNodeGroupCrd(h.kc);
  const ns = await h.newNamespace('dryev');
  const clusterId = newClusterId();
  const fake = await startFakeFunctions({ clusterId, signingKey: SIGNING_KEY });
  await h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace: ns, plural: NODEGROUP_PLURAL,
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: 'NodeGroup', metadata: { name: 'workers', namespace: ns }, spec: { minNodes: 0, maxNodes: 2, datacenterID: SIM_DC.newYork, offeringIDs: [SIM_PLANS[0]!.identifier], osImageID: SIM_OS_IMAGES['ubuntu-24.04'], bootstrap: { secretName: 'boot' } } },
  });
  // No credentials Secret: the forwarder runs dry.
  const forwarder = await startTestForwarder({ namespace: ns, clusterId, fake, kubeconfigPath: h.info.kubeconfigPath, deps: { deliveryOptions: { maxAttempts: 2, backoff: { initialMs: 50, maxMs: 100 } } } });
  await forwarder.waitForSynced();
  await waitFor(() => forwarder.cache.nodeGroup(ns, 'workers'), { description: 'the forwarder sees the NodeGroup' });
  return { h, ns, fake, forwarder };
}

function status(s: Setup, current: number): Command {
  return command({ kind: 'updateNodeGroupStatus', nodeGroup: { namespace: s.ns, name: 'workers' }, status: { currentNodes: current, desiredNodes: current, readyNodes: current, conditions: [], nodeList: [] } });
}
const withMessage = (c: Command, message: string): Command => ({ ...c, message });

async function dryRunEvents(s: Setup): Promise<string[]> {
  const events = (await s.h.core.listNamespacedEvent({ namespace: s.ns })).items;
  return events.filter((e) => e.reason === 'DryRun').map((e) => e.message ?? '');
}

describe('dry-run without credentials', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(async () => {
    await s.forwarder.crash();
    await s.fake.stop();
  });

  it('announces a status update when it changes, not every heartbeat', async () => {
    expect(s.forwarder.dryRun).toBe(true);
    for (let i = 0; i < 4; i++) {
      const results = await runPlan(s.forwarder, s.fake, [withMessage(status(s, 1), 'default/workers: 1 current, 1 desired, 1 ready')]);
      expect(results.map((r) => r.outcome)).toEqual(['dry-run']);
    }
    await runPlan(s.forwarder, s.fake, [withMessage(status(s, 2), 'default/workers: 2 current, 2 desired, 2 ready')]);
    await runPlan(s.forwarder, s.fake, [withMessage(status(s, 2), 'default/workers: 2 current, 2 desired, 2 ready')]);
    const events = await waitFor(async () => {
      const found = await dryRunEvents(s);
      return found.length >= 2 ? found : undefined;
    }, { description: 'the DryRun events' });
    expect(events.filter((m) => m.includes('update the status'))).toEqual([
      expect.stringContaining('(1 current, 1 desired)'),
      expect.stringContaining('(2 current, 2 desired)'),
    ]);
  });

  it('a graceful stop reports the last results in a what-if snapshot and executes nothing of its plan', async () => {
    const event = command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'ScaleUpTriggered', message: 'would launch' });
    const results = await runPlan(s.forwarder, s.fake, [event]);
    expect(s.forwarder.loop.pending.map((r) => r.commandId)).toEqual([event.id]);
    expect(results.map((r) => r.outcome)).toEqual(['dry-run']);
    const before = s.fake.snapshots.length;
    // The plan answering the last snapshot carries a command: it must not run.
    s.fake.answers.push({ status: 200, commands: [command({ kind: 'emitEvent', involved: { kind: 'NodeGroup', namespace: s.ns, name: 'workers' }, type: 'Normal', eventReason: 'AfterStop', message: 'must not be recorded' })] });
    await s.forwarder.stop();
    const last = s.fake.snapshots.slice(before);
    expect(last).toHaveLength(1);
    expect(last[0]!.results.map((r) => r.commandId)).toEqual([event.id]);
    expect(last[0]!.forwarder.dryRun).toBe(true);
    expect(s.forwarder.loop.pending).toEqual([]);
    const reasons = (await s.h.core.listNamespacedEvent({ namespace: s.ns })).items.map((e) => e.reason);
    expect(reasons).not.toContain('AfterStop');
  });
});
