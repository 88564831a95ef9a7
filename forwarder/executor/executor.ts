import { commandGroup, commandMachine, describeCommand, type CommandNames } from '../../shared/command-subject.ts';
import type { Command, CommandKind, PlanMessage } from '../../shared/plan-message.ts';
import type { CommandResult } from '../../shared/snapshot.ts';
import { KubeApiError } from '../kube/kube-http.ts';
import { errorFields } from '../util/logger.ts';
import { LedgerUnavailableError } from '../guard-ledger.ts';
import { isVpsieError } from '../vpsie/index.ts';
import { VpsieApiError } from '../vpsie/errors.ts';
import { createVm } from './create-vm.ts';
import { deleteNode } from './delete-node.ts';
import { deleteVm } from './delete-vm.ts';
import { emitEvent } from './emit-event.ts';
import { evictPod } from './evict-pod.ts';
import { releaseNode } from './release-node.ts';
import { taintNode, untaintNode } from './taint-node.ts';
import { GuardRefusal, type CommandHandler, type ExecutorContext, type HandlerOutcome } from './types.ts';
import { updateNodeGroupStatus } from './update-status.ts';
import { updateClusterStatus } from './update-cluster-status.ts';

// Runs a plan's commands in order. Each command id runs at most once (ids are idempotency keys); each
// produces a CommandResult that travels with the next reconcile. Guardrails are checked first; in
// dry-run nothing is mutated: the command is logged and announced with a DryRun event instead.

const HANDLERS: { [K in CommandKind]: CommandHandler<K> } = {
  createVm,
  deleteVm,
  taintNode,
  untaintNode,
  evictPod,
  deleteNode,
  releaseNode,
  updateNodeGroupStatus,
  emitEvent,
  updateClusterStatus,
};

/** Destructive commands stop at a target whose earlier command in the same plan did not succeed. */
const STOPS_AT_FAILED_TARGET = new Set<CommandKind>(['evictPod', 'deleteNode', 'deleteVm']);
/** Commands the ledger records before they run (write-ahead): caps that survive restarts. */
const LEDGERED = new Set<CommandKind>(['createVm', 'deleteNode', 'deleteVm']);

export interface ExecutorOptions {
  context: Omit<ExecutorContext, 'planId' | 'guard'>;
  dryRun: boolean;
  /** Checked before every command: a forwarder that lost leadership stops mid-plan. */
  isLeader: () => boolean;
  onResult?: (result: CommandResult, command: Command) => void;
  /** How many executed command ids to remember. */
  memory?: number;
}

export class Executor {
  private readonly done = new Map<string, CommandResult>();
  /** Dry-run: the last status summary announced per NodeGroup (the status is never written, so every plan sends it again). */
  private readonly announcedStatus = new Map<string, string>();

  constructor(private readonly options: ExecutorOptions) {}

  async execute(plan: PlanMessage): Promise<CommandResult[]> {
    const results: CommandResult[] = [];
    const failedTargets = new Set<string>();
    const guard = this.options.context.guardrails.forPlan(plan);
    const ctx: ExecutorContext = { ...this.options.context, planId: plan.planId, guard };
    if (!guard.planRefusal.allowed) ctx.logger.warn({ planId: plan.planId, commands: plan.commands.length }, `guardrail refused the whole plan: ${guard.planRefusal.message}`);
    // The ledger is read once per plan that needs it: another replica may have led since.
    let ledgerProblem: string | undefined;
    if (!this.options.dryRun && guard.planRefusal.allowed && plan.commands.some((c) => LEDGERED.has(c.kind))) {
      ledgerProblem = await ctx.guardrails.ledger.refresh().then(() => undefined, (error: unknown) => (error as Error).message);
    }
    for (const command of plan.commands) {
      if (!this.options.isLeader()) {
        ctx.logger.warn({ planId: plan.planId, commandId: command.id }, 'no longer the leader: the rest of the plan is left to the new leader');
        break;
      }
      const earlier = this.done.get(command.id);
      if (earlier) {
        // Already run (the functions did not get the result yet): report it again, do not run it again.
        results.push(earlier);
        continue;
      }
      const target = commandMachine(command);
      let outcome: HandlerOutcome | { outcome: 'refused' | 'dry-run'; message: string; retryable?: boolean };
      const verdict = ledgerProblem && LEDGERED.has(command.kind) ? { allowed: false as const, rule: 'ledger', message: ledgerProblem } : guard.check(command);
      if (!verdict.allowed) {
        outcome = { outcome: 'refused', message: `${verdict.rule}: ${verdict.message}` };
        // A plan refused as a whole is logged once, above.
        if (guard.planRefusal.allowed) ctx.logger.warn({ planId: plan.planId, commandId: command.id, kind: command.kind, rule: verdict.rule }, `guardrail refused: ${verdict.message}`);
      } else if (target && STOPS_AT_FAILED_TARGET.has(command.kind) && failedTargets.has(target)) {
        outcome = { outcome: 'failed', retryable: true, message: `skipped: an earlier command on ${target} in this plan did not succeed` };
      } else if (this.options.dryRun) {
        outcome = await this.dryRun(command, ctx);
      } else {
        outcome = await this.run(command, ctx);
      }
      if (target && outcome.outcome !== 'succeeded' && outcome.outcome !== 'dry-run') failedTargets.add(target);
      if (outcome.outcome === 'succeeded' || outcome.outcome === 'dry-run') guard.executed(command);
      const result: CommandResult = {
        commandId: command.id,
        planId: plan.planId,
        kind: command.kind,
        outcome: outcome.outcome,
        ...(outcome.message ? { message: outcome.message.slice(0, 1000) } : {}),
        ...(outcome.retryable !== undefined ? { retryable: outcome.retryable } : {}),
        ...('data' in outcome && outcome.data ? { data: outcome.data } : {}),
        atMs: ctx.clock.now(),
      };
      // Only what happened is remembered: a refused or failed command sent again is tried again.
      if (result.outcome === 'succeeded' || result.outcome === 'dry-run') this.remember(result);
      results.push(result);
      this.options.onResult?.(result, command);
    }
    return results;
  }

  private async run(command: Command, ctx: ExecutorContext): Promise<HandlerOutcome | { outcome: 'refused'; message: string }> {
    const handler = HANDLERS[command.kind] as CommandHandler<CommandKind>;
    const log = ctx.logger.child({ planId: ctx.planId, commandId: command.id, kind: command.kind, reason: command.reason });
    try {
      await this.reserve(command, ctx);
    } catch (error) {
      log.warn({ ...errorFields(error) }, `guardrail refused: ${(error as Error).message}`);
      return { outcome: 'refused', message: `ledger: ${(error as Error).message}` };
    }
    try {
      const outcome = await handler(command as never, ctx);
      log.info({ outcome: outcome.outcome, detail: outcome.message }, describeCommand(command, commandNames(ctx)));
      if (outcome.outcome === 'failed' && outcome.data?.configError) await this.warn(command, ctx, 'ConfigurationError', outcome.message ?? 'configuration error');
      return outcome;
    } catch (error) {
      if (error instanceof GuardRefusal) {
        log.warn({ rule: error.rule }, `guardrail refused: ${error.message}`);
        return { outcome: 'refused', message: `${error.rule}: ${error.message}` };
      }
      if (error instanceof LedgerUnavailableError) {
        log.warn({ ...errorFields(error) }, `guardrail refused: ${error.message}`);
        return { outcome: 'refused', message: `ledger: ${error.message}` };
      }
      if (command.kind === 'createVm' && error instanceof VpsieApiError && !error.retryable) {
        // VPSie answered the create with a failure: no VM comes of it; it no longer holds a place under the caps.
        await ctx.guardrails.ledger.releaseLaunch(command.hostname).catch((e: unknown) => log.warn({ ...errorFields(e) }, 'could not release the launch in the ledger'));
      }
      const retryable = isRetryable(error);
      log.error({ ...errorFields(error), retryable }, `${describeCommand(command, commandNames(ctx))} failed`);
      if (isVpsieError(error)) await this.warn(command, ctx, 'VpsieApiError', `${describeCommand(command, commandNames(ctx))}: ${errorFields(error).err}`);
      return { outcome: 'failed', message: errorFields(error).err, retryable };
    }
  }

  /**
   * IMPORTANT: a launch is written before the command runs (write-ahead). A forwarder that dies between the
   * record and the action over-counts one VM or deletion for a while; the other order would let a
   * restart forget a VM it bought.
   */
  private async reserve(command: Command, ctx: ExecutorContext): Promise<void> {
    // Deletions are recorded by their handlers, right before the DELETE (a VM already gone, or a
    // Node refused by the live re-check, does not use up the deletion budget).
    if (command.kind === 'createVm') {
      await ctx.guardrails.ledger.recordLaunch({ hostname: command.hostname, group: `${command.nodeGroup.namespace}/${command.nodeGroup.name}`, priceMonthly: ctx.guard.priceOf(command.offeringId) ?? 0 });
    }
  }

  private async dryRun(command: Command, ctx: ExecutorContext): Promise<{ outcome: 'dry-run'; message: string }> {
    const what = describeCommand(command, commandNames(ctx));
    ctx.logger.info({ planId: ctx.planId, commandId: command.id, kind: command.kind, reason: command.reason, dryRun: true }, `dry-run: would ${what}`);
    // Events are how a dry run shows what it would do; they change no workload, node, VM or status.
    const group = commandGroup(command);
    try {
      if (command.kind === 'updateNodeGroupStatus') {
        // A status update is announced when its summary changes, not every heartbeat.
        const key = `${command.nodeGroup.namespace}/${command.nodeGroup.name}`;
        if (this.announcedStatus.get(key) !== command.message) {
          this.announcedStatus.delete(key);
          this.announcedStatus.set(key, command.message);
          if (this.announcedStatus.size > 1_000) this.announcedStatus.delete(this.announcedStatus.keys().next().value!);
          await ctx.events.record({ involved: { kind: 'NodeGroup', ...command.nodeGroup }, type: 'Normal', reason: 'DryRun', action: command.kind, note: `dry-run: would ${what} (${command.reason})` });
        }
      } else if (command.kind === 'emitEvent') {
        await ctx.events.record({ involved: command.involved, type: command.type, reason: command.eventReason, note: `[dry-run] ${command.message}` });
      } else if (group) {
        await ctx.events.record({ involved: { kind: 'NodeGroup', ...group }, type: 'Normal', reason: 'DryRun', action: command.kind, note: `dry-run: would ${what} (${command.reason})` });
      }
    } catch (error) {
      ctx.logger.warn({ ...errorFields(error) }, 'could not record the dry-run event');
    }
    return { outcome: 'dry-run', message: `would ${what}` };
  }

  private async warn(command: Command, ctx: ExecutorContext, reason: string, note: string): Promise<void> {
    const group = commandGroup(command);
    if (!group) return;
    try {
      await ctx.events.record({ involved: { kind: 'NodeGroup', ...group }, type: 'Warning', reason, action: command.kind, note });
    } catch (error) {
      ctx.logger.warn({ ...errorFields(error) }, `could not record the ${reason} event`);
    }
  }

  private remember(result: CommandResult): void {
    this.done.set(result.commandId, result);
    const max = this.options.memory ?? 5_000;
    if (this.done.size > max) {
      const oldest = this.done.keys().next().value;
      if (oldest !== undefined) this.done.delete(oldest);
    }
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof LedgerUnavailableError) return true;
  if (isVpsieError(error)) return error.retryable;
  if (error instanceof KubeApiError) return error.status >= 500 || error.status === 429 || error.status === 409 || error.status === 408;
  return true; // network errors and timeouts
}

/** The plan nicknames of the catalogue the forwarder read, for log lines and Events (names beside ids). */
function commandNames(ctx: Pick<ExecutorContext, 'view'>): CommandNames {
  return { offeringName: (id) => ctx.view.offerings().find((o) => o.identifier === id)?.nickname || undefined };
}
