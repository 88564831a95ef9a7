// How many bytes a reconcile may bring, and why (docs/sizing.md). Two limits:
//
//  - the body as sent (gzip): Lambda's 6 MiB request payload. What API Gateway delivers to Lambda is
//    the event, the gzip body base64-encoded inside it, so a body arriving through Lambda is at most
//    ~4.4 MiB; the same 6 MiB cap applies locally (identity bodies). Not configurable: Lambda's.
//  - the snapshot decompressed: sized from the function's memory, 1/SNAPSHOT_MEMORY_RATIO of it
//    (16 MiB at Lambda's 1024 MB). A reconcile's peak memory grows with the pods, and a v2 snapshot
//    carries the most pods per byte: measured ~45 MiB of RSS per MiB of v2 snapshot at 170,000
//    pods, plan and state writes included, over ~80 MiB at rest (test/bench/functions.bench.ts),
//    so a v2 snapshot at 1/64 peaks at about 0.8 of the memory (~270,000 pods at 1024 MB). v1
//    carries a third of the pods per byte: well within. VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES overrides it.
//
// Decompression stops at the limit (gunzip's maxOutputLength), so a gzip bomb costs at most that.

export const MIB = 1024 * 1024;
/** Lambda's synchronous request payload limit. */
export const MAX_BODY_BYTES = 6 * MIB;
/** The decompressed snapshot may be at most 1/64 of the function's memory (see above). */
export const SNAPSHOT_MEMORY_RATIO = 64;
export const MAX_SNAPSHOT_BYTES_ENV = 'VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES';
export const FUNCTION_MEMORY_ENV = 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE';

export interface BodyLimits {
  /** The request body as sent (gzip or not). */
  maxBodyBytes: number;
  /** The snapshot after gunzip. */
  maxSnapshotBytes: number;
  /** Where maxSnapshotBytes comes from and how to raise it: the 413's message. */
  snapshotLimitReason: string;
}

export interface BodyLimitInputs {
  /** VPSIE_AUTOSCALER_MAX_SNAPSHOT_BYTES (config maxSnapshotBytes). */
  maxSnapshotBytes?: number | undefined;
  /** AWS_LAMBDA_FUNCTION_MEMORY_SIZE, set by Lambda (config functionMemoryMb). */
  functionMemoryMb?: number | undefined;
  /** Off Lambda: the V8 heap limit (v8.getHeapStatistics().heap_size_limit). */
  heapLimitBytes: number;
}

const mib = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`;

export function bodyLimits(inputs: BodyLimitInputs): BodyLimits {
  const raise = `give the function more memory (memorySize in serverless.yml) or set ${MAX_SNAPSHOT_BYTES_ENV}`;
  if (inputs.maxSnapshotBytes !== undefined) {
    return { maxBodyBytes: MAX_BODY_BYTES, maxSnapshotBytes: inputs.maxSnapshotBytes, snapshotLimitReason: `set by ${MAX_SNAPSHOT_BYTES_ENV}; raise it (with the function's memory, docs/sizing.md)` };
  }
  if (inputs.functionMemoryMb !== undefined) {
    const bytes = Math.floor((inputs.functionMemoryMb * MIB) / SNAPSHOT_MEMORY_RATIO);
    return { maxBodyBytes: MAX_BODY_BYTES, maxSnapshotBytes: bytes, snapshotLimitReason: `1/${SNAPSHOT_MEMORY_RATIO} of the function's ${inputs.functionMemoryMb} MB of memory (${FUNCTION_MEMORY_ENV}); ${raise}` };
  }
  const bytes = Math.floor(inputs.heapLimitBytes / SNAPSHOT_MEMORY_RATIO);
  return { maxBodyBytes: MAX_BODY_BYTES, maxSnapshotBytes: bytes, snapshotLimitReason: `1/${SNAPSHOT_MEMORY_RATIO} of the ${mib(inputs.heapLimitBytes)} V8 heap limit; raise it with --max-old-space-size or set ${MAX_SNAPSHOT_BYTES_ENV}` };
}

export const BODY_LIMIT_REASON = `Lambda's request payload limit (the gzip body arrives base64-encoded in a 6 MiB event: about 4.4 MiB of gzip); the forwarder's snapshot is too large for one request (docs/sizing.md)`;
