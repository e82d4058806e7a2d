// The one seeded random source of the tests and benchmarks (mulberry32): the same seed gives the same
// sequence, so a failing random walk or fuzz run reproduces.

/** A deterministic generator uniform in [0, 1), seeded with `seed` (any 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** One element of `xs` (not empty) chosen by `rand`. */
export function pick<T>(rand: () => number, xs: readonly T[]): T {
  if (xs.length === 0) throw new RangeError('pick from an empty list');
  return xs[Math.floor(rand() * xs.length)] as T;
}
