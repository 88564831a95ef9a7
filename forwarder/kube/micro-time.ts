// Kubernetes MicroTime (Lease acquireTime/renewTime, events.k8s.io eventTime) must carry exactly six
// fractional digits: the API server rejects the millisecond form JSON.stringify(new Date()) gives.
export function formatMicroTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2024-05-01T12:00:00.123Z
  return `${iso.slice(0, 23)}000Z`;
}

/** RFC 3339 with seconds precision (metav1.Time), e.g. for a bootstrap token's expiration. */
export function formatTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 19)}Z`;
}
