import { CompactError } from '../errors.ts';
import type { LabelSelector, NodeSelectorRequirement, NodeSelectorTerm, SnapshotTaint, Toleration } from '../snapshot.ts';
import type { KubeLabelSelector, KubeNodeSelectorRequirement, KubeNodeSelectorTerm, KubeTaint, KubeToleration, StringMap } from './kube-types.ts';

// Selector, toleration and taint conversions. Empty strings and nulls (which mean "absent" in the
// API) become absent keys, so identical meaning gives identical JSON and shapes dedup well.

const LABEL_OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const NODE_OPERATORS = new Set([...LABEL_OPERATORS, 'Gt', 'Lt']);
const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

export function stringMap(map: StringMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

export function labelSelector(selector: KubeLabelSelector, object: string, field: string): LabelSelector {
  const out: LabelSelector = {};
  if (selector.matchLabels && Object.keys(selector.matchLabels).length > 0) out.matchLabels = stringMap(selector.matchLabels);
  if (selector.matchExpressions && selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((e, i) => {
      if (!LABEL_OPERATORS.has(e.operator)) throw new CompactError(object, `${field}.matchExpressions[${i}].operator: unknown operator "${e.operator}"`);
      return { key: e.key, operator: e.operator as 'In', ...(e.values && e.values.length > 0 ? { values: [...e.values] } : {}) };
    });
  }
  return out;
}

function nodeRequirement(r: KubeNodeSelectorRequirement, object: string, field: string): NodeSelectorRequirement {
  if (!NODE_OPERATORS.has(r.operator)) throw new CompactError(object, `${field}.operator: unknown operator "${r.operator}"`);
  return { key: r.key, operator: r.operator as 'In', ...(r.values && r.values.length > 0 ? { values: [...r.values] } : {}) };
}

export function nodeSelectorTerm(term: KubeNodeSelectorTerm, object: string, field: string): NodeSelectorTerm {
  const out: NodeSelectorTerm = {};
  if (term.matchExpressions && term.matchExpressions.length > 0) {
    out.matchExpressions = term.matchExpressions.map((r, i) => nodeRequirement(r, object, `${field}.matchExpressions[${i}]`));
  }
  if (term.matchFields && term.matchFields.length > 0) {
    out.matchFields = term.matchFields.map((r, i) => nodeRequirement(r, object, `${field}.matchFields[${i}]`));
  }
  return out;
}

/**
 * A toleration, or undefined for one this product cannot evaluate (the alpha Lt/Gt operators):
 * dropping it can only make a pod look less schedulable than it is, never the reverse.
 */
export function toleration(t: KubeToleration): Toleration | undefined {
  const operator = t.operator || undefined;
  if (operator !== undefined && operator !== 'Exists' && operator !== 'Equal') return undefined;
  const effect = t.effect || undefined;
  if (effect !== undefined && !EFFECTS.has(effect)) return undefined;
  const out: Toleration = {};
  if (t.key) out.key = t.key;
  if (operator) out.operator = operator;
  if (t.value) out.value = t.value;
  if (effect) out.effect = effect as 'NoSchedule';
  return out;
}

export function taint(t: KubeTaint, object: string, field: string): SnapshotTaint {
  if (!EFFECTS.has(t.effect)) throw new CompactError(object, `${field}.effect: unknown taint effect "${t.effect}"`);
  return { key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect as 'NoSchedule' };
}
