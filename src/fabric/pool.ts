// An address pool (DIPs or VIPs): addresses are offsets 1..size; 0 means "none".
// Allocation is next-fit: the first free offset after the last one taken, wrapping around, so a
// freed address (a failed VM's DIP) is not handed out again until the pool has come round.
// The cursor is a function of the journal (the last offset taken), and snapshots carry it, so
// replay and restore hand out the same addresses afterwards.
import { VmfabricError } from "../errors.js";
import { formatIPv4, parseIPv4, type AddressPoolSpec } from "./datacenter.js";

export class AddressPool {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** Owner per offset - 1 (instance or deployment), -1 free. */
  readonly owner: Int32Array;
  /** Index after the last offset taken: where the next search starts. */
  cursor = 0;
  private used = 0;

  constructor(name: string, spec: AddressPoolSpec) {
    this.name = name;
    this.base = parseIPv4(`${name}.base`, spec.base);
    this.size = spec.size;
    this.owner = new Int32Array(spec.size).fill(-1);
  }

  get inUse(): number { return this.used; }
  get free(): number { return this.size - this.used; }

  /** The offset (1-based) the next allocation takes, without taking it; 0 when exhausted. */
  peek(): number {
    if (this.used >= this.size) return 0;
    const o = this.owner;
    let i = this.cursor < this.size ? this.cursor : 0;
    while (o[i] !== -1) i = i + 1 < this.size ? i + 1 : 0;
    return i + 1;
  }

  /** Marks an offset as held by owner (the journal says which: allocation is the caller's peek()). */
  take(offset: number, owner: number): void {
    const i = offset - 1;
    if (i < 0 || i >= this.size || this.owner[i] !== -1) {
      throw new VmfabricError("STATE", `${this.name}: offset ${offset} is not free`, this.name, offset);
    }
    this.owner[i] = owner;
    this.used++;
    this.cursor = i + 1;
  }

  release(offset: number): void {
    const i = offset - 1;
    if (i < 0 || i >= this.size || this.owner[i] === -1) return;
    this.owner[i] = -1;
    this.used--;
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
