import { randomUUID } from 'node:crypto';
import { findPlan, plansFor, SIM_DATACENTERS, SIM_OS_IMAGES, SIM_PLANS, type SimPlan } from './catalogue.ts';
import type { SimClock } from './clock.ts';
import { FaultQueue, type FaultKind, type SimFault, type SimOperation } from './faults.ts';
import { ScriptStore } from './scripts.ts';

// The simulator's account: VMs, pending creations, issued tokens, the call log and the hooks fired on
// state changes. Wire formats live in routes; this is the domain.

export type SimConfig = {
  /** API token accepted in Vpsie-Auth; undefined disables token mode. */
  token: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  deletePassword: string;
  /** Which of the two documented login answers to give. */
  loginShape: 'token' | 'accessToken';
  tokenTtlMs: number;
  /** Time a VM stays in /vm/pending before it shows in /vm. */
  provisionMs: number;
  /** Time a VM is listed with is_active=0/power=0 before it runs. */
  bootMs: number;
  /** Time a deleted VM stays listed with is_deleted=1 (0: it disappears at once). */
  deletedVisibleMs: number;
  /**
   * Lists (/vm, /vm/pending, /datacenter) bare or as `{ rows, count, total }`. Default bare: the
   * official SDK decodes these as `data: []` (ListServerRoot{Data []VmData}); only /projects is seen
   * as `{rows, count}`. 'rows' stays as an option because one older tool reads that shape.
   */
  listStyle: 'rows' | 'array';
  /** How GET /vm/{id} says "missing": `data: false`, or `error: true` with a "Not found" message. */
  notFoundStyle: 'data-false' | 'error-message';
  /** Added to every API answer (wire time), to make a demo feel like a remote API. */
  latencyMs: number;
  /** Maximum live VMs (pending + listed); undefined = unlimited. */
  quota: number | undefined;
  /**
   * Delayed visibility: an accepted create shows in neither /vm/pending nor /vm for this long, and its
   * whole lifecycle (pending, provisioning, boot) starts that much later. A GUESS at how VPSie lags:
   * no source measures it; what is known is that the create's answer carries no id.
   */
  visibilityDelayMs: number;
  osImages: string[];
  /**
   * Drop `userData` from creates, as /apps/v2/vm may (the official SDK has no such field; only a fork
   * sends it, to another path). Off by default so that userData-mode setups keep working in tests.
   */
  ignoreUserData: boolean;
  /**
   * Login variants (GUESSES at deployments the sources hint at): 'form-only' refuses a JSON login
   * body; 'bearer-only' reads the token only from `Authorization: Bearer` (Vpsie-Auth ignored).
   */
  loginBody: 'any' | 'form-only';
  authHeader: 'any' | 'bearer-only';
  /**
   * POST /apps/v2/resources form fields. 'evidence' (default): besides dcIdentifier, osIdentifier and
   * planCatIdentifier, the form must carry `name=query&description=query`, as the one tool seen listing
   * plans sends it (GUESS that VPSie needs them: refusing keeps the client to the evidence);
   * 'lenient': only the three identifiers.
   */
  plansForm: 'evidence' | 'lenient';
  /** GET /apps/v2/projects rows (`data: {rows, count}`, as the SDK decodes it). */
  projects: Array<{ id: number; identifier: string; name: string; is_default: 0 | 1 }>;
};

export const DEFAULT_SIM_CONFIG: SimConfig = {
  token: 'sim-token',
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  deletePassword: 'sim-delete-password',
  loginShape: 'token',
  tokenTtlMs: 3_600_000,
  provisionMs: 5_000,
  bootMs: 0,
  deletedVisibleMs: 0,
  listStyle: 'array',
  notFoundStyle: 'data-false',
  latencyMs: 0,
  quota: undefined,
  visibilityDelayMs: 0,
  osImages: Object.values(SIM_OS_IMAGES),
  ignoreUserData: false,
  loginBody: 'any',
  authHeader: 'any',
  plansForm: 'evidence',
  projects: [{ id: 7, identifier: '2b7f4c1e-7d3a-4f7e-9a51-0c6d1e2f3a4b', name: 'sim-project', is_default: 1 }],
};

export type SimVmPhase = 'pending' | 'created' | 'running' | 'deleted' | 'vanished';

export type SimVm = {
  id: number;
  identifier: string;
  hostname: string;
  processId: string | null;
  resourceIdentifier: string;
  osIdentifier: string;
  dcIdentifier: string;
  projectId: string;
  cpu: number;
  ramMb: number;
  ssdGb: number;
  /** As received: base64 cloud-init. */
  userData: string | null;
  tags: string[];
  notes: string | null;
  publicIpV4: boolean;
  publicIpV6: boolean;
  privateIp: boolean;
  backupEnabled: boolean;
  /** The create body as received. */
  request: Record<string, unknown>;
  createdAtMs: number;
  /** Before this time the VM is in no list (delayed visibility). */
  visibleAtMs: number;
  /** undefined: never leaves pending (or never appears at all, for `vanished`). */
  materialisesAtMs: number | undefined;
  activeAtMs: number | undefined;
  deletedAtMs: number | undefined;
  deleteStatistic: unknown;
  phase: SimVmPhase;
  /** Its kubelet never gets Ready (fault kubeletNeverReady): the Node registers, kwok leaves it NotReady. */
  kubeletNeverReady?: boolean;
};

export type SimCall = {
  seq: number;
  method: string;
  path: string;
  operation: SimOperation;
  /** The query string, without '?', when there was one. */
  query?: string;
  atMs: number;
  fault?: FaultKind;
};

export type SimHook = {
  onVmActive?(vm: SimVm): Promise<void> | void;
  onVmDeleted?(vm: SimVm): Promise<void> | void;
};

export type ApiFailure = { code: number; message: string };

export class SimState {
  config: SimConfig;
  readonly faults = new FaultQueue();
  readonly scripts = new ScriptStore();
  readonly plans: SimPlan[] = SIM_PLANS;
  readonly hookErrors: unknown[] = [];
  private vmRecords: SimVm[] = [];
  private callLog: SimCall[] = [];
  private tokens = new Map<string, number>();
  private hooks: SimHook[] = [];
  private inFlightHooks = new Set<Promise<void>>();
  private nextId = 1001;

  constructor(
    readonly clock: SimClock,
    config: Partial<SimConfig> = {},
  ) {
    this.config = { ...DEFAULT_SIM_CONFIG, ...config };
  }

  projects(): SimConfig['projects'] {
    return this.config.projects.map((p) => ({ ...p }));
  }

  /**
   * The numeric id (as a string) of the project a reference names: its id or its UUID (what the two SDK
   * lineages send on create), or — `byName`, for seeds only — its name. A reference that names no
   * project is kept as given: whether VPSie refuses an unknown projectId on create is unknown (GUESS:
   * accepted, so tests of other things need not declare projects).
   */
  projectIdOf(reference: string, byName = false): string {
    const project = this.config.projects.find((p) => String(p.id) === reference || p.identifier.toLowerCase() === reference.toLowerCase() || (byName && p.name === reference));
    return project ? String(project.id) : reference;
  }

  configure(patch: Partial<SimConfig>): void {
    this.config = { ...this.config, ...patch };
  }

  inject(faults: SimFault | SimFault[]): void {
    this.faults.inject(faults);
  }

  addHook(hook: SimHook): void {
    this.hooks.push(hook);
  }

  // ---- observability -------------------------------------------------------------------------

  recordCall(call: Omit<SimCall, 'seq' | 'atMs'>): SimCall {
    const entry = { ...call, seq: this.callLog.length + 1, atMs: this.clock.now() };
    this.callLog.push(entry);
    return entry;
  }

  /** Every API call received (admin routes excluded), in order. */
  calls(filter?: SimOperation): SimCall[] {
    return filter ? this.callLog.filter((c) => c.operation === filter) : [...this.callLog];
  }

  clearCalls(): void {
    this.callLog = [];
  }

  /** Every VM ever accepted, deleted and never-materialised ones included. */
  vms(): SimVm[] {
    this.tick();
    return this.vmRecords.map((vm) => ({ ...vm }));
  }

  /** Hostnames accepted more than once: what "no duplicate VM" asserts is empty. */
  duplicateHostnames(): string[] {
    const counts = new Map<string, number>();
    for (const vm of this.vmRecords) counts.set(vm.hostname, (counts.get(vm.hostname) ?? 0) + 1);
    return [...counts].filter(([, n]) => n > 1).map(([hostname]) => hostname);
  }

  /** Hostnames with more than one VM that exists now (hidden, pending, created or running): a duplicate left over. */
  liveDuplicateHostnames(): string[] {
    this.tick();
    const counts = new Map<string, number>();
    for (const vm of this.vmRecords) {
      if (vm.phase === 'pending' || vm.phase === 'created' || vm.phase === 'running') counts.set(vm.hostname, (counts.get(vm.hostname) ?? 0) + 1);
    }
    return [...counts].filter(([, n]) => n > 1).map(([hostname]) => hostname);
  }

  /** Resolves when every hook fired so far has finished. */
  async settled(): Promise<void> {
    while (this.inFlightHooks.size > 0) await Promise.allSettled([...this.inFlightHooks]);
  }

  reset(): void {
    this.vmRecords = [];
    this.callLog = [];
    this.tokens.clear();
    this.faults.clear();
  }

  // ---- time ----------------------------------------------------------------------------------

  /** Moves a ManualClock forward and applies what became due. Await `settled()` for the hooks. */
  advance(ms: number): void {
    if (!this.clock.advance) throw new Error('sim.advance needs a ManualClock (startVpsieSimulator({ clock: new ManualClock() }))');
    this.clock.advance(ms);
    this.tick();
  }

  /** Applies every transition that is due. Every request ticks first; the server also ticks on a timer. */
  tick(): void {
    const now = this.clock.now();
    for (const vm of this.vmRecords) {
      if (vm.phase === 'pending' && vm.materialisesAtMs !== undefined && now >= vm.materialisesAtMs) vm.phase = 'created';
      if (vm.phase === 'created' && vm.activeAtMs !== undefined && now >= vm.activeAtMs) {
        vm.phase = 'running';
        this.fire('onVmActive', vm);
      }
    }
  }

  private fire(event: keyof SimHook, vm: SimVm): void {
    for (const hook of this.hooks) {
      const handler = hook[event];
      if (!handler) continue;
      const snapshot = { ...vm };
      const promise = Promise.resolve()
        .then(() => handler.call(hook, snapshot))
        .catch((error: unknown) => {
          this.hookErrors.push(error);
        })
        .finally(() => this.inFlightHooks.delete(promise));
      this.inFlightHooks.add(promise);
    }
  }

  // ---- auth ----------------------------------------------------------------------------------

  isAuthorised(token: string | undefined): boolean {
    if (!token) return false;
    if (this.config.token !== undefined && token === this.config.token) return true;
    const expiresAtMs = this.tokens.get(token);
    return expiresAtMs !== undefined && this.clock.now() < expiresAtMs;
  }

  login(clientId: unknown, clientSecret: unknown): { accessToken: string; refreshToken: string; expiresAtMs: number } | undefined {
    if (this.config.clientId === undefined || clientId !== this.config.clientId || clientSecret !== this.config.clientSecret) return undefined;
    const accessToken = `sim-access-${randomUUID()}`;
    const expiresAtMs = this.clock.now() + this.config.tokenTtlMs;
    this.tokens.set(accessToken, expiresAtMs);
    return { accessToken, refreshToken: `sim-refresh-${randomUUID()}`, expiresAtMs };
  }

  /** Invalidates every access token issued so far (the next call gets 401). */
  expireTokens(): void {
    this.tokens.clear();
  }

  // ---- VMs -----------------------------------------------------------------------------------

  /** VMs shown by GET /apps/v2/vm. */
  listedVms(): SimVm[] {
    this.tick();
    const now = this.clock.now();
    return this.vmRecords.filter(
      (vm) => now >= vm.visibleAtMs && (vm.phase === 'created' || vm.phase === 'running' || (vm.phase === 'deleted' && vm.deletedAtMs !== undefined && now < vm.deletedAtMs + this.config.deletedVisibleMs)),
    );
  }

  /** Creations shown by GET /apps/v2/vm/pending. */
  pendingVms(): SimVm[] {
    this.tick();
    const now = this.clock.now();
    return this.vmRecords.filter((vm) => vm.phase === 'pending' && now >= vm.visibleAtMs);
  }

  findVm(identifier: string): SimVm | undefined {
    return this.listedVms().find((vm) => vm.identifier === identifier && vm.phase !== 'deleted');
  }

  private liveCount(): number {
    return this.vmRecords.filter((vm) => vm.phase === 'pending' || vm.phase === 'created' || vm.phase === 'running').length;
  }

  /**
   * POST /apps/v2/vm. Hostnames are NOT unique: the real API accepts duplicates, which is the danger.
   * `visibilityDelayMs` (a fault) overrides the configured delay for this create.
   */
  createVm(body: Record<string, unknown>, materialise: 'normal' | 'vanish' | 'stuck' | 'never-ready' = 'normal', visibilityDelayMs?: number): ApiFailure | undefined {
    this.tick();
    const str = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : typeof body[key] === 'number' ? String(body[key]) : '');
    // GUESS: every error text below (no source shows VPSie's own) and the 400/403 codes in the envelope.
    const missing = ['resourceIdentifier', 'osIdentifier', 'dcIdentifier', 'hostname', 'projectId'].filter((k) => !str(k));
    if (missing.length > 0) return { code: 400, message: `${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required` };
    const dc = SIM_DATACENTERS.find((d) => d.identifier === str('dcIdentifier'));
    if (!dc || dc.is_active !== 1) return { code: 400, message: 'Invalid dcIdentifier' };
    if (!this.config.osImages.includes(str('osIdentifier'))) return { code: 400, message: 'Invalid osIdentifier' };
    const plan = findPlan(str('resourceIdentifier'), this.plans);
    if (!plan || !plansFor(dc.identifier, plan.categoryIdentifier, this.plans).includes(plan)) {
      return { code: 400, message: 'Invalid resourceIdentifier for this datacenter' };
    }
    // GUESS: the hostname rule (letters, digits, dots and dashes, 63 characters, alphanumeric at both
    // ends). VPSie documents none; the client sends lowercase RFC 1123 names, which any rule should take.
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$/.test(str('hostname'))) return { code: 400, message: 'Invalid hostname' };
    // GUESS: the quota counts pending and listed VMs, is refused with 403 and this text (the client
    // recognises a quota refusal by its wording, forwarder/vpsie/classify.ts).
    if (this.config.quota !== undefined && this.liveCount() >= this.config.quota) {
      return { code: 403, message: `VM quota exceeded: this account may hold at most ${this.config.quota} VMs` };
    }
    const scriptIdentifier = str('scriptIdentifier');
    const script = scriptIdentifier ? this.scripts.find(scriptIdentifier) : undefined;
    if (scriptIdentifier && !script) return { code: 400, message: 'Invalid scriptIdentifier' }; // GUESS: the text
    const now = this.clock.now();
    // The official SDK sends the flags as numbers 0/1 on /apps/v2/vm; a 2026 fork sends "0"/"1" strings
    // (to /api/v2/vm, claiming numbers are ignored there). Both are honoured here: which one
    // /apps/v2/vm ignores, if any, is unproven.
    const flag = (key: string, fallback: boolean) => (body[key] === '1' || body[key] === 1 ? true : body[key] === '0' || body[key] === 0 ? false : fallback);
    const tags = Array.isArray(body['tags']) ? body['tags'].filter((t): t is string => typeof t === 'string') : [];
    const visibleAtMs = now + (visibilityDelayMs ?? this.config.visibilityDelayMs);
    const materialisesAtMs = materialise === 'normal' || materialise === 'never-ready' ? visibleAtMs + this.config.provisionMs : undefined;
    const vm: SimVm = {
      id: this.nextId++,
      identifier: randomUUID(),
      hostname: str('hostname'),
      processId: str('processId') || null,
      resourceIdentifier: plan.identifier,
      osIdentifier: str('osIdentifier'),
      dcIdentifier: dc.identifier,
      projectId: this.projectIdOf(str('projectId')),
      cpu: plan.cpu,
      ramMb: plan.ram,
      ssdGb: plan.ssd,
      // What the VM runs at first boot: the stored script when the create names one, else the user data
      // (whether /apps/v2/vm honours userData at all is unproven: see config ignoreUserData).
      userData: script ? Buffer.from(script.content, 'utf8').toString('base64') : this.config.ignoreUserData ? null : str('userData') || null,
      tags,
      notes: str('notes') || null,
      publicIpV4: flag('addPublicIpV4', false),
      publicIpV6: flag('addPublicIpV6', false),
      privateIp: flag('addPrivateIp', false),
      backupEnabled: flag('backupEnabled', false),
      request: { ...body },
      createdAtMs: now,
      visibleAtMs,
      materialisesAtMs,
      activeAtMs: materialisesAtMs === undefined ? undefined : materialisesAtMs + this.config.bootMs,
      deletedAtMs: undefined,
      deleteStatistic: undefined,
      phase: materialise === 'vanish' ? 'vanished' : 'pending',
      ...(materialise === 'never-ready' ? { kubeletNeverReady: true } : {}),
    };
    this.vmRecords.push(vm);
    this.tick();
    return undefined;
  }

  /** Adds a VM that already exists (e.g. workers present before the test), running unless told otherwise. */
  seedVm(input: { hostname: string; resourceIdentifier?: string; dcIdentifier?: string; osIdentifier?: string; projectId?: string; userData?: string; notes?: string; phase?: 'pending' | 'created' | 'running' }): SimVm {
    const error = this.createVm({
      hostname: input.hostname,
      resourceIdentifier: input.resourceIdentifier ?? this.plans[0]!.identifier,
      dcIdentifier: input.dcIdentifier ?? SIM_DATACENTERS[0]!.identifier,
      osIdentifier: input.osIdentifier ?? this.config.osImages[0]!,
      projectId: this.projectIdOf(input.projectId ?? 'sim-project', true),
      addPublicIpV4: '1',
      addPrivateIp: '1',
      ...(input.userData ? { userData: input.userData } : {}),
      ...(input.notes ? { notes: input.notes } : {}),
    }, 'normal', 0);
    if (error) throw new Error(`seedVm: ${error.message}`);
    const vm = this.vmRecords[this.vmRecords.length - 1]!;
    const phase = input.phase ?? 'running';
    if (phase !== 'pending') {
      vm.materialisesAtMs = vm.createdAtMs;
      vm.activeAtMs = phase === 'running' ? vm.createdAtMs : undefined;
      this.tick();
    }
    return { ...vm };
  }

  /** DELETE /apps/v2/vm. */
  deleteVm(body: Record<string, unknown>): ApiFailure | undefined {
    this.tick();
    const identifier = typeof body['vmIdentifier'] === 'string' ? body['vmIdentifier'] : '';
    // GUESS: the texts, and that a wrong password is a 403 in the envelope (the SDK shows only the body).
    if (!identifier) return { code: 400, message: 'vmIdentifier is required' };
    if (body['password'] !== this.config.deletePassword) return { code: 403, message: 'Incorrect password' };
    const vm = this.vmRecords.find((v) => v.identifier === identifier && (v.phase === 'created' || v.phase === 'running'));
    if (!vm) return { code: 404, message: 'VM not found' };
    vm.phase = 'deleted';
    vm.deletedAtMs = this.clock.now();
    vm.deleteStatistic = body['deleteStatistic'];
    this.fire('onVmDeleted', vm);
    return undefined;
  }

  /** POST /apps/v2/tags/add `{entity, identifier, tags}`; only entity "vm" is simulated (GUESS: the entity names). */
  addTags(entity: string, identifier: string, tags: string[]): ApiFailure | undefined {
    if (!entity) return { code: 400, message: 'entity is required' }; // GUESS: the text
    if (entity !== 'vm') return { code: 400, message: `Invalid entity ${entity}` }; // GUESS: the simulator knows VMs only
    const vm = this.findVm(identifier);
    if (!vm) return { code: 404, message: 'VM not found' };
    vm.tags = [...new Set([...vm.tags, ...tags])];
    return undefined;
  }
}
