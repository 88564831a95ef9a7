import { LatencyTracker } from './latency-tracker.ts';
import type { ForwarderMetrics } from './metrics.ts';
import type { Clock } from './util/clock.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';

// The latency tracker over the cluster cache, observing into the forwarder's histograms
// (trigger → create, create → Ready, pod pending, drain duration).

export function trackLatency(cache: ClusterCache, metrics: ForwarderMetrics, clock: Clock): LatencyTracker {
  return new LatencyTracker(
    { pod: (key) => cache.pods.items.get(key)?.pod, node: (name) => cache.nodes.items.get(name) },
    {
      triggerToCreate: (nodegroup, s) => metrics.triggerToCreateSeconds.observe({ nodegroup }, s),
      createToReady: (nodegroup, s) => metrics.createToReadySeconds.observe({ nodegroup }, s),
      podPending: (s) => metrics.podPendingSeconds.observe(s),
      drain: (nodegroup, outcome, s) => metrics.drainDurationSeconds.observe({ nodegroup, outcome }, s),
    },
    () => clock.now(),
  );
}
