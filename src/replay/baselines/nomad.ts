// `nomad`: Nomad's service-job placement of one allocation, in plain TS, from its public rules.
//
// Sources (hashicorp/nomad):
// - scheduler/stack.go (GenericStack.SetNodes): the nodes are shuffled (Fisher-Yates) for each
//   evaluation, and the LimitIterator stops after max(2, ceil(log2(nodes))) options for
//   service jobs;
// - scheduler/rank.go (BinPackIterator): nodes the allocation does not fit are skipped (they do
//   not count towards the limit); a fitting node is scored with ScoreFitBinPack and
//   normalised by its maximum, 18;
// - nomad/structs/funcs.go (ScoreFitBinPack, "BestFit v3" after Google's datacenter scheduling
//   talk): with free shares after the placement, total = 10^freeCpu + 10^freeMem, score =
//   clamp(20 - total, 0, 18);
// - scheduler/select.go (MaxScoreIterator): the first option with the highest score wins.
// One VM is one evaluation. The shuffle is done lazily (a partial Fisher-Yates that stops with
// the search), which gives the same distribution of visiting orders as a full shuffle.
// Not modelled: job anti-affinity as a score penalty (here, with --anti-affinity, the
// deployment rule is a hard filter, as the engine's is), and the LimitIterator's skipping of
// options scoring <= 0 (a fitting node scores > 0 unless the VM asks for nothing).
import { Draws, scoredDimensions, type ArrivingVm, type FleetState, type Scheduler } from "../scheduler.js";

/** Options Nomad ranks for a service job on `nodes` nodes. */
export function nomadLimit(nodes: number): number {
  return nodes > 0 ? Math.max(2, Math.ceil(Math.log2(nodes))) : 2;
}

/** BestFit v3 (ScoreFitBinPack) of `host` with `vm` placed, normalised to [0, 1]. For k scored
 *  dimensions: clamp(10k - sum 10^free, 0, 9k) / 9k (k = 2, cpu and memory: Nomad's [0, 18]). */
export function bestFitV3(fleet: FleetState, host: number, vm: ArrivingVm, dims: readonly number[]): number {
  const D = fleet.D;
  let total = 0;
  for (const d of dims) {
    const cap = fleet.capacity[host * D + d];
    const used = cap - fleet.free[host * D + d] + vm.demands[vm.at + d];
    const freePct = cap > 0 ? 1 - used / cap : 0;
    total += Math.pow(10, freePct);
  }
  const k = dims.length;
  let score = 10 * k - total;
  if (score > 9 * k) score = 9 * k;
  else if (score < 0) score = 0;
  return score / (9 * k);
}

export class NomadScheduler implements Scheduler {
  readonly name = "nomad";
  private order: Int32Array | undefined;
  private readonly shuffle: Draws;
  private dims: number[] | undefined;

  constructor(seed: number) {
    this.shuffle = new Draws(seed, 0x6e6f6d61);
  }

  choose(vm: ArrivingVm, fleet: FleetState): number {
    const dims = (this.dims ??= scoredDimensions(fleet.dimensions));
    const n = fleet.hosts;
    const order = (this.order ??= Int32Array.from({ length: n }, (_, i) => i));
    const limit = nomadLimit(n);
    let seen = 0;
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < n && seen < limit; i++) {
      const j = i + this.shuffle.below(n - i);
      const h = order[j];
      order[j] = order[i];
      order[i] = h;
      if (!fleet.fits(h, vm)) continue;
      seen++;
      const s = bestFitV3(fleet, h, vm, dims);
      if (s > bestScore) { bestScore = s; best = h; }
    }
    return best;
  }
}
