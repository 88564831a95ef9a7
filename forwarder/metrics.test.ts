import { describe, expect, it } from 'vitest';
import { ForwarderMetrics } from './metrics.ts';

// Every metric the PRD names, with its exact name and labels.
describe('ForwarderMetrics', () => {
  it('exposes every PRD metric with its labels', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    metrics.nodegroupNodes.set({ nodegroup: 'workers', state: 'ready' }, 2);
    metrics.nodegroupDesiredNodes.set({ nodegroup: 'workers' }, 3);
    metrics.scaleUpTotal.inc({ nodegroup: 'workers' });
    metrics.scaleDownTotal.inc({ nodegroup: 'workers' });
    metrics.scaleUpFailuresTotal.inc({ nodegroup: 'workers' });
    metrics.scaleDownFailuresTotal.inc({ nodegroup: 'workers' });
    metrics.onVpsieRequest({ method: 'listVms', status: 200, durationMs: 120 });
    metrics.unschedulablePods.set({ nodegroup: 'workers' }, 4);
    metrics.nodeUtilization.set({ nodegroup: 'workers', resource: 'cpu' }, 0.5);
    const text = await metrics.registry.metrics();
    for (const line of [
      'vpsie_autoscaler_nodegroup_nodes{nodegroup="workers",state="ready"} 2',
      'vpsie_autoscaler_nodegroup_desired_nodes{nodegroup="workers"} 3',
      'vpsie_autoscaler_scale_up_total{nodegroup="workers"} 1',
      'vpsie_autoscaler_scale_down_total{nodegroup="workers"} 1',
      'vpsie_autoscaler_scale_up_failures_total{nodegroup="workers"} 1',
      'vpsie_autoscaler_scale_down_failures_total{nodegroup="workers"} 1',
      'vpsie_autoscaler_vpsie_api_requests_total{method="listVms",status="200"} 1',
      'vpsie_autoscaler_vpsie_api_latency_seconds_count{method="listVms"} 1',
      'vpsie_autoscaler_unschedulable_pods{nodegroup="workers"} 4',
      'vpsie_autoscaler_node_utilization{nodegroup="workers",resource="cpu"} 0.5',
    ]) expect(text).toContain(line);
  });

  it('uses the standard unprefixed process_* and nodejs_* names', async () => {
    const text = await new ForwarderMetrics().registry.metrics();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(text).not.toContain('vpsie_autoscaler_forwarder_process_');
    expect(text).not.toContain('vpsie_autoscaler_forwarder_nodejs_');
  });

  it('has its counters at zero from start-up, and per NodeGroup once the group is known', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    let text = await metrics.registry.metrics();
    for (const outcome of ['plan', 'busy', 'unreachable', 'rejected', 'refused']) expect(text).toContain(`vpsie_autoscaler_forwarder_reconciles_total{outcome="${outcome}"} 0`);
    expect(text).toContain('vpsie_autoscaler_forwarder_commands_total{kind="createVm",outcome="failed"} 0');
    expect(text).toContain('vpsie_autoscaler_forwarder_commands_total{kind="evictPod",outcome="refused"} 0');
    expect(text).not.toContain('vpsie_autoscaler_scale_up_total{');
    metrics.ensureGroup('gpu');
    text = await metrics.registry.metrics();
    for (const name of ['scale_up_total', 'scale_down_total', 'scale_up_failures_total', 'scale_down_failures_total']) expect(text).toContain(`vpsie_autoscaler_${name}{nodegroup="gpu"} 0`);
  });

  it('computes the scrape-time gauges from their sources at each scrape', async () => {
    const metrics = new ForwarderMetrics({ defaultMetrics: false });
    let unjoined = new Map([['workers', 120], ['gpu', 30]]);
    let cost: number | undefined;
    metrics.setScrapeSources({
      oldestUnschedulablePodSeconds: () => 42,
      oldestUnjoinedLaunchSeconds: () => unjoined,
      oldestDrainSeconds: () => new Map([['workers', 7.5]]),
      monthlyCost: () => cost,
      circuitOpen: () => true,
    });
    let text = await metrics.registry.metrics();
    expect(text).toContain('vpsie_autoscaler_oldest_unschedulable_pod_seconds 42');
    expect(text).toContain('vpsie_autoscaler_oldest_unjoined_launch_seconds{nodegroup="workers"} 120');
    expect(text).toContain('vpsie_autoscaler_oldest_unjoined_launch_seconds{nodegroup="gpu"} 30');
    expect(text).toContain('vpsie_autoscaler_oldest_drain_seconds{nodegroup="workers"} 7.5');
    expect(text).toContain('vpsie_autoscaler_vpsie_circuit_open 1');
    expect(text).toContain('vpsie_autoscaler_cluster_monthly_cost 0'); // not listed yet
    unjoined = new Map([['gpu', 31]]);
    cost = 123.5;
    text = await metrics.registry.metrics();
    expect(text).not.toContain('vpsie_autoscaler_oldest_unjoined_launch_seconds{nodegroup="workers"}');
    expect(text).toContain('vpsie_autoscaler_oldest_unjoined_launch_seconds{nodegroup="gpu"} 31');
    expect(text).toContain('vpsie_autoscaler_cluster_monthly_cost 123.5');
  });
});
