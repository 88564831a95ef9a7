import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PLAN_VERSION, type Command, type Decision, type PlanMessage } from '../../shared/plan-message.ts';
import { MemoryNonceStore, PLAN_METHOD, signMessage, verifyMessage } from '../../shared/signing.ts';
import { parseWireSnapshot, type WireFormat } from '../../shared/compact/wire.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { Snapshot } from '../../shared/snapshot.ts';

// A stand-in for the functions' POST /v1/reconcile, for forwarder tests: verifies the request as the
// real service does (signature, gzip, snapshot schema: any wire format, or only v1 with `readsOnly`) and answers with whatever plan the test
// scripts, signed. The real service is exercised by the e2e tests.

export type FakeAnswer =
  | { status: 200; commands?: Command[]; decisions?: Decision[]; fencingToken?: number; nextContactAfterMs?: number; gzip?: boolean; tamper?: boolean; clusterId?: string }
  | { status: number; body?: string; retryAfterSeconds?: number; /** A Retry-After value as sent (a date, a bad value). */ retryAfter?: string }
  | { hangUp: true };

export interface FakeFunctions {
  url: string;
  /** Every verified snapshot received, oldest first. */
  snapshots: Snapshot[];
  /** Requests refused (bad signature, invalid snapshot), with why. */
  refusals: string[];
  /** Size of every request body as sent (gzip) and inflated, oldest first. */
  sizes: Array<{ bodyBytes: number; rawBytes: number }>;
  /** The next answers, in order; when empty, an empty plan with the current fencing token. */
  answers: FakeAnswer[];
  /** Increases with every plan, as the real lease does. */
  fencingToken: number;
  /** Resolves with the next snapshot received. */
  nextSnapshot(): Promise<Snapshot>;
  stop(): Promise<void>;
}

export async function startFakeFunctions(options: { clusterId: string; signingKey: string; port?: number; keepSnapshots?: number; /** Functions of an older release: refuse other formats with 400 as they did. */ readsOnly?: WireFormat }): Promise<FakeFunctions> {
  const nonces = new MemoryNonceStore();
  const waiters: Array<(s: Snapshot) => void> = [];
  let planSeq = 0;
  const state: Omit<FakeFunctions, 'url' | 'stop' | 'nextSnapshot'> = { snapshots: [], refusals: [], sizes: [], answers: [], fencingToken: 0 };
  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const path = req.url ?? '/';
      try {
        await verifyMessage({ key: options.signingKey, method: 'POST', path, body, headers: req.headers as Record<string, string>, nowMs: Date.now(), nonceStore: nonces });
      } catch (error) {
        state.refusals.push((error as Error).message);
        res.writeHead(401).end(JSON.stringify({ error: (error as Error).message }));
        return;
      }
      const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
      state.sizes.push({ bodyBytes: body.length, rawBytes: raw.length });
      const value = JSON.parse(raw.toString('utf8')) as { version?: unknown };
      let snapshot: Snapshot;
      try {
        if (options.readsOnly && value.version !== options.readsOnly) {
          // What an older release answered (its snapshotSchema had version: z.literal('v1')).
          throw new ValidationError('snapshot', [{ path: 'version', message: `Invalid input: expected "${options.readsOnly}"` }]);
        }
        snapshot = parseWireSnapshot(value);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const problems = error.problems.slice(0, 3);
        state.refusals.push(`invalid snapshot: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid', message: 'snapshot is invalid', problems }));
        return;
      }
      state.snapshots.push(snapshot);
      if (options.keepSnapshots !== undefined && state.snapshots.length > options.keepSnapshots) state.snapshots.shift();
      waiters.splice(0).forEach((w) => w(snapshot));
      const answer = state.answers.shift() ?? { status: 200 };
      if ('hangUp' in answer) {
        req.socket.destroy();
        return;
      }
      if (answer.status !== 200) {
        const e = answer as { status: number; body?: string; retryAfterSeconds?: number; retryAfter?: string };
        const retryAfter = e.retryAfter ?? (e.retryAfterSeconds === undefined ? undefined : String(e.retryAfterSeconds));
        res.writeHead(e.status, retryAfter === undefined ? {} : { 'retry-after': retryAfter }).end(e.body ?? '');
        return;
      }
      const a = answer as Extract<FakeAnswer, { status: 200 }>;
      state.fencingToken = a.fencingToken ?? Math.max(state.fencingToken + 1, snapshot.forwarder.lastFencingToken);
      const nowMs = Date.now();
      const plan: PlanMessage = {
        version: PLAN_VERSION,
        clusterId: a.clusterId ?? options.clusterId,
        planId: `plan-${++planSeq}`,
        fencingToken: state.fencingToken,
        issuedAtMs: nowMs,
        commands: a.commands ?? [],
        decisions: a.decisions ?? [],
        nextContactAfterMs: a.nextContactAfterMs ?? nowMs + 30_000,
      };
      let out = Buffer.from(JSON.stringify(plan));
      if (a.gzip) out = gzipSync(out);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...(a.gzip ? { 'content-encoding': 'gzip' } : {}),
        // Bound to the request's nonce, as the real service signs it.
        ...signMessage({ key: options.signingKey, clusterId: options.clusterId, method: PLAN_METHOD, path, body: out, nowMs, inReplyTo: String(req.headers['x-vpsie-nonce']) }),
      };
      if (a.tamper) out = Buffer.from(JSON.stringify({ ...plan, commands: [] }));
      res.writeHead(200, headers).end(out);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const fake = state as FakeFunctions;
  fake.url = `http://127.0.0.1:${port}`;
  fake.nextSnapshot = () => new Promise((resolve) => waiters.push(resolve));
  fake.stop = () => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
