// The replay's metrics for one run, O(1) per event (O(distinct host capacities) per instant
// for the lower bound): hosts in use from per-host VM counts, live demand totals, the capacity
// of the hosts in use, and their time integrals. Kept apart from the event loop so it can be
// swapped for the engine's own statistics once the engine keeps them.
import { LowerBound } from "./lower-bound.js";
import type { SeriesRecorder } from "./timeseries.js";

export interface RunMetrics {
  placed: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  peakHostsInUse: number;
  avgHostsInUse: number;
  avgLowerBound: number;
  peakLowerBound: number;
  hostsOverLowerBound: number;
  utilizationOfUsedHosts: Record<string, number>;
  avgEmptyHosts: number;
  /** Seconds of trace time the means cover. */
  span: number;
  /** Per dimension: time-weighted mean share of the whole fleet's capacity left unallocated. */
  unallocatedShare: Record<string, number>;
  /** Per dimension: the share left unallocated when the replay ends (VMs that never leave
   *  still hold theirs): for a workload that only arrives, the share FGD reports. */
  unallocatedShareAtEnd: Record<string, number>;
}

export class MetricTracker {
  private readonly D: number;
  private readonly hostVms: Int32Array;
  private readonly effective: Float64Array; // hosts x D
  private readonly bound: LowerBound;
  private readonly demand: Float64Array;
  private readonly usedCap: Float64Array;
  private readonly fleetCap: Float64Array;
  private hostsInUse = 0;
  private lb = 0;
  private dirty = false;
  private start = NaN;
  private last = NaN;
  private intHosts = 0;
  private intLb = 0;
  private readonly intDemand: Float64Array;
  private readonly intCap: Float64Array;
  private peakHosts = 0;
  private peakLb = 0;
  private placedCount = 0;
  private readonly reasons = new Map<string, number>();

  /** `effective[h]`: host h's effective capacity, one entry per dimension. */
  constructor(effective: ReadonlyArray<ArrayLike<number>>, readonly dimensions: readonly string[], private readonly series?: SeriesRecorder) {
    const D = (this.D = dimensions.length);
    const H = effective.length;
    this.hostVms = new Int32Array(H);
    this.effective = new Float64Array(H * D);
    this.fleetCap = new Float64Array(D);
    effective.forEach((e, h) => { for (let d = 0; d < D; d++) { this.effective[h * D + d] = e[d]; this.fleetCap[d] += e[d]; } });
    this.bound = new LowerBound(effective, D);
    this.demand = new Float64Array(D);
    this.usedCap = new Float64Array(D);
    this.intDemand = new Float64Array(D);
    this.intCap = new Float64Array(D);
  }

  get hosts(): number {
    return this.hostVms.length;
  }

  /** Hosts holding at least one VM right now. */
  get inUse(): number {
    return this.hostsInUse;
  }

  /** The lower bound for the live demand right now. */
  get lowerBound(): number {
    if (this.dirty) { this.lb = this.bound.of(this.demand); this.dirty = false; }
    return this.lb;
  }

  /** Moves the clock to t, crediting the state held since the last call. Call before changes. */
  advance(t: number): void {
    if (Number.isNaN(this.start)) { this.start = this.last = t; return; }
    const dt = t - this.last;
    if (dt <= 0) return;
    const lb = this.lowerBound;
    if (lb > this.peakLb) this.peakLb = lb;
    this.intHosts += this.hostsInUse * dt;
    this.intLb += lb * dt;
    for (let d = 0; d < this.D; d++) { this.intDemand[d] += this.demand[d] * dt; this.intCap[d] += this.usedCap[d] * dt; }
    this.series?.add(this.last, t, this.hostsInUse, lb, this.demand, this.usedCap);
    this.last = t;
  }

  placed(host: number, demand: ArrayLike<number>, at = 0): void {
    const D = this.D;
    if (this.hostVms[host]++ === 0) {
      this.hostsInUse++;
      if (this.hostsInUse > this.peakHosts) this.peakHosts = this.hostsInUse;
      for (let d = 0; d < D; d++) this.usedCap[d] += this.effective[host * D + d];
    }
    for (let d = 0; d < D; d++) this.demand[d] += demand[at + d];
    this.placedCount++;
    this.dirty = true;
  }

  released(host: number, demand: ArrayLike<number>, at = 0): void {
    const D = this.D;
    if (--this.hostVms[host] === 0) {
      this.hostsInUse--;
      for (let d = 0; d < D; d++) this.usedCap[d] -= this.effective[host * D + d];
    }
    for (let d = 0; d < D; d++) this.demand[d] -= demand[at + d];
    this.dirty = true;
  }

  /** A live VM migrated: hosts in use change, the placement count does not. */
  moved(from: number, to: number, demand: ArrayLike<number>, at = 0): void {
    this.released(from, demand, at);
    this.placed(to, demand, at);
    this.placedCount--;
  }

  rejected(reason: string, t: number): void {
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    this.series?.reject(t);
  }

  result(): RunMetrics {
    const span = Number.isNaN(this.start) ? 0 : this.last - this.start;
    const mean = (x: number) => (span > 0 ? x / span : 0);
    const avgHosts = mean(this.intHosts);
    const avgLb = mean(this.intLb);
    const utilization: Record<string, number> = {};
    const unallocated: Record<string, number> = {};
    const atEnd: Record<string, number> = {};
    this.dimensions.forEach((name, d) => {
      utilization[name] = this.intCap[d] > 0 ? this.intDemand[d] / this.intCap[d] : 0;
      unallocated[name] = this.fleetCap[d] > 0 && span > 0 ? 1 - this.intDemand[d] / (this.fleetCap[d] * span) : 0;
      atEnd[name] = this.fleetCap[d] > 0 ? 1 - this.demand[d] / this.fleetCap[d] : 0;
    });
    let rejected = 0;
    const byReason: Record<string, number> = {};
    for (const [k, v] of [...this.reasons].sort((a, b) => (a[0] < b[0] ? -1 : 1))) { byReason[k] = v; rejected += v; }
    return {
      placed: this.placedCount,
      rejected,
      rejectedByReason: byReason,
      peakHostsInUse: this.peakHosts,
      avgHostsInUse: avgHosts,
      avgLowerBound: avgLb,
      peakLowerBound: this.peakLb,
      hostsOverLowerBound: avgLb > 0 ? avgHosts / avgLb : 0,
      utilizationOfUsedHosts: utilization,
      avgEmptyHosts: span > 0 ? this.hosts - avgHosts : 0,
      span,
      unallocatedShare: unallocated,
      unallocatedShareAtEnd: atEnd,
    };
  }
}
