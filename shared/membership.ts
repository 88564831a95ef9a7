import { NODEGROUP_LABEL, TO_BE_DELETED_TAINT } from './labels.ts';

// Who counts as a member of a NodeGroup: ONE rule for the planner and the forwarder's guardrails
// (a planner and a guardrail that count differently deadlock: the planner removes what it does not
// count, the guardrail refuses because it does).
//
// - Towards maxNodes (what may be billed): every Node with the group's label, every VM of the group
//   VPSie lists (pending included) and every launch in flight, counted once per hostname. A node
//   being deleted still counts: its VM is billed until it is gone.
// - Towards minNodes (what serves): Ready Nodes with the group's label that are not leaving (no
//   to-be-deleted taint, not terminating). A NotReady node or a failed launch serves nobody, so
//   removing it never lowers the count and is never blocked by minNodes; a removal lowers the
//   count when it starts (the taint), which is where the minimum is checked.

export interface MemberNode {
  name: string;
  labels: Record<string, string>;
  taints: ReadonlyArray<{ key: string }>;
  ready: boolean;
  terminating?: boolean;
}

export function isGroupNode(node: Pick<MemberNode, 'labels'>, groupName: string): boolean {
  return node.labels[NODEGROUP_LABEL] === groupName;
}

export function isLeaving(node: Pick<MemberNode, 'taints' | 'terminating'>): boolean {
  return node.terminating === true || node.taints.some((t) => t.key === TO_BE_DELETED_TAINT);
}

/** A node that counts towards minNodes. */
export function servesGroup(node: MemberNode, groupName: string): boolean {
  return isGroupNode(node, groupName) && node.ready && !isLeaving(node);
}

/** Hostnames counting towards maxNodes. */
export function capacityMembers(
  groupName: string,
  input: { nodes: Iterable<MemberNode>; vmHostnames?: Iterable<string>; launchHostnames?: Iterable<string> },
): Set<string> {
  const names = new Set<string>();
  for (const node of input.nodes) if (isGroupNode(node, groupName)) names.add(node.name);
  for (const hostname of input.vmHostnames ?? []) names.add(hostname);
  for (const hostname of input.launchHostnames ?? []) names.add(hostname);
  return names;
}

/** Names of the nodes counting towards minNodes, minus those whose removal has already started elsewhere. */
export function minimumMembers(groupName: string, nodes: Iterable<MemberNode>, leaving: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const node of nodes) if (servesGroup(node, groupName) && !leaving.has(node.name)) out.push(node.name);
  return out;
}

/**
 * Whether starting the removal of `nodeName` keeps the group at or above minNodes. A node that does
 * not count (NotReady, already leaving) can always go.
 */
export function removalKeepsMinimum(
  groupName: string,
  nodes: Iterable<MemberNode>,
  nodeName: string,
  minNodes: number,
  leaving: ReadonlySet<string> = new Set(),
): { allowed: boolean; serving: number; remaining: number } {
  const serving = minimumMembers(groupName, nodes, leaving);
  if (!serving.includes(nodeName)) return { allowed: true, serving: serving.length, remaining: serving.length };
  const remaining = serving.length - 1;
  return { allowed: remaining >= minNodes, serving: serving.length, remaining };
}
