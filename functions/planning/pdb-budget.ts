import type { PodShape, SnapshotPdb, SnapshotPod } from '../../shared/snapshot.ts';
import { matchingPdbs } from './pod-rules.ts';

// Disruptions left per PodDisruptionBudget across one plan (Cluster Autoscaler's
// RemainingPdbTracker): removing a node spends one disruption per evicted pod from every PDB that
// covers it, so two nodes that each look removable alone cannot together break a budget.

export interface PdbShortfall { pdb: SnapshotPdb; needed: number; allowed: number }

export class PdbBudget {
  private readonly remaining = new Map<SnapshotPdb, number>();

  constructor(private readonly pdbs: readonly SnapshotPdb[]) {
    for (const pdb of pdbs) this.remaining.set(pdb, pdb.disruptionsAllowed);
  }

  /** The first PDB that cannot absorb evicting all these pods, if any. */
  shortfall(pods: readonly { pod: SnapshotPod; shape: PodShape }[]): PdbShortfall | undefined {
    const needed = this.tally(pods);
    for (const [pdb, count] of needed) {
      const allowed = this.remaining.get(pdb) ?? 0;
      if (count > allowed) return { pdb, needed: count, allowed };
    }
    return undefined;
  }

  /** Spends the disruptions (never below zero: evictions already in flight may overdraw). */
  spend(pods: readonly { pod: SnapshotPod; shape: PodShape }[]): void {
    for (const [pdb, count] of this.tally(pods)) this.remaining.set(pdb, Math.max(0, (this.remaining.get(pdb) ?? 0) - count));
  }

  private tally(pods: readonly { pod: SnapshotPod; shape: PodShape }[]): Map<SnapshotPdb, number> {
    const needed = new Map<SnapshotPdb, number>();
    for (const { pod, shape } of pods) {
      for (const pdb of matchingPdbs(pod, shape, this.pdbs)) needed.set(pdb, (needed.get(pdb) ?? 0) + 1);
    }
    return needed;
  }
}
