// A small seeded generator (mulberry32): the same seed gives the same launch delays, run after run.

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A delay in ms: fixed, or uniform in [min, max] seconds. */
export function drawDelayMs(delay: number | { min: number; max: number }, random: Random): number {
  if (typeof delay === 'number') return delay * 1000;
  return Math.round((delay.min + (delay.max - delay.min) * random()) * 1000);
}
