import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lambdaMemoryMb, lambdaNodeFlags, lambdaProvider } from './lambda-runtime.ts';

const yaml = readFileSync(join(import.meta.dirname, '..', '..', 'serverless.yml'), 'utf8');

describe('the benchmarks run the functions with the heap Lambda gives them', () => {
  it('at 1024 MB: a 51 MB semi-space and a 921 MB old space (5 % and 90 %, rounded down, as the bootstrap computes them)', () => {
    expect(lambdaNodeFlags(1024)).toEqual(['--max-semi-space-size=51', '--max-old-space-size=921']);
    expect(lambdaNodeFlags(2048)).toEqual(['--max-semi-space-size=102', '--max-old-space-size=1843']);
  });

  it('the memory is serverless.yml\'s, and its NODE_OPTIONS leaves the bootstrap\'s heap flags in place', () => {
    expect(lambdaMemoryMb('provider:\n  name: aws\n  memorySize: 1536\n  timeout: 29\n')).toBe(1536);
    expect(lambdaMemoryMb(yaml)).toBeGreaterThanOrEqual(128);
    const options = lambdaProvider(yaml).environment?.NODE_OPTIONS;
    expect(typeof options).toBe('string');
    expect(options).not.toMatch(/max[-_](semi|old)[-_]space[-_]size/);
  });

  it('a serverless.yml without a provider memorySize is an error, not a guess', () => {
    expect(() => lambdaMemoryMb('provider:\n  name: aws\n')).toThrow('serverless.yml: no provider memorySize');
  });
});
