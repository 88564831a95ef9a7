import { ApiException, ApiextensionsV1Api, loadYaml, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CRD_FILE, CRD_NAME } from '../../shared/crd.ts';
import { API_GROUP, API_VERSION, NODEGROUP_KIND, NODEGROUP_PLURAL } from '../../shared/labels.ts';
import { nodeGroupSpecSchema, parseNodeGroupSpec } from '../../shared/nodegroup.ts';
import { randomSuffix, useHarness, waitFor } from '../harness/context.ts';

// The committed CRD against a real kube-apiserver: it is accepted (structural, CEL rules compile
// within the cost budget), the server fills the same defaults as zod, and the NodeGroups zod refuses
// are refused by the server too (strict field validation, as `kubectl apply` uses by default).

const minimal = { maxNodes: 3, datacenterID: 'dc-1', offeringIDs: ['small', 'large'], osImageID: 'img' };

async function installCrd(api: ApiextensionsV1Api): Promise<void> {
  // IMPORTANT: loadYaml, not a plain YAML parse: client-node serialises request bodies through its
  // models, whose names for `default`, `enum` and `x-kubernetes-*` differ from the JSON ones
  // (`_default`, `_enum`, `xKubernetesValidations`); a plain object silently loses them.
  const body = loadYaml<V1CustomResourceDefinition>(readFileSync(CRD_FILE, 'utf8'));
  try {
    await api.createCustomResourceDefinition({ body });
  } catch (error) {
    if (!(error instanceof ApiException) || error.code !== 409) throw error;
    const current = await api.readCustomResourceDefinition({ name: CRD_NAME });
    await api.replaceCustomResourceDefinition({ name: CRD_NAME, body: { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } } });
  }
  await waitFor(async () => {
    const crd = await api.readCustomResourceDefinition({ name: CRD_NAME });
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
  }, { timeoutMs: 30_000, description: `CRD ${CRD_NAME} Established` });
}

async function create(namespace: string, spec: Record<string, unknown>) {
  const h = useHarness();
  return h.custom.createNamespacedCustomObject({
    group: API_GROUP, version: API_VERSION, namespace, plural: NODEGROUP_PLURAL, fieldValidation: 'Strict',
    body: { apiVersion: `${API_GROUP}/${API_VERSION}`, kind: NODEGROUP_KIND, metadata: { name: `ng-${randomSuffix()}` }, spec },
  }) as Promise<{ spec: Record<string, unknown> }>;
}

const REFUSED_BY_BOTH: Array<[string, Record<string, unknown>]> = [
  ['minNodes > maxNodes', { minNodes: 5, maxNodes: 2 }],
  ['negative minNodes', { minNodes: -1 }],
  ['threshold above 100', { scaleDownPolicy: { cpuThreshold: 101 } }],
  ['empty offeringIDs', { offeringIDs: [] }],
  ['repeated offering', { offeringIDs: ['small', 'small'] }],
  ['preferredInstanceType not offered', { preferredInstanceType: 'huge' }],
  ['invalid taint effect', { taints: [{ key: 'a', effect: 'Sometimes' }] }],
  ['unparsable quantity', { kubelet: { kubeReserved: { cpu: 'lots' } } }],
  ['unknown top-level field', { minNode: 1 }],
  ['unknown nested field', { scaleDownPolicy: { enable: false } }],
  ['wrong type', { maxNodes: '3' }],
  ['missing required field', { osImageID: undefined }],
];

describe('NodeGroup CRD on a real API server', () => {
  beforeAll(async () => {
    await installCrd(useHarness().kc.makeApiClient(ApiextensionsV1Api));
  });

  it('fills the same defaults as the zod schema', async () => {
    const namespace = await useHarness().newNamespace('crd');
    const created = await create(namespace, minimal);
    expect(created.spec).toEqual(parseNodeGroupSpec(minimal));
  });

  it.each(REFUSED_BY_BOTH)('refuses %s, as zod does', async (_name, change) => {
    const namespace = await useHarness().newNamespace('crd');
    const spec = { ...minimal, ...change };
    expect(nodeGroupSpecSchema.safeParse(spec).success).toBe(false);
    const error = await create(namespace, spec).then(() => undefined, (e: unknown) => e);
    expect(error, 'the API server accepted it').toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBeOneOf([400, 422]);
  });
});
