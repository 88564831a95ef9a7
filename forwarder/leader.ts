import { parseFencingToken } from '../shared/fencing-token.ts';
import { KubeApiError, type KubeHttp } from './kube/kube-http.ts';
import { formatMicroTime } from './kube/micro-time.ts';
import { sleep, systemClock, type Clock } from './util/clock.ts';
import { errorFields, silentLogger, type Logger } from './util/logger.ts';

// Leader election on a coordination.k8s.io/v1 Lease, the client-go way. Only the leader delivers
// snapshots and executes plans; the standby keeps its watches warm so it can take over at once.
//
//   leader:  renew ─2s─ renew ─2s─ renew ✗(dies)
//   standby: poll ─2s─ poll … sees the same renewTime for leaseDuration (10 s, by its own clock) ─▶ takes over
//
// Expiry is judged by when *this* process last saw the record change, not by the renewTime written
// in it, so clock skew between the replicas does not matter. A leader that cannot renew for
// renewDeadline (< leaseDuration) steps down before anyone may take over.
// IMPORTANT (split brain): `isLeader` is false as soon as renewDeadline has passed since the start of
// the last renewal that succeeded — not when a hanging request finally returns — and every renew
// request is aborted at that deadline. The start is used because the write may land (and be seen by
// the standby, which then counts leaseDuration from its own observation) any time after it.
//
// The Lease also carries the highest fencing token executed (annotation), so a new leader starts
// from its predecessor's and refuses plans older than what has already been done.
// IMPORTANT: acquireTime/renewTime are MicroTime (six fractional digits); see kube/micro-time.ts.

export const FENCING_TOKEN_ANNOTATION = 'autoscaler.vpsie.com/last-fencing-token';

export interface LeaderElectorOptions {
  kube: KubeHttp;
  namespace: string;
  leaseName: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  onStartedLeading?: (fencingToken: number) => void;
  onStoppedLeading?: () => void;
}

interface LeaseObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
  spec?: { holderIdentity?: string | null; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private observed: { key: string; atMs: number } | undefined;
  private lastRenewMs = 0;
  private fencingToken = 0;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;

  constructor(private readonly options: LeaderElectorOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.leaseDurationMs = options.leaseDurationMs ?? 10_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 7_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('renewDeadline must be shorter than leaseDuration');
  }

  get isLeader(): boolean {
    return this.leading && !this.stopped && this.clock.now() - this.lastRenewMs < this.renewDeadlineMs;
  }

  /** The highest fencing token executed; stored on the Lease at the next renewal. */
  recordFencingToken(token: number): void {
    this.fencingToken = Math.max(this.fencingToken, token);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops; a leader hands the Lease back (holder cleared) so the standby need not wait for expiry. */
  async stop({ release = true } = {}): Promise<void> {
    if (this.stopped) return;
    const wasLeading = this.leading;
    this.stopped = true;
    this.stopController.abort();
    await this.loop;
    if (wasLeading) {
      this.setLeading(false);
      if (release) await this.release().catch((error) => this.logger.warn({ ...errorFields(error) }, 'could not release the lease'));
    }
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases/${encodeURIComponent(this.options.leaseName)}`;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const attemptMs = this.clock.now();
      try {
        // A leader's renewal must end before its deadline; anyone else's attempt gets as long.
        const deadlineMs = this.leading ? this.lastRenewMs + this.renewDeadlineMs - attemptMs : this.renewDeadlineMs;
        const held = deadlineMs > 0 && await this.tryAcquireOrRenew(attemptMs, deadlineMs);
        if (this.stopped) return;
        if (held) {
          this.lastRenewMs = attemptMs;
          if (!this.leading) this.setLeading(true);
        } else if (this.leading) {
          this.setLeading(false);
        }
      } catch (error) {
        this.logger.warn({ ...errorFields(error), leader: this.leading }, 'lease: acquire/renew failed');
      }
      if (this.leading && this.clock.now() - this.lastRenewMs >= this.renewDeadlineMs) {
        this.logger.error({ sinceRenewMs: this.clock.now() - this.lastRenewMs }, 'lease: could not renew within the deadline; stepping down');
        this.setLeading(false);
      }
      await sleep(this.clock, this.retryPeriodMs, this.stopController.signal);
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.logger.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.options.leaseName}` }, leading ? 'became the leader' : 'stopped leading');
    if (leading) this.options.onStartedLeading?.(this.fencingToken);
    else this.options.onStoppedLeading?.();
  }

  private async tryAcquireOrRenew(nowMs: number, deadlineMs: number): Promise<boolean> {
    // One deadline for the whole attempt (GET then PUT); the Lease skips the client rate limit so that
    // a burst of evictions cannot cost the leadership.
    const controller = new AbortController();
    const timer = this.clock.setTimeout(() => controller.abort(), deadlineMs);
    const stop = () => controller.abort();
    this.stopController.signal.addEventListener('abort', stop, { once: true });
    const limits = { signal: controller.signal, deadlineMs, unthrottled: true } as const;
    try {
      return await this.acquireOrRenew(nowMs, limits);
    } finally {
      this.clock.clearTimeout(timer);
      this.stopController.signal.removeEventListener('abort', stop);
    }
  }

  private async acquireOrRenew(nowMs: number, limits: { signal: AbortSignal; deadlineMs: number; unthrottled: true }): Promise<boolean> {
    let lease: LeaseObject;
    try {
      lease = await this.options.kube.request<LeaseObject>({ method: 'GET', path: this.path, ...limits });
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      return this.create(nowMs, limits);
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const key = `${holder}|${spec.renewTime ?? ''}|${lease.metadata.resourceVersion ?? ''}`;
    if (this.observed?.key !== key) this.observed = { key, atMs: nowMs };
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
    const ours = holder === this.options.identity;
    if (!ours && holder !== '' && this.observed.atMs + durationMs > nowMs) return false;

    // Parsed strictly (shared/fencing-token.ts): a bare Number() rounds past 2^53, and an unreadable
    // annotation must not pass for 0 silently.
    const text = lease.metadata.annotations?.[FENCING_TOKEN_ANNOTATION];
    const stored = text === undefined ? 0 : parseFencingToken(text);
    if (stored === undefined) this.logger.warn({ annotation: FENCING_TOKEN_ANNOTATION, value: text!.slice(0, 40) }, 'the Lease carries an unreadable fencing token; keeping the highest one this process knows');
    else this.fencingToken = Math.max(this.fencingToken, stored);
    const now = formatMicroTime(nowMs);
    const updated: LeaseObject = {
      ...lease,
      metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, [FENCING_TOKEN_ANNOTATION]: String(this.fencingToken) } },
      spec: {
        holderIdentity: this.options.identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      const written = await this.options.kube.request<LeaseObject>({ method: 'PUT', path: this.path, body: updated, ...limits });
      this.observed = { key: `${this.options.identity}|${now}|${written.metadata.resourceVersion ?? ''}`, atMs: nowMs };
      if (!ours) this.logger.info({ previous: holder || '(none)' }, 'lease: acquired');
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false; // someone else wrote first
      throw error;
    }
  }

  private async create(nowMs: number, limits: { signal: AbortSignal; deadlineMs: number; unthrottled: true }): Promise<boolean> {
    const now = formatMicroTime(nowMs);
    try {
      await this.options.kube.request({
        ...limits,
        method: 'POST',
        path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.options.leaseName, namespace: this.options.namespace, annotations: { [FENCING_TOKEN_ANNOTATION]: String(this.fencingToken) } },
          spec: { holderIdentity: this.options.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 },
        },
      });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false;
      throw error;
    }
  }

  private async release(): Promise<void> {
    const limits = { deadlineMs: this.renewDeadlineMs, unthrottled: true } as const;
    const lease = await this.options.kube.request<LeaseObject>({ method: 'GET', path: this.path, ...limits });
    if (lease.spec?.holderIdentity !== this.options.identity) return;
    await this.options.kube.request({
      ...limits,
      method: 'PUT',
      path: this.path,
      body: {
        ...lease,
        metadata: { ...lease.metadata, annotations: { ...lease.metadata.annotations, [FENCING_TOKEN_ANNOTATION]: String(this.fencingToken) } },
        spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: formatMicroTime(this.clock.now()) },
      },
    });
  }
}
