import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { commandSchema } from '../shared/plan-message.ts';
import { commandResultSchema } from '../shared/snapshot.ts';

// Every metric the PRD names, with its exact name and labels, plus a few about the forwarder itself
// and the latency histograms dashboards expect (Karpenter's pods_startup_duration, CA's
// function_duration). One registry per forwarder instance (tests run two in one process).
// Names are the contract of infra/grafana/ and infra/prometheus/: test/observability checks every
// series those query against a running forwarder's /metrics.

/** Outcomes of a reconcile (DeliveryOutcome kinds), present at zero from start-up. */
export const RECONCILE_OUTCOMES = ['plan', 'busy', 'unreachable', 'rejected', 'refused'] as const;
/** The VPSie client's list operations (forwarder/vpsie/): their unreadable-row counters exist from start-up. */
export const VPSIE_LIST_OPERATIONS = ['listVms', 'listPending', 'listDatacenters', 'listPlanCategories', 'listPlans', 'listProjects', 'listScripts'] as const;
const COMMAND_KINDS = commandSchema.options.map((o) => o.shape.kind.value);
const COMMAND_OUTCOMES = commandResultSchema.shape.outcome.options;

// Seconds. Launches take minutes (VPSie provisioning + kubeadm join); drains up to the eviction
// deadline; API calls are sub-second (their own buckets below).
const PROVISIONING_BUCKETS_S = [5, 10, 20, 30, 45, 60, 90, 120, 180, 240, 300, 420, 600, 900, 1200, 1800];
const TRIGGER_BUCKETS_S = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];

/** What the gauges computed at scrape time read (the latency tracker, the cost estimate). */
export interface ScrapeSources {
  oldestUnschedulablePodSeconds(): number;
  oldestUnjoinedLaunchSeconds(): Map<string, number>;
  oldestDrainSeconds(): Map<string, number>;
  monthlyCost(): number | undefined;
  circuitOpen(): boolean | undefined;
}

export class ForwarderMetrics {
  readonly registry = new Registry();
  private sources: ScrapeSources | undefined;

  readonly nodegroupNodes = new Gauge({ name: 'vpsie_autoscaler_nodegroup_nodes', help: 'Nodes of a NodeGroup by state (ready, not_ready, draining, launching).', labelNames: ['nodegroup', 'state'] as const, registers: [this.registry] });
  readonly nodegroupDesiredNodes = new Gauge({ name: 'vpsie_autoscaler_nodegroup_desired_nodes', help: 'Nodes the autoscaler wants in a NodeGroup (from the last status it wrote).', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly scaleUpTotal = new Counter({ name: 'vpsie_autoscaler_scale_up_total', help: 'VM launches accepted.', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly scaleDownTotal = new Counter({ name: 'vpsie_autoscaler_scale_down_total', help: 'Nodes removed from the cluster.', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly scaleUpFailuresTotal = new Counter({ name: 'vpsie_autoscaler_scale_up_failures_total', help: 'VM launches that failed or were refused.', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly scaleDownFailuresTotal = new Counter({ name: 'vpsie_autoscaler_scale_down_failures_total', help: 'Removal steps (drain, node or VM deletion) that failed or were refused.', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly vpsieApiRequestsTotal = new Counter({ name: 'vpsie_autoscaler_vpsie_api_requests_total', help: 'VPSie API requests (one per HTTP attempt) by logical method and status.', labelNames: ['method', 'status'] as const, registers: [this.registry] });
  readonly vpsieApiLatencySeconds = new Histogram({ name: 'vpsie_autoscaler_vpsie_api_latency_seconds', help: 'VPSie API request latency.', labelNames: ['method'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [this.registry] });
  readonly unschedulablePods = new Gauge({ name: 'vpsie_autoscaler_unschedulable_pods', help: 'Unschedulable pods, by the NodeGroup they select ("" = none in particular).', labelNames: ['nodegroup'] as const, registers: [this.registry] });
  readonly nodeUtilization = new Gauge({ name: 'vpsie_autoscaler_node_utilization', help: 'Requested / allocatable over the ready nodes of a NodeGroup (0..1).', labelNames: ['nodegroup', 'resource'] as const, registers: [this.registry] });

  readonly triggerToCreateSeconds = new Histogram({ name: 'vpsie_autoscaler_trigger_to_create_seconds', help: 'From the oldest pod still pending becoming unschedulable (the trigger) to VPSie accepting a VM create.', labelNames: ['nodegroup'] as const, buckets: TRIGGER_BUCKETS_S, registers: [this.registry] });
  readonly createToReadySeconds = new Histogram({ name: 'vpsie_autoscaler_create_to_ready_seconds', help: 'From VPSie accepting a VM create to its Node turning Ready.', labelNames: ['nodegroup'] as const, buckets: PROVISIONING_BUCKETS_S, registers: [this.registry] });
  readonly podPendingSeconds = new Histogram({ name: 'vpsie_autoscaler_pod_pending_seconds', help: 'How long an unschedulable pod waited until it was bound to a node.', buckets: PROVISIONING_BUCKETS_S, registers: [this.registry] });
  readonly drainDurationSeconds = new Histogram({ name: 'vpsie_autoscaler_drain_duration_seconds', help: 'From the taint that starts a removal to the Node deleted (completed) or the taint removed (aborted).', labelNames: ['nodegroup', 'outcome'] as const, buckets: PROVISIONING_BUCKETS_S, registers: [this.registry] });

  readonly oldestUnschedulablePodSeconds = new Gauge({ name: 'vpsie_autoscaler_oldest_unschedulable_pod_seconds', help: 'Age of the oldest pod unschedulable now (0 = none).', registers: [this.registry], collect: (): void => this.collectOldestPod() });
  readonly oldestUnjoinedLaunchSeconds: Gauge<'nodegroup'> = new Gauge({ name: 'vpsie_autoscaler_oldest_unjoined_launch_seconds', help: 'Age of the oldest VM this forwarder created whose Node is not Ready yet (0 = none).', labelNames: ['nodegroup'] as const, registers: [this.registry], collect: (): void => this.collectByGroup(this.oldestUnjoinedLaunchSeconds, this.sources?.oldestUnjoinedLaunchSeconds()) });
  readonly oldestDrainSeconds: Gauge<'nodegroup'> = new Gauge({ name: 'vpsie_autoscaler_oldest_drain_seconds', help: 'Age of the oldest removal in progress (tainted, Node not deleted yet; 0 = none).', labelNames: ['nodegroup'] as const, registers: [this.registry], collect: (): void => this.collectByGroup(this.oldestDrainSeconds, this.sources?.oldestDrainSeconds()) });
  readonly clusterMonthlyCost = new Gauge({ name: 'vpsie_autoscaler_cluster_monthly_cost', help: "Monthly price of this cluster's VMs (VPSie account currency; from the last VM listing; 0 before it).", registers: [this.registry], collect: (): void => this.collectCost() });
  readonly monthlyCostCap = new Gauge({ name: 'vpsie_autoscaler_monthly_cost_cap', help: 'The forwarder cap caps.maxMonthlyCost (launches past it are refused).', registers: [this.registry] });
  readonly vpsieUnreadableRowsTotal = new Counter({ name: 'vpsie_autoscaler_vpsie_unreadable_rows_total', help: 'Rows of VPSie list answers the client could not read and skipped, by operation and reason (unreadable; not_vm_create: pending work that is not a VM create).', labelNames: ['operation', 'reason'] as const, registers: [this.registry] });
  readonly vpsieCircuitOpen: Gauge = new Gauge({ name: 'vpsie_autoscaler_vpsie_circuit_open', help: "1 while the VPSie client's circuit breaker is open or half-open (requests are not sent).", registers: [this.registry], collect: (): void => this.vpsieCircuitOpen.set(this.sources?.circuitOpen() ? 1 : 0) });

  readonly leader = new Gauge({ name: 'vpsie_autoscaler_forwarder_leader', help: '1 when this forwarder holds the lease.', registers: [this.registry] });
  readonly synced = new Gauge({ name: 'vpsie_autoscaler_forwarder_synced', help: '1 when every initial list is done.', registers: [this.registry] });
  readonly reconcilesTotal = new Counter({ name: 'vpsie_autoscaler_forwarder_reconciles_total', help: 'Reconciles by outcome (plan, busy, unreachable, rejected, refused).', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly commandsTotal = new Counter({ name: 'vpsie_autoscaler_forwarder_commands_total', help: 'Commands by kind and outcome (succeeded, failed, refused, dry-run).', labelNames: ['kind', 'outcome'] as const, registers: [this.registry] });
  readonly snapshotBytes = new Gauge({ name: 'vpsie_autoscaler_forwarder_snapshot_bytes', help: 'Size of the last snapshot sent.', labelNames: ['encoding'] as const, registers: [this.registry] });
  readonly lastReconcileSeconds = new Gauge({ name: 'vpsie_autoscaler_forwarder_last_reconcile_timestamp_seconds', help: 'When the last plan was received.', registers: [this.registry] });
  readonly fencingToken = new Gauge({ name: 'vpsie_autoscaler_forwarder_fencing_token', help: 'Highest fencing token executed.', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    // Unprefixed process_* / nodejs_* (prom-client's names), so stock Node.js dashboards match.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    // Present at zero from start-up: rate() and increase() see the first event, and absent-series
    // alerts do not fire on a forwarder that simply has had nothing to do yet.
    for (const outcome of RECONCILE_OUTCOMES) this.reconcilesTotal.inc({ outcome }, 0);
    for (const kind of COMMAND_KINDS) for (const outcome of COMMAND_OUTCOMES) this.commandsTotal.inc({ kind, outcome }, 0);
    for (const operation of VPSIE_LIST_OPERATIONS) this.vpsieUnreadableRowsTotal.inc({ operation, reason: 'unreadable' }, 0);
  }

  /** Where the scrape-time gauges read from (main.ts wires the latency tracker and the cost estimate). */
  setScrapeSources(sources: ScrapeSources): void {
    this.sources = sources;
  }

  /** Every per-NodeGroup counter at zero for a group, once it is known (listed NodeGroups). */
  ensureGroup(nodegroup: string): void {
    for (const counter of [this.scaleUpTotal, this.scaleDownTotal, this.scaleUpFailuresTotal, this.scaleDownFailuresTotal]) counter.inc({ nodegroup }, 0);
  }

  /** The VPSie client's onRequest hook. */
  onVpsieRequest = (event: { method: string; status: number | string; durationMs: number }): void => {
    this.vpsieApiRequestsTotal.inc({ method: event.method, status: String(event.status) });
    this.vpsieApiLatencySeconds.observe({ method: event.method }, event.durationMs / 1000);
  };

  /** The VPSie client's onUnreadableRows hook (the log line is written where the client is built: vpsie/connect.ts). */
  onVpsieUnreadableRows = (event: { operation: string; unreadable: readonly unknown[]; skippedNonVm: number }): void => {
    if (event.unreadable.length > 0) this.vpsieUnreadableRowsTotal.inc({ operation: event.operation, reason: 'unreadable' }, event.unreadable.length);
    if (event.skippedNonVm > 0) this.vpsieUnreadableRowsTotal.inc({ operation: event.operation, reason: 'not_vm_create' }, event.skippedNonVm);
  };

  private collectOldestPod(): void {
    this.oldestUnschedulablePodSeconds.set(this.sources?.oldestUnschedulablePodSeconds() ?? 0);
  }

  private collectCost(): void {
    // 0 until VPSie has been listed: below any budget, so no alert on a forwarder just started.
    this.clusterMonthlyCost.set(this.sources?.monthlyCost() ?? 0);
  }

  private collectByGroup(gauge: Gauge<'nodegroup'>, ages: Map<string, number> | undefined): void {
    gauge.reset();
    for (const [nodegroup, seconds] of ages ?? []) gauge.set({ nodegroup }, seconds);
  }
}
