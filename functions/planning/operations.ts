import type { PlanContext } from './context.ts';

// Placeholder until its issue lands; replaced by the real phase.
export function advanceOperations(_ctx: PlanContext): void {}
