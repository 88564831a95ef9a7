import { AppsV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { waitFor } from '../harness/wait-for.ts';
import { SIM_PLANS } from '../vpsie-sim/index.ts';
import { scaleDeployment, spreadDeployment } from './e2e-helpers.ts';
import { ensureNamespace } from './stack-cluster.ts';
import type { Stack } from './stack.ts';

// Scale-up latency on a running stack: from the scheduler's first FailedScheduling event for a pod
// that needs a new node, to the VPSie create call for that node (as the simulator received it). Each
// run adds one replica of a Deployment whose pods want a node each (required anti-affinity), so every
// run needs exactly one new VM. Same machine, same clock at both ends. Used by the e2e suite (which
// prints the figures) and by `npm run bench` (test/bench/e2e-latency.bench.ts).

export interface LatencyResult {
  samplesMs: number[];
  p50Ms: number;
  p95Ms: number;
  /** createVm calls per run (1 expected: one new node per run). */
  createsPerRun: number[];
}

export class ExtraNodeError extends Error {
  override name = 'ExtraNodeError';
}

export function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function eventTimeMs(event: CoreV1Event): number {
  const t = event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return new Date(t as unknown as string).getTime();
}

export async function measureScaleUpLatency(stack: Stack, options: { runs: number; namespace?: string; group?: string; log?: (line: string) => void }): Promise<LatencyResult> {
  const { runs, namespace = 'latency', group = 'latency', log = () => {} } = options;
  const apps = stack.kube.kc.makeApiClient(AppsV1Api);
  const offering = SIM_PLANS.find((p) => p.nickname === 'A-1C-2G')!.identifier;
  await ensureNamespace(stack.kube, namespace);
  await stack.applyNodeGroup(group, { minNodes: 0, maxNodes: runs + 2, offeringIDs: [offering], labels: { latency: 'yes' }, scaleDownPolicy: { enabled: false } });
  await apps.createNamespacedDeployment({
    namespace,
    body: spreadDeployment({ name: 'one-per-node', namespace, replicas: 0, cpu: '500m', memory: '256Mi', onePerNode: true, nodeSelector: { latency: 'yes' } }),
  });

  const samplesMs: number[] = [];
  const createsPerRun: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const createsBefore = stack.calls('createVm').length;
    const known = new Set((await stack.kube.core.listNamespacedPod({ namespace })).items.map((p) => p.metadata!.name!));
    await scaleDeployment(apps, namespace, 'one-per-node', i);
    const pod = await waitFor(
      async () => (await stack.kube.core.listNamespacedPod({ namespace })).items.find((p) => !known.has(p.metadata!.name!)),
      { timeoutMs: 30_000, intervalMs: 50, description: `the new pod of run ${i}` },
    );
    const podName = pod.metadata!.name!;
    // The pod cannot fit anywhere (one per node, every earlier node taken) unless a run launched more
    // VMs than it needed: then it binds at once and the run says so instead of waiting.
    const seen = await waitFor(
      async (): Promise<{ failedAtMs: number } | { boundTo: string } | undefined> => {
        const events = await stack.kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${podName},reason=FailedScheduling` });
        if (events.items.length > 0) return { failedAtMs: Math.min(...events.items.map(eventTimeMs)) };
        const current = await stack.kube.core.readNamespacedPod({ namespace, name: podName });
        return current.spec?.nodeName ? { boundTo: current.spec.nodeName } : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `FailedScheduling for ${podName}` },
    );
    if ('boundTo' in seen) {
      throw new ExtraNodeError(
        `run ${i}: pod ${podName} was scheduled onto ${seen.boundTo} without a FailedScheduling event: a node was already free, ` +
          `so earlier runs launched more VMs than their pods needed (${stack.calls('createVm').filter((c) => !c.fault).length} VPSie creates for ${i} pods)\n${stack.describe()}`,
      );
    }
    const { failedAtMs } = seen;
    const create = await waitFor(() => stack.calls('createVm').slice(createsBefore).find((c) => !c.fault), {
      timeoutMs: 60_000,
      intervalMs: 20,
      description: `the VPSie create call of run ${i}\n${stack.describe()}`,
    });
    samplesMs.push(create.atMs - failedAtMs);
    log(`run ${String(i).padStart(2)}: FailedScheduling → create ${create.atMs - failedAtMs} ms`);
    // Let the node join and the pod run, so the next run starts from a settled cluster.
    await waitFor(async () => (await stack.kube.core.readNamespacedPod({ namespace, name: podName })).status?.phase === 'Running', {
      timeoutMs: 60_000,
      intervalMs: 100,
      description: `${podName} Running`,
    });
    createsPerRun.push(stack.calls('createVm').slice(createsBefore).filter((c) => !c.fault).length);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { samplesMs, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), createsPerRun };
}
