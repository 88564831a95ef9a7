import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gzipSync } from 'node:zlib';
import { buildBundle } from '../../scripts/bundles.ts';
import { toWire, type WireFormat } from '../../shared/compact/wire.ts';
import { signMessage } from '../../shared/signing.ts';
import type { Snapshot } from '../../shared/snapshot.ts';
import { largeCluster, type LargeClusterOptions } from '../fixtures/large-cluster.ts';
import { startDynamo } from '../harness/dynamo.ts';
import { lambdaMemoryMb, lambdaNodeFlags } from './lambda-runtime.ts';

// The functions at the sizes of issue 16, measured as Lambda runs them: the production bundle
// (dist/functions/lambda.mjs, built afresh) in a process of its own with AWS_LAMBDA_FUNCTION_MEMORY_SIZE
// = 1024, called through its `handler` with API Gateway HTTP API events (the gzip body base64-encoded,
// as Lambda receives it), against the DynamoDB-compatible server the tests use (dynalite, in this
// process: its memory is not the function's). Each request is the whole reconcile: base64, gunzip,
// JSON, validation, lease, state load, plan, state writes, signed answer, with the log lines of
// LOG_LEVEL=info (one audit line a command). Timed inside the function process, and split by the
// request log line's verifyMs/decodeMs/planMs/stateMs; peak RSS is its VmHWM. The function process
// runs with the heap flags Lambda's bootstrap passes at serverless.yml's memorySize (lambda-runtime.ts:
// old space capped at 90 % of it, young generation at 3 × 5 %).

const KEY = 'bench-signing-key-0123456789-0123456789';
export const LAMBDA_MEMORY_MB = lambdaMemoryMb();

/** API Gateway delivers at most this much to Lambda: the 6 MB payload limit (as MiB, what Lambda enforces). */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface RequestSize { rawBytes: number; gzipBytes: number; base64Bytes: number }

export function requestSize(snapshot: Snapshot, format: WireFormat): RequestSize {
  const raw = Buffer.from(JSON.stringify(toWire(snapshot, format)));
  const gzipBytes = gzipSync(raw, { level: 6 }).length;
  return { rawBytes: raw.length, gzipBytes, base64Bytes: Math.ceil(gzipBytes / 3) * 4 };
}

const CHILD = `
import { readFileSync } from 'node:fs';
const hwmMiB = () => Number(/^VmHWM:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const { handler } = await import(process.env.BENCH_BUNDLE);
process.on('message', async (event) => {
  const started = performance.now();
  const result = await handler(event, {});
  const ok = result.statusCode === 200;
  process.send({ ms: performance.now() - started, status: result.statusCode, commands: ok ? JSON.parse(result.body).commands.length : 0, error: ok ? undefined : String(result.body).slice(0, 400), hwmMiB: hwmMiB() });
});
process.send({ ready: true, hwmMiB: hwmMiB() });
`;

function event(body: Buffer, headers: Record<string, string>, nowMs: number): unknown {
  const path = '/v1/reconcile';
  return {
    version: '2.0', routeKey: `POST ${path}`, rawPath: path, rawQueryString: '',
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers },
    body: body.toString('base64'), isBase64Encoded: true,
    requestContext: {
      accountId: '123456789012', apiId: 'abc123', domainName: 'abc123.execute-api.us-east-1.amazonaws.com', domainPrefix: 'abc123',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'forwarder' },
      requestId: `req-${nowMs}`, routeKey: `POST ${path}`, stage: '$default', time: '', timeEpoch: nowMs,
    },
  };
}

interface Answer { ms: number; status: number; commands: number; error?: string; hwmMiB: number }

function ask(child: ChildProcess, message: unknown): Promise<Answer> {
  const answer = once(child, 'message') as Promise<[Answer]>;
  child.send(message as never);
  return answer.then(([a]) => a);
}

/** The request log line's split of one reconcile (functions/routes/reconcile-route.ts). */
export interface RequestSplit { verifyMs: number; decodeMs: number; planMs: number; stateMs: number; durationMs: number; commands: number; itemsWritten: number }

export interface ScaleFigures {
  /** One per request, the first (the burst) first. */
  splits: RequestSplit[];
  /** After the warm-up: heartbeat reconciles with the first one's launches in flight. */
  latenciesMs: number[];
  /** The first reconcile: the burst (every pending pod planned, every launch written). */
  firstMs: number;
  firstCommands: number;
  peakRssMiB: number;
  /** After importing the bundle, before the first request. */
  idleRssMiB: number;
  request: RequestSize;
}

/** `runs` reconciles of the cluster (after `warmup`), each with a fresh takenAtMs, in format `format`. */
export async function reconcileAtScale(o: LargeClusterOptions & { runs: number; warmup: number; format?: WireFormat; clusterId: string }): Promise<ScaleFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'functions-scale-'));
  const dynamo = await startDynamo({ tableName: 'bench-scale' });
  let child: ChildProcess | undefined;
  try {
    const { outfile } = await buildBundle('functions', join(dir, 'lambda.mjs'));
    const script = join(dir, 'child.mjs');
    await writeFile(script, CHILD);
    child = fork(script, [], {
      // Not this process's flags (tsx's loader): the heap flags Lambda's bootstrap gives a function
      // of this memory (lambda-runtime.ts). stdout: the log and metric lines.
      execArgv: lambdaNodeFlags(LAMBDA_MEMORY_MB),
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      serialization: 'advanced',
      env: {
        PATH: process.env.PATH, BENCH_BUNDLE: outfile, LOG_LEVEL: 'info', AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(LAMBDA_MEMORY_MB), VPSIE_AUTOSCALER_TABLE: dynamo.tableName, VPSIE_AUTOSCALER_DYNAMODB_ENDPOINT: dynamo.endpoint,
        VPSIE_AUTOSCALER_CLUSTERS: JSON.stringify({ [o.clusterId]: { signingKey: KEY, triggerToken: 'bench-trigger-token-0123' } }),
      },
    });
    const splits: RequestSplit[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"msg":"request"')) return;
      const entry = JSON.parse(line) as RequestSplit & { path?: string };
      if (entry.path === '/v1/reconcile') splits.push({ verifyMs: entry.verifyMs, decodeMs: entry.decodeMs, planMs: entry.planMs, stateMs: entry.stateMs, durationMs: entry.durationMs, commands: entry.commands, itemsWritten: entry.itemsWritten });
    });
    const [ready] = (await once(child, 'message')) as [Answer];
    const cluster = largeCluster(o);
    const latenciesMs: number[] = [];
    let first: Answer | undefined;
    let peakRssMiB = 0;
    let request: RequestSize | undefined;
    for (let i = 0; i < o.runs + o.warmup; i++) {
      const nowMs = Date.now();
      const raw = Buffer.from(JSON.stringify(toWire({ ...cluster, takenAtMs: nowMs }, o.format ?? 'v2')));
      const body = gzipSync(raw, { level: 6 });
      request ??= { rawBytes: raw.length, gzipBytes: body.length, base64Bytes: Math.ceil(body.length / 3) * 4 };
      const headers = signMessage({ key: KEY, clusterId: o.clusterId, method: 'POST', path: '/v1/reconcile', body: new Uint8Array(body), nowMs });
      const answer = await ask(child, event(body, headers, nowMs));
      if (answer.status !== 200) throw new Error(`reconcile answered ${answer.status}: ${answer.error}`);
      first ??= answer;
      if (i >= o.warmup) latenciesMs.push(answer.ms);
      peakRssMiB = Math.max(peakRssMiB, answer.hwmMiB);
    }
    // The log lines may trail the answers by a moment.
    for (let wait = 0; splits.length < o.runs + o.warmup && wait < 50; wait++) await new Promise((r) => setTimeout(r, 100));
    return { splits, latenciesMs, firstMs: first!.ms, firstCommands: first!.commands, peakRssMiB, idleRssMiB: ready.hwmMiB, request: request! };
  } finally {
    child?.kill();
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

