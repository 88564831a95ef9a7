import { describe, expect, it } from 'vitest';
import { matchLabelSelector, matchNodeSelectorTerms, tolerates, untoleratedTaint } from './selectors.ts';

describe('matchLabelSelector', () => {
  it('ANDs matchLabels and every expression operator', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(matchLabelSelector({}, labels)).toBe(true);
    expect(matchLabelSelector({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(matchLabelSelector({ matchLabels: { app: 'db' } }, labels)).toBe(false);
    expect(matchLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'x'] }] }, labels)).toBe(true);
    expect(matchLabelSelector({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(matchLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true);
    expect(matchLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false);
    expect(matchLabelSelector({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(matchLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(false);
  });
});

describe('matchNodeSelectorTerms', () => {
  const labels = { gen: '5', zone: 'a' };
  it('ORs terms and ANDs requirements', () => {
    expect(matchNodeSelectorTerms([], labels, 'n1')).toBe(true);
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }], labels, 'n1')).toBe(true);
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gen', operator: 'Gt', values: ['5'] }] }], labels, 'n1')).toBe(false);
  });
  it('compares Gt and Lt as integers and rejects non-integers', () => {
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }], labels, 'n')).toBe(true);
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['10'] }] }], labels, 'n')).toBe(true);
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['1'] }] }], labels, 'n')).toBe(false);
    expect(matchNodeSelectorTerms([{ matchExpressions: [{ key: 'missing', operator: 'Lt', values: ['1'] }] }], labels, 'n')).toBe(false);
  });
  it('matches metadata.name fields and treats an empty term as matching nothing', () => {
    expect(matchNodeSelectorTerms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], labels, 'n1')).toBe(true);
    expect(matchNodeSelectorTerms([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }], labels, 'n2')).toBe(false);
    expect(matchNodeSelectorTerms([{}], labels, 'n1')).toBe(false);
  });
});

describe('taints and tolerations', () => {
  it('blocks NoSchedule and NoExecute but not PreferNoSchedule', () => {
    expect(untoleratedTaint([{ key: 'a', effect: 'PreferNoSchedule' }], [])).toBeUndefined();
    expect(untoleratedTaint([{ key: 'a', effect: 'NoExecute' }], [])?.key).toBe('a');
    expect(untoleratedTaint([{ key: 'a', value: 'x', effect: 'NoSchedule' }], [{ key: 'a', value: 'x' }])).toBeUndefined();
    expect(untoleratedTaint([{ key: 'a', value: 'x', effect: 'NoSchedule' }], [{ key: 'a', value: 'y' }])?.key).toBe('a');
  });
  it('handles Exists, empty key and effect filters', () => {
    expect(tolerates({ operator: 'Exists' }, { key: 'any', effect: 'NoExecute' })).toBe(true);
    expect(tolerates({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', value: 'v', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates({ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' })).toBe(false);
    expect(tolerates({ key: '', operator: 'Equal' }, { key: 'a', effect: 'NoExecute' })).toBe(false);
  });
});
