import { describe, expect, it } from 'vitest';
import { ReleaseWave } from './release-wave.ts';

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
