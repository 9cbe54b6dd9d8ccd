// A partial solution for the tabu search: `bins` kept bins plus a pool of unassigned items,
// with per-bin loads and the pool's weight kept up to date on every move.
import type { VbpInstance } from "./instance.js";

export class PartialState {
  readonly load: Float64Array;
  readonly items: number[][];
  readonly pool: number[] = [];
  poolWeight = 0;
  /** Bin of each item, -1 in the pool. */
  readonly binOf: Int32Array;

  constructor(readonly inst: VbpInstance, readonly bins: number) {
    this.load = new Float64Array(Math.max(1, bins) * inst.d);
    this.items = Array.from({ length: bins }, () => []);
    this.binOf = new Int32Array(inst.n).fill(-1);
  }

  addToBin(i: number, b: number): void {
    const { d, W } = this.inst;
    this.items[b].push(i);
    this.binOf[i] = b;
    for (let k = 0; k < d; k++) this.load[b * d + k] += W[i * d + k];
  }

  addToPool(i: number): void {
    this.pool.push(i);
    this.binOf[i] = -1;
    this.poolWeight += this.inst.S[i];
  }

  moveToPool(i: number): void {
    const { d, W } = this.inst;
    const b = this.binOf[i];
    const list = this.items[b];
    list.splice(list.indexOf(i), 1);
    for (let k = 0; k < d; k++) this.load[b * d + k] -= W[i * d + k];
    this.addToPool(i);
  }

  moveToBin(i: number, b: number): void {
    this.pool.splice(this.pool.indexOf(i), 1);
    this.poolWeight -= this.inst.S[i];
    this.addToBin(i, b);
  }
}
