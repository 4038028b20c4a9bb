/**
 * Seeded pseudo-random numbers (mulberry32, Tommy Ettinger's 32-bit mixer) for reproducible test,
 * benchmark and tuning inputs: the same seed gives the same sequence on every engine.
 */

/** A generator of unsigned 32-bit integers, uniform over [0, 2^32). */
export function randomUint32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A generator of floats uniform in [-1, 1). */
export function random(seed: number): () => number {
  const next = randomUint32(seed);
  return () => (next() / 2 ** 32) * 2 - 1;
}
