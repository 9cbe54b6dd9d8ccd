// An address pool (DIPs or VIPs): addresses are offsets 1..size; 0 means "none".
// Allocation takes the lowest free offset, so it is a function of the set in use and replaying
// the journal or restoring a snapshot hands out the same addresses afterwards.
import { VmfabricError } from "../errors.js";
import { formatIPv4, parseIPv4, type AddressPoolSpec } from "./datacenter.js";

export class AddressPool {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** Owner per offset - 1 (instance or deployment), -1 free. */
  readonly owner: Int32Array;
  private lowest = 0;
  private used = 0;

  constructor(name: string, spec: AddressPoolSpec) {
    this.name = name;
    this.base = parseIPv4(`${name}.base`, spec.base);
    this.size = spec.size;
    this.owner = new Int32Array(spec.size).fill(-1);
  }

  get inUse(): number { return this.used; }
  get free(): number { return this.size - this.used; }

  /** Lowest free offset (1-based) without taking it, or 0 when the pool is exhausted. */
  peek(): number {
    let i = this.lowest;
    const o = this.owner;
    while (i < this.size && o[i] !== -1) i++;
    this.lowest = i;
    return i < this.size ? i + 1 : 0;
  }

  /** Marks an offset as held by owner (the journal says which: allocation is the caller's peek()). */
  take(offset: number, owner: number): void {
    const i = offset - 1;
    if (i < 0 || i >= this.size || this.owner[i] !== -1) {
      throw new VmfabricError("STATE", `${this.name}: offset ${offset} is not free`, this.name, offset);
    }
    this.owner[i] = owner;
    this.used++;
  }

  release(offset: number): void {
    const i = offset - 1;
    if (i < 0 || i >= this.size || this.owner[i] === -1) return;
    this.owner[i] = -1;
    this.used--;
    if (i < this.lowest) this.lowest = i;
  }

  ownerOf(offset: number): number {
    const i = offset - 1;
    return i >= 0 && i < this.size ? this.owner[i] : -1;
  }

  format(offset: number): string {
    return formatIPv4(this.base + offset - 1);
  }

  /** Offset of a dotted address in this pool, or 0 if it is outside. */
  offsetOf(address: string): number {
    let a: number;
    try { a = parseIPv4("address", address); } catch { return 0; }
    const i = a - this.base;
    return i >= 0 && i < this.size ? i + 1 : 0;
  }

  exhausted(need: number): VmfabricError {
    return new VmfabricError("POOL_EXHAUSTED", `${this.name} is exhausted: ${need} more address(es) needed, ${this.free} of ${this.size} free`, this.name, need);
  }
}
