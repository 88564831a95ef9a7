import { gunzipSync } from 'node:zlib';
import { planMessageSchema, type PlanMessage } from '../../shared/plan-message.ts';
import { MemoryNonceStore, PLAN_METHOD, SIGNATURE_HEADERS, signMessage, verifyMessage, type NonceStore } from '../../shared/signing.ts';
import type { EncodedSnapshot } from '../snapshot.ts';
import { SnapshotFormat } from '../snapshot-format.ts';
import { Backoff } from '../util/backoff.ts';
import { parseRetryAfterMs } from '../util/retry-after.ts';
import { sleep, systemClock, type Clock } from '../util/clock.ts';
import { errorFields, silentLogger, type Logger } from '../util/logger.ts';
import { functionsUrlProblem } from './functions-url.ts';
import { createHttpPost, DEFAULT_BODY_LIMITS, type HttpPost, type RawResponse } from './http-post.ts';

// Sends an encoded (gzip) snapshot to the functions and returns the plan, or says why there is none. Gzip, signed,
// retried with backoff on network errors, 5xx and 429 (each attempt signed afresh: a nonce is single
// use). The answer is trusted only after its signature (bound to this attempt's nonce), cluster and
// fencing token check out.
//
// IMPORTANT: bounded input. A 2xx body is read up to maxPlanBytes as transmitted and inflated only
// after its signature checks out, to at most maxPlanInflatedBytes (gunzip's maxOutputLength: a gzip
// bomb stops there). Any other answer is read up to 4 KiB and never inflated: it is unsigned, so it
// is only ever a log line.
//
// IMPORTANT: an unreachable functions service yields { kind: 'unreachable' }; the caller then does
// nothing destructive and keeps watching. It never falls back to acting on its own.

export const RECONCILE_PATH = '/v1/reconcile';
/** A plan as transmitted (gzip or not). The functions answer well under 1 MiB for 1,000 nodes. */
export const DEFAULT_MAX_PLAN_BYTES = DEFAULT_BODY_LIMITS.maxBodyBytes;
/** A plan inflated: JSON.parse of it costs a few times this in heap, so it stays far below the container limit. */
export const DEFAULT_MAX_PLAN_INFLATED_BYTES = 8 * 1024 * 1024;

export type DeliveryOutcome =
  | { kind: 'plan'; plan: PlanMessage; attempts: number; requestBytes: number; rawBytes: number }
  /** 409: another forwarder (or an unfinished reconcile) holds the cluster lease. */
  | { kind: 'busy'; retryAfterMs: number; attempts: number }
  | { kind: 'unreachable'; message: string; attempts: number }
  /** 4xx other than 409/429: retrying the same snapshot will not help (bad key, invalid snapshot). */
  | { kind: 'rejected'; status: number; message: string; attempts: number }
  /** The answer came but must not be executed: bad signature, wrong cluster, invalid plan, stale fencing token. */
  | { kind: 'refused'; reason: 'signature' | 'invalid-plan' | 'wrong-cluster' | 'stale-fencing-token' | 'too-large'; message: string; attempts: number; plan?: PlanMessage };

export interface DeliveryOptions {
  /** Base URL of the functions, e.g. https://abc.lambda-url.eu-west-1.on.aws or http://127.0.0.1:8787. */
  functionsUrl: string;
  clusterId: string;
  signingKey: string;
  clock?: Clock;
  post?: HttpPost;
  logger?: Logger;
  maxAttempts?: number;
  backoff?: { initialMs: number; maxMs: number };
  timeoutMs?: number;
  nonceStore?: NonceStore;
  /** Observes every attempt (metrics). */
  onAttempt?: (status: number | 'network', durationMs: number) => void;
  /** Bytes of a plan as transmitted; default DEFAULT_MAX_PLAN_BYTES. */
  maxPlanBytes?: number;
  /** Bytes of a plan once inflated; default DEFAULT_MAX_PLAN_INFLATED_BYTES. */
  maxPlanInflatedBytes?: number;
  /** User-Agent of every request (the default transport's). */
  userAgent?: string;
  /** Where the default transport reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY (default process.env). */
  env?: Record<string, string | undefined>;
}

export class Delivery {
  private readonly url: URL;
  private readonly clock: Clock;
  private readonly post: HttpPost;
  private readonly logger: Logger;
  private readonly nonceStore: NonceStore;
  private stopController = new AbortController();
  /** The wire format snapshots go out in: v2, or v1 once older functions refused v2. */
  readonly snapshotFormat: SnapshotFormat;

  constructor(private readonly options: DeliveryOptions) {
    const base = options.functionsUrl.endsWith('/') ? options.functionsUrl : `${options.functionsUrl}/`;
    this.url = new URL(RECONCILE_PATH.slice(1), base);
    // The config schema checks this too; a Delivery built another way must not send the key's
    // signatures and read plans over plain HTTP off the machine either.
    const problem = functionsUrlProblem(this.url);
    if (problem) throw new TypeError(`functionsUrl ${this.url.origin}: ${problem}`);
    this.clock = options.clock ?? systemClock;
    this.post = options.post ?? createHttpPost({ clock: this.clock, ...(options.userAgent ? { userAgent: options.userAgent } : {}), ...(options.env ? { env: options.env } : {}) });
    this.logger = options.logger ?? silentLogger;
    this.snapshotFormat = new SnapshotFormat(this.logger);
    this.nonceStore = options.nonceStore ?? new MemoryNonceStore(() => this.clock.now());
  }

  /** Path and query as signed (the URL's own path, so a functions URL with a stage prefix works). */
  get signedPath(): string {
    return this.url.pathname + this.url.search;
  }

  /** Aborts backoff waits (shutdown, lost leadership). */
  abort(): void {
    this.stopController.abort();
  }

  /** After abort(): deliveries may go out again (a graceful stop reports its last results). */
  resume(): void {
    if (this.stopController.signal.aborted) this.stopController = new AbortController();
  }

  /**
   * @param minFencingToken the highest fencing token already executed; a plan below it is refused.
   */
  async deliver(snapshot: EncodedSnapshot, minFencingToken: number): Promise<DeliveryOutcome> {
    const { body, rawBytes } = snapshot;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = new Backoff(this.options.backoff ?? { initialMs: 1_000, maxMs: 16_000 });
    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopController.signal.aborted) break;
      const signature = signMessage({ key: this.options.signingKey, clusterId: this.options.clusterId, method: 'POST', path: this.signedPath, body, nowMs: this.clock.now() });
      const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', 'accept-encoding': 'gzip', ...signature };
      const limits = { maxBodyBytes: this.options.maxPlanBytes ?? DEFAULT_MAX_PLAN_BYTES, maxErrorBodyBytes: DEFAULT_BODY_LIMITS.maxErrorBodyBytes };
      const startedMs = this.clock.now();
      let response: RawResponse;
      try {
        response = await this.post(this.url, headers, body, this.options.timeoutMs ?? 30_000, limits);
        this.options.onAttempt?.(response.status, this.clock.now() - startedMs);
      } catch (error) {
        this.options.onAttempt?.('network', this.clock.now() - startedMs);
        lastProblem = errorFields(error).err;
        this.logger.warn({ attempt, ...errorFields(error) }, 'functions unreachable');
        if (attempt < maxAttempts) await sleep(this.clock, backoff.next(), this.stopController.signal);
        continue;
      }
      const { status } = response;
      if (status === 200) {
        if (response.truncated) {
          return { kind: 'refused', reason: 'too-large', message: `the plan is larger than ${limits.maxBodyBytes} bytes as transmitted; not read further`, attempts: attempt };
        }
        const outcome = await this.readPlan(response, minFencingToken, attempt, signature[SIGNATURE_HEADERS.nonce]!);
        return outcome.kind === 'plan' ? { ...outcome, requestBytes: body.length, rawBytes } : outcome;
      }
      if (status === 409) return { kind: 'busy', retryAfterMs: this.retryAfterMs(response) ?? 5_000, attempts: attempt };
      const message = `${status} ${errorBodyText(response)}`;
      if (status === 429 || status >= 500) {
        lastProblem = message;
        this.logger.warn({ attempt, status }, 'functions answered with an error; retrying');
        if (attempt < maxAttempts) await sleep(this.clock, this.retryAfterMs(response) ?? backoff.next(), this.stopController.signal);
        continue;
      }
      const rejected = { kind: 'rejected', status, message, attempts: attempt } as const;
      this.snapshotFormat.observe(rejected);
      return rejected;
    }
    return { kind: 'unreachable', message: lastProblem || 'aborted', attempts: maxAttempts };
  }

  /** The answer's Retry-After, relative to the injected clock (a date form is absolute). */
  private retryAfterMs(response: RawResponse): number | undefined {
    return parseRetryAfterMs(response.headers['retry-after'], this.clock.now());
  }

  private async readPlan(response: RawResponse, minFencingToken: number, attempts: number, requestNonce: string): Promise<DeliveryOutcome> {
    try {
      await verifyMessage({
        key: this.options.signingKey,
        method: PLAN_METHOD,
        path: this.signedPath,
        body: response.body,
        headers: response.headers,
        nowMs: this.clock.now(),
        nonceStore: this.nonceStore,
        // The nonce this attempt sent, never one the answer names: a plan made for another request fails here.
        inReplyTo: requestNonce,
      });
    } catch (error) {
      return { kind: 'refused', reason: 'signature', message: errorFields(error).err, attempts };
    }
    const maxInflatedBytes = this.options.maxPlanInflatedBytes ?? DEFAULT_MAX_PLAN_INFLATED_BYTES;
    let text: string;
    try {
      const encoding = String(response.headers['content-encoding'] ?? '');
      const bytes = encoding.includes('gzip') ? gunzipSync(response.body, { maxOutputLength: maxInflatedBytes }) : response.body;
      if (bytes.length > maxInflatedBytes) throw new RangeError(`larger than ${maxInflatedBytes} bytes`);
      text = bytes.toString('utf8');
    } catch (error) {
      if (error instanceof RangeError) {
        return { kind: 'refused', reason: 'too-large', message: `the plan inflates to more than ${maxInflatedBytes} bytes; inflating stopped there`, attempts };
      }
      return { kind: 'refused', reason: 'invalid-plan', message: `not gzip: ${errorFields(error).err}`, attempts };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { kind: 'refused', reason: 'invalid-plan', message: `not JSON: ${errorFields(error).err}`, attempts };
    }
    const result = planMessageSchema.safeParse(parsed);
    if (!result.success) {
      return { kind: 'refused', reason: 'invalid-plan', message: result.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), attempts };
    }
    const plan = result.data;
    if (plan.clusterId !== this.options.clusterId) {
      return { kind: 'refused', reason: 'wrong-cluster', message: `plan for cluster ${plan.clusterId}`, attempts, plan };
    }
    if (plan.fencingToken < minFencingToken) {
      return { kind: 'refused', reason: 'stale-fencing-token', message: `fencing token ${plan.fencingToken} is older than ${minFencingToken}, already executed`, attempts, plan };
    }
    return { kind: 'plan', plan, attempts, requestBytes: 0, rawBytes: 0 };
  }
}

/**
 * What an error answer says, for the log: its first 300 characters as sent. Never inflated — the
 * answer is unsigned, and a 522 KB gzip error body once inflated to a gigabyte in this process.
 */
function errorBodyText(response: RawResponse): string {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return `(${encoding} body of ${response.body.length}${response.truncated ? '+' : ''} bytes, not inflated)`;
  // Printable ASCII only: the text ends up in logs and Events.
  return response.body.subarray(0, 300).toString('latin1').replace(/[^\x20-\x7e]/g, '?') + (response.truncated || response.body.length > 300 ? '...' : '');
}
