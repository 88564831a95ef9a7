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
});
