import { describe, expect, it } from 'vitest';
import { OFFERING_LABEL } from '../../../shared/labels.ts';
import { boundPod, buildSnapshot, emptyState, nodeGroup, offering, pendingPods, shape, testNode, testPolicy, type TestPod } from '../../../test/fixtures/planning-builders.ts';
import { plan } from '../plan.ts';

// Group-aware node size (group-sizing.ts, issue #18). The default kubelet reservations (200m,
// 612Mi) and node overhead (3.65/month) on a catalogue shaped like examples/offerings.json:
//   small 2 CPU / 4 GiB at 12: allocatable 1800m / 3484Mi, 15.65 a node with the overhead
//   large 8 CPU / 16 GiB at 44: allocatable 7800m / 15772Mi, 47.65
// A web pod is 250m / 512Mi; six fill a small node's memory (3072Mi of 3484Mi, 412Mi left: a
// seventh does not fit). Worked out by hand:
//   6 full small nodes = 36 pods, 9000m / 18432Mi: small (18432/3484 = 5.29 + ½) × 15.65 = 90.6,
//     large (18432/15772 = 1.169 + ½) × 47.65 = 79.51 → the group's size is large;
//   1 full small node = 6 pods, 1500m / 3072Mi: small (0.88 + ½) × 15.65 = 21.6,
//     large (0.19 + ½) × 47.65 = 33.1 → small.

const NOW = 10_000_000;
const web = shape({ cpu: '250m', memory: '512Mi' });
const catalogue = [offering('small', 2, 4096, 12), offering('large', 8, 16384, 44)];

function cluster(fullNodes: number, pending: TestPod[]) {
  const nodes = Array.from({ length: fullNodes }, (_, i) => testNode(`n${i}`, { group: 'workers', cpu: '1800m', memory: '3484Mi', labels: { [OFFERING_LABEL]: 'small' } }));
  const pods = nodes.flatMap((n, i) => Array.from({ length: 6 }, (_, j) => boundPod(`web-${i}-${j}`, n.name, web)));
  return buildSnapshot({
    offerings: catalogue,
    groups: [nodeGroup('workers', { offeringIDs: ['small', 'large'], allowMixedInstances: true })],
    nodes,
    pods: [...pods, ...pending],
    takenAtMs: NOW,
  });
}
const run = (fullNodes: number, pending: TestPod[]) => plan(cluster(fullNodes, pending), emptyState(), testPolicy(), NOW);
const fleet = (r: ReturnType<typeof run>) => Object.fromEntries(r.provision.map((p) => [p.offering, p.count]));

describe('scale-up sizes new nodes for the group\'s load', () => {
  it('one pending pod in a group running six full small nodes gets a large node, and the plan says why', () => {
    const r = run(6, pendingPods('new', web, 1));
    expect(fleet(r)).toEqual({ large: 1 });
    const decision = r.decisions.find((d) => d.reason === 'group-node-size');
    expect(decision?.message).toContain('runs 9.0 CPU / 18.0 GiB: its load is served cheapest by large nodes (expected 79.51/month with half a node idle), so small are left out');
    expect(decision?.details).toMatchObject({ offering: 'large', leftOut: 'small' });
  });

  it('a group running one small node still gets a small node (its load is served cheapest by small nodes)', () => {
    const r = run(1, pendingPods('new', web, 1));
    expect(fleet(r)).toEqual({ small: 1 });
    expect(r.decisions.some((d) => d.reason === 'group-node-size')).toBe(false);
  });

  it('an empty group is not sized: its pending pods are its whole demand', () => {
    const r = run(0, pendingPods('new', web, 1));
    expect(fleet(r)).toEqual({ small: 1 });
  });

  it('pods that only a small node admits still get one', () => {
    const pinned = shape({ cpu: '250m', memory: '512Mi', nodeSelector: { [OFFERING_LABEL]: 'small' } });
    const r = run(6, pendingPods('pinned', pinned, 1));
    expect(fleet(r)).toEqual({ small: 1 });
    expect(r.unschedulable).toEqual([]);
  });

  it('pods already pending when the group last scaled up are packed as they are: what a served burst left, not growth (issue #22)', () => {
    // The same six full small nodes; the group scaled up 5 s ago. A pod pending for a minute was
    // there for that scale-up: it gets the cheapest node that holds it. One that arrived after it is
    // the group growing: sized as before.
    const state = { ...emptyState(), groups: { 'default/workers': { consecutiveFailures: 0, lastScaleUpMs: NOW - 5_000 } } };
    const left = plan(cluster(6, pendingPods('left', web, 1, { createdAtMs: NOW - 60_000, unschedulableSinceMs: NOW - 60_000 })), state, testPolicy(), NOW);
    expect(fleet(left)).toEqual({ small: 1 });
    expect(left.decisions.some((d) => d.reason === 'group-node-size')).toBe(false);
    const grown = plan(cluster(6, pendingPods('grown', web, 1, { createdAtMs: NOW - 2_000, unschedulableSinceMs: NOW - 1_000 })), state, testPolicy(), NOW);
    expect(fleet(grown)).toEqual({ large: 1 });
    expect(grown.decisions.some((d) => d.reason === 'group-node-size')).toBe(true);
  });

  it('pods placed on launches in flight count as the group\'s load: the next node of a group growing in bursts is sized for them', () => {
    // Six small nodes in flight hold the 36 pods of a wave (six each, still pending); a 37th pod comes
    // after the group's last scale-up. The load is then 36 web pods, 9 CPU / 18 GiB: large, as for six
    // full small nodes running (above). Left out, the load would be 0 and the pod a small node.
    const launches = Array.from({ length: 6 }, (_, i) => ({
      id: `op-${i}`, kind: 'launch' as const, nodeGroup: 'default/workers', hostname: `test-infl-${i}`, offeringId: 'small', status: 'launching' as const,
      createdAtMs: NOW - 20_000, updatedAtMs: NOW - 20_000, launchDeadlineMs: NOW + 600_000, registrationDeadlineMs: NOW + 600_000,
    }));
    const state = { ...emptyState(), groups: { 'default/workers': { consecutiveFailures: 0, lastScaleUpMs: NOW - 20_000 } }, operations: launches };
    const wave = pendingPods('wave', web, 36, { createdAtMs: NOW - 30_000, unschedulableSinceMs: NOW - 30_000 });
    const late = pendingPods('late', web, 1, { createdAtMs: NOW - 15_000, unschedulableSinceMs: NOW - 15_000 });
    const r = plan(cluster(0, [...wave, ...late]), state, testPolicy(), NOW);
    expect(fleet(r)).toEqual({ large: 1 });
    expect(r.decisions.find((d) => d.reason === 'group-node-size')?.message).toContain('runs 9.0 CPU / 18.0 GiB');
  });

  it('a burst larger than one large node is packed by the search as it is', () => {
    // 33 web pods: 8250m / 16.5 GiB, more than one large node holds (7800m): the search's own choice,
    // with or without the load, is 1 large (30 pods by memory: 15360Mi) + 1 small (3 pods) = 56 < 3 large.
    const withLoad = run(6, pendingPods('burst', web, 33));
    const empty = run(0, pendingPods('burst', web, 33));
    expect(fleet(withLoad)).toEqual({ large: 1, small: 1 });
    expect(fleet(empty)).toEqual({ large: 1, small: 1 });
    expect(withLoad.decisions.some((d) => d.reason === 'group-node-size')).toBe(false);
  });
});
