import type { CommandResult } from '../../shared/snapshot.ts';
import { recordDrainFailure } from './backoff.ts';
import type { PlanContext } from './context.ts';
import { abortDrain } from './drains.ts';
import { notePdbProgress, notePdbRefusal } from './drain-pdb-wait.ts';
import { failLaunch } from './launches.ts';
import { findSentCommand, forgetSentCommand, pruneSentCommands } from './sent-commands.ts';
import type { DrainOperation, LaunchOperation, Operation, SentCommand } from './types.ts';

// Folds the results of earlier commands (reported by the forwarder with this snapshot) into the
// state. IMPORTANT: a result is applied at most once — its command id goes into seenResults (the
// last SEEN_RESULTS_LIMIT ids) and its entry leaves sentCommands, so a result reported twice finds
// nothing to act on and produces no command.
//
// Results read (CommandResult.data): createVm → `vmIdentifier` (string, optional), `hostname`
// (string, used when the command id is unknown), `launch` ("unconfirmed": the create's answer was
// lost and the VM is not visible yet — the launch just keeps waiting for its hostname, never
// launched again, bounded by its launch deadline); evictPod → `status` (HTTP status: 429 = a PDB
// refused it now, 404 = the pod is already gone). `outcome: "dry-run"` means nothing was done.

export const SEEN_RESULTS_LIMIT = 2_000;

export function applyResults(ctx: PlanContext): void {
  const { state } = ctx;
  const seen = new Set(state.seenResults ?? []);
  const fresh: string[] = [];
  for (const result of ctx.snapshot.results) {
    if (seen.has(result.commandId)) continue;
    seen.add(result.commandId);
    fresh.push(result.commandId);
    const sent = findSentCommand(state, result.commandId);
    forgetSentCommand(state, result.commandId);
    applyResult(ctx, result, sent);
  }
  if (fresh.length > 0) state.seenResults = [...(state.seenResults ?? []), ...fresh].slice(-SEEN_RESULTS_LIMIT);
  pruneSentCommands(state, ctx.nowMs);
}

function findOperation(ctx: PlanContext, result: CommandResult, sent: SentCommand | undefined): Operation | undefined {
  if (sent?.operationId !== undefined) return ctx.state.operations.find((op) => op.id === sent.operationId);
  // A createVm whose id we do not know (state restored, plan from an older version): by hostname.
  const hostname = result.data?.hostname;
  if (result.kind === 'createVm' && typeof hostname === 'string') {
    return ctx.state.operations.find((op) => op.kind === 'launch' && op.hostname === hostname);
  }
  return undefined;
}

function applyResult(ctx: PlanContext, result: CommandResult, sent: SentCommand | undefined): void {
  const op = findOperation(ctx, result, sent);
  if (!op || op.status === 'succeeded' || op.status === 'failed') return;
  if (op.kind === 'launch') applyLaunchResult(ctx, op, result);
  else applyDrainResult(ctx, op, result, sent);
}

function describe(result: CommandResult): string {
  return `${result.kind} ${result.outcome}${result.message ? `: ${result.message}` : ''}`;
}

function applyLaunchResult(ctx: PlanContext, op: LaunchOperation, result: CommandResult): void {
  if (result.kind !== 'createVm') return; // clean-up results change nothing: the orphan sweep verifies
  op.updatedAtMs = ctx.nowMs;
  if (result.outcome === 'succeeded') {
    const id = result.data?.vmIdentifier;
    if (typeof id === 'string' && id !== '') op.vmIdentifier = id;
    return;
  }
  if (result.outcome === 'dry-run') {
    // Nothing was created: the launch ends without counting as a failure.
    op.status = 'failed';
    op.failure = 'dry-run';
    return;
  }
  failLaunch(ctx, op, result.outcome === 'refused' ? 'create-refused' : 'create-failed', `creating VM ${op.hostname} failed (${describe(result)})`, { cleanUp: result.outcome !== 'refused' });
}

function applyDrainResult(ctx: PlanContext, op: DrainOperation, result: CommandResult, sent: SentCommand | undefined): void {
  op.updatedAtMs = ctx.nowMs;
  if (result.outcome === 'dry-run') {
    // A dry-run forwarder changes nothing; end the drain quietly so the plan shows it again next time.
    op.status = 'failed';
    op.failure = 'dry-run';
    return;
  }
  const ok = result.outcome === 'succeeded';
  switch (result.kind) {
    case 'taintNode':
      if (!ok && op.status === 'cordoning') abortDrain(ctx, op, 'taint-failed', `tainting node ${op.node} failed (${describe(result)})`, true);
      return;
    case 'evictPod': {
      const pod = sent?.target;
      if (pod === undefined) return;
      // 404: the pod is gone already — as good as evicted.
      if (ok || result.data?.status === 404) {
        if (!op.evicted.includes(pod)) op.evicted.push(pod);
        if (ok) notePdbProgress(op);
      }
      // 429 (a PDB allows no disruption now) and other failures: the sent entry is gone, so the
      // next drain step evicts again; the drain deadline bounds the retries. A 429 is the budget's
      // pace, not a failure: the drain says it waits (drain-pdb-wait.ts).
      if (result.data?.status === 429) notePdbRefusal(ctx, op, pod, result.message ?? 'HTTP 429');
      return;
    }
    case 'untaintNode':
      // Refused or failed: confirmAbort sends it again until a snapshot shows the node untainted.
      return;
    case 'deleteNode':
    case 'deleteVm':
      // Failures are retried by the drain step (nothing was deleted) until the removal deadline; a
      // refusal by the forwarder's guardrails is final: stop, hand the node back if it still has
      // one, and back it off.
      if (ok && result.kind === 'deleteVm') op.vmDeleteAccepted = true;
      if (result.outcome === 'refused') {
        if (op.status === 'deleting-node') abortDrain(ctx, op, `${result.kind}-refused`, `the forwarder refused ${result.kind} (${describe(result)})`, true);
        else {
          op.status = 'failed';
          op.failure = `${result.kind}-refused`;
          recordDrainFailure(ctx.state, op.node, ctx.policy, ctx.nowMs);
        }
      }
      return;
    default:
      return;
  }
}
