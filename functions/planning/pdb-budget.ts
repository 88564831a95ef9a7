import type { PodShape, SnapshotPdb, SnapshotPod } from '../../shared/snapshot.ts';
import { matchingPdbs } from './pod-rules.ts';

// Disruptions left per PodDisruptionBudget across one plan, so that two nodes that each look
// removable alone cannot together start more than a budget allows. Two rules (Policy.pdbDisruptionMode):
//
// - "paced" (the default; Karpenter): a node may be drained when every PDB covering its pods allows
//   at least one disruption now. The drain evicts through the Eviction API, which answers 429 while
//   the budget is spent; the drain retries each step (drains.ts, drain-pdb-wait.ts) until its pods
//   are gone or the drain deadline passes. Starting the drain spends min(needed, allowed) of each
//   PDB, so a second node's drain never starts on a PDB the first has used up.
// - "all-at-once" (Cluster Autoscaler's RemainingPdbTracker): removing a node needs a disruption for
//   every evicted pod at once; a node with more pods of a PDB than it allows now is never emptied.
//
// Either way the API server enforces the PDB on every eviction; this only decides what to start.

export type PdbDisruptionMode = 'paced' | 'all-at-once';

export interface PdbShortfall { pdb: SnapshotPdb; needed: number; allowed: number; mode: PdbDisruptionMode }

export class PdbBudget {
  private readonly remaining = new Map<SnapshotPdb, number>();

  constructor(private readonly pdbs: readonly SnapshotPdb[], readonly mode: PdbDisruptionMode = 'paced') {
    for (const pdb of pdbs) this.remaining.set(pdb, pdb.disruptionsAllowed);
  }

  /** The first PDB that keeps these pods' drain from starting now, if any. */
  shortfall(pods: readonly { pod: SnapshotPod; shape: PodShape }[]): PdbShortfall | undefined {
    const needed = this.tally(pods);
    for (const [pdb, count] of needed) {
      const allowed = this.remaining.get(pdb) ?? 0;
      const enough = this.mode === 'paced' ? allowed >= 1 : count <= allowed;
      if (!enough) return { pdb, needed: count, allowed, mode: this.mode };
    }
    return undefined;
  }

  /**
   * Spends min(needed, left) of each PDB (never below zero: evictions already in flight may
   * overdraw). In paced mode a drain needing more than is left takes all that is left.
   */
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

/** The shortfall for people: what the PDB allows, what the node's drain needs, and which rule said no. */
export function describeShortfall(s: PdbShortfall, what: string): string {
  const rule = s.mode === 'paced'
    ? 'a drain starts only while the budget allows at least one disruption (pdbDisruptionMode paced)'
    : 'all of its pods must be disruptable at once (pdbDisruptionMode all-at-once)';
  return `PodDisruptionBudget ${s.pdb.namespace}/${s.pdb.name} allows ${s.allowed} disruption(s) now; ${what} needs ${s.needed}, and ${rule}`;
}
