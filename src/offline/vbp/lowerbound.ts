// Lower bounds on the number of bins of a vector bin packing instance (identical bins).
//
// The maximum of several cheap bounds:
//   - volume, per dimension: ceil(total size / capacity);
//   - a greedy clique of pairwise-incompatible items (no two fit one bin together), which is
//     what binds when large items dominate and volume is loose;
//   - Martello & Toth's L2 bound (Martello & Toth, "Lower bounds and reduction procedures for
//     the bin packing problem", Discrete Applied Mathematics 28, 1990), per dimension and on the
//     average normalised size (a surrogate relaxation: every packing is also one of the averages);
//   - Fekete & Schepers' dual feasible functions ("New classes of fast lower bounds for bin
//     packing problems", Mathematical Programming 91, 2001), on the same 1-D sizes.
// The search only uses the bound to stop early (it cannot go below it), so a weak bound costs
// time, never quality; an unsound one would cost quality, hence the brute-force test.
import { EPS, incompatible, maxNorm, sortedBy, type VbpInstance } from "./instance.js";

export function lowerBound(inst: VbpInstance): number {
  const { n, d, cap, W } = inst;
  if (n === 0) return 0;
  let lb = 1;
  for (let k = 0; k < d; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += W[i * d + k];
    lb = Math.max(lb, Math.ceil(s / cap[k] - EPS));
  }
  lb = Math.max(lb, greedyClique(inst));
  const sizes = new Float64Array(n);
  for (let k = 0; k <= d; k++) {
    for (let i = 0; i < n; i++) sizes[i] = k < d ? inst.N[i * d + k] : inst.S[i] / d;
    lb = Math.max(lb, martelloTothL2(sizes), dualFeasibleBound(sizes));
  }
  return lb;
}

/**
 * Size of a clique of pairwise-incompatible items, built greedily from the largest (by maximum
 * normalised size). Two items at most half the capacity in every dimension always fit together,
 * so once such a "small" item has joined no later one can: the scan stops there (same result as
 * scanning on, without the quadratic tail).
 */
export function greedyClique(inst: VbpInstance): number {
  const order = sortedBy(inst.n, (i) => maxNorm(inst, i));
  const clique: number[] = [];
  for (const i of order) {
    let ok = true;
    for (const j of clique) if (!incompatible(inst, i, j)) { ok = false; break; }
    if (!ok) continue;
    clique.push(i);
    if (maxNorm(inst, i) <= 0.5) break;
  }
  return clique.length;
}

/**
 * Fekete-Schepers dual feasible functions u_t(x) = floor((t+1)x)/t (x itself when (t+1)x is
 * integral), t = 1..10: they map sizes so that whatever fits a unit bin still does, so
 * ceil(sum u_t(x)) bounds the bins. t = 2 catches items all just above 1/3 (two per bin where
 * volume says three).
 */
export function dualFeasibleBound(sizes: Float64Array): number {
  let best = 0;
  for (let t = 1; t <= 10; t++) {
    let sum = 0;
    for (let i = 0; i < sizes.length; i++) {
      const x = sizes[i];
      const y = (t + 1) * x;
      sum += Math.abs(y - Math.round(y)) < EPS ? x : Math.floor(y) / t;
    }
    best = Math.max(best, Math.ceil(sum - EPS));
  }
  return best;
}

/**
 * Martello-Toth L2 for unit capacity: for each threshold a <= 1/2, items above 1-a share a bin
 * with nothing of size >= a (J1), items in (1/2, 1-a] need a bin each (J2), and items in
 * [a, 1/2] (J3) can only use the room J2 leaves: L(a) = |J1| + |J2| + max(0, ceil(sum J3 -
 * room J2)). The prototype evaluated every threshold with a pass over all items (O(n^2), too
 * slow at 20,000 items); here the items are sorted once and each threshold costs two binary
 * searches over prefix sums (O(n log n) in all). Class boundaries are the prototype's exactly
 * (same EPS placement), so only the summation order of J2's room and J3's sum differs.
 */
export function martelloTothL2(sizes: Float64Array): number {
  const n = sizes.length;
  if (n === 0) return 0;
  const asc = Float64Array.from(sizes).sort();
  // pre[i] = sum of asc[0..i-1]
  const pre = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i] + asc[i];
  // Index of the first element > t (so n - it counts the elements > t).
  const firstAbove = (t: number): number => {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (asc[mid] > t) hi = mid; else lo = mid + 1;
    }
    return lo;
  };
  // Index of the first element >= t.
  const firstAtLeast = (t: number): number => {
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (asc[mid] >= t) hi = mid; else lo = mid + 1;
    }
    return lo;
  };
  const half = 0.5 + EPS;
  const aboveHalf = firstAbove(half);
  let best = 0;
  const evaluate = (a: number): void => {
    const hi1 = 1 - a + EPS;
    const j1Start = firstAbove(hi1); // J1 = [j1Start, n)
    const j2Start = Math.min(aboveHalf, j1Start); // J2 = [j2Start, j1Start): > half, not in J1
    const j1 = n - j1Start;
    const j2 = j1Start - j2Start;
    const room2 = j2 - (pre[j1Start] - pre[j2Start]);
    // J3: not in J1, <= half, >= a - EPS
    const j3End = Math.min(aboveHalf, j1Start);
    const j3Start = Math.min(firstAtLeast(a - EPS), j3End);
    const sum3 = pre[j3End] - pre[j3Start];
    best = Math.max(best, j1 + j2 + Math.max(0, Math.ceil(sum3 - room2 - EPS)));
  };
  evaluate(0);
  for (let i = 0; i < aboveHalf; i++) if (i === 0 || asc[i] !== asc[i - 1]) evaluate(asc[i]);
  return best;
}

/** The prototype's O(n^2) L2, kept as the reference the fast one is tested against. */
export function martelloTothL2Reference(sizes: Float64Array): number {
  const s = Float64Array.from(sizes).sort().reverse();
  const n = s.length;
  let best = 0;
  const thresholds = [0];
  for (let i = 0; i < n; i++) if (s[i] <= 0.5 + EPS) thresholds.push(s[i]);
  for (const a of thresholds) {
    let j1 = 0, j2 = 0, room2 = 0, sum3 = 0;
    for (let i = 0; i < n; i++) {
      const x = s[i];
      if (x > 1 - a + EPS) j1++;
      else if (x > 0.5 + EPS) { j2++; room2 += 1 - x; }
      else if (x >= a - EPS) sum3 += x;
    }
    best = Math.max(best, j1 + j2 + Math.max(0, Math.ceil(sum3 - room2 - EPS)));
  }
  return best;
}
