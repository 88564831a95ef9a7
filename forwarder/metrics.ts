import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Every metric the PRD names, with its exact name and labels, plus a few about the forwarder itself.
// One registry per forwarder instance (tests run two in one process).

export class ForwarderMetrics {
  readonly registry = new Registry();

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

  readonly leader = new Gauge({ name: 'vpsie_autoscaler_forwarder_leader', help: '1 when this forwarder holds the lease.', registers: [this.registry] });
  readonly synced = new Gauge({ name: 'vpsie_autoscaler_forwarder_synced', help: '1 when every initial list is done.', registers: [this.registry] });
  readonly reconcilesTotal = new Counter({ name: 'vpsie_autoscaler_forwarder_reconciles_total', help: 'Reconciles by outcome (plan, busy, unreachable, rejected, refused).', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly commandsTotal = new Counter({ name: 'vpsie_autoscaler_forwarder_commands_total', help: 'Commands by kind and outcome (succeeded, failed, refused, dry-run).', labelNames: ['kind', 'outcome'] as const, registers: [this.registry] });
  readonly snapshotBytes = new Gauge({ name: 'vpsie_autoscaler_forwarder_snapshot_bytes', help: 'Size of the last snapshot sent.', labelNames: ['encoding'] as const, registers: [this.registry] });
  readonly lastReconcileSeconds = new Gauge({ name: 'vpsie_autoscaler_forwarder_last_reconcile_timestamp_seconds', help: 'When the last plan was received.', registers: [this.registry] });
  readonly fencingToken = new Gauge({ name: 'vpsie_autoscaler_forwarder_fencing_token', help: 'Highest fencing token executed.', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'vpsie_autoscaler_forwarder_' });
  }

  /** The VPSie client's onRequest hook. */
  onVpsieRequest = (event: { method: string; status: number | string; durationMs: number }): void => {
    this.vpsieApiRequestsTotal.inc({ method: event.method, status: String(event.status) });
    this.vpsieApiLatencySeconds.observe({ method: event.method }, event.durationMs / 1000);
  };
}
