import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// The functions as AWS Lambda runs them, for the benchmarks that measure them (planner.bench.ts,
// functions-scale.ts). Lambda's Node.js bootstrap starts node with the heap sized from the
// function's memory setting: --max-semi-space-size at 5 % and --max-old-space-size at 90 % of it,
// in MB (51 and 921 at 1024 MB), unless NODE_OPTIONS already sets either (serverless.yml's sets
// neither: lambda-runtime.test.ts checks). The semi-space is the young generation's: at V8's
// default of 16 MiB a 1000-node plan (~60 MiB allocated) scavenges about four times, at 51 MiB
// about once; measured without the flags, a benchmark times another garbage collector than the one
// users run.

const ROOT = join(import.meta.dirname, '..', '..');

/** serverless.yml's provider section (the parts read here). */
export function lambdaProvider(text = readFileSync(join(ROOT, 'serverless.yml'), 'utf8')): { memorySize?: unknown; environment?: { NODE_OPTIONS?: unknown } } {
  return ((parse(text) as { provider?: object } | null)?.provider ?? {}) as { memorySize?: unknown; environment?: { NODE_OPTIONS?: unknown } };
}

/** serverless.yml's provider memorySize, in MB. */
export function lambdaMemoryMb(text?: string): number {
  const memory = lambdaProvider(text).memorySize;
  if (typeof memory !== 'number' || !Number.isInteger(memory) || memory <= 0) throw new Error('serverless.yml: no provider memorySize');
  return memory;
}

/** The heap flags Lambda's bootstrap passes for a function of `memoryMb`. */
export function lambdaNodeFlags(memoryMb: number): string[] {
  return [`--max-semi-space-size=${Math.floor((memoryMb * 5) / 100)}`, `--max-old-space-size=${Math.floor((memoryMb * 90) / 100)}`];
}
