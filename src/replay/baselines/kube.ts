// `kube`: kube-scheduler's default placement of one pod, in plain TS, from its public rules.
//
// Sources (kubernetes/kubernetes):
// - pkg/scheduler/schedule_one.go: `numFeasibleNodesToFind` (the default percentageOfNodesToScore
//   is adaptive: 50 - nodes/125 percent, at least 5 percent, at least 100 nodes; all nodes
//   below 100), `findNodesThatPassFilters` (nodes are checked from `nextStartNodeIndex`,
//   wrapping round; the search stops once that many feasible nodes are found; the index then
//   advances by the nodes processed), `selectHost` (highest score, ties broken at random by
//   reservoir sampling).
// - pkg/scheduler/framework/plugins/noderesources/most_allocated.go: NodeResourcesFit with
//   the MostAllocated strategy: per resource (default cpu and memory, weight 1 each)
//   `requested * 100 / allocatable` in integers, requested counting the pod; the weighted mean
//   in integers.
// Filtering is NodeResourcesFit's: room in every dimension (and, with anti-affinity, no
// instance of the deployment on the node). The parallel filter of the real scheduler may
// process a few more nodes before it stops; here the check is sequential.
import { Draws, scoredDimensions, type ArrivingVm, type FleetState, type Scheduler } from "../scheduler.js";

const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
const MAX_NODE_SCORE = 100;

/** How many feasible nodes kube-scheduler looks for among `nodes` (percentage 0 = adaptive default). */
export function numFeasibleNodesToFind(nodes: number, percentage = 0): number {
  if (nodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return nodes;
  let p = percentage;
  if (p <= 0) {
    p = 50 - Math.trunc(nodes / 125);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((nodes * p) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** NodeResourcesFit MostAllocated score of `host` for `vm`, 0..100. */
export function mostAllocatedScore(fleet: FleetState, host: number, vm: ArrivingVm, dims: readonly number[]): number {
  const D = fleet.D;
  let sum = 0;
  let weights = 0;
  for (const d of dims) {
    const alloc = fleet.capacity[host * D + d];
    if (alloc === 0) continue;
    let requested = alloc - fleet.free[host * D + d] + vm.demands[vm.at + d];
    if (requested > alloc) requested = alloc;
    sum += Math.trunc((requested * MAX_NODE_SCORE) / alloc);
    weights += 1;
  }
  return weights === 0 ? 0 : Math.trunc(sum / weights);
}

export class KubeScheduler implements Scheduler {
  readonly name = "kube";
  private next = 0;
  private readonly ties: Draws;
  private dims: number[] | undefined;

  constructor(seed: number, private readonly percentageOfNodesToScore = 0) {
    this.ties = new Draws(seed, 0x6b756265);
  }

  choose(vm: ArrivingVm, fleet: FleetState): number {
    const dims = (this.dims ??= scoredDimensions(fleet.dimensions));
    const n = fleet.hosts;
    const want = numFeasibleNodesToFind(n, this.percentageOfNodesToScore);
    let found = 0;
    let processed = 0;
    let best = -1;
    let bestScore = -1;
    let tied = 0;
    for (let i = 0, h = this.next; i < n && found < want; i++, h = h + 1 === n ? 0 : h + 1) {
      processed++;
      if (!fleet.fits(h, vm)) continue;
      found++;
      const s = mostAllocatedScore(fleet, h, vm, dims);
      if (s > bestScore) { bestScore = s; best = h; tied = 1; }
      else if (s === bestScore && this.ties.below(++tied) === 0) best = h;
    }
    this.next = (this.next + processed) % n;
    return best;
  }
}
