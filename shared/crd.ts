import { stringify } from 'yaml';
import { z } from 'zod';
import { API_GROUP, API_VERSION, NODEGROUP_KIND, NODEGROUP_PLURAL } from './labels.ts';
import { NODEGROUP_DEFAULTS, NOT_READY_AFTER_SECONDS, nodeGroupSpecSchema, nodeGroupStatusSchema } from './nodegroup.ts';

// The NodeGroup CRD, generated from the zod schema (the single source of truth) by
// scripts/generate-crd.ts; shared/crd.test.ts fails when the committed manifest drifts.
// zod's JSON Schema is turned into a *structural* OpenAPI v3 schema as Kubernetes requires:
// every node typed, no additionalProperties next to properties (unknown fields are pruned, and
// refused by `kubectl apply`'s strict field validation), records as additionalProperties, defaults,
// enums and bounds kept. No x-kubernetes-preserve-unknown-fields anywhere in spec.

export const CRD_NAME = `${NODEGROUP_PLURAL}.${API_GROUP}`;
export const CRD_FILE = `infra/crds/${CRD_NAME}.yaml`;

export type OpenApiSchema = { [key: string]: unknown };

/** Field documentation for `kubectl explain`, by path under spec/status. A test checks every path exists. */
export const FIELD_DESCRIPTIONS: Record<string, string> = {
  spec: 'Desired shape and policy of a group of VPSie worker nodes.',
  'spec.minNodes': `Fewest nodes the group keeps (default ${NODEGROUP_DEFAULTS.minNodes}).`,
  'spec.maxNodes': 'Most nodes the group may have, counting ready, joining and in-flight nodes.',
  'spec.datacenterID': 'VPSie datacenter identifier where new VMs are created.',
  'spec.offeringIDs': 'VPSie plan (offering) identifiers the group may launch; the cheapest set that fits is chosen.',
  'spec.osImageID': 'VPSie OS image identifier for new VMs.',
  'spec.labels': 'Labels every node of the group carries (in addition to autoscaler.vpsie.com/nodegroup).',
  'spec.taints': 'Taints every node of the group carries.',
  'spec.scaleUpPolicy': 'When to add nodes.',
  'spec.scaleUpPolicy.stabilizationWindowSeconds': 'A pod must have been unschedulable this long before it triggers a launch.',
  'spec.scaleUpPolicy.cpuThreshold': 'Percent of allocatable CPU requested over the ready nodes above which a node is added proactively (100 = off).',
  'spec.scaleUpPolicy.memoryThreshold': 'Percent of allocatable memory requested over the ready nodes above which a node is added proactively (100 = off).',
  'spec.scaleDownPolicy': 'When to remove nodes.',
  'spec.scaleDownPolicy.enabled': 'Whether underused nodes of this group are removed.',
  'spec.scaleDownPolicy.stabilizationWindowSeconds': 'A node must stay below both thresholds this long before it may be removed.',
  'spec.scaleDownPolicy.cpuThreshold': 'Percent of allocatable CPU requested below which a node counts as underused.',
  'spec.scaleDownPolicy.memoryThreshold': 'Percent of allocatable memory requested below which a node counts as underused.',
  'spec.preferredInstanceType': 'Offering preferred when several sets of nodes cost the same; must be one of offeringIDs.',
  'spec.allowMixedInstances': 'Whether one scale-up may launch nodes of different offerings.',
  'spec.kubelet': 'Kubelet settings of new nodes, used both to estimate their allocatable and in their bootstrap.',
  'spec.kubelet.maxPods': 'Pods per node (kubelet maxPods).',
  'spec.kubelet.kubeReserved': 'Resources reserved for Kubernetes daemons (kubelet kubeReserved).',
  'spec.kubelet.systemReserved': 'Resources reserved for the OS (kubelet systemReserved).',
  'spec.kubelet.evictionHard': 'Hard eviction thresholds (kubelet evictionHard).',
  'spec.bootstrap': 'Secret in the NodeGroup\'s namespace holding the cloud-init template for new nodes.',
  'spec.bootstrap.secretName': 'Name of the Secret.',
  'spec.bootstrap.key': 'Key in the Secret holding the template.',
  'spec.notReadyReplacement': 'When a node that stays NotReady is replaced (deleted; its pods come back as pending and get new nodes).',
  'spec.notReadyReplacement.afterSeconds': `How long a node must be NotReady before it is replaced (${NOT_READY_AFTER_SECONDS.min}-${NOT_READY_AFTER_SECONDS.max}); unset: the autoscaler's notReadyReplaceAfterMs, 30 minutes by default.`,
  'spec.notReadyReplacement.replaceNodesWithLocalData': `Whether NotReady nodes holding pods without a controller or with local storage (emptyDir on disk, hostPath) are replaced too; their data is lost with the VM (default ${NODEGROUP_DEFAULTS.notReadyReplacement.replaceNodesWithLocalData}).`,
  'spec.weight': 'Priority of the group for new nodes (1-100, higher first; unset = 0): pending pods go to the highest-weight group that can take them, lower weights only for what it cannot (Karpenter weight, Cluster Autoscaler priority expander).',
  'spec.limits': 'Most the group may provision in total (Nodes, VMs and launches at their offering\'s size and price); a launch that would pass a limit is not made.',
  'spec.limits.cpu': 'Total CPU of the group\'s machines at most (a quantity: 16, 16000m).',
  'spec.limits.memory': 'Total memory of the group\'s machines at most (a quantity: 64Gi).',
  'spec.limits.monthlyCost': 'Total monthly price of the group\'s machines at most, in the VPSie account\'s currency; the forwarder refuses a create over it too.',
  'spec.nodeOverhead': 'What one more node costs beyond its plan\'s price: a planning weight added to every offering\'s price in the scale-up search, so it prefers fewer nodes among fleets of about the same price. Reported and capped costs stay the real prices.',
  'spec.nodeOverhead.monthlyCost': `Per node and month, in the VPSie account\'s currency (default ${NODEGROUP_DEFAULTS.nodeOverhead.monthlyCost}: an estimate, the market price of a public IPv4 address; 0 = plan prices only).`,
  status: 'Observed state, written by the autoscaler.',
  'status.currentNodes': 'Nodes of the group that exist (any state).',
  'status.desiredNodes': 'Nodes the autoscaler is working towards.',
  'status.readyNodes': 'Nodes of the group that are Ready.',
  'status.conditions': 'Standard conditions.',
  'status.nodeList': 'The group\'s nodes and their VMs.',
  'status.lastScaleUpTime': 'When the autoscaler last decided to launch nodes for this group.',
  'status.lastScaleDownTime': 'When the autoscaler last started removing a node of this group.',
  'status.scaleDownCandidates': 'Nodes the scale-down is removing or holding back (removals first, at most 20), each with why it goes or stays; busy nodes are not listed.',
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Keys copied as they are; anything else unknown fails the conversion so it cannot slip through. */
const KEPT = new Set(['type', 'enum', 'default', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'format', 'description', 'nullable', 'minProperties', 'maxProperties']);

/** JSON Schema (zod 4, draft 2020-12) → structural OpenAPI v3 schema. */
export function toStructural(node: OpenApiSchema, path: string, descriptions: Record<string, string> = {}): OpenApiSchema {
  const out: OpenApiSchema = {};
  const description = descriptions[path];
  if (description) out.description = description;
  for (const [key, value] of Object.entries(node)) {
    if (KEPT.has(key)) {
      // zod bounds every integer by ±MAX_SAFE_INTEGER; Kubernetes integers are int64 already.
      if (node.type === 'integer' && (key === 'maximum' || key === 'minimum') && Math.abs(value as number) === MAX_SAFE) continue;
      if (key === 'description' && description) continue;
      out[key] = value;
    } else if (key.startsWith('x-kubernetes-')) {
      out[key] = value;
    } else if (key === 'const') {
      out.enum = [value];
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, OpenApiSchema>)
        .map(([name, child]) => [name, toStructural(child, `${path}.${name}`, descriptions)]));
    } else if (key === 'items') {
      out.items = toStructural(value as OpenApiSchema, `${path}[]`, descriptions);
    } else if (key === 'required') {
      if ((value as string[]).length > 0) out.required = value;
    } else if (key === 'additionalProperties') {
      // false next to properties is the structural default (prune); a schema is a record's values.
      if (typeof value === 'object' && value !== null) out.additionalProperties = toStructural(value as OpenApiSchema, `${path}.*`, descriptions);
    } else if (key === 'propertyNames' || key === '$schema') {
      // Record key rules (label keys) cannot be expressed structurally; zod checks them.
    } else {
      throw new Error(`${path}: cannot express JSON Schema keyword "${key}" in a structural CRD schema`);
    }
  }
  if (out.type === undefined) throw new Error(`${path}: every node of a structural schema needs a type`);
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined) {
    throw new Error(`${path}: object without properties would need x-kubernetes-preserve-unknown-fields`);
  }
  return out;
}

function schemaOf(schema: z.ZodType, path: string): OpenApiSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' }) as OpenApiSchema;
  return toStructural(json, path, FIELD_DESCRIPTIONS);
}

export function buildNodeGroupCrd(): OpenApiSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME },
    spec: {
      group: API_GROUP,
      names: {
        kind: NODEGROUP_KIND,
        listKind: `${NODEGROUP_KIND}List`,
        plural: NODEGROUP_PLURAL,
        singular: NODEGROUP_KIND.toLowerCase(),
        shortNames: ['ng'],
        categories: ['vpsie', 'autoscaler'],
      },
      scope: 'Namespaced',
      versions: [{
        name: API_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Min', type: 'integer', jsonPath: '.spec.minNodes' },
          { name: 'Max', type: 'integer', jsonPath: '.spec.maxNodes' },
          { name: 'Desired', type: 'integer', jsonPath: '.status.desiredNodes' },
          { name: 'Current', type: 'integer', jsonPath: '.status.currentNodes' },
          { name: 'Ready', type: 'integer', jsonPath: '.status.readyNodes' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          // -o wide: what the conditions say, and when the group last changed size.
          { name: 'ScalingUp', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="ScalingUp")].status' },
          { name: 'ScalingDown', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="ScalingDown")].status' },
          { name: 'Backoff', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="Backoff")].status' },
          { name: 'AtMax', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="AtMaxNodes")].status' },
          { name: 'Valid', type: 'string', priority: 1, jsonPath: '.status.conditions[?(@.type=="ConfigurationValid")].status' },
          { name: 'LastScaleUp', type: 'date', priority: 1, jsonPath: '.status.lastScaleUpTime' },
          { name: 'LastScaleDown', type: 'date', priority: 1, jsonPath: '.status.lastScaleDownTime' },
          { name: 'Candidates', type: 'string', priority: 1, jsonPath: '.status.scaleDownCandidates[*].nodeName' },
        ],
        schema: {
          openAPIV3Schema: {
            description: 'NodeGroup is a group of VPSie worker nodes that the autoscaler scales between minNodes and maxNodes.',
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: schemaOf(nodeGroupSpecSchema, 'spec'),
              status: schemaOf(nodeGroupStatusSchema, 'status'),
            },
          },
        },
      }],
    },
  };
}

/** The manifest text exactly as committed. */
export function renderNodeGroupCrd(): string {
  const header = [
    '# GENERATED by scripts/generate-crd.ts from shared/nodegroup.ts (zod). Do not edit by hand:',
    '# change the schema and run `npx tsx scripts/generate-crd.ts`. shared/crd.test.ts checks they agree.',
  ].join('\n');
  return `${header}\n${stringify(buildNodeGroupCrd(), { lineWidth: 0 })}`;
}
