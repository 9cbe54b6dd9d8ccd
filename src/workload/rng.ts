// A small seeded PRNG (mulberry32 over a splitmix32-mixed seed) and weighted sampling.
// Deterministic across platforms: only 32-bit integer arithmetic and one division.

/** A uniform float in [0, 1) per call; the same seed always gives the same sequence. */
export type Rng = () => number;

export function rng(seed: number): Rng {
  // splitmix32 of the seed, so seeds 0, 1, 2 ... start far apart.
  let z = (Math.trunc(seed) + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  let a = (z ^ (z >>> 16)) | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples indices 0..n-1 with probability proportional to the given weights. */
export class WeightedSampler {
  private readonly cumulative: Float64Array;
  readonly total: number;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error("WeightedSampler: no weights");
    this.cumulative = new Float64Array(weights.length);
    let s = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`WeightedSampler: bad weight ${w} at ${i}`);
      s += w;
      this.cumulative[i] = s;
    });
    if (s <= 0) throw new Error("WeightedSampler: weights sum to 0");
    this.total = s;
  }

  /** The index whose cumulative range holds u x total (u uniform in [0, 1)). */
  pick(u: number): number {
    const x = u * this.total;
    const c = this.cumulative;
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
