import { NODEGROUP_LABEL, vmIdentifierOfProviderId } from '../shared/labels.ts';
import { isLeaving } from '../shared/membership.ts';
import { allow, refuse, type GuardrailOptions, type GuardVerdict } from './guard-types.ts';

// The node rules of a removal (guardrails.ts lists them): a managed node of the named group, the
// to-be-deleted taint before any deletion, deletions per window, nodes under removal at once.
// `tainted` and `deleted` are what the current plan did so far (PlanGuard keeps them).

export class RemovalChecks {
  constructor(private readonly options: GuardrailOptions, private readonly tainted: ReadonlySet<string>, private readonly deleted: ReadonlySet<string>) {}

  /** A second VM under a Node's hostname: the Node's providerID names another machine (the executor reads it again live). */
  isOtherMachine(hostname: string, vmIdentifier: string | undefined): boolean {
    const nodeVm = vmIdentifierOfProviderId(this.options.view.node(hostname)?.providerID);
    return vmIdentifier !== undefined && nodeVm !== undefined && nodeVm !== vmIdentifier;
  }

  isTainted(nodeName: string): boolean {
    if (this.tainted.has(nodeName)) return true;
    const node = this.options.view.node(nodeName);
    return node !== undefined && isLeaving({ taints: node.taints });
  }

  /** A node may be deleted (and the VM under it) only once its removal has begun: it carries the taint. */
  checkRemovable(nodeName: string, groupName: string | undefined, { mayBeGone }: { mayBeGone: boolean }): GuardVerdict {
    const node = this.options.view.node(nodeName);
    if (!node) return mayBeGone ? allow : refuse('group-label', `node ${nodeName} is not in the forwarder's view`);
    const label = node.labels[NODEGROUP_LABEL];
    if (label === undefined) return refuse('group-label', `node ${nodeName} has no ${NODEGROUP_LABEL} label`);
    if (groupName !== undefined && label !== groupName) return refuse('group-label', `node ${nodeName} belongs to NodeGroup ${label}, not ${groupName}`);
    if (!this.isTainted(nodeName)) return refuse('not-tainted', `node ${nodeName} does not carry the to-be-deleted taint: a removal starts with the taint and a drain`);
    return allow;
  }

  checkManagedNode(nodeName: string, groupName: string, { mayBeGone }: { mayBeGone: boolean }): GuardVerdict {
    const node = this.options.view.node(nodeName);
    if (!node) return mayBeGone ? allow : refuse('group-label', `node ${nodeName} is not in the forwarder's view`);
    const label = node.labels[NODEGROUP_LABEL];
    if (label === undefined) return refuse('group-label', `node ${nodeName} has no ${NODEGROUP_LABEL} label`);
    if (label !== groupName) return refuse('group-label', `node ${nodeName} belongs to NodeGroup ${label}, not ${groupName}`);
    return allow;
  }

  checkDeletionRate(name: string): GuardVerdict {
    const done = this.options.ledger.deletionsInWindow();
    for (const d of this.deleted) done.add(d);
    if (done.has(name)) return allow; // the VM of a node already counted (or a retry)
    const { maxDeletionsPerWindow } = this.options.caps;
    if (done.size >= maxDeletionsPerWindow) {
      return refuse('deletion-rate', `${done.size} nodes/VMs removed in the last 10 minutes; the limit is ${maxDeletionsPerWindow}`);
    }
    return allow;
  }

  checkNodesLeaving(nodeName: string): GuardVerdict {
    if (this.isTainted(nodeName)) return allow; // already counted
    const leaving = new Set(this.tainted);
    for (const node of this.options.view.nodes()) {
      if (node.labels[NODEGROUP_LABEL] !== undefined && isLeaving({ taints: node.taints })) leaving.add(node.name);
    }
    const { maxNodesLeaving } = this.options.caps;
    if (leaving.size >= maxNodesLeaving) return refuse('nodes-leaving', `${leaving.size} nodes are under removal already; at most ${maxNodesLeaving} at once`);
    return allow;
  }
}
