// Lifetime draws that depend on (seed, row index) alone, never on the order rows are processed
// in: a murmur3-style 32-bit finaliser (Math.imul, no BigInt), applied to the seed and the index.

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of (seed, index, lane); index may be any safe non-negative integer. */
export function hash32(seed: number, index: number, lane: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 0x100000000) >>> 0;
  let h = fmix32((seed >>> 0) ^ 0x9e3779b9);
  h = fmix32(h ^ lo);
  h = fmix32(h ^ Math.imul(hi + 1, 0x27d4eb2f) ^ Math.imul(lane + 1, 0x165667b1));
  return h;
}

/** A uniform integer in [lo, hi] (inclusive) for row `index`: 53 bits from two lanes. */
export function uniformInt(seed: number, index: number, lo: number, hi: number): number {
  const a = hash32(seed, index, 0);
  const b = hash32(seed, index, 1) >>> 11;
  const u = (a * 2097152 + b) / 9007199254740992; // [0, 1)
  return lo + Math.floor(u * (hi - lo + 1));
}

/** The azure2017 lifetime: uniform in the row's bin [lo, hi]; a draw of 0 becomes 1 s. */
export function drawLifetime(seed: number, index: number, lo: number, hi: number): number {
  const t = uniformInt(seed, index, lo, hi);
  return t === 0 ? 1 : t;
}
