import type { PlanMessage } from '../shared/plan-message.ts';
import type { CommandResult, Offering, SnapshotVm } from '../shared/snapshot.ts';
import type { ReconcileBatcher, TriggerReason } from './batcher.ts';
import type { Delivery, DeliveryOutcome } from './delivery/delivery.ts';
import type { Executor } from './executor/executor.ts';
import type { EncodedSnapshot } from './snapshot.ts';
import type { Clock } from './util/clock.ts';
import { errorFields, type Logger } from './util/logger.ts';

// One reconcile: snapshot → functions → plan → execute; results ride with the next snapshot.
// Triggers that arrive while a reconcile runs are folded into one more run right after it.
//
// IMPORTANT: the fencing token is raised *before* a plan's first command runs, so that a delayed,
// older plan arriving afterwards is refused by delivery.

export interface ReconcileLoopOptions {
  clock: Clock;
  logger: Logger;
  batcher: () => ReconcileBatcher;
  delivery: Delivery;
  executor: Executor;
  isLeader: () => boolean;
  isSynced: () => boolean;
  /** `whatIf`: the plan answering this snapshot will not be executed (reported as a dry run). */
  buildSnapshot: (extras: { offerings: Offering[]; vms: SnapshotVm[] | null; results: CommandResult[]; lastFencingToken: number; whatIf?: boolean }) => Promise<EncodedSnapshot>;
  listVms: () => Promise<SnapshotVm[] | null>;
  listOfferings: () => Promise<Offering[]>;
  onFencingToken: (token: number) => void;
  onOutcome?: (outcome: DeliveryOutcome, snapshot: EncodedSnapshot) => void;
  onPlan?: (plan: PlanMessage) => void;
  /** Results kept for the next reconcile at most (a long outage must not grow memory without end). */
  maxPendingResults?: number;
}

export class ReconcileLoop {
  private running: Promise<void> | undefined;
  private again: TriggerReason[] | undefined;
  private pendingResults: CommandResult[] = [];
  private fencingToken = 0;
  private stopped = false;
  /** What VPSie said on the last reconcile (the graceful stop's last snapshot reuses it). */
  private lastListed: { vms: SnapshotVm[] | null; offerings: Offering[] } | undefined;
  reconciles = 0;
  lastOutcome: DeliveryOutcome['kind'] | undefined;

  constructor(private readonly options: ReconcileLoopOptions) {}

  get lastFencingToken(): number {
    return this.fencingToken;
  }

  /** From the Lease (the predecessor's) or a plan: only ever goes up. */
  raiseFencingToken(token: number): void {
    if (token > this.fencingToken) {
      this.fencingToken = token;
      this.options.onFencingToken(token);
    }
  }

  /** Results waiting to be reported (tests, metrics). */
  get pending(): readonly CommandResult[] {
    return this.pendingResults;
  }

  trigger(reasons: TriggerReason[]): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = [...(this.again ?? []), ...reasons];
      return;
    }
    this.running = this.runOnce(reasons).finally(() => {
      this.running = undefined;
      const next = this.again;
      this.again = undefined;
      if (next && !this.stopped) this.trigger(next);
    });
  }

  /** Waits for the reconcile in progress, if any. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * `reportResults`: results still waiting go out once more before the loop ends, so that the
   * functions learn what the last plan did (a create refused or failed, a dry-run that did nothing)
   * instead of waiting for its deadlines. IMPORTANT: that snapshot says dry-run, because nothing of
   * the plan answering it is executed: the planner keeps none of what that plan starts.
   */
  async stop({ reportResults = false }: { reportResults?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.options.delivery.abort();
    await this.idle();
    if (reportResults && this.pendingResults.length > 0 && this.lastListed) await this.reportLastResults(this.lastListed);
  }

  private async reportLastResults(listed: { vms: SnapshotVm[] | null; offerings: Offering[] }): Promise<void> {
    const { logger, delivery } = this.options;
    const results = this.pendingResults;
    try {
      delivery.resume();
      const snapshot = await this.options.buildSnapshot({ ...listed, results, lastFencingToken: this.fencingToken, whatIf: true });
      const outcome = await delivery.deliver(snapshot, this.fencingToken);
      if (outcome.kind === 'plan') {
        this.pendingResults = this.pendingResults.filter((r) => !results.includes(r));
        logger.info({ results: results.length, planId: outcome.plan.planId }, 'stopping: the last results were reported (the plan answering them is not executed)');
      } else {
        logger.warn({ results: results.length, outcome: outcome.kind }, 'stopping: the last results could not be reported; the functions will wait for their deadlines');
      }
    } catch (error) {
      logger.warn({ ...errorFields(error), results: results.length }, 'stopping: the last results could not be reported');
    } finally {
      delivery.abort();
    }
  }

  private async runOnce(reasons: TriggerReason[]): Promise<void> {
    const { logger } = this.options;
    const batcher = this.options.batcher();
    if (!this.options.isLeader()) {
      batcher.reconciled();
      return;
    }
    if (!this.options.isSynced()) {
      logger.info({ reasons }, 'not synced yet: the first snapshot waits for every initial list');
      batcher.reconciled(2_000);
      return;
    }
    try {
      const [vms, offerings] = await Promise.all([this.options.listVms(), this.options.listOfferings()]);
      this.lastListed = { vms, offerings };
      const results = this.pendingResults;
      const snapshot = await this.options.buildSnapshot({ offerings, vms, results, lastFencingToken: this.fencingToken });
      const outcome = await this.options.delivery.deliver(snapshot, this.fencingToken);
      this.reconciles += 1;
      this.lastOutcome = outcome.kind;
      this.options.onOutcome?.(outcome, snapshot);
      switch (outcome.kind) {
        case 'plan': {
          const { plan } = outcome;
          // The functions have recorded these results; newer ones may have arrived meanwhile.
          this.pendingResults = this.pendingResults.filter((r) => !results.includes(r));
          logger.info({ reasons, planId: plan.planId, fencingToken: plan.fencingToken, commands: plan.commands.length, decisions: plan.decisions.length }, 'plan received');
          for (const decision of plan.decisions) logger.info({ planId: plan.planId, decision }, `decision: ${decision.kind} ${decision.target}: ${decision.message}`);
          this.options.onPlan?.(plan);
          if (plan.commands.length > 0 && this.options.isLeader()) {
            this.raiseFencingToken(plan.fencingToken);
            const executed = await this.options.executor.execute(plan);
            this.addResults(executed);
          } else {
            this.raiseFencingToken(plan.fencingToken);
          }
          batcher.reconciled(plan.nextContactAfterMs - plan.issuedAtMs);
          return;
        }
        case 'busy':
          logger.info({ retryAfterMs: outcome.retryAfterMs }, 'the functions are busy with this cluster (lease held); trying again later');
          batcher.reconciled(outcome.retryAfterMs);
          return;
        case 'unreachable':
          // IMPORTANT: nothing destructive happens while the functions cannot be reached; keep watching.
          logger.warn({ message: outcome.message, attempts: outcome.attempts }, 'the functions are unreachable; nothing will be executed until they answer');
          batcher.reconciled(10_000);
          return;
        case 'rejected':
          logger.error({ status: outcome.status, message: outcome.message }, 'the functions rejected the snapshot');
          batcher.reconciled();
          return;
        case 'refused':
          logger.error({ reason: outcome.reason, message: outcome.message, planId: outcome.plan?.planId }, 'refused the plan; nothing from it is executed');
          batcher.reconciled();
          return;
      }
    } catch (error) {
      logger.error({ ...errorFields(error) }, 'reconcile failed');
      batcher.reconciled(10_000);
    }
  }

  private addResults(results: CommandResult[]): void {
    const max = this.options.maxPendingResults ?? 2_000;
    this.pendingResults.push(...results);
    if (this.pendingResults.length > max) this.pendingResults.splice(0, this.pendingResults.length - max);
  }
}
