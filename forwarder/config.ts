import { z } from 'zod';
import { envBoolean, envInteger, loadConfig } from '../shared/config.ts';
import { functionsUrlProblem } from './delivery/functions-url.ts';
import { DEAD_NODE_AFTER_MS } from './executor/live-checks.ts';
import { DEFAULT_CAPS } from './guardrails.ts';
import { DEFAULT_STARTUP_TAINT_MAX_SECONDS } from './startup-taint-sweep.ts';
import { BOOTSTRAP_DELIVERY_MODES } from './vpsie/bootstrap-delivery.ts';

/** A number from the environment ("12.5") or from JSON. */
const envNumber = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, 'expected a number').transform(Number)]);

// The forwarder's configuration, parsed once at start-up; every problem is listed at once.
// Sources, later wins: environment (VPSIE_FWD_*, "__" nests: VPSIE_FWD_VPSIE__PROJECT_ID), then CLI flags.

export const ENV_PREFIX = 'VPSIE_FWD_';

const ms = envInteger.pipe(z.number().int().min(0, 'must not be negative'));

export const forwarderConfigSchema = z.strictObject({
  clusterId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and dashes (at most 64)'),
  /** Base URL of the functions (POST <url>/v1/reconcile). */
  functionsUrl: z.url({ protocol: /^https?$/, message: 'an http(s) URL' })
    .refine((url) => functionsUrlProblem(new URL(url)) === undefined, { message: 'must be https: (http: only for 127.0.0.0/8, ::1 or localhost)' }),
  /** HMAC key shared with the functions for this cluster. */
  signingKey: z.string().min(32, 'must be at least 32 characters'),
  /** Path of a kubeconfig; absent = in-cluster service account, or the default kubeconfig. */
  kubeconfig: z.string().min(1).optional(),
  /** The forwarder's namespace: Lease, bootstrap Secrets. */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name').default('vpsie-autoscaler'),
  /** Unique per replica; default <hostname>-<random>. */
  identity: z.string().min(1).max(128).optional(),
  dryRun: envBoolean.default(false),
  /** Every VM of this cluster has it; default "<clusterId>-" (as the functions assume). */
  hostnamePrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'lowercase letters, digits and dashes, at most 30').optional(),
  /**
   * Identifiers of VMs made before ownership markers existed that this cluster adopts (README,
   * "Adopting VMs made before ownership markers"); a comma-separated list in the environment.
   */
  adoptVmIdentifiers: z.union([z.array(z.string()), z.string().transform((s) => s.split(','))])
    .pipe(z.array(z.string().trim().regex(/^[A-Za-z0-9-]{1,64}$/, 'a VPSie VM identifier')).max(1_000, 'at most 1000 identifiers'))
    .default([]),
  listenHost: z.string().min(1).default('127.0.0.1'),
  listenPort: envInteger.pipe(z.number().int().min(0).max(65535)).default(8080),
  /** POST /trigger on a port of its own, so the NetworkPolicy can admit it from selected sources only (http-server.ts). */
  triggerPort: envInteger.pipe(z.number().int().min(0).max(65535)).optional(),
  /** Bearer token of POST /trigger; without it the endpoint is off. */
  triggerToken: z.string().min(16, 'must be at least 16 characters').optional(),
  heartbeatMs: ms.pipe(z.number().min(1_000, 'must be at least 1000 ms')).default(30_000),
  maxDeletionsPer10Min: envInteger.pipe(z.number().int().min(0)).default(DEFAULT_CAPS.maxDeletionsPerWindow),
  /**
   * A Node NotReady this long has lost its kubelet: deleteNode then lets its pods with a controller
   * go with it (they come back elsewhere once the Node is gone); pods without one always block.
   */
  deadNodeAfterMs: ms.pipe(z.number().min(1_000, 'must be at least 1000 ms')).default(DEAD_NODE_AFTER_MS),
  /**
   * New VMs register with STARTUP_TAINT (shared/labels.ts) until the planner's releaseNode nominates
   * its pods for them (issue #22); false: they register with the NodeGroup's taints only.
   */
  startupTaint: envBoolean.default(true),
  /** A Node of ours still carrying STARTUP_TAINT this long after it registered is untainted by the forwarder itself (no releaseNode came). */
  startupTaintMaxSeconds: envInteger.pipe(z.number().int().min(1, 'must be at least 1 s')).default(DEFAULT_STARTUP_TAINT_MAX_SECONDS),
  /** The forwarder's caps, whatever a plan says (forwarder/guardrails.ts); counted across restarts. */
  caps: z.strictObject({
    maxLaunchesPer10Min: envInteger.pipe(z.number().int().min(0)).default(DEFAULT_CAPS.maxLaunchesPerWindow),
    /** VMs of this cluster at most (Nodes ∪ VMs ∪ launches). */
    maxClusterVms: envInteger.pipe(z.number().int().min(0)).default(DEFAULT_CAPS.maxClusterVms),
    /** Monthly price of all of this cluster's VMs at most, in the VPSie account's currency. */
    maxMonthlyCost: envNumber.pipe(z.number().min(0)).default(DEFAULT_CAPS.maxMonthlyCost),
    maxCommandsPerPlan: envInteger.pipe(z.number().int().min(1)).default(DEFAULT_CAPS.maxCommandsPerPlan),
    maxEventsPerPlan: envInteger.pipe(z.number().int().min(0)).default(DEFAULT_CAPS.maxEventsPerPlan),
    maxNodesLeaving: envInteger.pipe(z.number().int().min(0)).default(DEFAULT_CAPS.maxNodesLeaving),
  }).default({
    maxLaunchesPer10Min: DEFAULT_CAPS.maxLaunchesPerWindow,
    maxClusterVms: DEFAULT_CAPS.maxClusterVms,
    maxMonthlyCost: DEFAULT_CAPS.maxMonthlyCost,
    maxCommandsPerPlan: DEFAULT_CAPS.maxCommandsPerPlan,
    maxEventsPerPlan: DEFAULT_CAPS.maxEventsPerPlan,
    maxNodesLeaving: DEFAULT_CAPS.maxNodesLeaving,
  }),
  leaderElection: z.strictObject({
    enabled: envBoolean.default(true),
    leaseName: z.string().min(1).default('vpsie-autoscaler-forwarder'),
    leaseDurationMs: ms.default(10_000),
    renewDeadlineMs: ms.default(7_000),
    retryPeriodMs: ms.default(2_000),
  }).default({ enabled: true, leaseName: 'vpsie-autoscaler-forwarder', leaseDurationMs: 10_000, renewDeadlineMs: 7_000, retryPeriodMs: 2_000 })
    .refine((le) => le.renewDeadlineMs < le.leaseDurationMs, { message: 'renewDeadlineMs must be shorter than leaseDurationMs', path: ['renewDeadlineMs'] }),
  vpsie: z.strictObject({
    baseUrl: z.url().default('https://api.vpsie.com'),
    /** Overrides the "projectId" key of the credentials Secret. */
    projectId: z.string().min(1).optional(),
    credentialsSecret: z.string().min(1).default('vpsie-credentials'),
    credentialsNamespace: z.string().min(1).default('kube-system'),
    /**
     * How a NodeGroup's bootstrap reaches a new VM when its spec.bootstrap.delivery is unset: a stored
     * script, userData, or auto (script for a shell-script template). docs/vpsie-api.md, "Bootstrap delivery".
     */
    bootstrapDelivery: z.enum(BOOTSTRAP_DELIVERY_MODES).default('auto'),
    /** Client-credentials login: body json|form, token header vpsie-auth|bearer|both; auto = detected at the first login. */
    login: z.strictObject({
      body: z.enum(['auto', 'json', 'form']).default('auto'),
      header: z.enum(['auto', 'vpsie-auth', 'bearer', 'both']).default('auto'),
    }).default({ body: 'auto', header: 'auto' }),
  }).default({ baseUrl: 'https://api.vpsie.com', credentialsSecret: 'vpsie-credentials', credentialsNamespace: 'kube-system', bootstrapDelivery: 'auto', login: { body: 'auto', header: 'auto' } }),
  join: z.strictObject({
    /** host:port new nodes join; default the kubeconfig's server. */
    apiServerEndpoint: z.string().min(1).optional(),
    /** sha256:<hex> of the cluster CA public key; default computed from the kubeconfig's CA. */
    caCertHash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'sha256:<64 hex digits>').optional(),
    bootstrapTokenTtlMs: ms.pipe(z.number().min(60_000, 'must be at least a minute')).default(30 * 60_000),
  }).default({ bootstrapTokenTtlMs: 30 * 60_000 }),
  /** The kube API client's own limits (why these defaults: forwarder/kube/kube-http.ts, DEFAULT_KUBE_QPS). */
  kubeClient: z.strictObject({
    qps: envInteger.pipe(z.number().int().min(1, 'must be at least 1')).default(50),
    burst: envInteger.pipe(z.number().int().min(1, 'must be at least 1')).default(100),
    /** Whole-request deadline of a non-watch request. */
    requestDeadlineMs: ms.pipe(z.number().min(1_000, 'must be at least 1000 ms')).default(60_000),
  }).default({ qps: 50, burst: 100, requestDeadlineMs: 60_000 }),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type ForwarderConfig = z.output<typeof forwarderConfigSchema>;
export type ForwarderConfigInput = z.input<typeof forwarderConfigSchema>;

/** Throws a ConfigError listing every problem. */
export function parseForwarderConfig(input: unknown): ForwarderConfig {
  return loadConfig(forwarderConfigSchema, input, { subject: 'forwarder configuration', envPrefix: ENV_PREFIX });
}
