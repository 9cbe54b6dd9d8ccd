// `least-waste`: a full-scan reference rule, not a production scheduler. Every feasible node is
// scored by the normalized free capacity it would have left after the placement,
// sum over dimensions of free_d / capacity_d (a dimension the node has none of counts 0), and
// the lowest score wins, the lowest index on ties. It costs O(nodes x dimensions) per VM: the
// yardstick issue 8 sets the default policy against (no rejection where it has none, no more
// hosts in use on average).
import type { ArrivingVm, FleetState, Scheduler } from "../scheduler.js";

/** The normalized free capacity `host` would have left with `vm` placed on it. */
export function leftoverAfter(fleet: FleetState, host: number, vm: ArrivingVm): number {
  const D = fleet.D;
  let sum = 0;
  for (let d = 0; d < D; d++) {
    const cap = fleet.capacity[host * D + d];
    if (cap > 0) sum += (fleet.free[host * D + d] - vm.demands[vm.at + d]) / cap;
  }
  return sum;
}

export class LeastWasteScheduler implements Scheduler {
  readonly name = "least-waste";

  choose(vm: ArrivingVm, fleet: FleetState): number {
    let best = -1;
    let bestLeft = Infinity;
    for (let h = 0; h < fleet.hosts; h++) {
      if (!fleet.fits(h, vm)) continue;
      const left = leftoverAfter(fleet, h, vm);
      if (left < bestLeft) { bestLeft = left; best = h; }
    }
    return best;
  }
}
