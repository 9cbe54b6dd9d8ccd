// Where a plan looks for a target host: a max-tree over candidate hosts in a fixed order
// (tightest free level first at planning time, then host id), each node holding the largest
// free amount per dimension below it. "The first host in that order with room for this VM" is
// exact: a subtree is skipped only when some dimension's largest free amount is short, so no
// host in it fits. Updates cost O(log hosts x dimensions).
import type { PlanState } from "./state.js";

export class TargetIndex {
  /** Host at each position of the order. */
  readonly order: Int32Array;
  /** Position of each host in the order, -1 if it is not a candidate. */
  readonly position: Int32Array;
  private readonly size: number;
  private readonly max: Int32Array;
  private readonly D: number;

  /** Candidates: hosts for which `include` holds, ordered by (free level, id). */
  constructor(private readonly state: PlanState, include: (h: number) => boolean) {
    const H = state.t.hostCount;
    const D = (this.D = state.D);
    const levels = new Int8Array(H).fill(-1);
    const perLevel = new Int32Array(65);
    for (let h = 0; h < H; h++) {
      if (!include(h)) continue;
      const l = state.level(h);
      levels[h] = l;
      perLevel[l + 1]++;
    }
    for (let l = 1; l <= 64; l++) perLevel[l] += perLevel[l - 1];
    const n = perLevel[64];
    this.order = new Int32Array(n);
    this.position = new Int32Array(H).fill(-1);
    for (let h = 0; h < H; h++) {
      const l = levels[h];
      if (l < 0) continue;
      const p = perLevel[l]++;
      this.order[p] = h;
      this.position[h] = p;
    }
    let size = 1;
    while (size < n) size *= 2;
    this.size = size;
    this.max = new Int32Array(2 * size * D).fill(-1);
    for (let p = 0; p < n; p++) {
      const h = this.order[p];
      for (let d = 0; d < D; d++) this.max[(size + p) * D + d] = state.free(h, d);
    }
    for (let i = size - 1; i >= 1; i--) this.pull(i);
  }

  private pull(i: number): void {
    const D = this.D;
    const m = this.max;
    for (let d = 0; d < D; d++) {
      const a = m[2 * i * D + d];
      const b = m[(2 * i + 1) * D + d];
      m[i * D + d] = a > b ? a : b;
    }
  }

  /** Re-reads host h's free vector from the plan state (after a move onto or off it). */
  update(h: number): void {
    this.set(h, false);
  }

  /** Takes host h out of the search (a source being emptied) or back in. */
  exclude(h: number, out: boolean): void {
    this.set(h, out);
  }

  private set(h: number, out: boolean): void {
    const p = this.position[h];
    if (p < 0) return;
    let i = this.size + p;
    for (let d = 0; d < this.D; d++) this.max[i * this.D + d] = out ? -1 : this.state.free(h, d);
    for (i >>= 1; i >= 1; i >>= 1) this.pull(i);
  }

  /**
   * The first candidate in order with room for `vm` in every dimension and passing `accept`;
   * -1 if none. `accept` refusals are limited to `scan` (then -1).
   */
  find(vm: number, accept: (h: number) => boolean, scan: number): number {
    const st = this.state;
    const dem = new Int32Array(this.D);
    for (let d = 0; d < this.D; d++) dem[d] = st.demand(vm, d);
    let from = 0;
    let refused = 0;
    for (;;) {
      const p = this.firstFit(1, 0, this.size, dem, from);
      if (p < 0) return -1;
      const h = this.order[p];
      if (accept(h)) return h;
      if (++refused >= scan) return -1;
      from = p + 1;
    }
  }

  private firstFit(i: number, lo: number, hi: number, dem: Int32Array, from: number): number {
    if (hi <= from) return -1;
    const D = this.D;
    for (let d = 0; d < D; d++) if (this.max[i * D + d] < dem[d]) return -1;
    if (i >= this.size) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.firstFit(2 * i, lo, mid, dem, from);
    return left >= 0 ? left : this.firstFit(2 * i + 1, mid, hi, dem, from);
  }
}
