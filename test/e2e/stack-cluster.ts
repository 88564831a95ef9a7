import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_GROUP, API_VERSION, NODEGROUP_KIND, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import type { NodeGroupSpecInput } from '../../shared/nodegroup.ts';
import { waitFor } from '../harness/wait-for.ts';

// What a cluster needs before the autoscaler can work, done the way an operator would: the CRD from
// infra/, the forwarder's namespace, the VPSie credentials Secret and a bootstrap Secret holding the
// kubeadm example template from examples/.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CRD_FILE = join(ROOT, 'infra/crds/nodegroups.autoscaler.vpsie.com.yaml');
export const KUBEADM_TEMPLATE_FILE = join(ROOT, 'examples/bootstrap/kubeadm.yaml');
export const CREDENTIALS_SECRET = { namespace: 'kube-system', name: 'vpsie-credentials' } as const;
export const BOOTSTRAP_SECRET = 'workers-bootstrap';

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  extensions: ApiextensionsV1Api;
}

export function kubeClients(kubeconfigPath: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    extensions: kc.makeApiClient(ApiextensionsV1Api),
  };
}

export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export function ignore404(error: unknown): void {
  if (statusCode(error) !== 404) throw error;
}

/** Creates or updates the NodeGroup CRD and waits until the API serves it. */
export async function applyCrd({ extensions }: KubeClients, file = CRD_FILE): Promise<void> {
  if (!existsSync(file)) throw new Error(`the NodeGroup CRD ${file} is missing (it is generated from shared/nodegroup.ts; see infra/)`);
  // IMPORTANT: loadYaml maps the document onto client-node's models; a plain YAML parse would lose
  // `default`, `enum` and x-kubernetes-* (the models name them _default, _enum, …) on the way out.
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(file, 'utf8'));
  const name = crd.metadata?.name;
  if (!name) throw new Error(`${file}: the CRD has no metadata.name`);
  try {
    await extensions.createCustomResourceDefinition({ body: crd });
  } catch (error) {
    if (statusCode(error) !== 409) throw error;
    const current = await extensions.readCustomResourceDefinition({ name });
    await extensions.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } } });
  }
  await waitFor(
    async () => {
      const current = await extensions.readCustomResourceDefinition({ name });
      return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    },
    { timeoutMs: 30_000, description: `CRD ${name} Established` },
  );
}

export async function ensureNamespace({ core }: KubeClients, name: string): Promise<void> {
  try {
    await core.createNamespace({ body: { metadata: { name, labels: { 'app.kubernetes.io/part-of': 'vpsie-autoscaler-e2e' } } } });
  } catch (error) {
    if (statusCode(error) !== 409) throw error;
  }
  // The ServiceAccount admission plugin refuses pods until the controller has made `default`.
  await waitFor(() => core.readNamespacedServiceAccount({ name: 'default', namespace: name }), {
    timeoutMs: 30_000,
    description: `service account default in namespace ${name}`,
  });
}

/** Creates the Secret, or replaces its data when it exists. */
export async function putSecret({ core }: KubeClients, namespace: string, name: string, stringData: Record<string, string>, labels?: Record<string, string>): Promise<void> {
  const body = { metadata: { name, namespace, ...(labels ? { labels } : {}) }, type: 'Opaque', stringData };
  try {
    await core.createNamespacedSecret({ namespace, body });
  } catch (error) {
    if (statusCode(error) !== 409) throw error;
    await core.replaceNamespacedSecret({ namespace, name, body });
  }
}

export interface NodeGroupInput {
  name: string;
  namespace: string;
  spec: NodeGroupSpecInput;
}

/** Where a NodeGroup object lives in the custom objects API. */
function nodeGroupPath(namespace: string, name: string) {
  return { group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL, name };
}

export async function applyNodeGroup({ custom }: KubeClients, { name, namespace, spec }: NodeGroupInput): Promise<void> {
  const body = { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: NODEGROUP_KIND, metadata: { name, namespace }, spec };
  try {
    await custom.createNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL, body });
  } catch (error) {
    if (statusCode(error) !== 409) throw error;
    const current = (await custom.getNamespacedCustomObject(nodeGroupPath(namespace, name))) as { metadata: { resourceVersion?: string } };
    await custom.replaceNamespacedCustomObject({
      ...nodeGroupPath(namespace, name),
      body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata.resourceVersion } },
    });
  }
}

export async function patchNodeGroupSpec({ custom }: KubeClients, namespace: string, name: string, spec: Partial<NodeGroupSpecInput>): Promise<void> {
  const current = (await custom.getNamespacedCustomObject(nodeGroupPath(namespace, name))) as { spec: NodeGroupSpecInput; metadata: Record<string, unknown> };
  await custom.replaceNamespacedCustomObject({ ...nodeGroupPath(namespace, name), body: { ...current, spec: { ...current.spec, ...spec } } });
}

export interface NodeGroupObjectStatus {
  currentNodes?: number;
  desiredNodes?: number;
  readyNodes?: number;
  conditions?: Array<{ type: string; status: string; reason: string; message: string }>;
  nodeList?: Array<{ nodeName: string; vpsID: string; instanceType: string; status: string; createdAt: string }>;
}

export async function readNodeGroupStatus({ custom }: KubeClients, namespace: string, name: string): Promise<NodeGroupObjectStatus | undefined> {
  const object = (await custom.getNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL, name })) as {
    status?: NodeGroupObjectStatus;
  };
  return object.status;
}

export async function listNodeGroupNames({ custom }: KubeClients, namespace: string): Promise<string[]> {
  const list = (await custom.listNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL })) as {
    items: Array<{ metadata: { name: string } }>;
  };
  return list.items.map((i) => i.metadata.name);
}

export async function deleteNodeGroups(clients: KubeClients, namespace: string): Promise<void> {
  let names: string[];
  try {
    names = await listNodeGroupNames(clients, namespace);
  } catch (error) {
    ignore404(error);
    return;
  }
  await Promise.all(
    names.map((name) =>
      clients.custom.deleteNamespacedCustomObject({ group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL, name }).catch(ignore404),
    ),
  );
}
