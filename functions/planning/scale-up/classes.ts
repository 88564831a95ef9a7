import { HOSTNAME_LABEL, OFFERING_LABEL } from '../../../shared/labels.ts';
import { formatBytes, formatCpuMillis } from '../../../shared/quantity.ts';
import type { PodShape } from '../../../shared/snapshot.ts';
import { INSTANCE_TYPE_LABEL, TEMPLATE_HOSTNAME, type NodeTemplate } from '../node-template.ts';
import { type ClusterModel, termMatchesPod } from '../simulation/cluster-model.ts';
import { hostPortsConflict, staticMisfit } from '../simulation/predicates.ts';
import type { SpreadView } from '../simulation/spread-index.ts';
import { matchLabelSelector } from '../simulation/selectors.ts';
import type { Misfit, SimPod } from '../simulation/types.ts';

/** Pending pods that share a shape, a namespace and the groups whose stabilization window passed. */
export interface PodClass {
  key: string;
  shape: PodShape;
  namespace: string;
  pods: SimPod[];
  /** Indexes (into the capacities) of the groups these pods may trigger now. */
  eligibleGroups: ReadonlySet<number>;
}

/** How a class relates to one template: pods one node holds (0 = none) and why not. */
export interface Admission { cap: number; misfit?: Misfit; singleNode?: boolean }

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
  // Each class beside its key (not Map lookups in every comparison).
  const keyed = classes.map((cls) => ({ cls, key: `${cls.namespace}\u0000${JSON.stringify(cls.shape)}\u0000${[...cls.eligibleGroups].sort((a, b) => a - b).join(',')}` }));
  keyed.sort((a, b) => {
    const [ra, rb] = [a.cls.shape.requests, b.cls.shape.requests];
    return rb.cpuMillis - ra.cpuMillis || rb.memoryBytes - ra.memoryBytes || rb.ephemeralBytes - ra.ephemeralBytes
      || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  });
  return keyed.map(({ cls }) => cls);
}

/** The planning weight of one more node of the group (spec.nodeOverhead), added to every offering's price in the search. */
export function nodeOverheadOf(template: NodeTemplate): number {
  return template.group.spec.nodeOverhead.monthlyCost;
}

export function representative(cls: PodClass): SimPod {
  return cls.pods[0]!;
}

/** Whether the pod's own anti-affinity on hostname repels pods of its own class. */
function selfAntiAffine(cls: PodClass): boolean {
  const pod = representative(cls);
  return cls.shape.podAntiAffinity.some((t) => t.topologyKey === HOSTNAME_LABEL && termMatchesPod(t, pod.namespace, pod));
}

/**
 * What admission reads of a class that is the same on every template, computed once per class when
 * many templates are asked about (buildPackInput: every class × every template): the cap its own
 * anti-affinity or host ports set, its DoNotSchedule spreads that select its own pods, and (read
 * lazily, at the first template that gets that far) their spread counts and whether a pod matching
 * its pod affinity runs anywhere. The model must not change while the facts are in use.
 */
export class ClassFacts {
  readonly selfCap: number;
  readonly spreads: readonly { index: number; spread: PodShape['topologySpread'][number] }[];
  private readonly views: (SpreadView | undefined)[] = [];
  private matched: boolean | undefined;

  constructor(private readonly model: ClusterModel, readonly cls: PodClass) {
    this.selfCap = selfAntiAffine(cls) || cls.shape.hostPorts.length > 0 ? 1 : Infinity;
    const spreads: { index: number; spread: PodShape['topologySpread'][number] }[] = [];
    cls.shape.topologySpread.forEach((spread, index) => {
      if (spread.whenUnsatisfiable !== 'DoNotSchedule') return;
      if (!spread.labelSelector || !matchLabelSelector(spread.labelSelector, cls.shape.labels)) return;
      spreads.push({ index, spread });
    });
    this.spreads = spreads;
  }

  view(index: number): SpreadView {
    return (this.views[index] ??= this.model.spreadCounts(representative(this.cls), index));
  }

  /** Whether some pod in the model matches every required pod-affinity term of the class. */
  matchedSomewhere(): boolean {
    if (this.matched === undefined) {
      const pod = representative(this.cls);
      const terms = this.cls.shape.podAffinity;
      this.matched = this.model.nodes.some((n) => n.pods.some((other) => terms.every((t) => termMatchesPod(t, pod.namespace, other))));
    }
    return this.matched;
  }
}

/**
 * Most replicas of the class on one new node allowed by its own constraints (Infinity = none).
 * Hostname spread: a new node may rise to (the lowest count among the eligible nodes already in the
 * model) + maxSkew while the new nodes fill evenly (they are filled round-robin); with no eligible
 * node yet, or fewer domains than minDomains, the floor is 0, so maxSkew per node.
 */
function constraintCap(facts: ClassFacts, template: NodeTemplate): number {
  let cap = facts.selfCap;
  for (const { index, spread } of facts.spreads) {
    const { counts, domains, min } = facts.view(index);
    if (spread.topologyKey === HOSTNAME_LABEL) {
      cap = Math.min(cap, (domains.size > 0 ? min : 0) + spread.maxSkew);
      continue;
    }
    // Zone/region spread (the new node's domain is its group's datacenter, node-template.ts): a
    // domain already at the lowest domain + maxSkew takes no pod of the class, so the search looks
    // elsewhere (a domain the node opens starts at 0). Below that the bound is for the whole domain,
    // not per node, which the search cannot express: the simulation's re-check decides the rest.
    const domain = template.labels[spread.topologyKey];
    if (domain === undefined) continue;
    const floor = domains.has(domain) || domains.size === 0 ? min : 0;
    if ((counts.get(domain) ?? 0) >= floor + spread.maxSkew) cap = 0;
  }
  return cap;
}

/** Pod affinity on new nodes: possible only for a self-affine group with no match anywhere yet. */
function affinityOnNewNodes(facts: ClassFacts, template: NodeTemplate): Admission | undefined {
  const { cls } = facts;
  const terms = cls.shape.podAffinity;
  if (terms.length === 0) return undefined;
  const pod = representative(cls);
  const self = terms.every((t) => termMatchesPod(t, pod.namespace, pod) && (t.topologyKey === HOSTNAME_LABEL || template.labels[t.topologyKey] !== undefined));
  if (self && !facts.matchedSomewhere()) return { cap: Infinity, singleNode: true };
  return { cap: 0, misfit: { reason: 'pod-affinity', message: 'its required pod affinity needs a node that runs a matching pod, and a new node would not' } };
}

/** Whether the pod's node constraints read the instance-type label (admission then differs per offering). */
export function mentionsInstanceType(shape: PodShape): boolean {
  if (INSTANCE_TYPE_LABEL in shape.nodeSelector || OFFERING_LABEL in shape.nodeSelector) return true;
  return shape.nodeAffinity.some((term) => (term.matchExpressions ?? []).some((e) => e.key === INSTANCE_TYPE_LABEL || e.key === OFFERING_LABEL) || (term.matchFields ?? []).length > 0);
}

/**
 * `detail: false` skips formatting messages (the search only needs the caps; diagnosis asks again);
 * `staticPassed`: labels and taints already checked; `facts`: the class's own (pack-input.ts shares them over templates).
 */
export function admission(model: ClusterModel, cls: PodClass, template: NodeTemplate, detail = true, staticPassed = false, facts = new ClassFacts(model, cls)): Admission {
  const misfit = staticPassed ? undefined : staticMisfit({ name: TEMPLATE_HOSTNAME, labels: template.labels, taints: template.taints }, cls.shape, detail);
  if (misfit) return { cap: 0, misfit };
  if (cls.shape.hostPorts.length > 0) for (const ds of template.daemonSetPods) {
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
  const affinity = affinityOnNewNodes(facts, template);
  if (affinity?.misfit) return affinity;
  const spreadCap = constraintCap(facts, template);
  if (spreadCap <= 0) return { cap: 0, misfit: { reason: 'topology-spread', message: `a new node in ${template.group.spec.datacenterID} would break the pod's topology spread (its domain already holds the most matching pods)` } };
  return affinity?.singleNode ? { cap: Math.min(cap, spreadCap), singleNode: true } : { cap: Math.min(cap, spreadCap) };
}
