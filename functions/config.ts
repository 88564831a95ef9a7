import { z } from 'zod';
import { zodProblems } from '../shared/config.ts';
import { ConfigError, type Problem } from '../shared/errors.ts';
import { prefixCollisions } from '../shared/ownership.ts';
import { DEFAULT_POLICY, type Policy } from './planning/types.ts';

// The functions' configuration, parsed once at start-up; every problem is reported at once.
// Sources (config-sources.ts): environment variables, CLI flags, and in Lambda an SSM parameter
// holding the clusters' secrets. Durations are milliseconds.

const ms = z.number().int('must be an integer number of milliseconds').min(0, 'must not be negative');
const positiveMs = ms.min(1_000, 'must be at least 1000 ms');

/** Policy fields an operator may override (deadlines shortened for demos and e2e, limits). */
export const policyOverridesSchema = z.strictObject({
  scaleDownCooldownAfterScaleUpMs: ms,
  launchDeadlineMs: ms,
  registrationDeadlineMs: ms,
  drainDeadlineMs: ms,
  removalDeadlineMs: ms,
  backoffInitialMs: ms,
  backoffMaxMs: ms,
  notReadyReplaceAfterMs: ms,
  maxEmptyRemovalsPerGroup: z.number().int().min(0),
  maxNonEmptyDrainsPerGroup: z.number().int().min(0),
  /** "paced" (default): a drain starts while each PDB of its pods allows one disruption; "all-at-once": all of them (Cluster Autoscaler). */
  pdbDisruptionMode: z.enum(['paced', 'all-at-once']),
  countDaemonSetPodsInUtilization: z.boolean(),
  searchBudget: z.number().int().min(1),
  /** Pods below this priority never trigger a scale-up nor block a scale-down (default −10, as Cluster Autoscaler). */
  expendablePodsPriorityCutoff: z.number().int().min(-2_147_483_648).max(2_147_483_647),
  /** Similar NodeGroups share a scale-up evenly (Cluster Autoscaler's --balance-similar-node-groups; default false). */
  balanceSimilarNodeGroups: z.boolean(),
  /** Fewest nodes among fleets within this percentage of the cheapest (default 3; 0 = the cheapest). */
  fewerNodesTolerancePercent: z.number().min(0).max(100),
  /** Pending pods are planned together until none arrived for this long (default 800; 0 = off)... */
  scaleUpBatchIdleMs: ms.max(60_000, 'must be at most 60000'),
  /** ...or this long after the burst's first pod (default 10000). */
  scaleUpBatchMaxMs: ms.max(600_000, 'must be at most 600000'),
}).partial();
export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

export const CLUSTER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const clusterConfigSchema = z.strictObject({
  /** HMAC key shared with this cluster's forwarder. */
  signingKey: z.string().min(32, 'must be at least 32 characters'),
  /** Bearer token of POST /v1/clusters/:id/trigger (only that: it cannot read the status). */
  triggerToken: z.string().min(16, 'must be at least 16 characters'),
  /** Bearer token of GET /v1/clusters/:id/status (read-only); without it only a signed GET reads the status. */
  statusToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Every VM of this cluster is named with this prefix; default "<clusterId>-". */
  hostnamePrefix: z.string().regex(/^[a-z0-9][a-z0-9-]{0,29}$/, 'lowercase letters, digits and dashes, at most 30').optional(),
  policy: policyOverridesSchema.optional(),
});
export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

/**
 * One deployment never serves two clusters whose hostname prefixes are prefixes of each other
 * (default "<id>-": "c1-" is a prefix of "c1-eu-"): their VMs' hostnames could not be told apart.
 */
function refuseCollidingPrefixes(clusters: Record<string, { hostnamePrefix?: string | undefined }>, ctx: z.RefinementCtx): void {
  const identities = Object.entries(clusters).map(([clusterId, c]) => ({ clusterId, hostnamePrefix: c.hostnamePrefix ?? `${clusterId}-` }));
  for (const [a, b] of prefixCollisions(identities)) {
    ctx.addIssue({
      code: 'custom',
      path: [b.clusterId, 'hostnamePrefix'],
      message: `clusters "${a.clusterId}" (hostname prefix "${a.hostnamePrefix}") and "${b.clusterId}" (hostname prefix "${b.hostnamePrefix}") collide: one prefix starts the other, so their VMs could not be told apart; give one of them another hostnamePrefix`,
    });
  }
}

export const functionsConfigSchema = z.strictObject({
  tableName: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)'),
  /** Only for a local/test store (dynalite); unset in AWS. */
  dynamoEndpoint: z.url().optional(),
  region: z.string().min(1).default('us-east-1'),
  clusters: z.record(z.string().regex(CLUSTER_ID, 'cluster ids are lowercase letters, digits and dashes'), clusterConfigSchema)
    .refine((clusters) => Object.keys(clusters).length > 0, 'configure at least one cluster')
    .superRefine(refuseCollidingPrefixes),
  policy: policyOverridesSchema.default({}),
  leaseMs: positiveMs.default(30_000),
  maxClockSkewMs: positiveMs.default(300_000),
  /** The forwarder's heartbeat, for estimating when a trigger takes effect. */
  heartbeatMs: positiveMs.default(30_000),
  /** No contact for this long → housekeeping logs an ERROR naming the cluster. */
  silentForwarderAfterMs: positiveMs.default(10 * 60_000),
  /** An in-flight operation this far past its deadline → housekeeping logs it. */
  staleOperationAfterMs: positiveMs.default(60 * 60_000),
  operationRetentionMs: positiveMs.default(7 * 24 * 3_600_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** The decompressed snapshot's limit; default 1/64 of the function's memory (http/body-limits.ts, docs/sizing.md). */
  maxSnapshotBytes: z.number().int().min(1024 * 1024, 'must be at least 1 MiB (1048576)').optional(),
  /** The function's memory in MB: Lambda sets AWS_LAMBDA_FUNCTION_MEMORY_SIZE (absent off Lambda). */
  functionMemoryMb: z.number().int().min(128).optional(),
});
export type FunctionsConfig = z.infer<typeof functionsConfigSchema>;
export type FunctionsConfigInput = z.input<typeof functionsConfigSchema>;

/** Parses, listing every problem (plus any found while reading the sources). */
export function parseFunctionsConfig(input: unknown, sourceProblems: Problem[] = []): FunctionsConfig {
  // Like shared/config.ts loadConfig, plus the problems found while reading the sources (bad JSON, SSM).
  const result = functionsConfigSchema.safeParse(input);
  const problems = [...sourceProblems, ...(result.success ? [] : zodProblems(result.error))];
  if (problems.length > 0 || !result.success) throw new ConfigError('functions configuration', problems, { cause: result.error });
  return result.data;
}

export function policyFor(config: FunctionsConfig, clusterId: string): Policy {
  const cluster = config.clusters[clusterId];
  return {
    ...DEFAULT_POLICY,
    ...config.policy,
    ...cluster?.policy,
    clusterId,
    hostnamePrefix: cluster?.hostnamePrefix ?? `${clusterId}-`,
  };
}
