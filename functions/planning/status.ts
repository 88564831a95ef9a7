import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT, vmIdentifierOfProviderId } from '../../shared/labels.ts';
import { minimumMembers } from '../../shared/membership.ts';
import type { GroupSummary } from '../../shared/cluster-status.ts';
import type { NodeGroupStatus } from '../../shared/nodegroup.ts';
import type { SnapshotNode } from '../../shared/snapshot.ts';
import type { PlanContext } from './context.ts';
import { offeringKeyOfLabels } from '../../shared/labels.ts';
import { scaleDownCandidates } from './scale-down-candidates.ts';
import { ConditionBook, forgetGoneGroups, isoTime as iso } from './status-conditions.ts';
import type { DrainOperation, GroupState, LaunchOperation } from './types.ts';

// The last phase but the pod events: one updateNodeGroupStatus per NodeGroup, every reconcile, from
// what this plan knows (snapshot, ledger, this plan's launches and removals): counts, conditions
// (Ready, ScalingUp, ScalingDown, Backoff, AtMaxNodes, ConfigurationValid; lastTransitionTime moves
// only on a transition, status-conditions.ts), the last scale-up / scale-down, the scale-down
// candidates. Invalid groups get ConfigurationValid=False, a config-error decision and a Warning
// event naming every problem. Returns each group's summary for the cluster status (cluster-status.ts).

type NodeListEntry = NodeGroupStatus['nodeList'][number];

function nodeStatus(node: SnapshotNode, drain: DrainOperation | undefined): NodeListEntry['status'] {
  if (node.terminating || drain?.status === 'deleting-node' || drain?.status === 'deleting-vm') return 'Deleting';
  if (drain || node.taints.some((t) => t.key === TO_BE_DELETED_TAINT)) return 'Draining';
  return node.ready ? 'Ready' : 'NotReady';
}

interface GroupView { namespace: string; name: string; key: string; generation: number }

/** The snapshot's nodes by their group label, in snapshot order (read once, not once per group). */
function nodesByGroupName(nodes: readonly SnapshotNode[]): Map<string | undefined, SnapshotNode[]> {
  const byName = new Map<string | undefined, SnapshotNode[]>();
  for (const node of nodes) {
    const name = node.labels[NODEGROUP_LABEL];
    const list = byName.get(name);
    if (list) list.push(node);
    else byName.set(name, [node]);
  }
  return byName;
}

function describe(ctx: PlanContext, group: GroupView, nodesByName: ReadonlyMap<string | undefined, SnapshotNode[]>): { nodes: SnapshotNode[]; launches: LaunchOperation[]; drains: DrainOperation[]; nodeList: NodeListEntry[] } {
  const nodes = [...(nodesByName.get(group.name) ?? [])];
  const names = new Set(nodes.map((n) => n.name));
  const launches = ctx.state.operations.filter((op): op is LaunchOperation => op.kind === 'launch' && op.nodeGroup === group.key && (op.status === 'launching' || op.status === 'registering'));
  const drains = ctx.state.operations.filter((op): op is DrainOperation => op.kind === 'drain' && op.nodeGroup === group.key && op.status !== 'succeeded' && op.status !== 'failed');
  const launchByHost = new Map<string, LaunchOperation>();
  for (const op of ctx.state.operations) if (op.kind === 'launch' && names.has(op.hostname)) launchByHost.set(op.hostname, op);
  const nodeList: NodeListEntry[] = nodes.map((node) => {
    const launch = launchByHost.get(node.name);
    return {
      nodeName: node.name,
      vpsID: vmIdentifierOfProviderId(node.providerID) ?? launch?.vmIdentifier ?? '',
      // The plan identifier (the offering label; older nodes: the instance-type label, which now holds the nickname).
      instanceType: offeringKeyOfLabels(node.labels) ?? launch?.offeringId ?? '',
      status: nodeStatus(node, drains.find((d) => d.node === node.name)),
      createdAt: iso(node.createdAtMs),
    };
  });
  for (const launch of launches) {
    if (names.has(launch.hostname)) continue;
    nodeList.push({
      nodeName: launch.hostname,
      vpsID: launch.vmIdentifier ?? '',
      instanceType: launch.offeringId,
      status: launch.status === 'launching' ? 'Provisioning' : 'Joining',
      createdAt: iso(launch.createdAtMs),
    });
  }
  nodeList.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
  return { nodes, launches: launches.filter((l) => !names.has(l.hostname)), drains, nodeList };
}

/** "2 × A-4C-8G, 1 × A-2C-4G": the plans of the launches, by nickname (the id when it has none). */
function launchedPlans(ctx: PlanContext, launches: readonly LaunchOperation[]): string {
  const counts = new Map<string, number>();
  for (const l of launches) {
    const name = ctx.snapshot.offerings.find((o) => o.identifier === l.offeringId)?.nickname || l.offeringId;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => `${n} × ${name}`).join(', ');
}

function lastTimes(state: GroupState | undefined): Pick<NodeGroupStatus, 'lastScaleUpTime' | 'lastScaleDownTime'> {
  return {
    ...(state?.lastScaleUpMs !== undefined ? { lastScaleUpTime: iso(state.lastScaleUpMs) } : {}),
    ...(state?.lastScaleDownMs !== undefined ? { lastScaleDownTime: iso(state.lastScaleDownMs) } : {}),
  };
}

export function planStatus(ctx: PlanContext): GroupSummary[] {
  const now = ctx.nowMs;
  const summaries: GroupSummary[] = [];
  const nodesByName = nodesByGroupName(ctx.snapshot.nodes);
  for (const group of ctx.groups) {
    const generation = ctx.snapshot.nodeGroups.find((g) => g.namespace === group.namespace && g.name === group.name)?.generation ?? 0;
    const { nodes, launches, drains, nodeList } = describe(ctx, { ...group, generation }, nodesByName);
    const launchedNow = launches.filter((l) => l.createdAtMs === now).length;
    const live = nodes.filter((n) => !n.terminating);
    const ready = live.filter((n) => n.ready).length;
    // minNodes is met by nodes that serve (shared/membership.ts): a Ready node being removed does not.
    const serving = minimumMembers(group.name, live).length;
    const current = live.length + launches.length - launchedNow;
    const removing = new Set([...drains.map((d) => d.node), ...ctx.remove.filter((r) => r.nodeGroup === group.key).map((r) => r.node)]);
    const desired = Math.max(0, live.length + launches.length - removing.size);
    const groupState = ctx.state.groups[group.key];
    const backoffUntilMs = groupState?.backoffUntilMs !== undefined && groupState.backoffUntilMs > now ? groupState.backoffUntilMs : undefined;
    const { minNodes, maxNodes } = group.spec;
    // maxNodes counts every member: Nodes (a NotReady one too) and launches without a Node yet.
    const members = live.length + launches.length;
    const oldest = (ms: number[]) => (ms.length > 0 ? Math.min(...ms) : now);
    const book = new ConditionBook(ctx, group.key, generation);
    book.set('Ready', serving >= minNodes, serving >= minNodes ? 'MinNodesReady' : 'BelowMinNodes', `${ready} of ${live.length} node(s) Ready, ${serving} serving (not leaving; minNodes ${minNodes}, maxNodes ${maxNodes})`);
    book.set('ScalingUp', launches.length > 0, launches.length > 0 ? 'LaunchesInProgress' : 'NoLaunches', launches.length > 0 ? `${launches.length} node(s) launching (${launchedPlans(ctx, launches)})` : 'no launch in progress', oldest(launches.map((l) => l.createdAtMs)));
    book.set('ScalingDown', removing.size > 0, removing.size > 0 ? 'RemovalsInProgress' : 'NoRemovals', removing.size > 0 ? `${removing.size} node(s) being removed: ${[...removing].sort().slice(0, 10).join(', ')}` : 'no removal in progress', oldest(drains.map((d) => d.createdAtMs)));
    book.set('Backoff', backoffUntilMs !== undefined, backoffUntilMs !== undefined ? 'LaunchFailures' : 'NoBackoff', backoffUntilMs !== undefined ? `launches paused until ${iso(backoffUntilMs)} after ${groupState!.consecutiveFailures} consecutive failure(s)` : 'launches allowed');
    book.set('AtMaxNodes', members >= maxNodes, members >= maxNodes ? 'MaxNodesReached' : 'BelowMaxNodes', `${members} of maxNodes ${maxNodes} node(s) (Nodes and launches)`);
    book.set('ConfigurationValid', true, 'Valid', 'spec is valid');
    book.prune();
    const candidates = scaleDownCandidates(ctx, group.key);
    const times = lastTimes(ctx.state.groups[group.key]);
    ctx.emit({
      kind: 'updateNodeGroupStatus',
      reason: 'status',
      message: `${group.key}: ${current} current, ${desired} desired, ${ready} ready`,
      nodeGroup: { namespace: group.namespace, name: group.name },
      status: { currentNodes: current, desiredNodes: desired, readyNodes: ready, conditions: book.conditions, nodeList, observedGeneration: generation, ...times, scaleDownCandidates: candidates },
    });
    const unready = book.conditions.find((c) => c.type === 'Ready' && c.status === 'False');
    const backoff = book.conditions.find((c) => c.type === 'Backoff' && c.status === 'True');
    summaries.push({
      name: group.key,
      health: unready ? 'Unhealthy' : backoff ? 'Degraded' : 'Healthy',
      message: (unready ?? backoff)?.message ?? `${ready} of ${live.length} node(s) Ready`,
      readyNodes: ready,
      currentNodes: current,
      desiredNodes: desired,
      minNodes,
      maxNodes,
      scaleUp: backoff ? 'Backoff' : launches.length > 0 ? 'InProgress' : book.status('AtMaxNodes') ? 'AtMaxNodes' : 'NoActivity',
      scaleDown: removing.size > 0 ? 'InProgress' : candidates.length > 0 ? 'CandidatesPresent' : 'NoCandidates',
      ...times,
    });
  }
  for (const group of ctx.invalidGroups) {
    const generation = ctx.snapshot.nodeGroups.find((g) => g.namespace === group.namespace && g.name === group.name)?.generation ?? 0;
    const { nodes, nodeList } = describe(ctx, { ...group, generation }, nodesByName);
    const problems = group.problems.join('; ');
    const live = nodes.filter((n) => !n.terminating).length;
    const ready = nodes.filter((n) => n.ready && !n.terminating).length;
    ctx.decide({ kind: 'config-error', target: `ng ${group.key}`, nodeGroup: group.key, reason: 'invalid-spec', message: `NodeGroup ${group.key} is invalid and is left alone: ${problems}`, details: { problems: group.problems.length } });
    ctx.emit({
      kind: 'emitEvent',
      reason: 'invalid-spec',
      message: `Invalid spec, the autoscaler ignores this group until it is fixed: ${problems}`.slice(0, 1024),
      involved: { kind: 'NodeGroup', namespace: group.namespace, name: group.name },
      type: 'Warning',
      eventReason: 'InvalidConfiguration',
    });
    const book = new ConditionBook(ctx, group.key, generation);
    book.set('ConfigurationValid', false, 'InvalidSpec', problems);
    book.prune();
    const times = lastTimes(ctx.state.groups[group.key]);
    ctx.emit({
      kind: 'updateNodeGroupStatus',
      reason: 'status',
      message: `${group.key}: invalid spec`,
      nodeGroup: { namespace: group.namespace, name: group.name },
      // scaleDownCandidates empty, not absent: a merge patch would keep the list of when the group was valid.
      status: { currentNodes: live, desiredNodes: live, readyNodes: ready, conditions: book.conditions, nodeList, observedGeneration: generation, ...times, scaleDownCandidates: [] },
    });
    summaries.push({ name: group.key, health: 'Unhealthy', message: `invalid spec: ${problems}`.slice(0, 512), readyNodes: ready, currentNodes: live, desiredNodes: live, minNodes: 0, maxNodes: 0, scaleUp: 'NoActivity', scaleDown: 'NoCandidates', ...times });
  }
  forgetGoneGroups(ctx);
  return summaries;
}
