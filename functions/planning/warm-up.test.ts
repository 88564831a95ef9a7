import { describe, expect, it } from 'vitest';
import { warmUpPlanner } from './warm-up.ts';

describe('warmUpPlanner', () => {
  it('plans a scale-up on its made-up burst (the path a first reconcile takes), launching at least one node', () => {
    const r = warmUpPlanner();
    expect(r.commands.filter((c) => c.kind === 'createVm').length).toBeGreaterThan(0);
    expect(r.unschedulable).toEqual([]);
  });
});
