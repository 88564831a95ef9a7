import { HOSTNAME_LABEL } from '../../../shared/labels.ts';
import type { PodAffinityTerm } from '../../../shared/snapshot.ts';
import { TEMPLATE_HOSTNAME, type NodeTemplate } from '../node-template.ts';
import { type ClusterModel, termMatchesPod } from '../simulation/cluster-model.ts';
import { hostPortsConflict, staticMisfit } from '../simulation/predicates.ts';
import { admission, ClassFacts, mentionsInstanceType, nodeOverheadOf, representative, type PodClass } from './classes.ts';
import type { GroupCapacity } from './groups.ts';
import type { PackClass, PackGroup, PackTemplate } from './pack.ts';

// The search's input (pack.ts) from the pod classes and the groups' node templates: every class's
// cap on every template (classes × templates admissions: 452 × 160 on the 1000-node planner bench,
// so the class's own facts are read once per class and the caps kept in flat typed arrays).

export interface TemplateRef { groupIndex: number; template: NodeTemplate }

export interface PackInput {
  classes: PackClass[];
  templates: PackTemplate[];
  groups: PackGroup[];
  refs: TemplateRef[];
}

/** Classes that may not share a node: anti-affinity on hostname either way, or clashing host ports (undefined: none). */
function conflicts(classes: readonly PodClass[]): (Set<number> | undefined)[] {
  const result: (Set<number> | undefined)[] = classes.map(() => undefined);
  const portsClash = (a: PodClass, b: PodClass): boolean => a.shape.hostPorts.length > 0 && b.shape.hostPorts.length > 0
    && a.shape.hostPorts.some((p) => b.shape.hostPorts.some((q) => hostPortsConflict(p, q)));
  const hostnameTerms = (cls: PodClass): PodAffinityTerm[] => cls.shape.podAntiAffinity.filter((t) => t.topologyKey === HOSTNAME_LABEL);
  const repels = (terms: readonly PodAffinityTerm[], namespace: string, other: PodClass): boolean => {
    for (const term of terms) if (termMatchesPod(term, namespace, representative(other))) return true;
    return false;
  };
  const terms = classes.map(hostnameTerms);
  for (let i = 0; i < classes.length; i++) {
    const a = classes[i]!;
    if (a.shape.podAntiAffinity.length === 0 && a.shape.hostPorts.length === 0) continue;
    for (let j = 0; j < classes.length; j++) {
      if (j === i) continue;
      const b = classes[j]!;
      if (repels(terms[i]!, a.namespace, b) || repels(terms[j]!, b.namespace, a) || portsClash(a, b)) {
        (result[i] ??= new Set()).add(j);
        (result[j] ??= new Set()).add(i);
      }
    }
  }
  return result;
}

const RESOURCE_KEYS = ['cpuMillis', 'memoryBytes', 'ephemeralBytes', 'pods'] as const;

/**
 * A template whose every admitted class another template of the group also admits, at least as
 * roomy and no dearer, is never needed. `caps`/`single`: per class (row of `width`) and template.
 */
function dominated(t: number, u: number, refs: readonly TemplateRef[], caps: Float64Array, single: Uint8Array, width: number): boolean {
  const a = refs[t]!.template;
  const b = refs[u]!.template;
  if (refs[t]!.groupIndex !== refs[u]!.groupIndex) return false;
  if (b.offering.priceMonthly > a.offering.priceMonthly) return false;
  if (RESOURCE_KEYS.some((k) => b.free[k] < a.free[k])) return false;
  const strictly = b.offering.priceMonthly < a.offering.priceMonthly || RESOURCE_KEYS.some((k) => b.free[k] > a.free[k]);
  // Identical: keep the preferred instance type, else the first.
  const [preferA, preferB] = [a.group.spec.preferredInstanceType === a.offering.identifier, b.group.spec.preferredInstanceType === b.offering.identifier];
  if (!strictly && (preferA !== preferB ? preferA : u > t)) return false;
  for (let row = 0; row < caps.length; row += width) {
    const capT = caps[row + t]!;
    if (capT !== 0 && (caps[row + u]! < capT || single[row + u] !== single[row + t])) return false;
  }
  return true;
}

/**
 * The search's input: classes, the templates of groups that may launch now (not backed off, with
 * offerings), pruned of dominated ones, and the admission of every class on every template.
 */
export function buildPackInput(model: ClusterModel, classes: readonly PodClass[], capacities: readonly GroupCapacity[], rooms: readonly number[], locks: readonly (string | undefined)[]): PackInput {
  const all: TemplateRef[] = [];
  capacities.forEach((capacity, groupIndex) => {
    if (capacity.backoffUntilMs !== undefined) return;
    for (const template of capacity.templates) all.push({ groupIndex, template });
  });
  const width = all.length;
  // caps[c × width + t]: pods of class c one node of template t holds (0 = not admitted); single: a singleNode admission.
  const caps = new Float64Array(classes.length * width);
  const single = new Uint8Array(classes.length * width);
  classes.forEach((cls, c) => {
    // Offerings of one group differ only in their instance-type label and size: unless the pod looks
    // at that label, the label/taint part of the admission is the same for all of them (a group's
    // templates are next to each other in `all`).
    const perOffering = mentionsInstanceType(cls.shape);
    const facts = new ClassFacts(model, cls);
    let group = -1;
    let admitted = false;
    for (let t = 0; t < width; t++) {
      const ref = all[t]!;
      if (!perOffering) {
        if (ref.groupIndex !== group) {
          group = ref.groupIndex;
          admitted = staticMisfit({ name: TEMPLATE_HOSTNAME, labels: ref.template.labels, taints: ref.template.taints }, cls.shape, false) === undefined;
        }
        if (!admitted) continue;
      }
      const a = admission(model, cls, ref.template, false, !perOffering, facts);
      caps[c * width + t] = a.cap;
      if (a.singleNode) single[c * width + t] = 1;
    }
  });
  const kept: number[] = [];
  for (let t = 0; t < width; t++) {
    if (!all.some((ref, u) => u !== t && ref.groupIndex === all[t]!.groupIndex && dominated(t, u, all, caps, single, width))) kept.push(t);
  }
  const refs = kept.map((t) => all[t]!);

  const conflictSets = conflicts(classes);
  const packClasses: PackClass[] = classes.map((cls, c) => {
    const row = c * width;
    const eligible = capacities.map((_, g) => cls.eligibleGroups.has(g)); // per group, not per template
    const capPerNode = kept.map((t, i) => (eligible[refs[i]!.groupIndex] ? Math.min(caps[row + t]!, cls.pods.length) : 0));
    return {
      requests: cls.shape.requests,
      count: cls.pods.length,
      capPerNode,
      ...(kept.some((t) => single[row + t] === 1) ? { singleNode: true } : {}),
      ...(conflictSets[c] ? { conflicts: conflictSets[c] } : {}),
    };
  });
  const packTemplates: PackTemplate[] = refs.map((ref) => ({
    free: ref.template.free,
    // IMPORTANT: a planning weight only; what is planned and reported is the offering's price (emit.ts).
    priceMonthly: ref.template.offering.priceMonthly + nodeOverheadOf(ref.template),
    group: ref.groupIndex,
    preferred: ref.template.group.spec.preferredInstanceType === ref.template.offering.identifier,
  }));
  const packGroups: PackGroup[] = capacities.map((capacity, g) => {
    const lock = locks[g];
    const lockedTemplate = lock === undefined ? -1 : refs.findIndex((r) => r.groupIndex === g && r.template.offering.identifier === lock);
    return {
      room: rooms[g]!,
      allowMixedInstances: capacity.group.spec.allowMixedInstances,
      // A lock on an offering that is gone leaves the group nothing to launch in this decision.
      ...(lock !== undefined ? { lockedTemplate: lockedTemplate } : {}),
    };
  });
  return { classes: packClasses, templates: packTemplates, groups: packGroups, refs };
}
