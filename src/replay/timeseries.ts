// Per-bucket time integrals of one run's metrics, so each bucket reports time-weighted means.
// Memory in proportion to the number of buckets, O(1) amortised per event.

export interface SeriesRow {
  /** Bucket start, seconds on the trace's clock. */
  start: number;
  /** Seconds of the bucket the replay covered (the last one may be shorter). */
  covered: number;
  hostsInUse: number;
  lowerBound: number;
  /** Per dimension: live demand / capacity of hosts in use (time-weighted over the bucket). */
  utilization: number[];
  rejected: number;
}

export class SeriesRecorder {
  private readonly covered: number[] = [];
  private readonly hosts: number[] = [];
  private readonly lb: number[] = [];
  private readonly demand: number[][];
  private readonly cap: number[][];
  private readonly rejected: number[] = [];

  constructor(readonly origin: number, readonly width: number, private readonly dims: number) {
    this.demand = Array.from({ length: dims }, () => []);
    this.cap = Array.from({ length: dims }, () => []);
  }

  private bucket(i: number): void {
    while (this.covered.length <= i) {
      this.covered.push(0); this.hosts.push(0); this.lb.push(0); this.rejected.push(0);
      for (let d = 0; d < this.dims; d++) { this.demand[d].push(0); this.cap[d].push(0); }
    }
  }

  /** The state held over [from, to). */
  add(from: number, to: number, hosts: number, lb: number, demand: ArrayLike<number>, usedCap: ArrayLike<number>): void {
    let t = from;
    while (t < to) {
      const i = Math.floor((t - this.origin) / this.width);
      const end = Math.min(to, this.origin + (i + 1) * this.width);
      const dt = end - t;
      this.bucket(i);
      this.covered[i] += dt;
      this.hosts[i] += hosts * dt;
      this.lb[i] += lb * dt;
      for (let d = 0; d < this.dims; d++) { this.demand[d][i] += demand[d] * dt; this.cap[d][i] += usedCap[d] * dt; }
      t = end;
    }
  }

  reject(t: number): void {
    const i = Math.max(0, Math.floor((t - this.origin) / this.width));
    this.bucket(i);
    this.rejected[i]++;
  }

  rows(): SeriesRow[] {
    return this.covered.map((c, i) => ({
      start: this.origin + i * this.width,
      covered: c,
      hostsInUse: c > 0 ? this.hosts[i] / c : 0,
      lowerBound: c > 0 ? this.lb[i] / c : 0,
      utilization: this.demand.map((dem, d) => (this.cap[d][i] > 0 ? dem[i] / this.cap[d][i] : 0)),
      rejected: this.rejected[i],
    }));
  }
}
