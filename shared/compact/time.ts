import type { KubeTime } from './kube-types.ts';

/**
 * Milliseconds since the epoch for a Kubernetes timestamp: client-node gives Date objects, JSON and
 * YAML give RFC 3339 strings. Absent or unparsable → undefined.
 */
export function toEpochMs(time: KubeTime): number | undefined {
  if (time === null || time === undefined) return undefined;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}
