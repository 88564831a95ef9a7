import type { HostPort, NodeResources, PodShape, SnapshotTaint } from '../../../shared/snapshot.ts';
import type { GroupKey } from '../types.ts';

/** A pod as the simulation sees it: its shape (requests, labels, constraints) and identity. */
export interface SimPod {
  /** "<namespace>/<name>"; unique within a model. */
  readonly key: string;
  readonly namespace: string;
  readonly shape: PodShape;
  /** Index of the shape in the snapshot (−1 when the shape is not from a snapshot). */
  readonly shapeIndex: number;
}

/**
 * existing: a Node in the snapshot. in-flight: a launch in progress (no Node yet, or joining).
 * new: a node the planner is considering launching now.
 */
export type SimNodeKind = 'existing' | 'in-flight' | 'new';

export interface SimNodeInit {
  name: string;
  labels: Record<string, string>;
  taints: SnapshotTaint[];
  allocatable: NodeResources;
  kind: SimNodeKind;
  nodeGroup?: GroupKey;
  offeringId?: string;
}

/** A node in a model. Only the model mutates `requested`, `pods` and `hostPorts` (bind/unbind). */
export interface SimNode extends Readonly<SimNodeInit> {
  readonly requested: NodeResources;
  readonly pods: readonly SimPod[];
  readonly hostPorts: readonly HostPort[];
}

/** Why a pod does not fit a node; `reason` is a stable code, `message` is for people. */
export interface Misfit {
  reason: MisfitReason;
  message: string;
}

export type MisfitReason =
  | 'insufficient-cpu'
  | 'insufficient-memory'
  | 'insufficient-ephemeral-storage'
  | 'too-many-pods'
  | 'node-selector'
  | 'node-affinity'
  | 'taint'
  | 'host-port'
  | 'pod-affinity'
  | 'pod-anti-affinity'
  | 'topology-spread';
