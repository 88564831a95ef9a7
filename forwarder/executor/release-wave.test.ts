import { describe, expect, it } from 'vitest';
import type { Command } from '../../shared/plan-message.ts';
import { ReleaseWave, WAVE_MAX_PODS, waveEnd } from './release-wave.ts';

// The wave's gate (release-wave.ts): no participant's taint goes before every participant is ready or gone.

/** Whether the promise has settled after the microtasks queued so far have run. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; });
  await new Promise<void>((resolve) => setImmediate(resolve));
  return done;
}

describe('ReleaseWave', () => {
  it('opens when the last participant is ready, not before', async () => {
    const wave = new ReleaseWave(['a', 'b', 'c']);
    const a = wave.ready('a');
    const b = wave.ready('b');
    expect(await settled(a)).toBe(false);
    expect(await settled(b)).toBe(false);
    const c = wave.ready('c');
    expect(await settled(a)).toBe(true);
    expect(await settled(c)).toBe(true);
  });

  it('a participant that leaves (refused, failed, already run) does not hold the others', async () => {
    const wave = new ReleaseWave(['a', 'b']);
    const a = wave.ready('a');
    expect(await settled(a)).toBe(false);
    wave.leave('b');
    expect(await settled(a)).toBe(true);
  });

  it('saying it twice counts once: a leave after ready does not open the wave for the others', async () => {
    const wave = new ReleaseWave(['a', 'b', 'c']);
    const a = wave.ready('a');
    wave.leave('a');
    wave.leave('a');
    expect(await settled(a)).toBe(false);
    wave.leave('b');
    expect(await settled(a)).toBe(false);
    wave.leave('c');
    expect(await settled(a)).toBe(true);
  });

  it('an id that is not in the wave changes nothing; an empty wave is open', async () => {
    const wave = new ReleaseWave(['a']);
    wave.leave('stranger');
    expect(await settled(wave.ready('stranger'))).toBe(false);
    expect(await settled(new ReleaseWave([]).ready('x'))).toBe(true);
  });
});

describe('waveEnd: which consecutive releases go together', () => {
  const group = { namespace: 'default', name: 'workers' };
  const release = (n: number, pods: number): Command => ({
    id: `r-${n}`, kind: 'releaseNode', reason: 'node-joined', message: '', node: `node-${n}`, nodeGroup: group,
    pods: Array.from({ length: pods }, (_, i) => ({ namespace: 'default', name: `p-${n}-${i}` })),
  } as Command);
  const other = (n: number): Command => ({ id: `s-${n}`, kind: 'updateClusterStatus', reason: 'status', message: '' } as unknown as Command);

  it('a run of releases, up to the next other command', () => {
    const plan = [release(0, 10), release(1, 10), release(2, 0), other(3), release(4, 5)];
    expect(waveEnd(plan, 0)).toBe(2);
    expect(waveEnd(plan, 3)).toBe(3);
    expect(waveEnd(plan, 4)).toBe(4);
  });

  it(`at most ${WAVE_MAX_PODS} pods in one wave: the next release starts the next wave`, () => {
    const plan = [release(0, 200), release(1, 150), release(2, 50), release(3, 1), release(4, 1)];
    expect(waveEnd(plan, 0)).toBe(2); // 200 + 150 + 50 = 400
    expect(waveEnd(plan, 3)).toBe(4);
    // One release above the cap still goes (alone).
    expect(waveEnd([release(0, WAVE_MAX_PODS + 10), release(1, 1)], 0)).toBe(0);
  });
});
