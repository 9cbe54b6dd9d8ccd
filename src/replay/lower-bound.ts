// The packing lower bound for a mixed fleet at one instant: per dimension, the fewest hosts,
// largest capacity first, whose effective capacity covers the live demand; the max over
// dimensions. Kept per dimension as (capacity, count) runs sorted largest first, so one
// evaluation costs O(distinct capacities), O(1) for a fleet of one host type. The counting is
// the engine's (src/lower-bound.ts).
import { hostsToCover } from "../lower-bound.js";

export class LowerBound {
  /** Per dimension: distinct capacities, largest first, and how many hosts have each. */
  private readonly caps: Float64Array[];
  private readonly counts: Float64Array[];

  /** `effective[h]` = host h's effective capacity vector. */
  constructor(effective: ReadonlyArray<ArrayLike<number>>, dims: number) {
    this.caps = [];
    this.counts = [];
    for (let d = 0; d < dims; d++) {
      const byCap = new Map<number, number>();
      for (const e of effective) byCap.set(e[d], (byCap.get(e[d]) ?? 0) + 1);
      const runs = [...byCap].filter(([c]) => c > 0).sort((a, b) => b[0] - a[0]);
      this.caps.push(Float64Array.from(runs, (r) => r[0]));
      this.counts.push(Float64Array.from(runs, (r) => r[1]));
    }
  }

  /** Hosts needed in dimension d for `demand`; Infinity if the whole fleet cannot hold it. */
  dimension(d: number, demand: number): number {
    return hostsToCover(this.caps[d], this.counts[d], demand);
  }

  of(demand: ArrayLike<number>): number {
    let lb = 0;
    for (let d = 0; d < demand.length; d++) {
      const k = this.dimension(d, demand[d]);
      if (k > lb) lb = k;
    }
    return lb;
  }
}
