import type { KubeConfig } from '@kubernetes/client-node';
import type { PlanMessage } from '../shared/plan-message.ts';
import type { ForwarderConfig } from './config.ts';
import type { DeliveryOptions } from './delivery/delivery.ts';
import type { KubeAuth } from './kube/kube-auth.ts';
import type { ForwarderMetrics } from './metrics.ts';
import type { ReconcileLoop } from './reconcile-loop.ts';
import type { Clock } from './util/clock.ts';
import type { Logger } from './util/logger.ts';
import type { VpsieClient, VpsieClientOptions } from './vpsie/client.ts';
import type { ClusterCache } from './watch/cluster-cache.ts';

// What startForwarder (main.ts) takes besides its configuration, and what it gives back.

export interface ForwarderDeps {
  kubeConfig?: KubeConfig;
  /** Already loaded authentication (tests: the in-cluster loader pointed at a service-account directory). */
  kubeAuth?: KubeAuth;
  logger?: Logger;
  clock?: Clock;
  /** Replaces the client built from the credentials Secret (tests); null = no VPSie at all. */
  vpsie?: VpsieClient | null;
  /** Extra VpsieClient options when the forwarder builds it (tests shorten retries). */
  vpsieOptions?: Partial<VpsieClientOptions>;
  /** Delivery retry settings (tests shorten them). */
  deliveryOptions?: Pick<DeliveryOptions, 'maxAttempts' | 'backoff' | 'timeoutMs'>;
}

export interface ForwarderHandle {
  identity: string;
  /** http://host:port of /metrics, /healthz, /readyz, /trigger. */
  url: string;
  config: ForwarderConfig;
  /** True when running dry (asked for, or forced by missing VPSie credentials). */
  dryRun: boolean;
  metrics: ForwarderMetrics;
  cache: ClusterCache;
  loop: ReconcileLoop;
  isLeader(): boolean;
  isSynced(): boolean;
  /** Asks for a reconcile now (as POST /trigger does). */
  trigger(): void;
  /** Resolves when every initial list is done. */
  waitForSynced(timeoutMs?: number): Promise<void>;
  /** Plans received, newest last (the last 20). */
  plans: PlanMessage[];
  /** Graceful: finishes the reconcile in progress, releases the Lease. */
  stop(): Promise<void>;
  /** Like a killed process: stops everything at once, the Lease is left to expire. */
  crash(): Promise<void>;
}
