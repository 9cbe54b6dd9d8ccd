// Offline vector bin packing: every item known up front, all bins identical, minimise bins.
//
// Pipeline (ported from the research prototype /work/scratch-offline/offline.mjs, which reached
// 13,220 bins on the 400 Caprara-Toth 2-D instances, optimum 13,186):
//   1. a lower bound (lowerbound.ts: volume, incompatible clique, Martello-Toth L2,
//      Fekete-Schepers dual feasible functions), used only to stop early;
//   2. constructive heuristics, best kept (constructive.ts: FFD/BFD by four keys, Panigrahy et
//      al. 2011 bin-centric DotProduct/L2, minimum bin slack);
//   3. if that is above the bound, consistent-neighbourhood tabu search (tabu.ts, after
//      Buljubasic & Vasquez 2016) for packings with ever fewer bins;
//   4. a final self-check (solution.ts) of the packing against the raw sizes.
// Deterministic: iteration and node budgets instead of a clock, a seeded PRNG, total orders
// in every sort. Pure computation: no engine, no I/O (src/offline/vector.ts wires it to pack).
import { makeInstance, type VbpInstance } from "./instance.js";
import { lowerBound } from "./lowerbound.js";
import { bestConstructive } from "./constructive.js";
import { improveByTabu } from "./tabu.js";
import { canonicalBins, checkPacking } from "./solution.js";

export interface VbpOptions {
  /** Tabu iterations in all (default 2000, the prototype's). */
  maxIterations?: number;
  /** Tabu move evaluations in all (default DEFAULT_MAX_EVALUATIONS): bounds the search where
   *  iterations are expensive (many items per bin: every pair of a bin's items is an out-set). */
  maxEvaluations?: number;
  /** PRNG seed of the tabu tenure (default 12345). */
  seed?: number;
  /** false: constructive heuristics only. */
  improve?: boolean;
}

export interface VbpResult {
  /** Bin of each item, bins numbered 0..bins-1 in order of first appearance. */
  assignment: Int32Array;
  bins: number;
  lowerBound: number;
}

export const DEFAULT_MAX_ITERATIONS = 2000;
/** Not in the prototype. Measured: the 400 Caprara-Toth instances need at most 2.4M each (so
 *  this never binds there and results are the prototype's exactly); a generated VM-shaped
 *  instance (1,000 VMs of 1-8 cores on 64-core hosts, ~26 per host) spends 2,000 iterations in
 *  ~2.6G evaluations (15 s) and reaches its best (39 hosts; 40 constructive, bound 36) within
 *  100M (~0.6 s). About 40-170M evaluations a second here. */
export const DEFAULT_MAX_EVALUATIONS = 100_000_000;
export const DEFAULT_SEED = 12345;

/**
 * Packs n items (row-major `sizes`, n x capacity.length, non-negative integers, each fitting an
 * empty bin) into bins of `capacity` (positive integers).
 */
export function packVectors(capacity: ArrayLike<number>, sizes: ArrayLike<number>, opts: VbpOptions = {}): VbpResult {
  const inst = makeInstance(capacity, sizes);
  return solve(inst, lowerBound(inst), opts);
}

/** packVectors on a prepared instance whose lower bound the caller already computed (with
 *  lowerBound(inst); src/offline/vector.ts needs it first to decide whether to search at all). */
export function solve(inst: VbpInstance, lb: number, opts: VbpOptions = {}): VbpResult {
  if (inst.n === 0) return { assignment: new Int32Array(0), bins: 0, lowerBound: 0 };
  let best = bestConstructive(inst);
  if (best.bins > lb && opts.improve !== false) {
    best = improveByTabu(inst, best, lb, {
      maxIterations: opts.maxIterations ?? DEFAULT_MAX_ITERATIONS,
      maxEvaluations: opts.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS,
      seed: opts.seed ?? DEFAULT_SEED,
    });
  }
  const assignment = canonicalBins(best.binOf);
  const bins = checkPacking(inst, assignment);
  return { assignment, bins, lowerBound: lb };
}

export { lowerBound } from "./lowerbound.js";
export { makeInstance, type VbpInstance } from "./instance.js";
