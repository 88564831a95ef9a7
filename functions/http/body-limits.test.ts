import { describe, expect, it } from 'vitest';
import { composeDeps } from '../compose.ts';
import { configFromEnv } from '../config-sources.ts';
import { parseFunctionsConfig } from '../config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { bodyLimits, MAX_BODY_BYTES } from './body-limits.ts';

// The decompressed snapshot limit: 1/64 of the function's memory (Lambda's setting), else 1/64 of the
// V8 heap limit, unless VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES says otherwise. The body as sent stays at
// Lambda's 6 MiB request limit whatever the memory.

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('bodyLimits', () => {
  it('derives the decompressed limit from the Lambda memory setting', () => {
    expect(bodyLimits({ functionMemoryMb: 1024, heapLimitBytes: 4 * GIB })).toMatchObject({ maxSnapshotBytes: 16 * MIB, maxBodyBytes: 6 * MIB });
    expect(bodyLimits({ functionMemoryMb: 3008, heapLimitBytes: 4 * GIB }).maxSnapshotBytes).toBe(47 * MIB);
    expect(bodyLimits({ functionMemoryMb: 1024, heapLimitBytes: 4 * GIB }).snapshotLimitReason).toMatch(/1\/64 of the function's 1024 MB.*AWS_LAMBDA_FUNCTION_MEMORY_SIZE.*VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES/);
  });

  it('takes the explicit setting over the memory', () => {
    const limits = bodyLimits({ maxSnapshotBytes: 20 * MIB, functionMemoryMb: 1024, heapLimitBytes: 4 * GIB });
    expect(limits.maxSnapshotBytes).toBe(20 * MIB);
    expect(limits.snapshotLimitReason).toContain('VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES');
  });

  it('off Lambda, derives it from the V8 heap limit', () => {
    const limits = bodyLimits({ heapLimitBytes: 2 * GIB });
    expect(limits.maxSnapshotBytes).toBe(32 * MIB);
    expect(limits.snapshotLimitReason).toContain('--max-old-space-size');
  });

  it('keeps the body as sent at Lambda\'s request limit, whatever the memory', () => {
    expect(bodyLimits({ functionMemoryMb: 10_240, heapLimitBytes: 4 * GIB }).maxBodyBytes).toBe(MAX_BODY_BYTES);
    expect(MAX_BODY_BYTES).toBe(6 * MIB);
  });
});

describe('the limit from the environment', () => {
  const base = { VPSIE_AUTOSCALER_TABLE: 'state', VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify({ c1: { signingKey: 's'.repeat(40), triggerToken: 't'.repeat(20) } }) };
  const limitsOf = (env: Record<string, string>) => {
    const { input, problems } = configFromEnv({ ...base, ...env });
    return composeDeps(parseFunctionsConfig(input, problems)).bodyLimits;
  };

  it('reads AWS_LAMBDA_FUNCTION_MEMORY_SIZE, as Lambda sets it', () => {
    expect(limitsOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048' }).maxSnapshotBytes).toBe(32 * MIB);
  });

  it('reads VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES', () => {
    expect(limitsOf({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES: String(96 * MIB) }).maxSnapshotBytes).toBe(96 * MIB);
  });

  it('refuses a limit that is not a number of bytes of at least 1 MiB, at start-up', () => {
    expect(() => limitsOf({ VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES: '64Mi' })).toThrow(ConfigError);
    expect(() => limitsOf({ VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES: '1000' })).toThrow(/maxSnapshotBytes.*at least 1 MiB/s);
  });
});
