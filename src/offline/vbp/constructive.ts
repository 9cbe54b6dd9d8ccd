// Constructive heuristics for vector bin packing; bestConstructive keeps the one with fewest
// bins (the first in the fixed order below on ties, so the result is deterministic):
//   - item-centric first-fit / best-fit decreasing by four size keys (sum, max, product, sum
//     of squares of the normalised sizes);
//   - bin-centric DotProduct and L2 (Panigrahy, Talwar, Uyeda & Wieder, "Heuristics for Vector
//     Bin Packing", Microsoft Research, 2011): fill one bin at a time with the item that best
//     matches the remaining room;
//   - minimum bin slack (Gupta & Ho 1999, with Fleszar & Hindi's "largest item first"): fill
//     one bin at a time with the heaviest subset of the remaining items that fits, which finds
//     the exact-fit bins of instances made by cutting bins into pieces.
import { EPS, fitsLoad, maxNorm, sortedBy, type Solution, type VbpInstance } from "./instance.js";
import { heaviestSubset } from "./subset.js";

/** Node cap per bin of minimum bin slack's subset search (prototype value). */
const MBS_NODE_CAP = 3000;

export function bestConstructive(inst: VbpInstance): Solution {
  const { n, d, N, S } = inst;
  const keys: Array<(i: number) => number> = [
    (i) => S[i],
    (i) => maxNorm(inst, i),
    (i) => { let p = 1; for (let k = 0; k < d; k++) p *= N[i * d + k]; return p; },
    (i) => { let s = 0; for (let k = 0; k < d; k++) s += N[i * d + k] ** 2; return s; },
  ];
  const runs: Array<() => Solution> = [];
  for (const key of keys) {
    runs.push(() => itemCentric(inst, sortedBy(n, key), false), () => itemCentric(inst, sortedBy(n, key), true));
  }
  runs.push(() => binCentric(inst, "dot"), () => binCentric(inst, "l2"), () => minimumBinSlack(inst));
  let best = runs[0]();
  for (let r = 1; r < runs.length; r++) {
    const sol = runs[r]();
    if (sol.bins < best.bins) best = sol;
  }
  return best;
}

/** First-fit (or best-fit: the fullest feasible bin by normalised load) in the given order. */
export function itemCentric(inst: VbpInstance, order: readonly number[], bestFit: boolean): Solution {
  const { n, d, W, S } = inst;
  const load = new Float64Array(n * d);
  const fill = new Float64Array(n); // sum of normalised load: the best-fit criterion
  const binOf = new Int32Array(n);
  let bins = 0;
  for (const i of order) {
    let chosen = -1;
    for (let b = 0; b < bins; b++) {
      if (!fitsLoad(inst, load, b, i)) continue;
      if (!bestFit) { chosen = b; break; }
      if (chosen < 0 || fill[b] > fill[chosen]) chosen = b;
    }
    if (chosen < 0) chosen = bins++;
    for (let k = 0; k < d; k++) load[chosen * d + k] += W[i * d + k];
    fill[chosen] += S[i];
    binOf[i] = chosen;
  }
  return { binOf, bins };
}

/**
 * Panigrahy et al.'s bin-centric rules: 'dot' adds the fitting item maximising the dot product
 * of its normalised size and the bin's normalised residual (big, well-aligned items first);
 * 'l2' the one minimising the squared distance between residual and item. Earliest item on ties.
 */
export function binCentric(inst: VbpInstance, rule: "dot" | "l2"): Solution {
  const { n, d, cap, W, N } = inst;
  const binOf = new Int32Array(n).fill(-1);
  const res = new Float64Array(d);
  const load = new Float64Array(d);
  let left = n;
  let bins = 0;
  while (left > 0) {
    const b = bins++;
    res.fill(1);
    load.fill(0);
    for (;;) {
      let pick = -1;
      let pickScore = -Infinity;
      for (let i = 0; i < n; i++) {
        if (binOf[i] >= 0) continue;
        let fits = true;
        for (let k = 0; k < d; k++) if (load[k] + W[i * d + k] > cap[k]) { fits = false; break; }
        if (!fits) continue;
        let score = 0;
        if (rule === "dot") {
          for (let k = 0; k < d; k++) score += N[i * d + k] * res[k];
        } else {
          for (let k = 0; k < d; k++) { const r = res[k] - N[i * d + k]; score -= r * r; }
        }
        if (score > pickScore + EPS) { pick = i; pickScore = score; }
      }
      if (pick < 0) break;
      binOf[pick] = b;
      left--;
      for (let k = 0; k < d; k++) { load[k] += W[pick * d + k]; res[k] -= N[pick * d + k]; }
    }
  }
  return { binOf, bins };
}

/** Minimum bin slack: each bin gets the heaviest fitting subset of what remains, the largest
 *  remaining item always included (so every bin takes at least one item and the loop ends). */
export function minimumBinSlack(inst: VbpInstance): Solution {
  const { n, S } = inst;
  let remaining = sortedBy(n, (i) => S[i]);
  const binOf = new Int32Array(n).fill(-1);
  let bins = 0;
  while (remaining.length > 0) {
    const take = heaviestSubset(inst, remaining, -1, true, MBS_NODE_CAP);
    // Never null: with minWeight -1 the first node (the forced item alone) already beats it.
    if (take === null) throw new Error("vbp: minimum bin slack found no subset (internal error)");
    const b = bins++;
    const rest: number[] = [];
    for (let t = 0; t < remaining.length; t++) {
      if (take[t]) binOf[remaining[t]] = b;
      else rest.push(remaining[t]);
    }
    remaining = rest;
  }
  return { binOf, bins };
}
