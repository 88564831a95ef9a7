import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm, PodShape, SnapshotTaint, Toleration } from '../../../shared/snapshot.ts';

// Kubernetes matching rules, as apimachinery and the scheduler's plugins implement them.

type Labels = Readonly<Record<string, string>>;

/**
 * A LabelSelector (matchLabels AND matchExpressions). An empty selector `{}` matches everything;
 * callers decide what an absent selector means (for pod affinity and topology spread: nothing).
 */
export function matchLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  const matchLabels = selector.matchLabels;
  // for…in, not Object.entries: this runs in the simulation's innermost loops.
  if (matchLabels) {
    for (const key in matchLabels) {
      if (labels[key] !== matchLabels[key]) return false;
    }
  }
  if (!selector.matchExpressions) return true;
  for (const expression of selector.matchExpressions) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In': if (value === undefined || !values.includes(value)) return false; break;
      case 'NotIn': if (value !== undefined && values.includes(value)) return false; break;
      case 'Exists': if (value === undefined) return false; break;
      case 'DoesNotExist': if (value !== undefined) return false; break;
    }
  }
  return true;
}

/** Gt/Lt compare the label as an integer; a label that is not an integer does not match. */
function matchRequirement(requirement: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const [left, right] = [Number(value), Number(values[0])];
      return requirement.operator === 'Gt' ? left > right : left < right;
    }
  }
}

/**
 * Required node affinity: terms are ORed, requirements inside a term ANDed. A term with no
 * requirements matches nothing (as in Kubernetes); `matchFields` supports `metadata.name` only.
 */
export function matchNodeSelectorTerms(terms: readonly NodeSelectorTerm[], labels: Labels, nodeName: string): boolean {
  if (terms.length === 0) return true;
  return terms.some((term) => {
    const expressions = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (expressions.length === 0 && fields.length === 0) return false;
    return expressions.every((r) => matchRequirement(r, labels[r.key]))
      && fields.every((r) => matchRequirement(r, r.key === 'metadata.name' ? nodeName : undefined));
  });
}

/** nodeSelector AND required node affinity. */
export function matchNodeConstraints(shape: PodShape, labels: Labels, nodeName: string): 'node-selector' | 'node-affinity' | undefined {
  const selector = shape.nodeSelector;
  for (const key in selector) {
    if (labels[key] !== selector[key]) return 'node-selector';
  }
  if (shape.nodeAffinity.length > 0 && !matchNodeSelectorTerms(shape.nodeAffinity, labels, nodeName)) return 'node-affinity';
  return undefined;
}

export function tolerates(toleration: Toleration, taint: SnapshotTaint): boolean {
  if (toleration.effect !== undefined && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  // An empty key with Exists tolerates every taint.
  if (toleration.key === undefined || toleration.key === '') return operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

/** The first NoSchedule/NoExecute taint the tolerations do not cover; PreferNoSchedule never blocks. */
export function untoleratedTaint(taints: readonly SnapshotTaint[], tolerations: readonly Toleration[]): SnapshotTaint | undefined {
  return taints.find((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
}
