import type { CommandKind, CommandOf } from '../../shared/plan-message.ts';
import type { BootstrapDeliveryMode } from '../vpsie/bootstrap-delivery.ts';
import type { CommandResult } from '../../shared/snapshot.ts';
import type { VpsieClient } from '../vpsie/index.ts';
import type { GuardRule, Guardrails, GuardrailView, PlanGuard } from '../guardrails.ts';
import type { EventRecorder } from '../kube/event-recorder.ts';
import type { KubeHttp } from '../kube/kube-http.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

// What every command handler gets, and what it gives back.

export interface JoinSettings {
  /** host:port the new node's kubeadm joins (the control plane endpoint). */
  apiServerEndpoint: string;
  /** "sha256:<hex>" of the cluster CA's public key, for --discovery-token-ca-cert-hash. */
  caCertHash: string;
  bootstrapTokenTtlMs: number;
}

export interface ExecutorContext {
  kube: KubeHttp;
  /** Absent when kube-system/vpsie-credentials is missing: VM commands then fail (or run dry). */
  vpsie: VpsieClient | undefined;
  view: GuardrailView;
  guardrails: Guardrails;
  events: EventRecorder;
  clock: Clock;
  logger: Logger;
  clusterId: string;
  /** The forwarder's namespace: bootstrap Secrets live here. */
  namespace: string;
  vpsieProjectId: string | undefined;
  /** How a bootstrap reaches a VM when the NodeGroup does not say (forwarder setting vpsie.bootstrapDelivery; default auto). */
  bootstrapDelivery?: BootstrapDeliveryMode;
  /** Told of every stored bootstrap script, so that it is deleted once its Node is Ready (vpsie/bootstrap-scripts.ts). */
  scriptSweeper?: { noteStored(hostname: string): void };
  /** How long a Node must be NotReady to count as dead (forwarder setting deadNodeAfterMs). */
  deadNodeAfterMs: number;
  /** New VMs register with STARTUP_TAINT (forwarder setting startupTaint; releaseNode removes it). */
  startupTaint: boolean;
  /** Unmarked VMs the operator adopted (forwarder setting adoptVmIdentifiers): deletable as ours. */
  adoptedVmIdentifiers: ReadonlySet<string>;
  join: JoinSettings;
  planId: string;
  /** The guard of the plan being executed (what it already did counts). */
  guard: PlanGuard;
}

/** Thrown by a handler whose live re-check refuses the command (reported as `refused`, not `failed`). */
export class GuardRefusal extends Error {
  override name = 'GuardRefusal';
  constructor(readonly rule: GuardRule, message: string) {
    super(message);
  }
}

/** A handler's answer; the executor adds ids and time. */
export interface HandlerOutcome {
  outcome: 'succeeded' | 'failed';
  message?: string;
  retryable?: boolean;
  data?: CommandResult['data'];
}

export type CommandHandler<K extends CommandKind> = (command: CommandOf<K>, ctx: ExecutorContext) => Promise<HandlerOutcome>;

export const succeeded = (message?: string, data?: HandlerOutcome['data']): HandlerOutcome => ({
  outcome: 'succeeded',
  ...(message ? { message } : {}),
  ...(data ? { data } : {}),
});

export const failed = (message: string, retryable: boolean, data?: HandlerOutcome['data']): HandlerOutcome => ({
  outcome: 'failed',
  message,
  retryable,
  ...(data ? { data } : {}),
});
