import axios, { type AxiosInstance } from 'axios';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepReal } from 'node:timers/promises';
import type { PendingListing, VmListing } from './absence.ts';
import { ApiCalls, type UnreadableRowsEvent } from './api-calls.ts';
import { LoginSessionAuth, StaticTokenAuth, type AuthHeaderMode } from './auth.ts';
import { DEFAULT_RETRY, type RetryOptions } from './backoff.ts';
import { CatalogueReads } from './catalogue-reads.ts';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.ts';
import type { VpsieCredentials } from './credentials.ts';
import { LoginCall, type LoginBody } from './login.ts';
import { ProjectResolver } from './projects.ts';
import { projectRow } from './schemas.ts';
import { createScript, deleteScript, listScripts } from './scripts-api.ts';
import { Transport } from './transport.ts';
import type { DeleteRequest, DeleteResult, LaunchRequest, LaunchResult, PlanQuery, RequestEvent, VmLookup, VpsieCategory, VpsieDatacenter, VpsiePendingVm, VpsiePlan, VpsieProject, VpsieScript, VpsieVm } from './types.ts';
import * as vmReads from './vm-reads.ts';
import * as vmWrites from './vm-writes.ts';

export type { UnreadableRowsEvent } from './api-calls.ts';

export const VPSIE_DEFAULT_BASE_URL = 'https://api.vpsie.com';

export type VpsieClientOptions = {
  credentials: VpsieCredentials;
  /** Default https://api.vpsie.com (a staging host exists too). */
  baseUrl?: string;
  /** Per HTTP attempt. Default 15 s. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Default: opens after 5 consecutive failed attempts, probes after 30 s. */
  breaker?: Partial<CircuitBreakerOptions>;
  /** Datacenters, categories and plans are cached this long. Default 1 h. */
  catalogueTtlMs?: number;
  /** Log in again this long before the access token expires. Default 5 min. */
  tokenRefreshSkewMs?: number;
  /** Also send `Authorization: Bearer <token>` (the same as `login.header: 'both'`). Default false. */
  sendBearer?: boolean;
  /**
   * How to authenticate (issue 15): the client-credentials login body as JSON (the SDK) or
   * form-encoded (a later tool), and where the token goes (see AuthHeaderMode; also in token mode).
   * Default 'auto' for both: JSON first and form after a refusal; Vpsie-Auth first and Bearer too when
   * a fresh token is refused. Detected at the first login and kept.
   */
  login?: { body?: LoginBody; header?: AuthHeaderMode };
  launch?: {
    /**
     * Create requests per launchVm call. Default 3. Only a create VPSie certainly refused (its API
     * answered with an error, or it was never sent) is sent again; see create-outcome.ts.
     */
    maxCreateAttempts?: number;
    /** Minimum wait after a refused create before looking for the hostname and creating again. Default 3 s. */
    settleMs?: number;
  };
  /** Clock, sleep and randomness are injectable so that tests are deterministic. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  newProcessId?: () => string;
  /** Metrics hook, called once per HTTP attempt (method = logical operation). */
  onRequest?: (event: RequestEvent) => void;
  /**
   * Called once per list answer that had rows the client could not read (they were skipped). For a
   * metric and the log; `skipped` rows are certainly harmless (pending work that is not a VM create).
   */
  onUnreadableRows?: (event: UnreadableRowsEvent) => void;
  userAgent?: string;
  /** For tests that need a custom adapter; normally omitted. */
  http?: AxiosInstance;
};

/**
 * The VPSie API client used by the forwarder: one object in front of the operation modules
 * (vm-reads, vm-writes, catalogue-reads, scripts-api, projects, login). Reads and deletes retry
 * retryable failures; a create is never retried blindly — use `launchVm`, which looks for the hostname
 * before every retry. Every `projectId` given to it may be a numeric id, a UUID or a project name
 * (resolved once through `/apps/v2/projects`, see projects.ts).
 */
export class VpsieClient {
  private readonly breaker: CircuitBreaker;
  private readonly api: ApiCalls;
  private readonly catalogue: CatalogueReads;
  private readonly projects: ProjectResolver;
  private readonly writes: vmWrites.VmWriteDeps;
  private readonly loginCall: LoginCall | undefined;
  private readonly session: LoginSessionAuth | undefined;

  constructor(options: VpsieClientOptions) {
    const now = options.now ?? Date.now;
    const sleep = options.sleep ?? ((ms: number) => sleepReal(ms).then(() => undefined));
    const random = options.random ?? Math.random;
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    this.breaker = new CircuitBreaker({ failureThreshold: 5, coolOffMs: 30_000, ...options.breaker }, now);
    const transport = new Transport({
      baseUrl: (options.baseUrl ?? VPSIE_DEFAULT_BASE_URL).replace(/\/+$/, ''),
      http: options.http ?? axios.create(),
      timeoutMs: options.timeoutMs ?? 15_000,
      retry,
      breaker: this.breaker,
      now,
      sleep,
      random,
      userAgent: options.userAgent ?? 'vpsie-autoscaler',
      onRequest: options.onRequest,
    });
    this.api = new ApiCalls(transport, options.onUnreadableRows);
    this.catalogue = new CatalogueReads(this.api, options.catalogueTtlMs ?? 3_600_000, now);
    this.projects = new ProjectResolver(() => this.listProjects());
    this.writes = {
      api: this.api,
      projects: this.projects,
      newProcessId: options.newProcessId ?? randomUUID,
      deletePassword: options.credentials.deletePassword,
      maxCreateAttempts: options.launch?.maxCreateAttempts ?? 3,
      settleMs: options.launch?.settleMs ?? 3_000,
      retry,
      random,
      sleep,
    };
    const headerMode: AuthHeaderMode = options.login?.header ?? (options.sendBearer ? 'both' : 'auto');
    const credentials = options.credentials;
    if (credentials.kind === 'token') {
      transport.setAuthenticator(new StaticTokenAuth(credentials.token, headerMode));
      return;
    }
    const loginCall = new LoginCall(transport, options.login?.body ?? 'auto');
    this.loginCall = loginCall;
    this.session = new LoginSessionAuth(() => loginCall.login(credentials.clientId, credentials.clientSecret), { refreshSkewMs: options.tokenRefreshSkewMs ?? 300_000, now, headerMode });
    transport.setAuthenticator(this.session);
  }

  /** What the client-credentials login settled on (for doctor and the log); undefined in token mode. */
  get loginMode(): { body: LoginBody; bearer: boolean; vpsieAuth: boolean } | undefined {
    return this.session && this.loginCall ? { body: this.loginCall.body, bearer: this.session.bearerSent, vpsieAuth: this.session.vpsieAuthSent } : undefined;
  }

  /** For health endpoints and metrics. */
  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** The project a reference (numeric id, UUID or name) names; VpsieProjectError when none (or two) does. */
  resolveProject(reference: string): Promise<VpsieProject> {
    return this.projects.resolve(reference);
  }

  /** Every VM row the client could read, and the rows it could not (see vm-reads.ts). */
  listVmListing(options: { projectId?: string } = {}): Promise<VmListing> {
    return vmReads.listVmListing(this.writes, options);
  }

  /** The complete VM list, or VpsieIncompleteListingError: a caller of this decides from absence. */
  listVms(options: { projectId?: string } = {}): Promise<VpsieVm[]> {
    return vmReads.listVms(this.writes, options);
  }

  /** undefined when the VM is gone — confirmed by a listing, never by a "Not found" alone. */
  getVm(identifier: string): Promise<VpsieVm | undefined> {
    return vmReads.getVm(this.writes, identifier);
  }

  listPendingListing(options: { projectId?: string } = {}): Promise<PendingListing> {
    return vmReads.listPendingListing(this.writes, options);
  }

  /** Complete or an error, as listVms. */
  listPending(options: { projectId?: string } = {}): Promise<VpsiePendingVm[]> {
    return vmReads.listPending(this.writes, options);
  }

  findVmByHostname(hostname: string, scope: { projectId: string }): Promise<VmLookup | undefined> {
    return vmReads.findVmByHostname(this.writes, hostname, scope);
  }

  /** One create request, never retried; use launchVm. */
  createVm(request: LaunchRequest): Promise<{ processId: string }> {
    return vmWrites.createVm(this.writes, request);
  }

  /** Idempotent launch: one logical launch never makes two VMs (see vm-writes.ts). */
  launchVm(request: LaunchRequest): Promise<LaunchResult> {
    return vmWrites.launchVm(this.writes, request);
  }

  /** "already-gone" only when a listing confirms it. */
  deleteVm(request: DeleteRequest): Promise<DeleteResult> {
    return vmWrites.deleteVm(this.writes, request);
  }

  listDatacenters(): Promise<VpsieDatacenter[]> {
    return this.catalogue.listDatacenters();
  }

  listPlanCategories(): Promise<VpsieCategory[]> {
    return this.catalogue.listPlanCategories();
  }

  /** Plans for one datacenter, OS and category (form-encoded POST, as the API requires). */
  listPlans(query: PlanQuery): Promise<VpsiePlan[]> {
    return this.catalogue.listPlans(query);
  }

  /** Every project of the account (`data: {rows, count}`), each with its numeric id and its UUID. */
  async listProjects(): Promise<VpsieProject[]> {
    return (await this.api.callRows({ operation: 'listProjects', method: 'GET', path: '/apps/v2/projects', retry: 'safe' }, projectRow)).rows;
  }

  listScripts(): Promise<VpsieScript[]> {
    return listScripts(this.api);
  }

  /** Stores a script (found by its unique name afterwards) and returns its identifier. */
  createScript(script: { name: string; content: string; type?: string }): Promise<string> {
    return createScript(this.api, script);
  }

  deleteScript(identifier: string): Promise<DeleteResult> {
    return deleteScript(this.api, identifier);
  }

  clearCatalogueCache(): void {
    this.catalogue.clear();
  }
}
