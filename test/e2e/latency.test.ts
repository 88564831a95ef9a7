import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteWorkloadNamespace, expectNoDuplicateVms, startE2eStack } from './e2e-helpers.ts';
import { measureScaleUpLatency } from './latency.ts';
import type { Stack } from './stack.ts';

// Scale-up latency, printed (tests never assert wall-clock times; `npm run bench` checks the target):
// from the first FailedScheduling event of a pod that needs a new node to the VPSie create call,
// p50/p95 over 10 runs. What is asserted: each run asked VPSie for exactly one VM.

const RUNS = 10;

describe('scale-up latency', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startE2eStack({ provisionMs: 1_000 });
  });

  afterAll(async () => {
    await deleteWorkloadNamespace(stack, 'latency');
    await stack?.stop();
  });

  it(`prints FailedScheduling → VPSie create p50/p95 over ${RUNS} runs`, async () => {
    const result = await measureScaleUpLatency(stack, { runs: RUNS });
    console.log(
      `e2e latency: FailedScheduling → VPSie create over ${RUNS} runs: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms ` +
        `(samples ${result.samplesMs.join(', ')} ms; target p95 < 3000 ms, checked by npm run bench)`,
    );
    expect(result.samplesMs).toHaveLength(RUNS);
    expect(result.createsPerRun).toEqual(Array(RUNS).fill(1));
    expectNoDuplicateVms(stack);
  });
});
