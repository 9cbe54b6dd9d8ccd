// The heaviest subset of candidate items that fits one empty bin: the step behind minimum bin
// slack (constructive.ts) and the repack descent of the tabu search (tabu.ts). Exact when the
// node cap is not reached, best found so far otherwise (the cap keeps the cost bounded and the
// result deterministic: a node count, not a clock).
import { EPS, type VbpInstance } from "./instance.js";

/**
 * Depth-first branch and bound over `cand` (item ids, sorted by decreasing S so the suffix-sum
 * bound prunes well). Returns a 0/1 mask over `cand` of the heaviest (by S) subset that fits,
 * or null when nothing beats `minWeight`. `forceFirst` puts cand[0] in every subset.
 */
export function heaviestSubset(inst: VbpInstance, cand: readonly number[], minWeight: number, forceFirst: boolean, nodeCap: number): Uint8Array | null {
  const { d, cap, W, S } = inst;
  const m = cand.length;
  const suffix = new Float64Array(m + 1);
  for (let t = m - 1; t >= 0; t--) suffix[t] = suffix[t + 1] + S[cand[t]];
  const load = new Float64Array(d);
  const take = new Uint8Array(m);
  let bestTake: Uint8Array | null = null;
  let bestW = minWeight + EPS;
  let nodes = 0;
  const dfs = (t: number, w: number): void => {
    if (w > bestW && !(forceFirst && t === 0)) {
      bestW = w;
      bestTake = take.slice();
    }
    if (t === m || w + suffix[t] <= bestW || ++nodes > nodeCap) return;
    const i = cand[t];
    let fits = true;
    for (let k = 0; k < d; k++) if (load[k] + W[i * d + k] > cap[k]) { fits = false; break; }
    if (fits) {
      for (let k = 0; k < d; k++) load[k] += W[i * d + k];
      take[t] = 1;
      dfs(t + 1, w + S[i]);
      take[t] = 0;
      for (let k = 0; k < d; k++) load[k] -= W[i * d + k];
    }
    if (!(forceFirst && t === 0)) dfs(t + 1, w);
  };
  dfs(0, 0);
  return bestTake;
}
