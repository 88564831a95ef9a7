import type { SnapshotUnknownPod } from '../snapshot.ts';

// What can still be read of a pod whose compaction failed. The pod exists, so it must keep counting
// against its node (fail closed): its identity and placement are read defensively, nothing else.

export const UNREADABLE_REASON_MAX = 300;

export interface UnreadablePod extends SnapshotUnknownPod {
  /** spec.nodeName is present but not a name: the pod may be on any node. */
  nodeUnknown?: true;
}

const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** undefined = safe to forget (a finished pod holds nothing and blocks nothing). Never throws. */
export function unreadablePod(object: unknown, error: unknown): UnreadablePod | undefined {
  const pod = (typeof object === 'object' && object !== null ? object : {}) as {
    metadata?: { name?: unknown; namespace?: unknown };
    spec?: { nodeName?: unknown };
    status?: { phase?: unknown };
  };
  const phase = typeof pod.status === 'object' && pod.status !== null ? pod.status.phase : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const meta = typeof pod.metadata === 'object' && pod.metadata !== null ? pod.metadata : {};
  const spec = typeof pod.spec === 'object' && pod.spec !== null ? pod.spec : {};
  const nodeName = spec.nodeName;
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, UNREADABLE_REASON_MAX);
  return {
    namespace: isName(meta.namespace) ? meta.namespace : 'default',
    name: isName(meta.name) ? meta.name : '(unnamed)',
    ...(isName(nodeName) ? { nodeName } : {}),
    ...(nodeName !== undefined && nodeName !== null && nodeName !== '' && !isName(nodeName) ? { nodeUnknown: true as const } : {}),
    reason,
  };
}
