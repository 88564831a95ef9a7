import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, STARTUP_TAINT } from '../shared/labels.ts';
import type { SnapshotNode } from '../shared/snapshot.ts';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { testLogger } from '../test/forwarder/fixture.ts';
import { forwarderConfigFromArgs } from './cli.ts';
import type { EventSpec } from './kube/event-recorder.ts';
import type { KubeHttp, KubeRequest } from './kube/kube-http.ts';
import { StartupTaintSweeper } from './startup-taint-sweep.ts';

// The fallback when no releaseNode comes: our overdue nodes lose STARTUP_TAINT (and only it).

const CREATED_MS = 1_700_000_000_000;
const starting = { key: STARTUP_TAINT, effect: 'NoSchedule' as const };
const dedicated = { key: 'dedicated', value: 'web', effect: 'NoSchedule' as const };

function snapshotNode(name: string, labels: Record<string, string>, createdAtMs = CREATED_MS): SnapshotNode {
  return {
    name, labels, taints: [starting, dedicated], unschedulable: false, ready: true, pressure: [], createdAtMs, annotations: {},
    allocatable: { cpuMillis: 2000, memoryBytes: 4e9, ephemeralBytes: 0, pods: 110 },
  };
}

/** An API server of these Nodes: GET and merge-PATCH of spec.taints (resourceVersion checked). */
function fakeKube(nodes: SnapshotNode[]) {
  const live = new Map(nodes.map((n) => [n.name, { metadata: { name: n.name, resourceVersion: '1', labels: n.labels }, spec: { taints: n.taints } }]));
  const patches: Array<{ name: string; body: unknown }> = [];
  const kube = {
    request: async (req: KubeRequest) => {
      const name = decodeURIComponent(req.path.split('/').pop()!);
      const node = live.get(name);
      if (!node) throw Object.assign(new Error('not found'), { status: 404 });
      if (req.method === 'GET') return structuredClone(node);
      const body = req.body as { spec: { taints: typeof node.spec.taints }; metadata: { resourceVersion: string } };
      expect(body.metadata.resourceVersion).toBe(node.metadata.resourceVersion);
      patches.push({ name, body });
      node.spec.taints = body.spec.taints;
      node.metadata.resourceVersion = String(Number(node.metadata.resourceVersion) + 1);
      return node;
    },
  } as unknown as KubeHttp;
  return { kube, live, patches };
}

function setup(nodes: SnapshotNode[], active = true) {
  const clock = new FakeClock(CREATED_MS);
  const events: EventSpec[] = [];
  const api = fakeKube(nodes);
  const sweeper = new StartupTaintSweeper({
    kube: api.kube, events: { record: async (e) => void events.push(e) }, view: { nodes: () => nodes }, clock, logger: testLogger(), maxMs: 60_000, active: () => active,
  });
  return { clock, events, sweeper, ...api };
}

describe('StartupTaintSweeper', () => {
  const ours = snapshotNode('c1-workers-aaaaa', { [NODEGROUP_LABEL]: 'workers' });
  const notOurs = snapshotNode('someone-else', {});

  it('leaves a young node alone, then removes only the startup taint of an overdue node of ours, with a Warning Event', async () => {
    const { clock, events, sweeper, live, patches } = setup([ours, notOurs]);
    clock.advance(59_999);
    expect(await sweeper.sweep()).toEqual([]);
    expect(patches).toEqual([]);
    clock.advance(1);
    expect(await sweeper.sweep()).toEqual([ours.name]);
    expect(live.get(ours.name)!.spec.taints).toEqual([dedicated]);
    expect(live.get(notOurs.name)!.spec.taints).toEqual([starting, dedicated]);
    expect(events).toEqual([expect.objectContaining({ involved: { kind: 'Node', name: ours.name }, type: 'Warning', reason: 'StartupTaintTimeout' })]);
  });

  it('does nothing while inactive (standby, dry-run, not synced)', async () => {
    const { clock, sweeper, patches } = setup([ours], false);
    clock.advance(120_000);
    expect(await sweeper.sweep()).toEqual([]);
    expect(patches).toEqual([]);
  });

  it('sweeps on its own timer once started', async () => {
    const { clock, sweeper, live } = setup([ours]);
    const stop = sweeper.start();
    await clock.advanceAsync(75_000, 5_000);
    stop();
    expect(live.get(ours.name)!.spec.taints).toEqual([dedicated]);
  });
});

describe('forwarder settings startupTaint and startupTaintMaxSeconds', () => {
  const required = ['--cluster-id', 'c1', '--functions-url', 'https://f.example.com', '--signing-key', 'k'.repeat(40)];

  it('default on, 60 s; off by --no-startup-taint or VPSIE_FWD_STARTUP_TAINT=false; the age by flag or environment', () => {
    expect(forwarderConfigFromArgs(required, {})).toMatchObject({ startupTaint: true, startupTaintMaxSeconds: 60 });
    expect(forwarderConfigFromArgs([...required, '--no-startup-taint', '--startup-taint-max-seconds', '90'], {})).toMatchObject({ startupTaint: false, startupTaintMaxSeconds: 90 });
    expect(forwarderConfigFromArgs(required, { VPSIE_FWD_STARTUP_TAINT: 'false', VPSIE_FWD_STARTUP_TAINT_MAX_SECONDS: '30' })).toMatchObject({ startupTaint: false, startupTaintMaxSeconds: 30 });
    expect(() => forwarderConfigFromArgs([...required, '--startup-taint-max-seconds', '0'], {})).toThrow(/startupTaintMaxSeconds/);
  });
});
