import axios, { type AxiosInstance } from 'axios';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleepReal } from 'node:timers/promises';
import type { z } from 'zod';
import { LoginSessionAuth, StaticTokenAuth, type AuthHeaderMode } from './auth.ts';
import { DEFAULT_RETRY, retryDelayMs, type RetryOptions } from './backoff.ts';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.ts';
import type { VpsieCredentials } from './credentials.ts';
import { createMayHaveBeenAccepted } from './create-outcome.ts';
import { absenceOf, rowsThatCouldBe, type PendingListing, type VmListing } from './absence.ts';
import {
  VpsieAbsenceUnconfirmedError,
  VpsieCircuitOpenError,
  VpsieCredentialsError,
  VpsieError,
  VpsieIncompleteListingError,
  VpsieInvalidResponseError,
  VpsieNotFoundError,
  VpsieRequestError,
} from './errors.ts';
import { toCreateBody, validateLaunchRequest } from './launch-request.ts';
import { listRows, parseRows, type UnreadableRow } from './rows.ts';
import { categoryRow, datacenterRow, isNonVmPendingItem, loginShape, pendingItem, planRow, projectRow, scriptRow, vmDetail, vmRow } from './schemas.ts';
import { Transport, type ApiRequest } from './transport.ts';
import { TtlCache } from './ttl-cache.ts';
import type {
  DeleteRequest,
  DeleteResult,
  LaunchRequest,
  LaunchResult,
  PlanQuery,
  RequestEvent,
  VmLookup,
  VpsieCategory,
  VpsieDatacenter,
  VpsiePendingVm,
  VpsiePlan,
  VpsieProject,
  VpsieScript,
  VpsieVm,
} from './types.ts';

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
  /** Also send `Authorization: Bearer <token>`. Default false. */
  sendBearer?: boolean;
  /**
   * Client-credentials login (issue 15): the body as JSON (the SDK) or form-encoded (a later tool),
   * and where the token goes (see AuthHeaderMode). Default 'auto' for both: JSON first and form
   * after a refusal; Vpsie-Auth first and Bearer too when a fresh token is refused. Detected at the
   * first login and kept.
   */
  login?: { body?: 'json' | 'form' | 'auto'; header?: AuthHeaderMode };
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

export type UnreadableRowsEvent = { operation: string; unreadable: UnreadableRow[]; skippedNonVm: number };

const DATACENTER_PAGE = 100;
const MAX_DATACENTER_PAGES = 20;

/**
 * The VPSie API client used by the forwarder. Reads and deletes retry retryable failures; a create is
 * never retried blindly — use `launchVm`, which looks for the hostname before every retry.
 */
export class VpsieClient {
  private readonly transport: Transport;
  private readonly breaker: CircuitBreaker;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly retry: RetryOptions;
  private readonly newProcessId: () => string;
  private readonly deletePassword: string;
  private readonly maxCreateAttempts: number;
  private readonly settleMs: number;
  private readonly datacenters: TtlCache<VpsieDatacenter[]>;
  private readonly categories: TtlCache<VpsieCategory[]>;
  private readonly plans: TtlCache<VpsiePlan[]>;
  private readonly onUnreadableRows: ((event: UnreadableRowsEvent) => void) | undefined;
  /** The login body that works: configured, or detected at the first login ('auto' until then). */
  private loginBody: 'json' | 'form' | 'auto';
  private readonly session: LoginSessionAuth | undefined;

  constructor(options: VpsieClientOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => sleepReal(ms).then(() => undefined));
    this.random = options.random ?? Math.random;
    this.newProcessId = options.newProcessId ?? randomUUID;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.breaker = new CircuitBreaker({ failureThreshold: 5, coolOffMs: 30_000, ...options.breaker }, this.now);
    this.deletePassword = options.credentials.deletePassword;
    this.maxCreateAttempts = options.launch?.maxCreateAttempts ?? 3;
    this.settleMs = options.launch?.settleMs ?? 3_000;
    const ttlMs = options.catalogueTtlMs ?? 3_600_000;
    this.datacenters = new TtlCache(ttlMs, this.now);
    this.categories = new TtlCache(ttlMs, this.now);
    this.plans = new TtlCache(ttlMs, this.now);
    this.onUnreadableRows = options.onUnreadableRows;
    this.loginBody = options.login?.body ?? 'auto';
    this.transport = new Transport({
      baseUrl: (options.baseUrl ?? VPSIE_DEFAULT_BASE_URL).replace(/\/+$/, ''),
      http: options.http ?? axios.create(),
      timeoutMs: options.timeoutMs ?? 15_000,
      retry: this.retry,
      breaker: this.breaker,
      now: this.now,
      sleep: this.sleep,
      random: this.random,
      userAgent: options.userAgent ?? 'vpsie-autoscaler',
      onRequest: options.onRequest,
    });
    const sendBearer = options.sendBearer ?? false;
    const credentials = options.credentials;
    this.session =
      credentials.kind === 'token'
        ? undefined
        : new LoginSessionAuth(() => this.login(credentials.clientId, credentials.clientSecret), {
            refreshSkewMs: options.tokenRefreshSkewMs ?? 300_000,
            sendBearer,
            now: this.now,
            headerMode: options.login?.header ?? 'auto',
          });
    this.transport.setAuthenticator(this.session ?? new StaticTokenAuth(credentials.kind === 'token' ? credentials.token : '', sendBearer));
  }

  /** What the client-credentials login settled on (for doctor and the log); undefined in token mode. */
  get loginMode(): { body: 'json' | 'form' | 'auto'; bearer: boolean } | undefined {
    return this.session ? { body: this.loginBody, bearer: this.session.bearerSent } : undefined;
  }

  /** For health endpoints and metrics. */
  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /**
   * Every VM row the client could read, and the rows it could not (skipped, reported through
   * onUnreadableRows). With `projectId`, only that project's VMs: asked of the API (`?projectId=`)
   * and checked again on each row, in case an API ignores the parameter (see sameProject).
   */
  async listVmListing(options: { projectId?: string } = {}): Promise<VmListing> {
    const query = options.projectId ? { projectId: options.projectId } : undefined;
    const { rows, unreadable } = await this.callRows({ operation: 'listVms', method: 'GET', path: '/apps/v2/vm', ...(query ? { query } : {}), retry: 'safe' }, vmRow);
    const vms = options.projectId ? rows.filter((vm) => sameProject(vm.projectId, options.projectId!)) : rows;
    return { vms, unreadable };
  }

  /**
   * The complete VM list, or an error: a caller of this decides from absence (the snapshot: a VM not
   * listed is gone), so a listing with unreadable rows raises VpsieIncompleteListingError instead of
   * returning the rows it could read.
   */
  async listVms(options: { projectId?: string } = {}): Promise<VpsieVm[]> {
    const listing = await this.listVmListing(options);
    if (listing.unreadable.length > 0) throw incomplete('listVms', listing.unreadable);
    return listing.vms;
  }

  /**
   * undefined when the VM is gone. IMPORTANT: `data: false`, a "Not found" message or a 404 is never
   * taken as proof — VPSie answers an unknown route with the same "Not found". Absence is confirmed
   * by listing the account's VMs; if the listing still shows the VM (or cannot be read completely),
   * VpsieAbsenceUnconfirmedError is raised.
   */
  async getVm(identifier: string): Promise<VpsieVm | undefined> {
    let vm: VpsieVm | false | null;
    try {
      vm = await this.call(
        { operation: 'getVm', method: 'GET', path: `/apps/v2/vm/${encodeURIComponent(identifier)}`, pathTemplate: '/apps/v2/vm/{identifier}', retry: 'safe' },
        vmDetail,
      );
    } catch (error) {
      if (!(error instanceof VpsieNotFoundError)) throw error;
      vm = false;
    }
    if (vm !== false && vm !== null) return vm;
    const gone = await this.confirmGone(identifier, 'getVm');
    return gone && gone.state === 'gone' ? gone : undefined;
  }

  /** Pending creations the client could read; items that are not VM creates are skipped (and reported). */
  async listPendingListing(options: { projectId?: string } = {}): Promise<PendingListing> {
    const { rows, unreadable } = await this.callRows({ operation: 'listPending', method: 'GET', path: '/apps/v2/vm/pending', retry: 'safe' }, pendingItem, isNonVmPendingItem);
    return { pending: options.projectId ? rows.filter((p) => sameProject(p.projectId, options.projectId!)) : rows, unreadable };
  }

  /** /vm/pending takes no project parameter; with `projectId`, rows are filtered by the project their create echoes. Complete or an error, as listVms. */
  async listPending(options: { projectId?: string } = {}): Promise<VpsiePendingVm[]> {
    const listing = await this.listPendingListing(options);
    if (listing.unreadable.length > 0) throw incomplete('listPending', listing.unreadable);
    return listing.pending;
  }

  /**
   * Looks for a hostname among pending creations and created VMs (deleted ones are ignored).
   * Rows that cannot be read are tolerated when they cannot be this hostname; otherwise "not found"
   * is not an answer (a create could duplicate the VM, a delete could leak it):
   * VpsieIncompleteListingError.
   *
   * IMPORTANT: pending is read BEFORE the VM list. A VM moves from pending to the list; reading in
   * this order, a VM that moves between the two reads is seen in the list. The other order can miss it
   * in both, and a launch retry would then make a second VM.
   */
  async findVmByHostname(hostname: string, scope: { projectId: string }): Promise<VmLookup | undefined> {
    const pending = await this.listPendingListing(scope);
    const listing = await this.listVmListing(scope);
    const matches = listing.vms.filter((vm) => vm.hostname === hostname && vm.state !== 'gone');
    const vm = matches.find((m) => m.state === 'running') ?? matches[0];
    if (vm) return { where: 'created', vm };
    const waiting = pending.pending.find((p) => p.hostname === hostname);
    if (waiting) return { where: 'pending', pending: waiting };
    const doubtful = [...rowsThatCouldBe(hostname, listing.unreadable), ...rowsThatCouldBe(hostname, pending.unreadable)];
    if (doubtful.length > 0) throw incomplete('findVmByHostname', doubtful, `hostname ${hostname} not found, but`);
    return undefined;
  }

  /**
   * One create request, never retried (except once after a 401 in login mode, which the server refused
   * before acting). The answer carries no VM id: find the VM by hostname afterwards.
   */
  async createVm(request: LaunchRequest): Promise<{ processId: string }> {
    validateLaunchRequest(request);
    const processId = request.processId ?? this.newProcessId();
    await this.transport.request({ operation: 'createVm', method: 'POST', path: '/apps/v2/vm', json: toCreateBody(request, processId), retry: 'never', authenticated: true, envelope: true, ack: true });
    return { processId };
  }

  /**
   * Idempotent launch: one logical launch never makes two VMs.
   * - Looks for the hostname first (in the request's project), so calling launchVm again for the same
   *   hostname (after a crash, or a retried command) does not create again.
   * - IMPORTANT: a create whose fate is unknown (no answer, dropped connection, a proxy's error page)
   *   is NEVER sent again from here, not even after a lookup that finds nothing: VPSie may show an
   *   accepted create in /vm/pending only many seconds later, and a second create buys a second VM
   *   under the same hostname. The launch is returned as `unconfirmed`; later reconciles find the VM
   *   by hostname (the planner's launch keeps waiting until its deadline).
   * - A create VPSie certainly refused (an API error answer, 429) is sent again after a wait, and only
   *   if a lookup still finds nothing.
   */
  async launchVm(request: LaunchRequest): Promise<LaunchResult> {
    validateLaunchRequest(request);
    const processId = request.processId ?? this.newProcessId();
    const withId = { ...request, processId };
    const scope = { projectId: request.projectId };
    const existing = await this.findVmByHostname(request.hostname, scope);
    if (existing) return { outcome: 'existing', processId, lookup: existing, createAttempts: 0 };

    for (let attempt = 1; ; attempt++) {
      try {
        await this.createVm(withId);
        const lookup = await this.findVmByHostname(request.hostname, scope).catch(() => undefined);
        return { outcome: 'created', processId, lookup, createAttempts: attempt };
      } catch (error) {
        if (createMayHaveBeenAccepted(error)) {
          const lookup = await this.findVmByHostname(request.hostname, scope).catch(() => undefined);
          if (lookup) return { outcome: 'created', processId, lookup, createAttempts: attempt };
          return { outcome: 'unconfirmed', processId, lookup: undefined, createAttempts: attempt, error: error instanceof Error ? error.message : String(error) };
        }
        if (!(error instanceof VpsieError) || !error.retryable || error instanceof VpsieCircuitOpenError) throw error;
        if (attempt >= this.maxCreateAttempts) throw error;
        const delayMs = retryDelayMs(error, attempt, this.retry, this.random);
        if (delayMs === undefined) throw error;
        await this.sleep(Math.max(delayMs, this.settleMs));
        // Never create again without looking first.
        const found = await this.findVmByHostname(request.hostname, scope);
        if (found) return { outcome: 'created', processId, lookup: found, createAttempts: attempt };
      }
    }
  }

  /**
   * Deletes with the password from the Secret. A VM that is already gone is not an error — but
   * "already gone" is only reported when a listing confirms it (see getVm): a "Not found" answer to
   * the DELETE alone may come from a wrong route while the VM keeps running (and billing).
   */
  async deleteVm(request: DeleteRequest): Promise<DeleteResult> {
    if (!request.identifier) throw new VpsieRequestError('deleteVm: identifier is required', { operation: 'deleteVm' });
    if (!this.deletePassword) throw new VpsieCredentialsError(['deletePassword is empty'], { operation: 'deleteVm' });
    try {
      await this.transport.request({
        operation: 'deleteVm',
        method: 'DELETE',
        path: '/apps/v2/vm',
        json: { vmIdentifier: request.identifier, password: this.deletePassword, deleteStatistic: { reason: request.reason, note: request.note ?? '' } },
        retry: 'safe',
        authenticated: true,
        envelope: true,
        ack: true,
      });
      return { outcome: 'deleted' };
    } catch (error) {
      // Also covers a retry after a first attempt that deleted but timed out — once the listing agrees.
      if (!(error instanceof VpsieNotFoundError)) throw error;
      await this.confirmGone(request.identifier, 'deleteVm', error.message);
      return { outcome: 'already-gone' };
    }
  }

  /**
   * After a "Not found" for `identifier`: the account's listing must agree. Returns the listed row
   * when it shows the VM deleted, undefined when the VM is absent; raises otherwise.
   */
  private async confirmGone(identifier: string, operation: string, said = 'VPSie answered "Not found"'): Promise<VpsieVm | undefined> {
    const verdict = absenceOf(identifier, await this.listVmListing());
    if (verdict.verdict === 'absent') return verdict.gone;
    if (verdict.verdict === 'listed') {
      throw new VpsieAbsenceUnconfirmedError(
        `${operation}: ${said} for VM ${identifier} (${verdict.vm.hostname}), but the VM list still shows it (${verdict.vm.state}): the "Not found" is not about this VM (a wrong route or API version?); the VM is treated as still there`,
        { operation, identifier, retryable: false },
      );
    }
    throw new VpsieAbsenceUnconfirmedError(`${operation}: ${said} for VM ${identifier}, and its absence cannot be confirmed: ${verdict.why}`, { operation, identifier, retryable: true });
  }

  async listDatacenters(): Promise<VpsieDatacenter[]> {
    return this.datacenters.get('all', async () => {
      const byId = new Map<string, VpsieDatacenter>();
      for (let page = 0; page < MAX_DATACENTER_PAGES; page++) {
        const { rows, unreadable } = await this.callRows(
          { operation: 'listDatacenters', method: 'GET', path: '/apps/v2/datacenter', query: { offset: page * DATACENTER_PAGE, limit: DATACENTER_PAGE }, retry: 'safe' },
          datacenterRow,
        );
        const before = byId.size;
        for (const row of rows) byId.set(row.identifier, row);
        // A short page ends the list; so does a page with nothing new (an API that ignores offset).
        if (rows.length + unreadable.length < DATACENTER_PAGE || byId.size === before) break;
      }
      return [...byId.values()];
    });
  }

  async listPlanCategories(): Promise<VpsieCategory[]> {
    return this.categories.get('all', () => this.callRows({ operation: 'listPlanCategories', method: 'GET', path: '/api/v2/plans/category', retry: 'safe' }, categoryRow).then((r) => r.rows));
  }

  /** Plans for one datacenter, OS and category (form-encoded POST, as the API requires). */
  async listPlans(query: PlanQuery): Promise<VpsiePlan[]> {
    const key = `${query.dcIdentifier}|${query.osIdentifier}|${query.categoryIdentifier}`;
    return this.plans.get(key, () =>
      this.callRows(
        {
          operation: 'listPlans',
          method: 'POST',
          path: '/apps/v2/resources',
          form: { dcIdentifier: query.dcIdentifier, osIdentifier: query.osIdentifier, planCatIdentifier: query.categoryIdentifier, isCustom: '0' },
          retry: 'safe',
        },
        planRow,
      ).then((r) => r.rows),
    );
  }

  /** Every project of the account (`data: {rows, count}`), each with its numeric id and its UUID. */
  async listProjects(): Promise<VpsieProject[]> {
    return (await this.callRows({ operation: 'listProjects', method: 'GET', path: '/apps/v2/projects', retry: 'safe' }, projectRow)).rows;
  }

  async listScripts(): Promise<VpsieScript[]> {
    return (await this.callRows({ operation: 'listScripts', method: 'GET', path: '/apps/v2/scripts', retry: 'safe' }, scriptRow)).rows;
  }

  /**
   * Stores a script and returns its identifier. The add answers no identifier (the SDK decodes
   * nothing), so the script is found by name afterwards: use a name unique to this launch. Never
   * retried blindly (a second add makes a second script); a lookup by name comes first.
   * `scriptType` "bash" is a GUESS (the SDK sends a free string; no source shows the values).
   */
  async createScript(script: { name: string; content: string; type?: string }): Promise<string> {
    if (!script.name || !script.content) throw new VpsieRequestError('createScript: name and content are required', { operation: 'addScript' });
    const byName = async () => (await this.listScripts()).filter((s) => s.name === script.name).at(-1)?.identifier;
    const existing = await byName();
    if (existing) return existing;
    await this.transport.request({
      operation: 'addScript',
      method: 'POST',
      path: '/apps/v2/script/add',
      json: { name: script.name, scriptContent: script.content, scriptType: script.type ?? 'bash', tags: [] },
      retry: 'never',
      authenticated: true,
      envelope: true,
      ack: true,
    });
    const identifier = await byName();
    if (!identifier) throw new VpsieInvalidResponseError(`addScript: script ${script.name} was accepted but is not listed in /apps/v2/scripts`, { operation: 'addScript' });
    return identifier;
  }

  /** Deletes a stored script; "Not found" counts as gone only when the script list agrees (as for VMs). */
  async deleteScript(identifier: string): Promise<DeleteResult> {
    try {
      await this.transport.request({ operation: 'deleteScript', method: 'DELETE', path: '/apps/v2/script', json: { scriptIdentifier: identifier }, retry: 'safe', authenticated: true, envelope: true, ack: true });
      return { outcome: 'deleted' };
    } catch (error) {
      if (!(error instanceof VpsieNotFoundError)) throw error;
      if ((await this.listScripts()).some((s) => s.identifier === identifier)) {
        throw new VpsieAbsenceUnconfirmedError(`deleteScript: "Not found" for script ${identifier}, but the script list still shows it`, { operation: 'deleteScript', identifier, retryable: false });
      }
      return { outcome: 'already-gone' };
    }
  }

  clearCatalogueCache(): void {
    this.datacenters.clear();
    this.categories.clear();
    this.plans.clear();
  }

  private async login(clientId: string, clientSecret: string) {
    const send = (body: 'json' | 'form') =>
      this.transport.request({
        operation: 'login',
        method: 'POST',
        path: '/apps/v2/auth/from/api',
        ...(body === 'json' ? { json: { clientId, clientSecret } } : { form: { clientId, clientSecret } }),
        retry: 'safe',
        authenticated: false,
        envelope: false,
      });
    let body: unknown;
    if (this.loginBody !== 'auto') body = await send(this.loginBody);
    else {
      try {
        body = await send('json');
        this.loginBody = 'json';
      } catch (error) {
        // Refused (not an outage): this deployment may want the form-encoded body. Once.
        if (!(error instanceof VpsieError) || error.retryable) throw error;
        body = await send('form');
        this.loginBody = 'form';
      }
    }
    // Either shape, at the top level or inside an envelope's `data`.
    const candidates = [body, (body as { data?: unknown } | null)?.data];
    for (const candidate of candidates) {
      const parsed = loginShape.safeParse(candidate);
      if (parsed.success) return parsed.data;
    }
    throw new VpsieInvalidResponseError('login: answer has neither {token:{access,refresh}} nor {accessToken,refreshToken}', {
      operation: 'login',
      bodySnippet: JSON.stringify(body).slice(0, 300),
    });
  }

  /**
   * A list call read row by row: rows that fail `item` are left out and reported (onUnreadableRows);
   * those `harmless` says are not the kind of row asked for are counted apart and not returned as
   * unreadable. A payload that is not a list at all is an invalid response.
   */
  private async callRows<S extends z.ZodType>(
    request: Omit<ApiRequest, 'authenticated' | 'envelope'>,
    item: S,
    harmless?: (raw: unknown) => boolean,
  ): Promise<{ rows: Array<z.output<S>>; unreadable: UnreadableRow[] }> {
    const payload = await this.transport.request({ ...request, authenticated: true, envelope: true });
    const parsed = parseRows(payload, item);
    if (!parsed) {
      throw new VpsieInvalidResponseError(`${request.operation}: expected a list (an array, or {rows: [...]}), got ${JSON.stringify(payload)?.slice(0, 100) ?? 'nothing'}`, {
        operation: request.operation,
        bodySnippet: JSON.stringify(payload)?.slice(0, 300) ?? 'undefined',
      });
    }
    const raw = listRows(payload)!;
    const unreadable = harmless ? parsed.unreadable.filter((row) => !harmless(raw[row.index])) : parsed.unreadable;
    const skippedNonVm = parsed.unreadable.length - unreadable.length;
    if (parsed.unreadable.length > 0) {
      try {
        this.onUnreadableRows?.({ operation: request.operation, unreadable, skippedNonVm });
      } catch {
        // A broken hook must not break API calls.
      }
    }
    return { rows: parsed.rows, unreadable };
  }

  private async call<S extends z.ZodType>(request: Omit<ApiRequest, 'authenticated' | 'envelope'>, schema: S): Promise<z.output<S>> {
    const payload = await this.transport.request({ ...request, authenticated: true, envelope: true });
    const parsed = schema.safeParse(payload);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VpsieInvalidResponseError(`${request.operation}: unexpected payload: ${issues.join('; ')}`, {
      operation: request.operation,
      bodySnippet: JSON.stringify(payload)?.slice(0, 300) ?? 'undefined',
      cause: parsed.error,
    });
  }
}

function incomplete(operation: string, rows: readonly UnreadableRow[], prefix = 'the listing is incomplete:'): VpsieIncompleteListingError {
  const first = rows[0];
  const what = first ? `row ${first.index}${first.hostname ? ` (${first.hostname})` : ''}: ${first.problem}` : '';
  return new VpsieIncompleteListingError(`${operation}: ${prefix} ${rows.length} row(s) could not be read (${what}); nothing is concluded from absence`, {
    operation,
    unreadableRows: rows.length,
  });
}

/**
 * Whether a row's project is the configured one. VM rows carry the numeric `project_id`, while the
 * configured id may be the project's UUID (the newest Terraform sends that): two ids of different
 * forms cannot be compared, and such a row is kept (the API's `?projectId=` filter decided). A GUESS
 * where the forms differ; a row without a project is kept for the same reason.
 */
export function sameProject(rowProjectId: string | null, projectId: string): boolean {
  if (rowProjectId === null || rowProjectId === '') return true;
  const numeric = (id: string) => /^\d+$/.test(id);
  if (numeric(rowProjectId) !== numeric(projectId)) return true;
  return rowProjectId === projectId;
}
