import { measureScaleUpLatency } from '../e2e/latency.ts';
import { startStack, type Stack } from '../e2e/stack.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';

// `npm run bench`: scale-up latency on the whole local stack (test/e2e/latency.ts), from the first
// FailedScheduling event of a pod that needs a new node to the VPSie create call. Target: p95 < 3 s.
// BENCH_E2E_RUNS (default 12) sets the number of runs.

const RUNS = Number(process.env.BENCH_E2E_RUNS ?? 12);
const TARGET_P95_MS = 3_000;

function log(message: string): void {
  process.stdout.write(`e2e latency bench: ${message}\n`);
}

export async function run(): Promise<Array<{ name: string; value: number; unit: string; target?: number; ok?: boolean }>> {
  let controlPlane: ControlPlane | undefined;
  let stack: Stack | undefined;
  try {
    log('starting a control plane and the stack (functions with their embedded store, one forwarder)');
    controlPlane = await startControlPlane();
    stack = await startStack({ kubeconfigPath: controlPlane.kubeconfigPath, provisionMs: 1_000 });
    const result = await measureScaleUpLatency(stack, { runs: RUNS, log });
    const sorted = [...result.samplesMs].sort((a, b) => a - b);
    log(`FailedScheduling → VPSie create over ${RUNS} runs: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, min ${sorted[0]} ms, max ${sorted.at(-1)} ms (target p95 < ${TARGET_P95_MS} ms)`);
    return [
      { name: 'e2e FailedScheduling → VPSie create p50', value: result.p50Ms, unit: 'ms' },
      { name: 'e2e FailedScheduling → VPSie create p95', value: result.p95Ms, unit: 'ms', target: TARGET_P95_MS, ok: result.p95Ms < TARGET_P95_MS },
    ];
  } finally {
    await stack?.stop().catch((error: unknown) => log(`stack stop failed: ${String(error)}`));
    await controlPlane?.stop();
  }
}
