import { AppsV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { waitFor } from '../harness/wait-for.ts';
import { SIM_PLANS } from '../vpsie-sim/index.ts';
import { scaleDeployment, spreadDeployment } from '../e2e/e2e-helpers.ts';
import { ensureNamespace } from '../e2e/stack-cluster.ts';
import { startStack, type Stack } from '../e2e/stack.ts';

// Scale-up latency on the whole local stack: from the scheduler's first FailedScheduling event for a
// pod that needs a new node, to the VPSie create call for that node (as the simulator received it).
// Each run adds one replica of a Deployment whose pods want a node each (required anti-affinity), so
// every run needs exactly one new VM. Same machine, same clock for both ends. Target: p95 < 3 s.
// BENCH_E2E_RUNS (default 12) sets the number of runs.

const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 12);
const TARGET_P95_MS = 3_000;
const plan = (nickname: string) => SIM_PLANS.find((p) => p.nickname === nickname)!.identifier;

function log(message: string): void {
  process.stdout.write(`e2e latency bench: ${message}\n`);
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

function eventTimeMs(event: CoreV1Event): number {
  const t = event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return new Date(t as unknown as string).getTime();
}

export async function run(): Promise<Array<{ name: string; value: number; unit: string; target?: number; ok?: boolean }>> {
  let controlPlane: ControlPlane | undefined;
  let stack: Stack | undefined;
  try {
    log('starting a control plane and the stack (functions with their embedded store, one forwarder)');
    controlPlane = await startControlPlane();
    stack = await startStack({ kubeconfigPath: controlPlane.kubeconfigPath, provisionMs: 1_000 });
    const apps = stack.kube.kc.makeApiClient(AppsV1Api);
    const namespace = 'latency';
    await ensureNamespace(stack.kube, namespace);
    await stack.applyNodeGroup('bench', { minNodes: 0, maxNodes: RUNS + 2, offeringIDs: [plan('A-1C-2G')], scaleDownPolicy: { enabled: false } });
    await apps.createNamespacedDeployment({ namespace, body: spreadDeployment({ name: 'one-per-node', namespace, replicas: 0, cpu: '500m', memory: '256Mi', onePerNode: true }) });

    const latencies: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const createsBefore = stack.calls('createVm').length;
      const knownPods = new Set((await stack.kube.core.listNamespacedPod({ namespace })).items.map((p) => p.metadata!.name!));
      await scaleDeployment(apps, namespace, 'one-per-node', i);
      const pod = await waitFor(
        async () => (await stack!.kube.core.listNamespacedPod({ namespace })).items.find((p) => !knownPods.has(p.metadata!.name!)),
        { timeoutMs: 30_000, intervalMs: 50, description: `the new pod of run ${i}` },
      );
      const podName = pod.metadata!.name!;
      const failedAtMs = await waitFor(
        async () => {
          const events = await stack!.kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${podName},reason=FailedScheduling` });
          return events.items.length > 0 ? Math.min(...events.items.map(eventTimeMs)) : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, description: `FailedScheduling for ${podName}` },
      );
      const create = await waitFor(() => stack!.calls('createVm').slice(createsBefore).find((c) => !c.fault), {
        timeoutMs: 60_000,
        intervalMs: 20,
        description: `the VPSie create call of run ${i}\n${stack.describe()}`,
      });
      const latencyMs = create.atMs - failedAtMs;
      latencies.push(latencyMs);
      log(`run ${String(i).padStart(2)}: FailedScheduling → create ${latencyMs} ms`);
      // Let the node join and the pod run, so the next run starts from a settled cluster.
      await waitFor(
        async () => (await stack!.kube.core.readNamespacedPod({ namespace, name: podName })).status?.phase === 'Running',
        { timeoutMs: 60_000, intervalMs: 100, description: `${podName} Running` },
      );
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p95 = percentile(sorted, 95);
    log(`FailedScheduling → VPSie create over ${RUNS} runs: p50 ${p50} ms, p95 ${p95} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms (target p95 < ${TARGET_P95_MS} ms)`);
    return [
      { name: 'e2e FailedScheduling → VPSie create p50', value: p50, unit: 'ms' },
      { name: 'e2e FailedScheduling → VPSie create p95', value: p95, unit: 'ms', target: TARGET_P95_MS, ok: p95 < TARGET_P95_MS },
    ];
  } finally {
    await stack?.stop().catch((error: unknown) => log(`stack stop failed: ${String(error)}`));
    await controlPlane?.stop();
  }
}
