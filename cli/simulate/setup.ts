import { groupKey, type ValidGroup } from '../../functions/planning/context.ts';
import { NodeGroupValidationError, parseNodeGroup, parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import type { Offering, SnapshotNodeGroup } from '../../shared/snapshot.ts';
import { readClusterFile } from '../plan/cluster-file.ts';
import { PlanInputError } from '../plan/input-error.ts';
import { SimulateInputError } from './input-error.ts';
import type { Trace } from './trace.ts';

// The NodeGroups a simulation runs with: the trace's own, or those of a cluster dump (--cluster,
// what `kubectl get ng -A -o yaml` prints; its other objects are not replayed). Validated with the
// NodeGroup schema; every offering they name must be in the offerings list.

export interface RawGroup { namespace: string; name: string; spec: Record<string, unknown> }

export interface GroupSet {
  groups: ValidGroup[];
  /** As the forwarder sends them: the planner validates them again. */
  nodeGroups: SnapshotNodeGroup[];
}

export function groupsFromCluster(path: string): RawGroup[] {
  try {
    return readClusterFile(path).nodeGroups.map((raw) => {
      const group = parseNodeGroup(raw);
      const spec = (raw as { spec: Record<string, unknown> }).spec;
      return { namespace: group.metadata.namespace, name: group.metadata.name, spec };
    });
  } catch (error) {
    if (error instanceof PlanInputError || error instanceof NodeGroupValidationError) throw new SimulateInputError(`--cluster ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}

export function buildGroups(raw: readonly RawGroup[], offerings: readonly Offering[]): GroupSet {
  if (raw.length === 0) throw new SimulateInputError('no NodeGroups: give them in the trace (nodeGroups:) or with --cluster <dump.yaml>');
  const known = new Set(offerings.map((o) => o.identifier));
  const groups: ValidGroup[] = [];
  const seen = new Set<string>();
  for (const group of raw) {
    const key = groupKey(group.namespace, group.name);
    if (seen.has(key)) throw new SimulateInputError(`NodeGroup ${key} is listed twice`);
    seen.add(key);
    let spec;
    try {
      spec = parseNodeGroupSpec(group.spec, key);
    } catch (error) {
      if (error instanceof NodeGroupValidationError) throw new SimulateInputError(error.message, { cause: error });
      throw error;
    }
    const missing = spec.offeringIDs.filter((id) => !known.has(id));
    if (missing.length > 0) throw new SimulateInputError(`NodeGroup ${key}: offering ${missing.map((m) => `"${m}"`).join(', ')} not in the offerings list`);
    groups.push({ key, namespace: group.namespace, name: group.name, spec });
  }
  groups.sort((a, b) => a.key.localeCompare(b.key));
  return {
    groups,
    nodeGroups: raw.map((g) => ({ namespace: g.namespace, name: g.name, generation: 1, spec: g.spec })),
  };
}

export function traceGroups(trace: Trace): RawGroup[] {
  return (trace.nodeGroups ?? []).map((g) => ({ namespace: g.namespace, name: g.name, spec: g.spec }));
}
