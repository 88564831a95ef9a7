import { createHash } from 'node:crypto';
import { parseNodeGroupSpec, NodeGroupValidationError, type NodeGroupSpec } from '../../shared/nodegroup.ts';
import { MAX_COMMAND_MESSAGE, type Command, type Decision } from '../../shared/plan-message.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { trackSentCommand } from './sent-commands.ts';
import type { GroupKey, KeptNode, PlanningState, Policy, ProvisionSummary, RemovalSummary, UnschedulableSummary } from './types.ts';

/** A pending pod and the launching node the simulation put it on. */
export interface ScaleUpPod { pod: string; nodeGroup: GroupKey; offeringId: string; hostname: string }

export interface ValidGroup { key: GroupKey; namespace: string; name: string; spec: NodeGroupSpec }
export interface InvalidGroup { key: GroupKey; namespace: string; name: string; problems: string[] }

/** Command without its id; the context assigns a deterministic one. */
export type CommandDraft = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never;

/**
 * What every planning phase reads and writes. Phases run in a fixed order (plan.ts) and append
 * commands and decisions; `state` is a private deep copy that phases may mutate.
 */
export class PlanContext {
  readonly groups: ValidGroup[] = [];
  readonly invalidGroups: InvalidGroup[] = [];
  readonly commands: Command[] = [];
  readonly decisions: Decision[] = [];
  readonly provision: ProvisionSummary[] = [];
  readonly remove: RemovalSummary[] = [];
  readonly unschedulable: UnschedulableSummary[] = [];
  readonly kept: KeptNode[] = [];
  /** Pending pods the scale-up gave a launching node (this plan's or one in flight): pod-events.ts tells them. */
  readonly scaleUpPods: ScaleUpPod[] = [];
  monthlyCostDelta = 0;
  nextContactAfterMs: number;
  private sequence = 0;

  constructor(
    readonly snapshot: Snapshot,
    readonly state: PlanningState,
    readonly policy: Policy,
    readonly nowMs: number,
  ) {
    this.nextContactAfterMs = nowMs + 30_000;
    // Two NodeGroups under one namespace/name cannot both be obeyed and neither may silently win:
    // the key is refused as a configuration error (one decision, Event and status, status.ts) and
    // no plan is made for it until one copy is gone.
    const copies = new Map<GroupKey, number>();
    for (const group of snapshot.nodeGroups) copies.set(groupKey(group.namespace, group.name), (copies.get(groupKey(group.namespace, group.name)) ?? 0) + 1);
    const refused = new Set<GroupKey>();
    for (const group of snapshot.nodeGroups) {
      const key = groupKey(group.namespace, group.name);
      const count = copies.get(key)!;
      if (count > 1) {
        if (!refused.has(key)) this.invalidGroups.push({ key, namespace: group.namespace, name: group.name, problems: [duplicateProblem(key, count)] });
        refused.add(key);
        continue;
      }
      try {
        this.groups.push({ key, namespace: group.namespace, name: group.name, spec: parseNodeGroupSpec(group.spec, key) });
      } catch (error) {
        if (!(error instanceof NodeGroupValidationError)) throw error;
        this.invalidGroups.push({ key, namespace: group.namespace, name: group.name, problems: error.problems });
      }
    }
    this.groups.sort((a, b) => a.key.localeCompare(b.key));
  }

  group(key: GroupKey): ValidGroup | undefined {
    return this.groups.find((g) => g.key === key);
  }

  /** Deterministic: the same snapshot, state, policy and time give the same ids. */
  id(prefix: string, ...parts: (string | number)[]): string {
    const digest = createHash('sha256')
      .update([this.policy.clusterId, this.nowMs, prefix, ...parts, this.sequence++].join('\u0000'))
      .digest('hex')
      .slice(0, 16);
    return `${prefix}-${digest}`;
  }

  emit(draft: CommandDraft): Command {
    // The wire contract bounds a command's message (shared/plan-message.ts): a long list of pods in a
    // sentence must not make the whole plan invalid.
    if (draft.message.length > MAX_COMMAND_MESSAGE) draft = { ...draft, message: `${draft.message.slice(0, MAX_COMMAND_MESSAGE - 3)}...` };
    const command = { id: this.id(draft.kind, JSON.stringify(draft)), ...draft } as Command;
    this.commands.push(command);
    trackSentCommand(this.state, command, this.nowMs);
    return command;
  }

  decide(decision: Decision): void {
    this.decisions.push(decision);
  }

  /** Ask the forwarder to come back no later than `atMs`. */
  wakeAt(atMs: number): void {
    this.nextContactAfterMs = Math.max(this.nowMs, Math.min(this.nextContactAfterMs, atMs));
  }
}

export function duplicateProblem(key: GroupKey, count: number): string {
  return `${count} NodeGroups are named ${key}; a NodeGroup's namespace/name must be unique, so none of them is planned for until only one is left`;
}

export function groupKey(namespace: string, name: string): GroupKey {
  return `${namespace}/${name}`;
}
