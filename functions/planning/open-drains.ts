import type { DrainOperation, PlanningState } from './types.ts';

// Which nodes are leaving, one definition for every phase (scale-down, the removal simulation, the
// NotReady replacement, consolidation, pacing):
// - an open drain is one not finished: its node is busy — tainted, or being handed back — and no
//   second operation may start on it;
// - a removal underway is an open drain that will end in a deletion (not being handed back): its
//   node is going, it needs a deletion from the forwarder's budget, it disrupts its group.

export function openDrains(state: PlanningState): DrainOperation[] {
  return state.operations.filter((op): op is DrainOperation => op.kind === 'drain' && op.status !== 'succeeded' && op.status !== 'failed');
}

export function removalsUnderway(state: PlanningState): DrainOperation[] {
  return openDrains(state).filter((op) => op.status !== 'aborting');
}

export function nodesOf(drains: readonly DrainOperation[]): Set<string> {
  return new Set(drains.map((op) => op.node));
}
