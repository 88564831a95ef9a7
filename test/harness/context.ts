import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
  type V1Node,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { inject, onTestFinished } from 'vitest';
import { createStateTable, dynamoClient } from './dynamo.ts';
import type { HarnessInfo } from './harness-info.ts';
import { describeError, waitFor } from './wait-for.ts';

export { waitFor, WaitTimeoutError, type WaitForOptions } from './wait-for.ts';
export type { HarnessInfo } from './harness-info.ts';

// What an integration test gets from the harness started by global-setup.ts: API clients for the
// shared control plane and store, plus per-test resources that are cleaned up when the test ends.
// IMPORTANT: Nodes are cluster-wide and all tests share one cluster: create them with createKwokNode
// (deleted after the test), or pods of later tests will land on them.

export interface Harness {
  info: HarnessInfo;
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
  custom: CustomObjectsApi;
  /** A client for the harness's dynalite (us-east-1, dummy credentials). */
  dynamo: DynamoDBClient;
  /** Call inside a test: creates `<prefix>-<random>`, waits for its `default` service account, deletes it after the test. */
  newNamespace(prefix?: string): Promise<string>;
  /**
   * Call inside a test: creates the Node (e.g. from kwokNode()), makes sure its status is set, and by
   * default waits until it is Ready and schedulable (kwok set Ready, the node lifecycle controller took
   * the not-ready taint off). Deletes it after the test.
   */
  createKwokNode(node: V1Node, options?: { waitReady?: boolean }): Promise<V1Node>;
  /** Call inside a test: a fresh state table (same definition as production) so tests do not share items. */
  newStateTable(prefix?: string): Promise<string>;
}

let cached: Omit<Harness, 'newNamespace' | 'createKwokNode' | 'newStateTable'> | undefined;

function clients() {
  if (cached) return cached;
  const info = inject('harness');
  if (!info) throw new Error('no harness: run integration tests with `npx vitest run --project integration …` (its global setup starts the control plane)');
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfigPath);
  cached = {
    info,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    policy: kc.makeApiClient(PolicyV1Api),
    coordination: kc.makeApiClient(CoordinationV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    dynamo: dynamoClient(info.dynamoEndpoint),
  };
  return cached;
}

export function randomSuffix(): string {
  return randomBytes(3).toString('hex');
}

export function useHarness(): Harness {
  const base = clients();
  const { core } = base;

  const newNamespace = async (prefix = 'test') => {
    const name = `${prefix}-${randomSuffix()}`;
    await core.createNamespace({ body: { metadata: { name } } });
    cleanupAfterTest(core).namespaces.push(name);
    // The ServiceAccount admission plugin refuses pods until the controller has made `default`.
    await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), {
      timeoutMs: 30_000,
      description: `service account default in namespace ${name}`,
    });
    return name;
  };

  const createKwokNode = async (node: V1Node, { waitReady = true } = {}) => {
    const name = node.metadata?.name;
    if (!name) throw new Error('createKwokNode: the node needs metadata.name');
    const created = await core.createNode({ body: node });
    cleanupAfterTest(core).nodes.push(name);
    const wanted = node.status?.allocatable;
    if (wanted && !created.status?.allocatable) {
      // The API server kept no status on create: set it through the status subresource.
      const current = await core.readNodeStatus({ name });
      current.status = { ...current.status, capacity: node.status?.capacity, allocatable: wanted };
      await core.replaceNodeStatus({ name, body: current });
    }
    if (!waitReady) return core.readNode({ name });
    return waitFor(
      async () => {
        const current = await core.readNode({ name });
        const ready = current.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        const notReadyTaint = current.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/not-ready'));
        return ready && !notReadyTaint ? current : undefined;
      },
      { timeoutMs: 60_000, description: `node ${name} Ready without the not-ready taint (kwok log: ${base.info.tmpDir}/kwok.log)` },
    );
  };

  const newStateTable = async (prefix = 'state') => {
    const tableName = `${prefix}-${randomSuffix()}`;
    await createStateTable(base.dynamo, tableName);
    return tableName;
  };

  return { ...base, newNamespace, createKwokNode, newStateTable };
}

interface Cleanup {
  namespaces: string[];
  nodes: string[];
}
let cleanup: Cleanup | undefined;

/**
 * One cleanup per test, in a fixed order: namespaces first (their pods go while their kwok nodes
 * still exist, so none lingers as Terminating on a deleted node), then nodes.
 * Tests in a file run one at a time, so one pending cleanup at a time is enough.
 */
function cleanupAfterTest(core: CoreV1Api): Cleanup {
  if (cleanup) return cleanup;
  const current: Cleanup = { namespaces: [], nodes: [] };
  cleanup = current;
  onTestFinished(async () => {
    cleanup = undefined;
    await Promise.all(current.namespaces.map((name) => core.deleteNamespace({ name }).catch(ignoreNotFound)));
    // The namespace controller gets to the pods only after a discovery pass (seconds); a terminating
    // namespace admits no new pods, so deleting them now at once (no kubelet to wait for) is safe.
    await Promise.all(
      current.namespaces.map((namespace) =>
        core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(ignoreNotFound),
      ),
    );
    for (const namespace of current.namespaces) {
      await waitFor(async () => (await core.listNamespacedPod({ namespace })).items.length === 0, {
        timeoutMs: 20_000,
        description: `pods of namespace ${namespace} to be deleted`,
      }).catch((error: unknown) => console.warn(`harness: ${describeError(error)}`));
    }
    await Promise.all(current.nodes.map((name) => core.deleteNode({ name }).catch(ignoreNotFound)));
  });
  return current;
}

export function ignoreNotFound(error: unknown): void {
  if ((error as { code?: number }).code === 404) return;
  throw error;
}
