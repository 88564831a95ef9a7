import { describe, expect, it } from 'vitest';
import { policyOverridesSchema } from './config.ts';

describe('policy overrides: expendablePodsPriorityCutoff (issue 16)', () => {
  it('accepts an integer cutoff and refuses a fraction or a value outside the int32 priority range', () => {
    expect(policyOverridesSchema.parse({ expendablePodsPriorityCutoff: -100 })).toEqual({ expendablePodsPriorityCutoff: -100 });
    expect(policyOverridesSchema.safeParse({ expendablePodsPriorityCutoff: 0.5 }).success).toBe(false);
    expect(policyOverridesSchema.safeParse({ expendablePodsPriorityCutoff: 2 ** 31 }).success).toBe(false);
  });
});

describe('policy overrides: pdbDisruptionMode', () => {
  it('accepts "paced" and "all-at-once" and refuses anything else', () => {
    expect(policyOverridesSchema.parse({ pdbDisruptionMode: 'all-at-once' })).toEqual({ pdbDisruptionMode: 'all-at-once' });
    expect(policyOverridesSchema.parse({ pdbDisruptionMode: 'paced' })).toEqual({ pdbDisruptionMode: 'paced' });
    expect(policyOverridesSchema.safeParse({ pdbDisruptionMode: 'never' }).success).toBe(false);
  });
});
