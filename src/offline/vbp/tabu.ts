// Improvement by consistent neighbourhood search on partial solutions, after Buljubasic &
// Vasquez, "Consistent neighborhood search for one-dimensional bin packing and two-dimensional
// vector packing", Computers & Operations Research 76 (2016).
//
// To find a packing with `target` bins: keep target-2 bins of the current packing, put every
// other item in a pool, then let a tabu search swap small groups of items between pool and kept
// bins so that as much weight as possible sits in the kept bins (the kept bins are always
// feasible: "consistent"). As soon as the pool fits in two bins there is a packing with `target`
// bins, and the search goes on to target-1. Why two bins and not one: "the pool fits in two bins"
// is reached far earlier than "in one", and the two-bin test is cheap because the pool is small.
//
// Budgets are iteration and node counts, never time, so a run is reproducible on any machine.
import { EPS, maxNorm, sortedBy, type Solution, type VbpInstance } from "./instance.js";
import { PartialState } from "./partial.js";
import { mulberry32 } from "./rng.js";
import { compact } from "./solution.js";
import { heaviestSubset } from "./subset.js";

/** Tabu iterations between two repack descents (prototype: 50-200 all similar on CT). */
const PACK_EVERY = 200;
/** Node caps: repacking one bin, splitting the pool into two bins. */
const REPACK_NODE_CAP = 5000;
const SPLIT_NODE_CAP = 20000;

export interface TabuOptions {
  /** Total tabu iterations over all targets. */
  maxIterations: number;
  /** Total move evaluations (out-sets and in-sets looked at) over all targets. */
  maxEvaluations: number;
  seed: number;
}

/** What is left of the budgets, shared by all targets; `used` counts evaluations spent. */
interface Budget {
  left: number;
  evaluations: number;
  used: number;
}

/** Repeatedly looks for a packing with one bin fewer, until the lower bound is reached, a
 *  search gets stuck, or the iteration budget (shared by all targets) is spent. */
export function improveByTabu(inst: VbpInstance, start: Solution, lb: number, opts: TabuOptions): Solution {
  const rng = mulberry32(opts.seed);
  let best = start;
  const budget: Budget = { left: opts.maxIterations, evaluations: opts.maxEvaluations, used: 0 };
  while (best.bins > lb && budget.left > 0 && budget.evaluations > 0) {
    const found = searchTarget(inst, best, best.bins - 1, budget, rng);
    if (!found) break;
    best = found;
  }
  lastEvaluations = budget.used;
  return best;
}

interface Move {
  bin: number;
  out: number[];
  in: number[];
}

/** Evaluations the last improveByTabu call spent (for measuring the budget; not thread-safe,
 *  which JS does not need). */
export let lastEvaluations = 0;

function searchTarget(inst: VbpInstance, full: Solution, target: number, budget: Budget, rng: () => number): Solution | null {
  const { n, S } = inst;
  const keep = Math.max(0, target - 2);

  // Keep the `keep` fullest bins of the current packing; the rest go to the pool.
  const fill = new Float64Array(full.bins);
  for (let i = 0; i < n; i++) fill[full.binOf[i]] += S[i];
  const byFill = sortedBy(full.bins, (b) => fill[b]);
  const newIndex = new Int32Array(full.bins).fill(-1);
  for (let r = 0; r < keep; r++) newIndex[byFill[r]] = r;

  const st = new PartialState(inst, keep);
  for (let i = 0; i < n; i++) {
    const b = newIndex[full.binOf[i]];
    if (b >= 0) st.addToBin(i, b);
    else st.addToPool(i);
  }

  // tabu[i * keep + b] = first iteration at which item i may re-enter bin b.
  const tabu = new Int32Array(n * Math.max(1, keep));
  let bestCost = st.poolWeight;
  let iter = 0;
  while (budget.left-- > 0 && budget.evaluations > 0) {
    iter++;
    const packed = packPoolInTwo(inst, st);
    if (packed) return packed;

    const mv = bestMove(inst, st, tabu, iter, bestCost, budget);
    if (!mv) return null; // nothing feasible: this partial solution is stuck
    // Items leaving bin b may not return to it for a while: this is what turns swaps into
    // ejection chains instead of two-step cycles. Tenure 20-39 measured best on the hard CT
    // classes (3-10 cycles; 100+ stalls).
    const tenure = 20 + Math.floor(rng() * 20);
    for (const r of mv.out) {
      st.moveToPool(r);
      tabu[r * keep + mv.bin] = iter + tenure;
    }
    for (const a of mv.in) st.moveToBin(a, mv.bin);
    if (st.poolWeight < bestCost - EPS) bestCost = st.poolWeight;
    if (iter % PACK_EVERY === 0) {
      packDescent(inst, st);
      if (st.poolWeight < bestCost - EPS) bestCost = st.poolWeight;
    }
  }
  return null;
}

/**
 * Hill climbing with moves of any size: each bin is refilled with the heaviest fitting subset
 * of (its items + the pool) until no bin improves. Swaps of at most two items cannot assemble
 * the exact-fit bins that perfect-packing instances need; this can.
 */
function packDescent(inst: VbpInstance, st: PartialState): void {
  let improved = true;
  while (improved) {
    improved = false;
    for (let b = 0; b < st.bins; b++) if (repackBin(inst, st, b)) improved = true;
  }
}

function repackBin(inst: VbpInstance, st: PartialState, b: number): boolean {
  const { S } = inst;
  const cand = st.items[b].concat(st.pool).sort((x, y) => S[y] - S[x] || x - y);
  let current = 0;
  for (const i of st.items[b]) current += S[i];
  const take = heaviestSubset(inst, cand, current, false, REPACK_NODE_CAP);
  if (!take) return false;
  for (const i of st.items[b].slice()) st.moveToPool(i);
  for (let t = 0; t < cand.length; t++) if (take[t]) st.moveToBin(cand[t], b);
  return true;
}

/**
 * The best non-tabu move "take set `out` (0-2 items) out of a bin, put set `in` (1-2 pool items)
 * in", ranked by the pool weight after the move, then by the change in the sum of squared weights
 * (a pool of many small items is easier to finish than one of few large ones). A tabu move is
 * allowed when it beats the best pool weight seen (aspiration).
 */
function bestMove(inst: VbpInstance, st: PartialState, tabu: Int32Array, iter: number, bestCost: number, budget: Budget): Move | null {
  const { d, cap, W, S } = inst;
  const ins = candidateInSets(inst, st.pool);
  const { count: nIn, first, second, load: inLoad, w: inW, w2: inW2 } = ins;

  let best: Move | null = null;
  let bestDw = Infinity;
  let bestDw2 = Infinity;
  const room = new Float64Array(d);
  let evaluations = nIn;
  for (let b = 0; b < st.bins; b++) {
    const its = st.items[b];
    const m = its.length;
    // Out-sets: none, each single, each pair (x, y; -1 for "none").
    for (let x = -1; x < m; x++) {
      for (let y = x; y < m; y++) {
        if (x < 0 && y >= 0) break;
        const outA = x < 0 ? -1 : its[x];
        const outB = y === x ? -1 : its[y];
        let outW = 0, outW2 = 0;
        for (let k = 0; k < d; k++) room[k] = cap[k] - st.load[b * d + k];
        if (outA >= 0) {
          outW += S[outA]; outW2 += S[outA] * S[outA];
          for (let k = 0; k < d; k++) room[k] += W[outA * d + k];
        }
        if (outB >= 0) {
          outW += S[outB]; outW2 += S[outB] * S[outB];
          for (let k = 0; k < d; k++) room[k] += W[outB * d + k];
        }
        // In-sets are sorted by decreasing weight (then squared weight), so the first feasible
        // one is this out-set's best and the scan stops there. Sets heavier than the room's
        // total normalised size cannot fit: the binary search skips them.
        let roomW = 0;
        for (let k = 0; k < d; k++) roomW += room[k] / cap[k];
        evaluations++;
        for (let s = firstAtMost(inW, roomW + EPS); s < nIn; s++) {
          evaluations++;
          const dw = outW - inW[s];
          if (dw > bestDw + EPS) break;
          let fits = true;
          for (let k = 0; k < d; k++) if (inLoad[s * d + k] > room[k]) { fits = false; break; }
          if (!fits) continue;
          const a1 = first[s], a2 = second[s];
          const isTabu = tabu[a1 * st.bins + b] > iter || (a2 >= 0 && tabu[a2 * st.bins + b] > iter);
          if (isTabu && !(st.poolWeight + dw < bestCost - EPS)) continue;
          const dw2 = outW2 - inW2[s];
          if (dw < bestDw - EPS || dw2 < bestDw2 - EPS) {
            const out: number[] = [];
            if (outA >= 0) out.push(outA);
            if (outB >= 0) out.push(outB);
            best = { bin: b, out, in: a2 >= 0 ? [a1, a2] : [a1] };
            bestDw = dw;
            bestDw2 = dw2;
          }
          break;
        }
      }
    }
  }
  budget.evaluations -= evaluations;
  budget.used += evaluations;
  return best;
}

/** First index of the decreasing array `a` whose value is <= x (binary search). */
function firstAtMost(a: Float64Array, x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface InSets {
  count: number;
  first: Int32Array;
  /** -1 for a single. */
  second: Int32Array;
  load: Float64Array;
  w: Float64Array;
  w2: Float64Array;
}

/**
 * Singles and pairs of pool items with their loads, by decreasing weight, then decreasing
 * squared weight, then generation order. The prototype used an insertion sort (quadratic: fine
 * for a handful of pool items, not for a pool of a hundred small VMs, i.e. ~5,000 sets); this
 * sorts with the same total order, so the result is identical.
 */
function candidateInSets(inst: VbpInstance, pool: readonly number[]): InSets {
  const { d, W, S } = inst;
  const p = pool.length;
  const count = p + (p * (p - 1)) / 2;
  const raw1 = new Int32Array(count), raw2 = new Int32Array(count);
  const rawW = new Float64Array(count), rawW2 = new Float64Array(count);
  let c = 0;
  for (let x = 0; x < p; x++) {
    for (let y = x; y < p; y++) {
      const a = pool[x], b = y === x ? -1 : pool[y];
      raw1[c] = a;
      raw2[c] = b;
      rawW[c] = S[a] + (b >= 0 ? S[b] : 0);
      rawW2[c] = S[a] * S[a] + (b >= 0 ? S[b] * S[b] : 0);
      c++;
    }
  }
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((i, j) => rawW[j] - rawW[i] || rawW2[j] - rawW2[i] || i - j);
  const first = new Int32Array(count), second = new Int32Array(count);
  const load = new Float64Array(count * d), w = new Float64Array(count), w2 = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    const i = order[r];
    first[r] = raw1[i];
    second[r] = raw2[i];
    w[r] = rawW[i];
    w2[r] = rawW2[i];
    for (let k = 0; k < d; k++) {
      load[r * d + k] = W[raw1[i] * d + k] + (raw2[i] >= 0 ? W[raw2[i] * d + k] : 0);
    }
  }
  return { count, first, second, load, w, w2 };
}

/**
 * Tries to split the pool into two bins (exact depth-first search with a node cap, largest
 * items first). Returns the full packing (kept bins + 2, renumbered) on success, else null.
 */
function packPoolInTwo(inst: VbpInstance, st: PartialState): Solution | null {
  const { n, d, cap, W } = inst;
  const pool = st.pool;
  const total = new Float64Array(d);
  for (const i of pool) for (let k = 0; k < d; k++) total[k] += W[i * d + k];
  for (let k = 0; k < d; k++) if (total[k] > 2 * cap[k]) return null;

  const order = pool.slice().sort((a, b) => maxNorm(inst, b) - maxNorm(inst, a) || a - b);
  const len = order.length;
  const side = new Int8Array(len);
  if (len > 0 && !splitInTwo(inst, order, side)) return null;

  const binOf = new Int32Array(n);
  for (let i = 0; i < n; i++) binOf[i] = st.binOf[i];
  for (let t = 0; t < order.length; t++) binOf[order[t]] = st.bins + side[t];
  return compact(binOf);
}

/**
 * The split search of packPoolInTwo: item order[t] goes to bin side[t] (0 or 1). Depth-first,
 * bin 0 before bin 1, the first item in bin 0 only (the bins are interchangeable), at most
 * SPLIT_NODE_CAP levels entered. Iterative rather than recursive (the prototype recursed)
 * because the pool can hold thousands of items when few bins are kept, and recursion that
 * deep would overflow the stack; the visiting order and node count are the recursion's.
 */
export function splitInTwo(inst: VbpInstance, order: readonly number[], side: Int8Array): boolean {
  const { d, cap, W } = inst;
  const len = order.length;
  const loads = [new Float64Array(d), new Float64Array(d)];
  const next = new Int8Array(len); // next bin to try at each level
  let nodes = 1; // level 0 entered
  let t = 0;
  for (;;) {
    const i = order[t];
    let placed = false;
    for (let s = next[t]; s < 2; s++) {
      if (t === 0 && s === 1) break;
      const L = loads[s];
      let ok = true;
      for (let k = 0; k < d; k++) if (L[k] + W[i * d + k] > cap[k]) { ok = false; break; }
      if (!ok) continue;
      for (let k = 0; k < d; k++) L[k] += W[i * d + k];
      side[t] = s;
      next[t] = s + 1;
      placed = true;
      break;
    }
    if (placed) {
      t++;
      if (t === len) return true;
      if (++nodes > SPLIT_NODE_CAP) return false; // once over the cap every branch fails
      next[t] = 0;
      continue;
    }
    t--; // backtrack: undo the previous level's item
    if (t < 0) return false;
    const j = order[t];
    const L = loads[side[t]];
    for (let k = 0; k < d; k++) L[k] -= W[j * d + k];
  }
}
