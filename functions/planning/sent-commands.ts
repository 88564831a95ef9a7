import { commandObject } from '../../shared/command-subject.ts';
import type { Command, CommandKind } from '../../shared/plan-message.ts';
import type { PlanningState, SentCommand } from './types.ts';

// The ledger of commands sent and not yet answered. A result names only its command id; this says
// what the id meant (which operation, which pod or node). It also stops the planner from sending
// the same command again while one is still on its way: a command without an answer is re-sent
// only after COMMAND_RESEND_AFTER_MS (the plan that carried it may have been lost).

/** Status and events are fire-and-forget: nothing waits on their results. */
const UNTRACKED: ReadonlySet<CommandKind> = new Set(['emitEvent', 'updateNodeGroupStatus', 'updateClusterStatus']);

/** An unanswered command is sent again after this long (plan lost on the way, forwarder restarted). */
export const COMMAND_RESEND_AFTER_MS = 2 * 60_000;
/** Unanswered entries older than this are forgotten (bounds the state). */
export const SENT_COMMAND_RETENTION_MS = 60 * 60_000;
export const MAX_SENT_COMMANDS = 5_000;

/** Called by PlanContext.emit for every command. */
export function trackSentCommand(state: PlanningState, command: Command, nowMs: number): void {
  const target = commandObject(command);
  if (UNTRACKED.has(command.kind) || target === undefined) return;
  const sent: SentCommand = { commandId: command.id, kind: command.kind, target, sentAtMs: nowMs };
  if (command.operationId !== undefined) sent.operationId = command.operationId;
  const list = (state.sentCommands ??= []);
  list.push(sent);
  if (list.length > MAX_SENT_COMMANDS) list.splice(0, list.length - MAX_SENT_COMMANDS);
}

export function findSentCommand(state: PlanningState, commandId: string): SentCommand | undefined {
  return state.sentCommands?.find((s) => s.commandId === commandId);
}

export function forgetSentCommand(state: PlanningState, commandId: string): void {
  if (state.sentCommands) state.sentCommands = state.sentCommands.filter((s) => s.commandId !== commandId);
}

/** A command of this kind for this target is on its way (sent recently, not answered yet). */
export function isAwaitingResult(state: PlanningState, kind: CommandKind, target: string, nowMs: number): boolean {
  return (state.sentCommands ?? []).some(
    (s) => s.kind === kind && s.target === target && nowMs - s.sentAtMs < COMMAND_RESEND_AFTER_MS,
  );
}

export function pruneSentCommands(state: PlanningState, nowMs: number): void {
  if (!state.sentCommands) return;
  state.sentCommands = state.sentCommands.filter((s) => nowMs - s.sentAtMs < SENT_COMMAND_RETENTION_MS);
}
