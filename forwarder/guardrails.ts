import { NODEGROUP_LABEL } from '../shared/labels.ts';
import { parseNodeGroupSpec, type NodeGroupSpec } from '../shared/nodegroup.ts';
import type { Command } from '../shared/plan-message.ts';
import type { SnapshotNode, SnapshotNodeGroup, SnapshotPod } from '../shared/snapshot.ts';
import { systemClock, type Clock } from './util/clock.ts';

// The forwarder's own veto (DESIGN.md, Security). The functions decide; the forwarder still refuses
// what it may never do, judged against its own view of the cluster, whatever a plan says:
// - a node without the group label (or of another group) is never touched;
// - a VM whose hostname lacks the cluster's prefix is never touched;
// - no more than `maxDeletionsPerWindow` nodes/VMs removed per 10 minutes;
// - no launch beyond maxNodes and no removal below minNodes, counted from what it sees.

export const DELETION_WINDOW_MS = 10 * 60_000;
/** A launch counts as in flight until its node appears, at most this long. */
export const LAUNCH_TRACK_MS = 20 * 60_000;

export interface GuardrailView {
  node(name: string): SnapshotNode | undefined;
  pod(namespace: string, name: string): Omit<SnapshotPod, 'shape'> | undefined;
  nodeGroup(namespace: string, name: string): SnapshotNodeGroup | undefined;
  /** Nodes carrying NODEGROUP_LABEL=<group name>. */
  groupNodes(groupName: string): SnapshotNode[];
  /** NodeGroups with this name in any namespace (node labels carry the name only). */
  nodeGroupsNamed(name: string): SnapshotNodeGroup[];
}

export interface GuardrailOptions {
  hostnamePrefix: string;
  maxDeletionsPerWindow: number;
  view: GuardrailView;
  clock?: Clock;
}

export type GuardVerdict = { allowed: true } | { allowed: false; rule: GuardRule; message: string };
export type GuardRule = 'group-label' | 'hostname-prefix' | 'deletion-rate' | 'max-nodes' | 'min-nodes' | 'unknown-group' | 'invalid-group' | 'offering' | 'pod-placement';

const allow: GuardVerdict = { allowed: true };
const refuse = (rule: GuardRule, message: string): GuardVerdict => ({ allowed: false, rule, message });

export class Guardrails {
  private readonly clock: Clock;
  /** Hostnames/node names removed, with when: a node and its VM count once. */
  private readonly deletions = new Map<string, number>();
  private readonly launches = new Map<string, { group: string; atMs: number }>();

  constructor(private readonly options: GuardrailOptions) {
    this.clock = options.clock ?? systemClock;
  }

  check(command: Command): GuardVerdict {
    switch (command.kind) {
      case 'createVm':
        return this.checkCreate(command);
      case 'deleteVm':
        return this.checkDeleteVm(command);
      case 'deleteNode':
        return this.firstRefusal(
          () => this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: true }),
          () => this.checkDeletionRate(command.node),
          () => this.checkMinNodes(command.node, command.nodeGroup),
        );
      case 'taintNode':
      case 'untaintNode':
        return this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false });
      case 'evictPod':
        return this.firstRefusal(
          () => this.checkManagedNode(command.node, command.nodeGroup.name, { mayBeGone: false }),
          () => {
            const pod = this.options.view.pod(command.namespace, command.pod);
            if (pod && pod.nodeName !== command.node) {
              return refuse('pod-placement', `pod ${command.namespace}/${command.pod} is on ${pod.nodeName ?? 'no node'}, not on ${command.node}`);
            }
            return allow;
          },
        );
      case 'updateNodeGroupStatus':
        return this.options.view.nodeGroup(command.nodeGroup.namespace, command.nodeGroup.name)
          ? allow
          : refuse('unknown-group', `NodeGroup ${command.nodeGroup.namespace}/${command.nodeGroup.name} does not exist`);
      case 'emitEvent':
        return allow;
    }
  }

  /** Call after a removal (deleteNode/deleteVm) really happened. */
  recordDeletion(name: string): void {
    this.deletions.set(name, this.clock.now());
  }

  /** Call after a launch was accepted: it counts towards maxNodes until its node shows up. */
  recordLaunch(hostname: string, groupName: string): void {
    this.launches.set(hostname, { group: groupName, atMs: this.clock.now() });
  }

  /** Launches of a group this forwarder made whose node has not appeared yet. */
  launchingCount(groupName: string): number {
    this.prune();
    let count = 0;
    for (const launch of this.launches.values()) if (launch.group === groupName) count += 1;
    return count;
  }

  deletionsInWindow(): number {
    this.prune();
    return this.deletions.size;
  }

  private checkCreate(command: Extract<Command, { kind: 'createVm' }>): GuardVerdict {
    const prefix = this.checkPrefix(command.hostname);
    if (!prefix.allowed) return prefix;
    const group = this.groupSpec(command.nodeGroup);
    if ('allowed' in group) return group;
    const { spec, name } = group;
    if (!spec.offeringIDs.includes(command.offeringId)) {
      return refuse('offering', `offering ${command.offeringId} is not one of NodeGroup ${name}'s offeringIDs`);
    }
    if (command.datacenterID !== spec.datacenterID || command.osImageID !== spec.osImageID) {
      return refuse('offering', `datacenter/OS image ${command.datacenterID}/${command.osImageID} differ from NodeGroup ${name}'s ${spec.datacenterID}/${spec.osImageID}`);
    }
    if (this.launches.has(command.hostname) || this.options.view.node(command.hostname)) return allow; // a retry: counted already
    const members = this.memberCount(command.nodeGroup.name);
    if (members + 1 > spec.maxNodes) {
      return refuse('max-nodes', `NodeGroup ${name} has ${members} nodes (ready, joining or launching); another would exceed maxNodes ${spec.maxNodes}`);
    }
    return allow;
  }

  private checkDeleteVm(command: Extract<Command, { kind: 'deleteVm' }>): GuardVerdict {
    return this.firstRefusal(
      () => this.checkPrefix(command.hostname),
      () => {
        // The VM's node, if it still exists, must be one of ours: never delete the VM under a foreign node.
        const node = this.options.view.node(command.hostname);
        if (!node) return allow;
        const groupName = command.nodeGroup?.name ?? node.labels[NODEGROUP_LABEL];
        if (!groupName) return refuse('group-label', `node ${command.hostname} has no ${NODEGROUP_LABEL} label`);
        return this.checkManagedNode(command.hostname, groupName, { mayBeGone: true });
      },
      () => this.checkDeletionRate(command.hostname),
      () => {
        const node = this.options.view.node(command.hostname);
        const groupName = command.nodeGroup?.name ?? node?.labels[NODEGROUP_LABEL];
        if (!node || !groupName) return allow; // no node: deleting the VM does not change the group's size
        const ref = command.nodeGroup ?? this.findGroupByName(groupName);
        return ref ? this.checkMinNodes(command.hostname, ref) : allow;
      },
    );
  }

  private checkPrefix(hostname: string): GuardVerdict {
    return hostname.startsWith(this.options.hostnamePrefix) && hostname.length > this.options.hostnamePrefix.length
      ? allow
      : refuse('hostname-prefix', `hostname ${hostname} lacks the cluster's prefix "${this.options.hostnamePrefix}"`);
  }

  private checkManagedNode(nodeName: string, groupName: string, { mayBeGone }: { mayBeGone: boolean }): GuardVerdict {
    const node = this.options.view.node(nodeName);
    if (!node) return mayBeGone ? allow : refuse('group-label', `node ${nodeName} is not in the forwarder's view`);
    const label = node.labels[NODEGROUP_LABEL];
    if (label === undefined) return refuse('group-label', `node ${nodeName} has no ${NODEGROUP_LABEL} label`);
    if (label !== groupName) return refuse('group-label', `node ${nodeName} belongs to NodeGroup ${label}, not ${groupName}`);
    return allow;
  }

  private checkDeletionRate(name: string): GuardVerdict {
    this.prune();
    if (this.deletions.has(name)) return allow; // the VM of a node already counted
    if (this.deletions.size >= this.options.maxDeletionsPerWindow) {
      return refuse('deletion-rate', `${this.deletions.size} nodes/VMs removed in the last 10 minutes; the limit is ${this.options.maxDeletionsPerWindow}`);
    }
    return allow;
  }

  private checkMinNodes(nodeName: string, ref: { namespace: string; name: string }): GuardVerdict {
    const group = this.groupSpec(ref);
    if ('allowed' in group) return allow; // a deleted or broken group has no minimum to protect
    const node = this.options.view.node(nodeName);
    if (!node || node.labels[NODEGROUP_LABEL] !== ref.name) return allow;
    const remaining = this.memberCount(ref.name) - 1;
    if (remaining < group.spec.minNodes) {
      return refuse('min-nodes', `removing ${nodeName} leaves NodeGroup ${group.name} with ${remaining} nodes, below minNodes ${group.spec.minNodes}`);
    }
    return allow;
  }

  /** Nodes with the label (not already being deleted) plus this forwarder's launches that have not joined yet. */
  private memberCount(groupName: string): number {
    this.prune();
    const nodes = this.options.view.groupNodes(groupName).filter((n) => !n.terminating);
    const names = new Set(nodes.map((n) => n.name));
    let launching = 0;
    for (const [hostname, launch] of this.launches) {
      if (launch.group === groupName && !names.has(hostname)) launching += 1;
    }
    return nodes.length + launching;
  }

  private groupSpec(ref: { namespace: string; name: string }): { spec: NodeGroupSpec; name: string } | GuardVerdict {
    const name = `${ref.namespace}/${ref.name}`;
    const group = this.options.view.nodeGroup(ref.namespace, ref.name);
    if (!group) return refuse('unknown-group', `NodeGroup ${name} does not exist in the forwarder's view`);
    try {
      return { spec: parseNodeGroupSpec(group.spec, name), name };
    } catch (error) {
      return refuse('invalid-group', (error as Error).message);
    }
  }

  private findGroupByName(groupName: string): { namespace: string; name: string } | undefined {
    // Group labels carry the name only; a name used in two namespaces is ambiguous: no min check then.
    const groups = this.options.view.nodeGroupsNamed(groupName);
    return groups.length === 1 ? { namespace: groups[0]!.namespace, name: groups[0]!.name } : undefined;
  }

  private firstRefusal(...checks: Array<() => GuardVerdict>): GuardVerdict {
    for (const check of checks) {
      const verdict = check();
      if (!verdict.allowed) return verdict;
    }
    return allow;
  }

  private prune(): void {
    const nowMs = this.clock.now();
    for (const [name, atMs] of this.deletions) if (nowMs - atMs >= DELETION_WINDOW_MS) this.deletions.delete(name);
    for (const [hostname, launch] of this.launches) {
      if (nowMs - launch.atMs >= LAUNCH_TRACK_MS || this.options.view.node(hostname)) this.launches.delete(hostname);
    }
  }
}
