import { plan } from '../../functions/planning/plan.ts';
import type { PlanResult, PlanningState, Policy } from '../../functions/planning/types.ts';
import { NODEGROUP_LABEL } from '../../shared/labels.ts';
import type { PodShape } from '../../shared/snapshot.ts';
import {
  boundPod, buildSnapshot, emptyState, NO_RESERVATIONS, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type SnapshotParts, type TestPod,
} from '../fixtures/planning-builders.ts';

// Golden scenarios ported from public test suites (Cluster Autoscaler, Karpenter). The anchors'
// "node template" becomes a NodeGroup with one offering of exactly that size (kubelet reservations
// zeroed, so allocatable = offering); pods, limits and expected outcomes are the anchors' own.

export const NOW = 50_000_000;

export interface TemplateOptions {
  cpuMillis: number;
  memoryMiB: number;
  pods?: number;
  maxNodes?: number;
  minNodes?: number;
  price?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  zone?: string;
  offeringId?: string;
}

/** A group whose only offering is the anchor's template node. CPU must be whole cores (VPSie plans are). */
export function templateGroup(name: string, o: TemplateOptions): { group: ReturnType<typeof nodeGroup>; offering: ReturnType<typeof offering> } {
  if (o.cpuMillis % 1000 !== 0) throw new Error(`template ${name}: ${o.cpuMillis}m is not whole cores; scale the case`);
  const id = o.offeringId ?? `${name}-plan`;
  return {
    offering: offering(id, o.cpuMillis / 1000, o.memoryMiB, o.price ?? o.cpuMillis / 1000 + o.memoryMiB / 1024, { datacenterID: o.zone ?? 'dc1' }),
    group: nodeGroup(name, {
      offeringIDs: [id],
      maxNodes: o.maxNodes ?? 1000,
      minNodes: o.minNodes ?? 0,
      datacenterID: o.zone ?? 'dc1',
      labels: o.labels ?? {},
      taints: o.taints ?? [],
      kubelet: { ...NO_RESERVATIONS, maxPods: o.pods ?? 110 },
    }),
  };
}

/** A pending pod shape in millicores and bytes/MiB as the anchors write them. */
export function podShape(cpuMillis: number, memoryBytes: number, extra: Partial<PodShape> = {}): PodShape {
  const s = shape({ cpu: `${cpuMillis}m`, memory: String(memoryBytes) });
  return { ...s, ...extra };
}

export interface Outcome {
  result: PlanResult;
  /** New nodes per group name. */
  nodes: Record<string, number>;
  /** New nodes per offering. */
  offerings: Record<string, number>;
  /** Pending pods the plan puts on new nodes. */
  podsOnNewNodes: number;
  unschedulable: string[];
  /** Pod keys placed on existing or in-flight nodes. */
  onExisting: number;
}

export function runPlan(parts: SnapshotParts, state: PlanningState = emptyState(), policy: Partial<Policy> = {}): Outcome {
  const result = plan(buildSnapshot({ takenAtMs: NOW, ...parts }), state, testPolicy(policy), NOW);
  const nodes: Record<string, number> = {};
  const offerings: Record<string, number> = {};
  for (const p of result.provision) {
    const name = p.nodeGroup.slice(p.nodeGroup.indexOf('/') + 1);
    nodes[name] = (nodes[name] ?? 0) + p.count;
    offerings[p.offering] = (offerings[p.offering] ?? 0) + p.count;
  }
  const podsOnNewNodes = result.decisions.filter((d) => d.kind === 'scale-up').reduce((sum, d) => sum + Number(d.details?.pods ?? 0), 0);
  const onExisting = Number(result.decisions.find((d) => d.reason === 'fits-existing-capacity')?.details?.pods ?? 0);
  return { result, nodes, offerings, podsOnNewNodes, unschedulable: result.unschedulable.map((u) => u.pod).sort(), onExisting };
}

/** A node of a group (labelled), as the anchors' existing nodes. */
export function groupNode(name: string, group: string | undefined, cpuMillis: number, memoryMiB: number, extra: Parameters<typeof testNode>[1] = {}) {
  return testNode(name, { cpu: `${cpuMillis}m`, memory: `${memoryMiB}Mi`, ...(group ? { group } : {}), ...extra, labels: { ...(group ? { [NODEGROUP_LABEL]: group } : {}), ...extra.labels } });
}

export { boundPod, pendingPods, type TestPod };
