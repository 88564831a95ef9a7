import type { PodAffinityTerm } from '../../../shared/snapshot.ts';
import { push, removeWhere } from './multimap.ts';
import { matchLabelSelector } from './selectors.ts';
import type { SimNode, SimPod } from './types.ts';

// Pod (anti-)affinity terms, and the cluster model's index of bound pods' required anti-affinity
// terms: an incoming pod must also respect the terms of pods already bound (symmetry).

/** A bound pod whose required anti-affinity term may repel an incoming pod (symmetry). */
export interface AntiAffinityHolder { pod: SimPod; node: SimNode; term: PodAffinityTerm }

/** The namespaces a pod affinity term looks at: the listed ones, or the pod's own. */
export function termNamespaces(term: PodAffinityTerm, ownNamespace: string): readonly string[] {
  return term.namespaces && term.namespaces.length > 0 ? term.namespaces : [ownNamespace];
}

/** An absent selector matches no pods (Kubernetes: labels.Nothing()). */
export function termMatchesPod(term: PodAffinityTerm, ownNamespace: string, pod: SimPod): boolean {
  if (term.labelSelector === undefined) return false;
  // termNamespaces(term, ownNamespace).includes(pod.namespace), without an array per call (a hot path).
  const inNamespace = term.namespaces && term.namespaces.length > 0 ? term.namespaces.includes(pod.namespace) : pod.namespace === ownNamespace;
  return inNamespace && matchLabelSelector(term.labelSelector, pod.shape.labels);
}

/** Bound pods' anti-affinity terms by topology key, then by the domain of their node. */
export class AntiAffinityIndex {
  private readonly byKey = new Map<string, Map<string, AntiAffinityHolder[]>>();

  add(pod: SimPod, node: SimNode): void {
    for (const term of pod.shape.podAntiAffinity) {
      const domain = node.labels[term.topologyKey];
      if (domain === undefined) continue;
      let byDomain = this.byKey.get(term.topologyKey);
      if (!byDomain) {
        byDomain = new Map();
        this.byKey.set(term.topologyKey, byDomain);
      }
      push(byDomain, domain, { pod, node, term });
    }
  }

  remove(pod: SimPod, node: SimNode): void {
    for (const term of pod.shape.podAntiAffinity) {
      const domain = node.labels[term.topologyKey];
      const list = domain === undefined ? undefined : this.byKey.get(term.topologyKey)?.get(domain);
      if (list) removeWhere(list, (h) => h.pod === pod && h.node === node);
    }
  }

  /** The first holder whose term covers the topology domain of `node` and that passes `test` (by topology key, then as added). */
  findNear(node: SimNode, test: (holder: AntiAffinityHolder) => boolean): AntiAffinityHolder | undefined {
    for (const [key, byDomain] of this.byKey) {
      const domain = node.labels[key];
      if (domain === undefined) continue;
      const holders = byDomain.get(domain);
      if (holders) for (const holder of holders) if (test(holder)) return holder;
    }
    return undefined;
  }
}
