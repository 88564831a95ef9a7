import { HOSTNAME_LABEL, OFFERING_LABEL } from '../../../shared/labels.ts';
import { formatBytes, formatCpuMillis } from '../../../shared/quantity.ts';
import type { PodShape } from '../../../shared/snapshot.ts';
import { INSTANCE_TYPE_LABEL, TEMPLATE_HOSTNAME, type NodeTemplate } from '../node-template.ts';
import { type ClusterModel, termMatchesPod } from '../simulation/cluster-model.ts';
import { hostPortsConflict, staticMisfit } from '../simulation/predicates.ts';
import { matchLabelSelector } from '../simulation/selectors.ts';
import type { Misfit, SimPod } from '../simulation/types.ts';
import type { GroupCapacity } from './groups.ts';
import type { PackClass, PackGroup, PackTemplate } from './pack.ts';

/** Pending pods that share a shape, a namespace and the groups whose stabilization window passed. */
export interface PodClass {
  key: string;
  shape: PodShape;
  namespace: string;
  pods: SimPod[];
  /** Indexes (into the capacities) of the groups these pods may trigger now. */
  eligibleGroups: ReadonlySet<number>;
}

export interface TemplateRef { groupIndex: number; template: NodeTemplate }

/** How a class relates to one template: pods one node holds (0 = none) and why not. */
export interface Admission { cap: number; misfit?: Misfit; singleNode?: boolean }

export interface PackInput {
  classes: PackClass[];
  templates: PackTemplate[];
  groups: PackGroup[];
  refs: TemplateRef[];
  /** admissions[class][template] over `refs`. */
  admissions: Admission[][];
}

export function groupIntoClasses(pods: readonly SimPod[], eligibleGroups: (pod: SimPod) => ReadonlySet<number>): PodClass[] {
  const classes = new Map<string, PodClass>();
  const setKeys = new Map<ReadonlySet<number>, string>();
  for (const pod of pods) {
    const eligible = eligibleGroups(pod);
    let setKey = setKeys.get(eligible);
    if (setKey === undefined) {
      setKey = [...eligible].sort((a, b) => a - b).join(',');
      setKeys.set(eligible, setKey);
    }
    const key = `${pod.namespace}\u0000${pod.shapeIndex < 0 ? pod.key : pod.shapeIndex}\u0000${setKey}`;
    let cls = classes.get(key);
    if (!cls) {
      cls = { key, shape: pod.shape, namespace: pod.namespace, pods: [], eligibleGroups: eligible };
      classes.set(key, cls);
    }
    cls.pods.push(pod);
  }
  return canonicalOrder([...classes.values()]);
}

/**
 * The classes in an order that depends only on what they are, not on which pod arrived first: the
 * search breaks ties by class index, so the same pods must give the same classes in the same order
 * on every run (issue #22: same pods, same catalogue → same fleet). Largest requests first, then the
 * namespace and the shape's content.
 */
function canonicalOrder(classes: PodClass[]): PodClass[] {
  const keys = new Map(classes.map((cls) => [cls, `${cls.namespace}\u0000${JSON.stringify(cls.shape)}\u0000${[...cls.eligibleGroups].sort((a, b) => a - b).join(',')}`]));
  return classes.sort((a, b) => {
    const [ra, rb] = [a.shape.requests, b.shape.requests];
    return rb.cpuMillis - ra.cpuMillis || rb.memoryBytes - ra.memoryBytes || rb.ephemeralBytes - ra.ephemeralBytes
      || (keys.get(a)! < keys.get(b)! ? -1 : keys.get(a)! > keys.get(b)! ? 1 : 0);
  });
}

/** The planning weight of one more node of the group (spec.nodeOverhead), added to every offering's price in the search. */
export function nodeOverheadOf(template: NodeTemplate): number {
  return template.group.spec.nodeOverhead.monthlyCost;
}

function representative(cls: PodClass): SimPod {
  return cls.pods[0]!;
}

/** Whether the pod's own anti-affinity on hostname repels pods of its own class. */
function selfAntiAffine(cls: PodClass): boolean {
  const pod = representative(cls);
  return cls.shape.podAntiAffinity.some((t) => t.topologyKey === HOSTNAME_LABEL && termMatchesPod(t, pod.namespace, pod));
}

/**
 * Most replicas of the class on one new node allowed by its own constraints (Infinity = none).
 * Hostname spread: a new node may rise to (the lowest count among the eligible nodes already in the
 * model) + maxSkew while the new nodes fill evenly (they are filled round-robin); with no eligible
 * node yet, or fewer domains than minDomains, the floor is 0, so maxSkew per node.
 */
function constraintCap(model: ClusterModel, cls: PodClass, template: NodeTemplate): number {
  let cap = Infinity;
  if (selfAntiAffine(cls) || cls.shape.hostPorts.length > 0) cap = 1;
  cls.shape.topologySpread.forEach((spread, i) => {
    if (spread.whenUnsatisfiable !== 'DoNotSchedule') return;
    if (!spread.labelSelector || !matchLabelSelector(spread.labelSelector, cls.shape.labels)) return;
    const { counts, domains, min } = model.spreadCounts(representative(cls), i);
    if (spread.topologyKey === HOSTNAME_LABEL) {
      cap = Math.min(cap, (domains.size > 0 ? min : 0) + spread.maxSkew);
      return;
    }
    // Zone/region spread (the new node's domain is its group's datacenter, node-template.ts): a
    // domain already at the lowest domain + maxSkew takes no pod of the class, so the search looks
    // elsewhere (a domain the node opens starts at 0). Below that the bound is for the whole domain,
    // not per node, which the search cannot express: the simulation's re-check decides the rest.
    const domain = template.labels[spread.topologyKey];
    if (domain === undefined) return;
    const floor = domains.has(domain) || domains.size === 0 ? min : 0;
    if ((counts.get(domain) ?? 0) >= floor + spread.maxSkew) cap = 0;
  });
  return cap;
}

/** Pod affinity on new nodes: possible only for a self-affine group with no match anywhere yet. */
function affinityOnNewNodes(model: ClusterModel, cls: PodClass, template: NodeTemplate): Admission | undefined {
  const terms = cls.shape.podAffinity;
  if (terms.length === 0) return undefined;
  const pod = representative(cls);
  const self = terms.every((t) => termMatchesPod(t, pod.namespace, pod) && (t.topologyKey === HOSTNAME_LABEL || template.labels[t.topologyKey] !== undefined));
  const matchedSomewhere = model.nodes.some((n) => n.pods.some((other) => terms.every((t) => termMatchesPod(t, pod.namespace, other))));
  if (self && !matchedSomewhere) return { cap: Infinity, singleNode: true };
  return { cap: 0, misfit: { reason: 'pod-affinity', message: 'its required pod affinity needs a node that runs a matching pod, and a new node would not' } };
}

/** `detail: false` skips formatting messages (the search only needs the caps; diagnosis asks again); `staticPassed`: labels and taints already checked. */
const NOT_ADMITTED: Admission = Object.freeze({ cap: 0, misfit: { reason: 'node-selector' as const, message: 'not admitted' } });

/** Whether the pod's node constraints read the instance-type label (admission then differs per offering). */
function mentionsInstanceType(shape: PodShape): boolean {
  if (INSTANCE_TYPE_LABEL in shape.nodeSelector || OFFERING_LABEL in shape.nodeSelector) return true;
  return shape.nodeAffinity.some((term) => (term.matchExpressions ?? []).some((e) => e.key === INSTANCE_TYPE_LABEL || e.key === OFFERING_LABEL) || (term.matchFields ?? []).length > 0);
}

export function admission(model: ClusterModel, cls: PodClass, template: NodeTemplate, detail = true, staticPassed = false): Admission {
  const misfit = staticPassed ? undefined : staticMisfit({ name: TEMPLATE_HOSTNAME, labels: template.labels, taints: template.taints }, cls.shape, detail);
  if (misfit) return { cap: 0, misfit };
  for (const ds of template.daemonSetPods) {
    const clash = cls.shape.hostPorts.find((p) => ds.shape.hostPorts.some((q) => hostPortsConflict(p, q)));
    if (clash) return { cap: 0, misfit: { reason: 'host-port', message: `host port ${clash.protocol}/${clash.port} is taken by DaemonSet ${ds.key} on every new node` } };
  }
  const { free } = template;
  const r = cls.shape.requests;
  let cap = free.pods;
  if (r.cpuMillis > 0) cap = Math.min(cap, Math.floor(free.cpuMillis / r.cpuMillis));
  if (r.memoryBytes > 0) cap = Math.min(cap, Math.floor(free.memoryBytes / r.memoryBytes));
  if (r.ephemeralBytes > 0) cap = Math.min(cap, Math.floor(free.ephemeralBytes / r.ephemeralBytes));
  if (cap <= 0) {
    return {
      cap: 0,
      misfit: {
        reason: free.pods <= 0 ? 'too-many-pods' : r.cpuMillis > free.cpuMillis ? 'insufficient-cpu' : r.memoryBytes > free.memoryBytes ? 'insufficient-memory' : 'insufficient-ephemeral-storage',
        message: !detail ? 'too large for a new node' : `requests ${formatCpuMillis(r.cpuMillis)} CPU / ${formatBytes(r.memoryBytes)} memory but a new ${template.offering.identifier} node has ${formatCpuMillis(Math.max(0, free.cpuMillis))} / ${formatBytes(Math.max(0, free.memoryBytes))} free after reservations and DaemonSets`,
      },
    };
  }
  const affinity = affinityOnNewNodes(model, cls, template);
  if (affinity?.misfit) return affinity;
  const spreadCap = constraintCap(model, cls, template);
  if (spreadCap <= 0) return { cap: 0, misfit: { reason: 'topology-spread', message: `a new node in ${template.group.spec.datacenterID} would break the pod's topology spread (its domain already holds the most matching pods)` } };
  return affinity?.singleNode ? { cap: Math.min(cap, spreadCap), singleNode: true } : { cap: Math.min(cap, spreadCap) };
}

/** Classes that may not share a node: anti-affinity on hostname either way, or clashing host ports. */
function conflicts(classes: readonly PodClass[]): Set<number>[] {
  const result = classes.map(() => new Set<number>());
  const special = classes.map((c, i) => i).filter((i) => classes[i]!.shape.podAntiAffinity.length > 0 || classes[i]!.shape.hostPorts.length > 0);
  for (const i of special) {
    const a = classes[i]!;
    for (let j = 0; j < classes.length; j++) {
      if (j === i) continue;
      const b = classes[j]!;
      const repels = a.shape.podAntiAffinity.some((t) => t.topologyKey === HOSTNAME_LABEL && termMatchesPod(t, a.namespace, representative(b)))
        || b.shape.podAntiAffinity.some((t) => t.topologyKey === HOSTNAME_LABEL && termMatchesPod(t, b.namespace, representative(a)))
        || a.shape.hostPorts.some((p) => b.shape.hostPorts.some((q) => hostPortsConflict(p, q)));
      if (repels) {
        result[i]!.add(j);
        result[j]!.add(i);
      }
    }
  }
  return result;
}

/** A template whose every admitted class another template of the group also admits, at least as roomy and no dearer, is never needed. */
function dominated(t: number, u: number, refs: readonly TemplateRef[], admissions: readonly Admission[][]): boolean {
  const a = refs[t]!.template;
  const b = refs[u]!.template;
  if (refs[t]!.groupIndex !== refs[u]!.groupIndex) return false;
  if (b.offering.priceMonthly > a.offering.priceMonthly) return false;
  const keys = ['cpuMillis', 'memoryBytes', 'ephemeralBytes', 'pods'] as const;
  if (keys.some((k) => b.free[k] < a.free[k])) return false;
  const strictly = b.offering.priceMonthly < a.offering.priceMonthly || keys.some((k) => b.free[k] > a.free[k]);
  // Identical: keep the preferred instance type, else the first.
  const [preferA, preferB] = [a.group.spec.preferredInstanceType === a.offering.identifier, b.group.spec.preferredInstanceType === b.offering.identifier];
  if (!strictly && (preferA !== preferB ? preferA : u > t)) return false;
  return admissions.every((row) => row[t]!.cap === 0 || (row[u]!.cap >= row[t]!.cap && !row[u]!.singleNode === !row[t]!.singleNode));
}

/**
 * The search's input: classes, the templates of groups that may launch now (not backed off, with
 * offerings), pruned of dominated ones, and the admission of every class on every template.
 */
export function buildPackInput(model: ClusterModel, classes: readonly PodClass[], capacities: readonly GroupCapacity[], rooms: readonly number[], locks: readonly (string | undefined)[]): PackInput {
  let refs: TemplateRef[] = [];
  capacities.forEach((capacity, groupIndex) => {
    if (capacity.backoffUntilMs !== undefined) return;
    for (const template of capacity.templates) refs.push({ groupIndex, template });
  });
  // Offerings of one group differ only in their instance-type label and size: unless the pod looks
  // at that label, the label/taint part of the admission is the same for all of them.
  let admissions = classes.map((cls) => {
    const perOffering = mentionsInstanceType(cls.shape);
    const staticByGroup = new Map<number, boolean>();
    return refs.map((ref) => {
      if (!perOffering) {
        let admitted = staticByGroup.get(ref.groupIndex);
        if (admitted === undefined) {
          admitted = staticMisfit({ name: TEMPLATE_HOSTNAME, labels: ref.template.labels, taints: ref.template.taints }, cls.shape, false) === undefined;
          staticByGroup.set(ref.groupIndex, admitted);
        }
        if (!admitted) return NOT_ADMITTED;
      }
      return admission(model, cls, ref.template, false, !perOffering);
    });
  });
  const keep = refs.map((_, t) => !refs.some((ref, u) => u !== t && ref.groupIndex === refs[t]!.groupIndex && dominated(t, u, refs, admissions)));
  refs = refs.filter((_, t) => keep[t]);
  admissions = admissions.map((row) => row.filter((_, t) => keep[t]));

  const conflictSets = conflicts(classes);
  const packClasses: PackClass[] = classes.map((cls, c) => ({
    requests: cls.shape.requests,
    count: cls.pods.length,
    capPerNode: refs.map((ref, t) => (cls.eligibleGroups.has(ref.groupIndex) ? Math.min(admissions[c]![t]!.cap, cls.pods.length) : 0)),
    ...(admissions[c]!.some((a) => a.singleNode) ? { singleNode: true } : {}),
    ...(conflictSets[c]!.size > 0 ? { conflicts: conflictSets[c]! } : {}),
  }));
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
  return { classes: packClasses, templates: packTemplates, groups: packGroups, refs, admissions };
}
