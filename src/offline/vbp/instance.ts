// The vector bin packing instance the offline search works on: n items, d dimensions, all bins
// identical. Sizes are kept three ways in flat typed arrays (no per-item objects):
//   W  raw sizes (integers, as in the engine, so sums and capacity tests are exact),
//   N  sizes normalised by capacity, so scores treat dimensions with different units alike,
//   S  the sum of an item's normalised sizes: its "weight", what the local search packs.
// Ported from /work/scratch-offline/offline.mjs (research prototype).

/** Tolerance for comparisons of normalised (floating) quantities. Raw sizes are compared exactly. */
export const EPS = 1e-9;

export interface VbpInstance {
  readonly n: number;
  readonly d: number;
  /** Bin capacity per dimension, every entry > 0. */
  readonly cap: Float64Array;
  /** n x d raw sizes, row-major. */
  readonly W: Float64Array;
  /** n x d sizes / capacity. */
  readonly N: Float64Array;
  /** Per item, the sum over dimensions of N. */
  readonly S: Float64Array;
}

/** A packing: bin of each item (0..bins-1). */
export interface Solution {
  binOf: Int32Array;
  bins: number;
}

/**
 * Builds the instance from a capacity vector and row-major sizes (n x capacity.length).
 * Throws when a capacity is not positive or an item does not fit an empty bin: the caller
 * (src/offline/vector.ts) only hands over instances where neither happens.
 */
export function makeInstance(capacity: ArrayLike<number>, sizes: ArrayLike<number>): VbpInstance {
  const d = capacity.length;
  if (d === 0) throw new Error("vbp: capacity must have at least one dimension");
  if (sizes.length % d !== 0) throw new Error(`vbp: ${sizes.length} sizes is not a multiple of ${d} dimensions`);
  const n = sizes.length / d;
  const cap = Float64Array.from(capacity);
  for (let k = 0; k < d; k++) {
    if (!(cap[k] > 0) || !Number.isInteger(cap[k])) throw new Error(`vbp: capacity[${k}] must be a positive integer`);
  }
  const W = new Float64Array(n * d);
  const N = new Float64Array(n * d);
  const S = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) {
      const x = sizes[i * d + k];
      // Integers only: then every load sum below is exact in a double (n x 2^31 << 2^53), so
      // capacity tests need no tolerance and the self-check agrees with the engine's core.
      if (!Number.isInteger(x) || x < 0) throw new Error(`vbp: item ${i} size ${x} in dimension ${k} is not a non-negative integer`);
      if (x > cap[k]) throw new Error(`vbp: item ${i} does not fit an empty bin (dimension ${k})`);
      W[i * d + k] = x;
      N[i * d + k] = x / cap[k];
      S[i] += x / cap[k];
    }
  }
  return { n, d, cap, W, N, S };
}

/** True when items a and b cannot share a bin (over capacity in some dimension). */
export function incompatible(inst: VbpInstance, a: number, b: number): boolean {
  const { d, cap, W } = inst;
  for (let k = 0; k < d; k++) if (W[a * d + k] + W[b * d + k] > cap[k]) return true;
  return false;
}

/** An item's largest normalised size. */
export function maxNorm(inst: VbpInstance, i: number): number {
  const { d, N } = inst;
  let m = 0;
  for (let k = 0; k < d; k++) m = Math.max(m, N[i * d + k]);
  return m;
}

/** Indices 0..n-1 by decreasing key, ties by index: a total order, so the result does not
 *  depend on the sort algorithm (determinism). */
export function sortedBy(n: number, key: (i: number) => number): number[] {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(i);
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => keys[b] - keys[a] || a - b);
  return idx;
}

/** True when item i fits bin b given per-bin loads (n_bins x d). Exact on integer sizes. */
export function fitsLoad(inst: VbpInstance, load: Float64Array, b: number, i: number): boolean {
  const { d, cap, W } = inst;
  for (let k = 0; k < d; k++) if (load[b * d + k] + W[i * d + k] > cap[k]) return false;
  return true;
}
