import { AppsV1Api, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { TO_BE_DELETED_TAINT } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import { waitFor, WaitTimeoutError } from '../harness/wait-for.ts';
import { findPlan, SIM_PLANS } from '../vpsie-sim/index.ts';
import { ensureNamespace, ignore404 } from './stack-cluster.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';

// Shared pieces of the e2e files: a stack on the harness's control plane and store, workload
// namespaces, and the checks every test ends with (VMs, Nodes, pods Running, no pod lost).

export async function startE2eStack(options: Partial<StackOptions> = {}): Promise<Stack> {
  const harness = inject('harness');
  if (!harness) throw new Error('no harness: run with `npx vitest run --project integration test/e2e/…`');
  return startStack({
    kubeconfigPath: harness.kubeconfigPath,
    store: { endpoint: harness.dynamoEndpoint, tableName: harness.tableName },
    ...options,
  });
}

export interface E2eEnv {
  readonly stack: Stack;
  /** A workload namespace of this file, deleted (pods first) after it. */
  readonly namespace: string;
  readonly apps: AppsV1Api;
  /** Creates or replaces a NodeGroup of the stack: e2eGroup(spec). */
  applyGroup(name: string, spec: E2eGroupSpec): Promise<void>;
  /** Creates a spreadDeployment in the file's namespace. */
  deploy(options: Omit<DeploymentOptions, 'namespace'>): Promise<void>;
  /** Every pod of Deployment `app` Running, `count` of them (waitPodsRunning). */
  running(app: string, count: number, timeoutMs?: number): Promise<V1Pod[]>;
}

/**
 * The fixture of an e2e file: one stack on the harness's control plane and store, and one workload
 * namespace, started before the file's tests and stopped (namespace deleted) after them.
 */
export function useE2eStack(namespacePrefix: string, options: Partial<StackOptions> = {}): E2eEnv {
  const env: { stack?: Stack; namespace?: string; apps?: AppsV1Api } = {};
  beforeAll(async () => {
    env.stack = await startE2eStack(options);
    env.namespace = await newWorkloadNamespace(env.stack, namespacePrefix);
  });
  afterAll(async () => {
    if (env.stack && env.namespace) await deleteWorkloadNamespace(env.stack, env.namespace);
    await env.stack?.stop();
  });
  const fixture: E2eEnv = {
    get stack() {
      if (!env.stack) throw new Error('the e2e stack is not started (use it inside a test)');
      return env.stack;
    },
    get namespace() {
      if (!env.namespace) throw new Error('the e2e namespace is not created (use it inside a test)');
      return env.namespace;
    },
    get apps() {
      return (env.apps ??= fixture.stack.kube.kc.makeApiClient(AppsV1Api));
    },
    applyGroup: (name, spec) => fixture.stack.applyNodeGroup(name, e2eGroup(spec)),
    deploy: async (deployment) => {
      const { namespace } = fixture;
      await fixture.apps.createNamespacedDeployment({ namespace, body: spreadDeployment({ ...deployment, namespace }) });
    },
    running: (app, count, timeoutMs) => waitPodsRunning(fixture.stack, fixture.namespace, `app=${app}`, count, timeoutMs),
  };
  return fixture;
}

/** The scale-down policy most e2e files use: a 3 s window, CPU and memory below 50 %. */
export const FAST_SCALE_DOWN = { stabilizationWindowSeconds: 3, cpuThreshold: 50, memoryThreshold: 50 };

export type E2eGroupSpec = Partial<NodeGroupSpecInput> & { maxNodes: number };

/** The NodeGroup most e2e files use: from zero nodes, the simulator's A-1C-2G plan (one 500m pod a node). */
export function e2eGroup(spec: E2eGroupSpec): Partial<NodeGroupSpecInput> {
  return { minNodes: 0, offeringIDs: [simPlan('A-1C-2G')], ...spec };
}

/** The identifier of the simulator's plan with this nickname (A-1C-2G, …). */
export function simPlan(nickname: string): string {
  const found = SIM_PLANS.find((p) => p.nickname === nickname);
  if (!found) throw new Error(`the simulator has no plan named ${nickname}`);
  return found.identifier;
}

/** waitFor whose timeout message carries the tail of every part's log. */
export async function eventually<T>(stack: Stack, description: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  try {
    return await waitFor(fn, { timeoutMs, intervalMs: 250, description });
  } catch (error) {
    if (error instanceof WaitTimeoutError) {
      throw new WaitTimeoutError(`${error.message}\n${stack.describe()}`, { cause: error.cause });
    }
    throw error;
  }
}

export async function newWorkloadNamespace(stack: Stack, prefix: string): Promise<string> {
  const name = `${prefix}-${stack.clusterId.slice(-6)}`;
  await ensureNamespace(stack.kube, name);
  return name;
}

export async function deleteWorkloadNamespace(stack: Stack, name: string): Promise<void> {
  await stack.kube.core.deleteNamespace({ name }).catch(ignore404);
  await stack.kube.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(ignore404);
}

export async function pods(stack: Stack, namespace: string, selector?: string): Promise<V1Pod[]> {
  return (await stack.kube.core.listNamespacedPod({ namespace, ...(selector ? { labelSelector: selector } : {}) })).items;
}

export function isRunning(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}

/** Every pod of the selector Running (and `count` of them, when given). */
export async function waitPodsRunning(stack: Stack, namespace: string, selector: string, count: number, timeoutMs = 90_000): Promise<V1Pod[]> {
  return eventually(
    stack,
    `${count} pod(s) ${selector} Running in ${namespace}`,
    async () => {
      const list = (await pods(stack, namespace, selector)).filter((p) => !p.metadata?.deletionTimestamp);
      return list.length === count && list.every(isRunning) ? list : undefined;
    },
    timeoutMs,
  );
}

export async function node(stack: Stack, name: string): Promise<V1Node | undefined> {
  try {
    return await stack.kube.core.readNode({ name });
  } catch (error) {
    ignore404(error);
    return undefined;
  }
}

export function isCordonedOrTainted(node: V1Node): boolean {
  return node.spec?.unschedulable === true || (node.spec?.taints ?? []).some((t) => t.key === TO_BE_DELETED_TAINT);
}

/** The plan nickname of a VM at the simulator (A-1C-2G, …). */
export function planNickname(resourceIdentifier: string): string {
  return findPlan(resourceIdentifier)?.nickname ?? resourceIdentifier;
}

/** No VM created twice, and no VM the simulator was asked to delete more than once successfully. */
export function expectNoDuplicateVms(stack: Stack): void {
  expect(stack.duplicateVms(), 'hostnames created more than once at VPSie').toEqual([]);
}

/** Deployment fully available: replicas == ready == available == updated (nothing lost for good). */
export async function expectDeploymentWhole(stack: Stack, namespace: string, name: string, replicas: number, timeoutMs = 60_000): Promise<void> {
  const apps = stack.kube.kc.makeApiClient(AppsV1Api);
  await eventually(stack, `Deployment ${namespace}/${name} with ${replicas} ready replica(s)`, async () => {
    const d = await apps.readNamespacedDeployment({ namespace, name });
    return (d.status?.readyReplicas ?? 0) === replicas && (d.status?.availableReplicas ?? 0) === replicas && (d.status?.replicas ?? 0) === replicas;
  }, timeoutMs);
}

/** Deploys `name` with requests, optional selector/tolerations and one pod per node (required anti-affinity). */
export interface DeploymentOptions {
  name: string;
  namespace: string;
  replicas: number;
  cpu: string;
  memory: string;
  onePerNode?: boolean;
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key: string; operator: 'Equal' | 'Exists'; value?: string; effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule' }>;
  softSpread?: boolean;
}

export function spreadDeployment(options: DeploymentOptions) {
  const { name, namespace, replicas, cpu, memory } = options;
  const affinity = options.onePerNode
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: name } }, topologyKey: 'kubernetes.io/hostname' }] } }
    : options.softSpread
      ? { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: name } }, topologyKey: 'kubernetes.io/hostname' } }] } }
      : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu, memory } } }],
          ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
          ...(options.tolerations ? { tolerations: options.tolerations } : {}),
          ...(affinity ? { affinity } : {}),
        },
      },
    },
  };
}

export async function scaleDeployment(apps: AppsV1Api, namespace: string, name: string, replicas: number): Promise<void> {
  // No resourceVersion: an unconditional update (Deployments allow it), so the controllers' own status
  // writes cannot make it conflict.
  await apps.replaceNamespacedDeploymentScale({ namespace, name, body: { metadata: { name, namespace }, spec: { replicas } } });
}
