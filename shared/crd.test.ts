import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildNodeGroupCrd, CRD_FILE, FIELD_DESCRIPTIONS, renderNodeGroupCrd, toStructural, type OpenApiSchema } from './crd.ts';
import { nodeGroupSpecSchema, parseNodeGroupSpec, taintSchema } from './nodegroup.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
type Version = { name: string; schema: { openAPIV3Schema: OpenApiSchema }; additionalPrinterColumns: Array<{ name: string; jsonPath: string }>; subresources: unknown };
const crd = buildNodeGroupCrd() as { spec: { names: Record<string, unknown>; versions: Version[] } };
const version = crd.spec.versions[0]!;
const top = version.schema.openAPIV3Schema as { properties: Record<string, OpenApiSchema> };
const spec = top.properties.spec!;

function walk(node: OpenApiSchema, path: string, visit: (node: OpenApiSchema, path: string) => void) {
  visit(node, path);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, OpenApiSchema>)) walk(child, `${path}.${name}`, visit);
  if (node.items) walk(node.items as OpenApiSchema, `${path}[]`, visit);
  if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as OpenApiSchema, `${path}.*`, visit);
}

/** The API server's defaulting: a default fills an absent field, then defaulting continues inside it. */
function applyDefaults(value: unknown, schema: OpenApiSchema): unknown {
  if (Array.isArray(value) && schema.items) return value.map((v) => applyDefaults(v, schema.items as OpenApiSchema));
  if (typeof value !== 'object' || value === null || !schema.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, child] of Object.entries(schema.properties as Record<string, OpenApiSchema>)) {
    if (out[name] === undefined && child.default !== undefined) out[name] = structuredClone(child.default);
    if (out[name] !== undefined) out[name] = applyDefaults(out[name], child);
  }
  return out;
}

const minimal = { maxNodes: 3, datacenterID: 'dc', offeringIDs: ['small'], osImageID: 'img' };

describe('NodeGroup CRD', () => {
  it('the committed manifest is exactly what the zod schema generates (run npx tsx scripts/generate-crd.ts)', () => {
    expect(readFileSync(join(root, CRD_FILE), 'utf8')).toBe(renderNodeGroupCrd());
    expect(parse(readFileSync(join(root, CRD_FILE), 'utf8'))).toEqual(buildNodeGroupCrd());
  });

  it('is structural: every node typed, no properties next to additionalProperties, nothing kept unknown in spec', () => {
    walk(top as OpenApiSchema, '', (node, path) => {
      expect(node.type, `${path} has a type`).toBeDefined();
      expect(node.properties !== undefined && node.additionalProperties !== undefined, `${path}: properties and additionalProperties`).toBe(false);
      for (const banned of ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'propertyNames', 'const', '$schema']) expect(node[banned], `${path}.${banned}`).toBeUndefined();
    });
    walk(spec, 'spec', (node, path) => expect(node['x-kubernetes-preserve-unknown-fields'], path).toBeUndefined());
    expect(JSON.stringify(crd)).not.toContain('9007199254740991');
  });

  it('has the status subresource, short name ng, categories and the printer columns', () => {
    expect(version.subresources).toEqual({ status: {} });
    expect(crd.spec.names).toMatchObject({ kind: 'NodeGroup', plural: 'nodegroups', shortNames: ['ng'], categories: expect.arrayContaining(['vpsie']) });
    const columns = version.additionalPrinterColumns as { name: string; priority?: number }[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual(['Min', 'Max', 'Desired', 'Current', 'Ready', 'Age']);
    // kubectl get ng -o wide adds these.
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual(['ScalingUp', 'ScalingDown', 'Backoff', 'AtMax', 'Valid', 'LastScaleUp', 'LastScaleDown', 'Candidates']);
  });

  it('applies the same defaults as zod', () => {
    expect(applyDefaults(minimal, spec)).toEqual(parseNodeGroupSpec(minimal));
    const partial = { ...minimal, scaleDownPolicy: { cpuThreshold: 20 }, kubelet: { maxPods: 50 }, bootstrap: { secretName: 's' } };
    expect(applyDefaults(partial, spec)).toEqual(parseNodeGroupSpec(partial));
  });

  it('requires the same fields as zod', () => {
    const required = spec.required as string[];
    expect(required.sort()).toEqual(['datacenterID', 'maxNodes', 'offeringIDs', 'osImageID']);
    for (const name of Object.keys(spec.properties as object)) {
      const without: Record<string, unknown> = { ...minimal };
      delete without[name];
      expect(nodeGroupSpecSchema.safeParse(without).success, `zod and CRD agree on whether ${name} is required`).toBe(!required.includes(name));
    }
  });

  it('has the same enums, bounds and cross-field rules as zod', () => {
    const props = spec.properties as Record<string, OpenApiSchema>;
    const taint = (props.taints!.items as OpenApiSchema).properties as Record<string, OpenApiSchema>;
    expect(taint.effect!.enum).toEqual(taintSchema.shape.effect.options);
    const threshold = ((props.scaleDownPolicy!.properties as Record<string, OpenApiSchema>).cpuThreshold)!;
    expect([threshold.minimum, threshold.maximum]).toEqual([0, 100]);
    expect(props.offeringIDs).toMatchObject({ minItems: 1, maxItems: 32, 'x-kubernetes-list-type': 'set' });
    const rules = (spec['x-kubernetes-validations'] as Array<{ rule: string }>).map((r) => r.rule);
    expect(rules.join('\n')).toMatch(/minNodes <= self\.maxNodes[\s\S]*preferredInstanceType in self\.offeringIDs/);
  });

  it('documents only fields that exist', () => {
    const paths = new Set<string>();
    walk(top as OpenApiSchema, '', (_node, path) => paths.add(path.replace(/^\./, '')));
    for (const path of Object.keys(FIELD_DESCRIPTIONS)) expect(paths.has(path), path).toBe(true);
  });

  it('refuses JSON Schema it cannot express structurally', () => {
    expect(() => toStructural({ anyOf: [{ type: 'string' }, { type: 'number' }] }, 'spec.x')).toThrow(/spec\.x: cannot express .*anyOf/);
    expect(() => toStructural({ type: 'object' }, 'spec.y')).toThrow(/preserve-unknown-fields/);
  });
});
