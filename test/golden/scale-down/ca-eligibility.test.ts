import { describe, expect, it } from 'vitest';
import { TO_BE_DELETED_TAINT } from '../../../shared/labels.ts';
import { dsPod, nodeGroup, snapNode, snapPod, snapshot } from '../../fixtures/snapshot-builders.ts';
import type { PlanResult } from '../../../functions/planning/types.ts';
import { planOnce } from './support.ts';

// Ported from Cluster Autoscaler core/scaledown/eligibility/eligibility_test.go,
// TestFilterOutUnremovable: which nodes pass the eligibility filter (default utilization threshold
// 0.5; DaemonSet pods counted unless ignoreDaemonSetsUtilization). "Eligible" here: the node was
// not kept for an eligibility reason (it was removed, or kept for a later one, e.g. no room).

const INELIGIBLE = new Set(['not-managed', 'unknown-group', 'not-ready', 'cordoned', 'scale-down-disabled', 'scale-down-disabled-annotation', 'do-not-disrupt-annotation', 'not-underused', 'stabilizing']);
const eligible = (r: PlanResult) => [...r.remove.map((x) => x.node), ...r.kept.filter((k) => !INELIGIBLE.has(k.reason)).map((k) => k.node)].sort();

const regular = snapNode({ name: 'regular', group: 'ng1', cpu: 1000, memory: 10 });
const justDeleted = snapNode({ name: 'justDeleted', group: 'ng1', cpu: 1000, memory: 10, taints: [{ key: TO_BE_DELETED_TAINT, effect: 'NoSchedule' }] });
const noScaleDown = snapNode({ name: 'noScaleDown', group: 'ng1', cpu: 1000, memory: 10, annotations: { 'cluster-autoscaler.kubernetes.io/scale-down-disabled': 'true' } });
const unready = snapNode({ name: 'unready', group: 'ng1', cpu: 1000, memory: 10, ready: false });
const bigPod = snapPod({ name: 'bigPod', node: 'regular', cpu: 600 });
const smallPod = snapPod({ name: 'smallPod', node: 'regular', cpu: 100 });
const ds = dsPod({ name: 'dsPod', node: 'regular', cpu: 500 });

const cases = [
  { desc: 'regular node stays', nodes: [regular], pods: [], want: ['regular'] },
  { desc: 'recently deleted node is filtered out', nodes: [regular, justDeleted], pods: [], want: ['regular'] },
  { desc: 'marked no scale down is filtered out', nodes: [noScaleDown, regular], pods: [], want: ['regular'] },
  { desc: 'highly utilized node is filtered out', nodes: [regular], pods: [bigPod], want: [] },
  { desc: 'underutilized node stays', nodes: [regular], pods: [smallPod], want: ['regular'] },
  // CA with scaleDownUnready keeps an unready node eligible; here NotReady nodes leave through
  // replacement (not-ready.ts) after notReadyReplaceAfterMs, never through scale-down — CA's
  // "scale-down of unready disabled" case.
  { desc: 'unready node is filtered out (replaced by the NotReady path instead)', nodes: [unready], pods: [], want: [] },
];

describe('CA eligibility: TestFilterOutUnremovable', () => {
  for (const ignoreDaemonSets of [false, true]) {
    it.each(cases)(`$desc (ignoreDaemonSetsUtilization=${ignoreDaemonSets})`, ({ nodes, pods, want }) => {
      const snap = snapshot({ nodeGroups: [nodeGroup({ name: 'ng1', minNodes: 0, offeringIDs: ['medium'] })], nodes, pods });
      expect(eligible(planOnce(snap, { policy: { countDaemonSetPodsInUtilization: !ignoreDaemonSets } }))).toEqual(want);
    });
  }

  it('high utilization daemonsets node is filtered out', () => {
    const snap = snapshot({ nodeGroups: [nodeGroup({ name: 'ng1', offeringIDs: ['medium'] })], nodes: [regular], pods: [smallPod, ds] });
    expect(eligible(planOnce(snap, { policy: { countDaemonSetPodsInUtilization: true } }))).toEqual([]);
  });

  it('high utilization daemonsets node stays when DaemonSet pods are not counted', () => {
    const snap = snapshot({ nodeGroups: [nodeGroup({ name: 'ng1', offeringIDs: ['medium'] })], nodes: [regular], pods: [smallPod, ds] });
    expect(eligible(planOnce(snap, { policy: { countDaemonSetPodsInUtilization: false } }))).toEqual(['regular']);
  });
});
