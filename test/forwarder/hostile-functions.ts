import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PLAN_METHOD, SIGNATURE_HEADERS, signMessage } from '../../shared/signing.ts';

// A hostile stand-in for the functions on loopback: it holds the cluster's signing key (a leaked key
// or a compromised deployment) and answers whatever body the test scripts, signed correctly and bound
// to the request it answers, so the forwarder's only protection is its own bounds. Large bodies are
// streamed in chunks, never built in memory, so the memory a test measures is the forwarder's.

export type HostileAnswer =
  /** `bytes` as a 200 plan, signed over exactly those bytes. */
  | { kind: 'signed'; bytes: Buffer; gzip?: boolean; bind?: boolean }
  /** `totalBytes` of filler with this status, written in 64 KiB chunks (never held whole). */
  | { kind: 'stream'; status: number; totalBytes: number; announceLength?: boolean; signed?: boolean }
  /** A fixed body with this status and optional Content-Encoding (an error page, a gzip bomb). */
  | { kind: 'raw'; status: number; bytes: Buffer; encoding?: string; signed?: boolean };

export interface HostileFunctions {
  url: string;
  /** Answers in order; the last one repeats. */
  answers: HostileAnswer[];
  /** Requests received and bytes the stub managed to write for each (a bounded reader stops it early). */
  requests: number;
  bytesWritten: number[];
  stop(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);

export async function startHostileFunctions(options: { clusterId: string; signingKey: string }): Promise<HostileFunctions> {
  const state = { answers: [] as HostileAnswer[], requests: 0, bytesWritten: [] as number[] };
  const server: Server = createServer((req, res) => {
    drain(req).then(() => {
      const answer = state.answers.length > 1 ? state.answers.shift()! : state.answers[0];
      if (!answer) return void res.writeHead(500).end('no answer scripted');
      const index = state.requests++;
      state.bytesWritten[index] = 0;
      const sign = (body: Buffer, bind = true) => signMessage({
        key: options.signingKey, clusterId: options.clusterId, method: PLAN_METHOD, path: req.url ?? '/', body, nowMs: Date.now(),
        ...(bind ? { inReplyTo: String(req.headers[SIGNATURE_HEADERS.nonce]) } : {}),
      });
      if (answer.kind === 'signed') {
        res.writeHead(200, { 'content-type': 'application/json', ...(answer.gzip ? { 'content-encoding': 'gzip' } : {}), ...sign(answer.bytes, answer.bind ?? true) });
        state.bytesWritten[index] = answer.bytes.length;
        return void res.end(answer.bytes);
      }
      if (answer.kind === 'raw') {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.encoding ? { 'content-encoding': answer.encoding } : {}), ...(answer.signed ? sign(answer.bytes) : {}) });
        state.bytesWritten[index] = answer.bytes.length;
        return void res.end(answer.bytes);
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...(answer.announceLength ? { 'content-length': String(answer.totalBytes) } : {}) });
      stream(res, answer.totalBytes, (n) => { state.bytesWritten[index]! += n; });
    }).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const hostile = state as HostileFunctions;
  hostile.url = `http://127.0.0.1:${port}`;
  hostile.stop = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return hostile;
}

/** Writes `totalBytes` in chunks, respecting backpressure, until done or the client hangs up. */
function stream(res: ServerResponse, totalBytes: number, wrote: (n: number) => void): void {
  let left = totalBytes;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, CHUNK.length);
      left -= n;
      wrote(n);
      if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.on('error', () => { left = 0; });
  pump();
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('data', () => {});
    req.on('end', resolve);
    req.on('error', reject);
  });
}

/**
 * A gzip stream that inflates to `members` × `memberBytes` of zeros, built without ever holding the
 * inflated bytes: one member is compressed once and repeated (gunzip reads concatenated members).
 * 8 × 64 MiB: 512 MiB inflated from about 0.5 MB.
 */
export function gzipBomb(members = 8, memberBytes = 64 * 1024 * 1024): Buffer {
  const member = gzipSync(Buffer.alloc(memberBytes), { level: 9 });
  return Buffer.concat(Array.from({ length: members }, () => member));
}
