import { describe, expect, it } from 'vitest';
import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from '../shared/labels.ts';
import type { Command } from '../shared/plan-message.ts';
import type { Offering, SnapshotNode, SnapshotNodeGroup, SnapshotPod, SnapshotVm } from '../shared/snapshot.ts';
import { FakeClock } from '../test/forwarder/fake-clock.ts';
import { MemoryLedgerStore } from '../test/forwarder/memory-ledger-store.ts';
import { GuardLedger } from './guard-ledger.ts';
import { DEFAULT_CAPS, Guardrails, type GuardCaps, type GuardrailView } from './guardrails.ts';

const group = { namespace: 'default', name: 'workers' };
const spec = { minNodes: 1, maxNodes: 3, datacenterID: 'dc1', offeringIDs: ['small', 'large'], osImageID: 'ubuntu' };
const offerings: Offering[] = [
  { identifier: 'small', nickname: 'S', datacenterID: 'dc1', cpu: 1, ramMiB: 1024, ssdGiB: 20, priceMonthly: 10 },
  { identifier: 'large', nickname: 'L', datacenterID: 'dc1', cpu: 8, ramMiB: 16384, ssdGiB: 160, priceMonthly: 100 },
];
const h = (s: string) => `c1-workers-${s.padEnd(5, '0')}`; // a hostname of cluster c1's exact pattern

function node(name: string, over: Partial<SnapshotNode> = {}): SnapshotNode {
  return {
    name, labels: { [NODEGROUP_LABEL]: 'workers' }, taints: [], unschedulable: false, ready: true, pressure: [], createdAtMs: 0, annotations: {},
    allocatable: { cpuMillis: 2000, memoryBytes: 4e9, ephemeralBytes: 0, pods: 110 }, ...over,
  };
}
const tainted = (name: string) => node(name, { taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }], unschedulable: true });

interface Setup {
  nodes?: SnapshotNode[];
  pods?: Array<Omit<SnapshotPod, 'shape'>>;
  vms?: SnapshotVm[] | null;
  caps?: Partial<GuardCaps>;
  synced?: boolean;
  store?: MemoryLedgerStore;
  clock?: FakeClock;
  dryRun?: boolean;
  spec?: Record<string, unknown>;
}

async function setup(o: Setup = {}) {
  const clock = o.clock ?? new FakeClock();
  const store = o.store ?? new MemoryLedgerStore();
  const nodes = o.nodes ?? [node(h('a')), node(h('b'))];
  const pods = o.pods ?? [];
  const groups: SnapshotNodeGroup[] = [{ ...group, generation: 1, spec: { ...spec, ...o.spec } }];
  const view: GuardrailView = {
    node: (name) => nodes.find((n) => n.name === name),
    nodes: () => nodes,
    pod: (ns, name) => pods.find((p) => p.namespace === ns && p.name === name),
    nodeGroup: (ns, name) => groups.find((g) => g.namespace === ns && g.name === name),
    groupNodes: (name) => nodes.filter((n) => n.labels[NODEGROUP_LABEL] === name),
    nodeGroupsNamed: (name) => groups.filter((g) => g.name === name),
    vms: () => (o.vms === undefined ? [] : o.vms),
    offerings: () => offerings,
    synced: () => o.synced ?? true,
  };
  const ledger = new GuardLedger(store, clock);
  await ledger.refresh();
  const guardrails = new Guardrails({ cluster: { clusterId: 'c1', hostnamePrefix: 'c1-' }, caps: { ...DEFAULT_CAPS, ...o.caps }, view, ledger, ...(o.dryRun ? { dryRun: true } : {}) });
  /** A guard for a plan of these commands; `run` checks them in order and counts what was allowed as done. */
  const plan = (commands: Command[]) => {
    const guard = guardrails.forPlan({ commands });
    return {
      guard,
      run: () => commands.map((c) => {
        const verdict = guard.check(c);
        if (verdict.allowed) guard.executed(c);
        return verdict.allowed ? 'ok' : verdict.rule;
      }),
    };
  };
  const check = (command: Command) => plan([command]).guard.check(command);
  return { clock, store, ledger, guardrails, plan, check, nodes };
}

const base = { reason: 'test', message: 'test' };
const create = (hostname: string, over: Partial<Extract<Command, { kind: 'createVm' }>> = {}): Command => ({
  ...base, id: `create-${hostname}`, kind: 'createVm', nodeGroup: group, hostname, offeringId: 'small', datacenterID: 'dc1', osImageID: 'ubuntu', ...over,
});
const taint = (name: string): Command => ({ ...base, id: `t-${name}`, kind: 'taintNode', node: name, nodeGroup: group });
const deleteNode = (name: string): Command => ({ ...base, id: `dn-${name}`, kind: 'deleteNode', node: name, nodeGroup: group });
const deleteVm = (hostname: string, vmIdentifier?: string): Command => ({ ...base, id: `dv-${hostname}`, kind: 'deleteVm', hostname, nodeGroup: group, ...(vmIdentifier ? { vmIdentifier } : {}) });
const evict = (pod: string, nodeName: string, namespace = 'default'): Command => ({ ...base, id: `e-${pod}`, kind: 'evictPod', namespace, pod, node: nodeName, nodeGroup: group });
const event = (involved: Extract<Command, { kind: 'emitEvent' }>['involved'], id = 'ev'): Command => ({ ...base, id, kind: 'emitEvent', involved, type: 'Normal', eventReason: 'Test' });

describe('Guardrails: which nodes and VMs', () => {
  it('refuses to touch a node without the group label', async () => {
    const other = node('c1-other-aaaaa', { labels: {} });
    const { check } = await setup({ nodes: [node(h('a')), other, node(h('b'))] });
    for (const kind of ['taintNode', 'untaintNode', 'deleteNode'] as const) {
      expect(check({ ...base, id: kind, kind, node: other.name, nodeGroup: group })).toMatchObject({ allowed: false, rule: 'group-label' });
    }
    expect(check(evict('p', other.name))).toMatchObject({ allowed: false, rule: 'group-label' });
    expect(check(deleteVm(other.name))).toMatchObject({ allowed: false, rule: 'group-label', message: `node ${other.name} has no ${NODEGROUP_LABEL} label` });
  });

  it('refuses a node of another group', async () => {
    const gpu = node('c1-gpu-aaaaa', { labels: { [NODEGROUP_LABEL]: 'gpu' } });
    const { check } = await setup({ nodes: [node(h('a')), node(h('b')), gpu] });
    expect(check(taint(gpu.name))).toMatchObject({ allowed: false, rule: 'group-label', message: `node ${gpu.name} belongs to NodeGroup gpu, not workers` });
  });

  it('refuses a node it cannot see for taint, but lets a delete of a vanished node through (idempotent)', async () => {
    const { check } = await setup();
    expect(check(taint(h('ghost')))).toMatchObject({ allowed: false, rule: 'group-label' });
    expect(check(deleteNode(h('ghost')))).toEqual({ allowed: true });
  });

  it('refuses hostnames that are not RFC 1123 labels of the cluster\'s exact pattern', async () => {
    const { check } = await setup();
    for (const bad of ['prod-db-1', 'c1-', 'C1-workers-aaaaa', 'c1-workers-aa', 'c1-workers-aaaaa-', `c1-${'x'.repeat(60)}-aaaaa`, 'c1-work_ers-aaaaa']) {
      expect(check(create(bad)), bad).toMatchObject({ allowed: false, rule: 'hostname' });
      expect(check(deleteVm(bad)), bad).toMatchObject({ allowed: false, rule: 'hostname' });
    }
    expect(check(create('c1-workers-abc12'))).toEqual({ allowed: true });
    // The name of an existing Node that no recorded launch made: a VM for it would be a second machine.
    expect(check(create(h('a')))).toMatchObject({ allowed: false, rule: 'hostname', message: `a Node named ${h('a')} exists already and no launch of it is recorded` });
  });
});

describe('Guardrails: removals', () => {
  it('deletes only nodes under removal (tainted), or tainted earlier in the same plan', async () => {
    const { check, plan } = await setup({ nodes: [node(h('a')), node(h('b')), tainted(h('c'))] });
    expect(check(deleteNode(h('a')))).toMatchObject({ allowed: false, rule: 'not-tainted' });
    expect(check(deleteVm(h('a')))).toMatchObject({ allowed: false, rule: 'not-tainted' });
    expect(check(deleteNode(h('c')))).toEqual({ allowed: true });
    expect(plan([taint(h('b')), deleteVm(h('b')), deleteNode(h('b'))]).run()).toEqual(['ok', 'ok', 'ok']);
  });

  it('lets an extra VM under a live Node\'s hostname go (the Node runs on the VM its providerID names), never the Node\'s own', async () => {
    const { check } = await setup({ nodes: [node(h('a'), { providerID: 'vpsie://own-1' }), node(h('b'))] });
    expect(check(deleteVm(h('a'), 'extra-2'))).toEqual({ allowed: true });
    expect(check(deleteVm(h('a'), 'own-1'))).toMatchObject({ allowed: false, rule: 'not-tainted' });
    expect(check(deleteVm(h('a')))).toMatchObject({ allowed: false, rule: 'not-tainted' });
    // Without a providerID the Node's machine is unknown: refused.
    expect(check(deleteVm(h('b'), 'extra-3'))).toMatchObject({ allowed: false, rule: 'not-tainted' });
  });

  it('evicts only from nodes under removal', async () => {
    const pods = [{ namespace: 'kube-system', name: 'coredns', nodeName: h('a'), phase: 'Running' as const, createdAtMs: 0 }];
    const { check, plan } = await setup({ nodes: [node(h('a')), node(h('b'))], pods });
    expect(check(evict('coredns', h('a'), 'kube-system'))).toMatchObject({ allowed: false, rule: 'not-draining' });
    expect(plan([taint(h('a')), evict('coredns', h('a'), 'kube-system')]).run()).toEqual(['ok', 'ok']);
  });

  it('refuses evicting a pod that is not on the named node', async () => {
    const pods = [{ namespace: 'default', name: 'web', nodeName: h('b'), phase: 'Running' as const, createdAtMs: 0 }];
    const { check } = await setup({ nodes: [tainted(h('a')), tainted(h('b'))], pods });
    expect(check(evict('web', h('a')))).toMatchObject({ allowed: false, rule: 'pod-placement' });
    expect(check(evict('web', h('b')))).toEqual({ allowed: true });
  });

  it('checks minNodes when a removal starts, counting the removals this plan already started', async () => {
    const { plan } = await setup({ nodes: [node(h('a')), node(h('b')), node(h('c'))] });
    // minNodes 1: two of three may go, the third may not.
    expect(plan([taint(h('a')), taint(h('b')), taint(h('c'))]).run()).toEqual(['ok', 'ok', 'min-nodes']);
  });

  it('never lets minNodes block the removal of a node that serves nobody (NotReady, a failed launch)', async () => {
    const { check } = await setup({ nodes: [node(h('a'), { ready: false })] });
    expect(check(taint(h('a')))).toEqual({ allowed: true });
    const alone = await setup({ nodes: [node(h('a'))] });
    expect(alone.check(taint(h('a')))).toMatchObject({ allowed: false, rule: 'min-nodes', message: `removing ${h('a')} leaves NodeGroup default/workers with 0 serving node(s), below minNodes 1` });
  });

  it('limits nodes under removal at once', async () => {
    const { plan } = await setup({ nodes: [tainted(h('a')), node(h('b')), node(h('c')), node(h('d'))], caps: { maxNodesLeaving: 2 } });
    expect(plan([taint(h('b')), taint(h('c'))]).run()).toEqual(['ok', 'nodes-leaving']);
  });

  it('limits removals per 10 minutes across restarts, counting a node and its VM once', async () => {
    const store = new MemoryLedgerStore();
    const clock = new FakeClock();
    const first = await setup({ store, clock, caps: { maxDeletionsPerWindow: 2 }, nodes: [tainted(h('a')), tainted(h('b')), tainted(h('c'))] });
    await first.ledger.recordDeletion(h('a'));
    await first.ledger.recordDeletion(h('b'));
    // A new process (restart, or another replica leading) reads the same ledger.
    const second = await setup({ store, clock, caps: { maxDeletionsPerWindow: 2 }, nodes: [tainted(h('a')), tainted(h('b')), tainted(h('c'))] });
    expect(second.check(deleteVm(h('a')))).toEqual({ allowed: true });
    expect(second.check(deleteNode(h('c')))).toMatchObject({ allowed: false, rule: 'deletion-rate', message: '2 nodes/VMs removed in the last 10 minutes; the limit is 2' });
    clock.advance(10 * 60_000);
    expect(second.check(deleteNode(h('c')))).toEqual({ allowed: true });
  });

  it('refuses every destructive command on a view that is not fresh', async () => {
    const { check } = await setup({ nodes: [tainted(h('a')), node(h('b'))], synced: false });
    for (const command of [deleteNode(h('a')), deleteVm(h('a')), taint(h('b')), evict('p', h('a'))]) {
      expect(check(command), command.kind).toMatchObject({ allowed: false, rule: 'stale-view' });
    }
    expect(check({ ...base, id: 'u', kind: 'untaintNode', node: h('a'), nodeGroup: group })).toEqual({ allowed: true });
  });

  it('releaseNode: not destructive (a stale view does not hold it), but only on a node of the command\'s group', async () => {
    const release = (name: string): Command => ({ ...base, id: `r-${name}`, kind: 'releaseNode', node: name, nodeGroup: group, pods: [{ namespace: 'default', name: 'p' }] });
    const { check } = await setup({ nodes: [node(h('a')), node('c1-other-aaaaa', { labels: {} }), node('c1-gpu-aaaaa', { labels: { [NODEGROUP_LABEL]: 'gpu' } })], synced: false });
    expect(check(release(h('a')))).toEqual({ allowed: true });
    expect(check(release('c1-other-aaaaa'))).toMatchObject({ allowed: false, rule: 'group-label', message: expect.stringContaining('has no') });
    expect(check(release('c1-gpu-aaaaa'))).toMatchObject({ allowed: false, rule: 'group-label', message: expect.stringContaining('belongs to NodeGroup gpu') });
    expect(check(release(h('z')))).toMatchObject({ allowed: false, rule: 'group-label', message: expect.stringContaining('not in the forwarder\'s view') });
  });
});

describe('Guardrails: launches and caps', () => {
  it('counts Nodes, listed VMs and launches of the ledger against maxNodes, across restarts', async () => {
    const store = new MemoryLedgerStore();
    const clock = new FakeClock();
    const vms: SnapshotVm[] = [{ hostname: h('v'), state: 'pending' }];
    const first = await setup({ store, clock, nodes: [node(h('a'))], vms });
    await first.ledger.recordLaunch({ hostname: h('v'), group: 'default/workers', priceMonthly: 10 });
    // Node a + VM v (pending, known to be the group's by the ledger) = 2 of 3.
    expect(first.check(create(h('x')))).toEqual({ allowed: true });
    await first.ledger.recordLaunch({ hostname: h('x'), group: 'default/workers', priceMonthly: 10 });
    // Restarted: x is in no list yet (VPSie is slow to show it), the ledger remembers it.
    const second = await setup({ store, clock, nodes: [node(h('a'))], vms });
    expect(second.check(create(h('y')))).toMatchObject({ allowed: false, rule: 'max-nodes', message: 'NodeGroup default/workers has 3 members (Nodes, VMs and launches); another would exceed maxNodes 3' });
    // a retry of an accepted launch is not a new node
    expect(second.check(create(h('x')))).toEqual({ allowed: true });
  });

  it('counts a create of this plan once against the launch rate, whether the ledger has it yet or not', async () => {
    const { guardrails, ledger } = await setup({ nodes: [], caps: { maxLaunchesPerWindow: 2 } });
    const creates = [h('x'), h('y'), h('z')].map((hostname) => create(hostname));
    const guard = guardrails.forPlan({ commands: creates });
    const outcomes: string[] = [];
    for (const c of creates) {
      const verdict = guard.check(c);
      outcomes.push(verdict.allowed ? 'ok' : verdict.rule);
      if (!verdict.allowed || c.kind !== 'createVm') continue;
      // As the executor does live: the ledger first (write-ahead), then the create.
      await ledger.recordLaunch({ hostname: c.hostname, group: 'default/workers', priceMonthly: 10 });
      guard.executed(c);
    }
    expect(outcomes).toEqual(['ok', 'ok', 'launch-rate']);
  });

  it('counts the creates earlier in the same plan', async () => {
    const { plan } = await setup({ nodes: [node(h('a'))] });
    expect(plan([create(h('x')), create(h('y')), create(h('z'))]).run()).toEqual(['ok', 'ok', 'max-nodes']);
  });

  it('refuses a launch when VPSie\'s VM list could not be read — except in a dry run, which buys nothing', async () => {
    const { check } = await setup({ vms: null });
    expect(check(create(h('x')))).toMatchObject({ allowed: false, rule: 'vm-list' });
    const dry = await setup({ vms: null, dryRun: true });
    expect(dry.check(create(h('x')))).toEqual({ allowed: true });
    // Other rules still hold in a dry run.
    expect(dry.check(create('prod-db-1'))).toMatchObject({ allowed: false, rule: 'hostname' });
  });

  it('limits launches per window, VMs per cluster and the monthly cost', async () => {
    const rate = await setup({ nodes: [], caps: { maxLaunchesPerWindow: 1 } });
    await rate.ledger.recordLaunch({ hostname: h('p'), group: 'default/other', priceMonthly: 10 });
    expect(rate.check(create(h('x')))).toMatchObject({ allowed: false, rule: 'launch-rate' });
    rate.clock.advance(10 * 60_000);
    expect(rate.check(create(h('x')))).toEqual({ allowed: true });

    const vmsCap = await setup({ nodes: [node('c1-gpu-aaaaa', { labels: { [NODEGROUP_LABEL]: 'gpu' } })], vms: [{ hostname: 'c1-old-bbbbb', state: 'running' }], caps: { maxClusterVms: 2 } });
    expect(vmsCap.check(create(h('x')))).toMatchObject({ allowed: false, rule: 'cluster-vms' });

    // Two nodes of unknown type are priced at the dearest offering (100): 200 + 100 for a large > 250.
    const cost = await setup({ caps: { maxMonthlyCost: 250 } });
    expect(cost.check(create(h('x'), { offeringId: 'large' }))).toMatchObject({ allowed: false, rule: 'cost-cap' });
    expect(cost.check(create(h('x'), { offeringId: 'small' }))).toEqual({ allowed: true });
  });

  it('refuses offerings, datacenters and images the group does not allow', async () => {
    const { check } = await setup({ nodes: [] });
    expect(check(create(h('x'), { offeringId: 'huge' }))).toMatchObject({ allowed: false, rule: 'offering' });
    expect(check(create(h('x'), { datacenterID: 'dc9' }))).toMatchObject({ allowed: false, rule: 'offering' });
  });

  it('refuses commands for a NodeGroup it does not know', async () => {
    const { check } = await setup();
    const other = { namespace: 'default', name: 'ghost' };
    expect(check(create('c1-ghost-aaaaa', { nodeGroup: other }))).toMatchObject({ allowed: false, rule: 'unknown-group' });
    expect(check({ ...base, id: 's', kind: 'updateNodeGroupStatus', nodeGroup: other, status: { currentNodes: 0, desiredNodes: 0, readyNodes: 0, conditions: [], nodeList: [] } }))
      .toMatchObject({ allowed: false, rule: 'unknown-group' });
  });
});

describe('Guardrails: plans and Events', () => {
  it('refuses a whole plan with more commands than the cap', async () => {
    const { plan } = await setup({ caps: { maxCommandsPerPlan: 3 } });
    const commands = [0, 1, 2, 3].map((i) => event({ kind: 'NodeGroup', ...group }, `e${i}`));
    expect(plan(commands).run()).toEqual(['plan-size', 'plan-size', 'plan-size', 'plan-size']);
  });

  it('records Events only about NodeGroups, managed nodes and pods the plan acts on or that are pending, up to a cap', async () => {
    const pods = [
      { namespace: 'kube-system', name: 'coredns', nodeName: h('a'), phase: 'Running' as const, createdAtMs: 0 },
      { namespace: 'default', name: 'pending', phase: 'Pending' as const, createdAtMs: 0 },
    ];
    const { check, plan } = await setup({ nodes: [tainted(h('a')), node('cp-1', { labels: {} })], pods, caps: { maxEventsPerPlan: 2 } });
    expect(check(event({ kind: 'NodeGroup', namespace: 'kube-system', name: 'ghost' }))).toMatchObject({ allowed: false, rule: 'event-target' });
    expect(check(event({ kind: 'Node', name: 'cp-1' }))).toMatchObject({ allowed: false, rule: 'event-target' });
    expect(check(event({ kind: 'Pod', namespace: 'kube-system', name: 'coredns' }))).toMatchObject({ allowed: false, rule: 'event-target' });
    expect(check(event({ kind: 'Pod', namespace: 'default', name: 'pending' }))).toEqual({ allowed: true });
    const acted = plan([evict('coredns', h('a'), 'kube-system'), event({ kind: 'Pod', namespace: 'kube-system', name: 'coredns' }), event({ kind: 'Node', name: h('a') }, 'e2'), event({ kind: 'NodeGroup', ...group }, 'e3')]);
    expect(acted.run()).toEqual(['ok', 'ok', 'ok', 'event-cap']);
  });

  it('writes the cluster status once a plan', async () => {
    const { plan } = await setup();
    const status = { time: '2026-01-01T00:00:00.000Z', health: 'Healthy' as const, message: '', nodeGroups: [], pendingPods: { unschedulable: 0, triggeredScaleUp: 0, notTriggeredScaleUp: 0 } };
    const write = (id: string): Command => ({ ...base, id, kind: 'updateClusterStatus', status });
    expect(plan([write('s1'), write('s2')]).run()).toEqual(['ok', 'plan-size']);
  });
});

describe('Guardrails: the limits the snapshot carries', () => {
  it('says what is left of the rate caps, from the ledger', async () => {
    const { guardrails, ledger, clock } = await setup({ caps: { maxDeletionsPerWindow: 3, maxLaunchesPerWindow: 5 } });
    await ledger.recordDeletion(h('a'));
    await ledger.recordLaunch({ hostname: h('x'), group: 'default/workers', priceMonthly: 10 });
    await ledger.recordLaunch({ hostname: h('y'), group: 'default/workers', priceMonthly: 10 });
    expect(guardrails.limits()).toMatchObject({ windowMs: 600_000, deletionsPerWindow: 3, deletionsRemaining: 2, launchesPerWindow: 5, launchesRemaining: 3 });
    clock.advance(10 * 60_000);
    expect(guardrails.limits()).toMatchObject({ deletionsRemaining: 3, launchesRemaining: 5 });
  });
});

describe('Guardrails: every refusal says why', () => {
  it('gives the reason string of each rule', async () => {
    const pods = [{ namespace: 'default', name: 'web', nodeName: h('b'), phase: 'Running' as const, createdAtMs: 0 }];
    const s = await setup({ nodes: [node(h('a')), tainted(h('b')), tainted(h('c')), node(h('d'))], pods, caps: { maxNodesLeaving: 2 } });
    const cases: Array<[Command, string, string]> = [
      [deleteNode(h('a')), 'not-tainted', `node ${h('a')} does not carry the to-be-deleted taint: a removal starts with the taint and a drain`],
      [evict('web', h('a')), 'not-draining', `node ${h('a')} is not under removal (no to-be-deleted taint): its pods are not evicted`],
      [evict('web', h('c')), 'pod-placement', `pod default/web is on ${h('b')}, not on ${h('c')}`],
      [taint(h('a')), 'nodes-leaving', '2 nodes are under removal already; at most 2 at once'],
      [create(h('x'), { offeringId: 'huge' }), 'offering', "offering huge is not one of NodeGroup default/workers's offeringIDs"],
      [create(h('x'), { osImageID: 'debian' }), 'offering', "datacenter/OS image dc1/debian differ from NodeGroup default/workers's dc1/ubuntu"],
      [create('c1-ghost-aaaaa', { nodeGroup: { namespace: 'default', name: 'ghost' } }), 'unknown-group', "NodeGroup default/ghost does not exist in the forwarder's view"],
      [create('prod-db-1'), 'hostname', "hostname prod-db-1 does not match this cluster's pattern c1-<group>-<5 letters/digits>"],
      [create('Bad_Name'), 'hostname', 'hostname "Bad_Name" is not an RFC 1123 label (lowercase letters, digits, dashes, at most 63)'],
      [event({ kind: 'Node', name: 'cp-1' }), 'event-target', 'node cp-1 is not a managed node'],
      [event({ kind: 'Pod', namespace: 'default', name: 'web' }), 'event-target', 'pod default/web is neither pending nor acted on by this plan'],
    ];
    for (const [command, rule, message] of cases) expect(s.check(command), `${command.kind} ${rule}`).toEqual({ allowed: false, rule, message });

    const stale = await setup({ nodes: [tainted(h('a'))], synced: false });
    expect(stale.check(deleteNode(h('a')))).toEqual({ allowed: false, rule: 'stale-view', message: "the forwarder's view of the cluster is not fresh (a watch is down or relisting); no destructive command until it is" });
    const noList = await setup({ vms: null });
    expect(noList.check(create(h('x')))).toEqual({ allowed: false, rule: 'vm-list', message: "VPSie's VM list could not be read: without it the VMs of the group cannot be counted against maxNodes" });
    const caps = await setup({ nodes: [], caps: { maxLaunchesPerWindow: 0 } });
    expect(caps.check(create(h('x')))).toEqual({ allowed: false, rule: 'launch-rate', message: '0 VMs launched in the last 10 minutes; the limit is 0' });
    const vmsCap = await setup({ nodes: [], vms: [{ hostname: h('v'), state: 'running' }], caps: { maxClusterVms: 1 } });
    expect(vmsCap.check(create(h('x')))).toEqual({ allowed: false, rule: 'cluster-vms', message: 'the cluster has 1 VMs (Nodes, VMs and launches); another would exceed the cluster-wide cap 1' });
    const cost = await setup({ nodes: [], vms: [{ hostname: h('v'), state: 'running' }], caps: { maxMonthlyCost: 105 } });
    expect(cost.check(create(h('x')))).toEqual({ allowed: false, rule: 'cost-cap', message: 'the cluster\'s VMs cost 100.00 a month; small (10.00) would exceed the cap 105' });
    const big = await setup({ caps: { maxCommandsPerPlan: 1 } });
    expect(big.plan([taint(h('a')), taint(h('b'))]).guard.check(taint(h('a')))).toEqual({ allowed: false, rule: 'plan-size', message: 'the plan has 2 commands; at most 1 are executed from one plan' });
    const events = await setup({ caps: { maxEventsPerPlan: 0 } });
    expect(events.check(event({ kind: 'NodeGroup', ...group }))).toEqual({ allowed: false, rule: 'event-cap', message: '0 Events recorded from this plan already' });
  });
});

describe('Guardrails: the monthly cost /metrics reports', () => {
  it('prices VMs as the cost cap does: by launch, then instance-type label, else the dearest offering; gone VMs are free', async () => {
    const labelled = node(h('b'), { labels: { [NODEGROUP_LABEL]: 'workers', 'node.kubernetes.io/instance-type': 'S' } });
    const vms: SnapshotVm[] = [
      { hostname: h('a'), state: 'running' },
      { hostname: h('b'), state: 'running' },
      { hostname: h('c'), state: 'pending' },
      { hostname: h('d'), state: 'gone' },
    ];
    const s = await setup({ nodes: [labelled], vms });
    await s.ledger.recordLaunch({ hostname: h('a'), group: 'default/workers', priceMonthly: 100 });
    // a: launched at 100; b: its label names S (10); c: unknown, at the dearest (100); d: gone.
    expect(s.guardrails.monthlyCost()).toBe(100 + 10 + 100);
    expect((await setup({ vms: null })).guardrails.monthlyCost()).toBeUndefined();
  });
});

describe('guardrails: the group\'s monthly cost limit (NodeGroup spec.limits.monthlyCost)', () => {
  const labelled = (name: string, type: string) => node(name, { labels: { [NODEGROUP_LABEL]: 'workers', 'node.kubernetes.io/instance-type': type } });

  it('refuses a create that takes the group over its limit, counted from its Nodes at catalogue prices', async () => {
    // Two nodes: one small (10), one large by nickname (100) → 110; a small one more is 120 > 115.
    const { check } = await setup({ nodes: [labelled(h('a'), 'small'), labelled(h('b'), 'L')], spec: { maxNodes: 10, limits: { monthlyCost: 115 } } });
    expect(check(create(h('x')))).toEqual({ allowed: false, rule: 'group-cost', message: 'NodeGroup default/workers\'s VMs cost 110.00 a month; small (10.00) would exceed its spec.limits.monthlyCost 115' });
  });

  it('allows a create that lands exactly on the limit, and counts the plan\'s own launches for the next', async () => {
    const { plan } = await setup({ nodes: [labelled(h('a'), 'small')], spec: { maxNodes: 10, limits: { monthlyCost: 30 } } });
    expect(plan([create(h('x')), create(h('y')), create(h('z'))]).run()).toEqual(['ok', 'ok', 'group-cost']);
  });

  it('a VM it cannot price (listed, no Node, no launch) counts at the group\'s dearest offering', async () => {
    const vms: SnapshotVm[] = [{ hostname: h('v'), state: 'running', identifier: 'vm-1', marked: true, nodeGroup: group }];
    const { check } = await setup({ nodes: [], vms, spec: { maxNodes: 10, limits: { monthlyCost: 105 } } });
    expect(check(create(h('x')))).toMatchObject({ allowed: false, rule: 'group-cost' }); // 100 (large) + 10 > 105
  });

  it('does not read the plan\'s numbers: a create names only the offering, the price is the catalogue\'s', async () => {
    const { check } = await setup({ nodes: [], spec: { maxNodes: 10, limits: { monthlyCost: 50 } } });
    expect(check(create(h('x'), { offeringId: 'large' }))).toMatchObject({ allowed: false, rule: 'group-cost' });
    expect(check(create(h('x')))).toEqual({ allowed: true });
  });

  it('without the limit nothing changes (the cluster cap still applies)', async () => {
    const { check } = await setup({ nodes: [labelled(h('a'), 'L')], spec: { maxNodes: 10 } });
    expect(check(create(h('x')))).toEqual({ allowed: true });
  });
});
