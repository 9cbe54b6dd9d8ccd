// Per-device free units for schedulers that choose hosts themselves (the baselines), kept
// by the engine's device rule (src/device-rule.ts) so the engine accepts their choices.
import { DEVICES_PER_HOST, chooseDevices, devicesFit, shiftDevices } from "../device-rule.js";
import { DeviceLayout, type DeviceKind } from "../devices.js";

export class DeviceState {
  private readonly kinds: readonly DeviceKind[];
  /** hosts x kinds x 16: free units per device. */
  private readonly free: Int32Array;
  /** slots x kinds: mask of the devices each live VM holds. */
  private readonly held: Uint16Array;

  constructor(effective: ReadonlyArray<ArrayLike<number>>, dimensions: readonly string[], devices: Readonly<Record<string, number>>, slots: number) {
    // The engine's own reading of the option: the same kinds, in the same order.
    this.kinds = new DeviceLayout(dimensions, devices).kinds;
    const K = this.kinds.length;
    this.free = new Int32Array(effective.length * K * DEVICES_PER_HOST);
    effective.forEach((cap, h) => this.kinds.forEach((k, j) => {
      const n = cap[k.dim] / k.size;
      for (let i = 0; i < n; i++) this.free[(h * K + j) * DEVICES_PER_HOST + i] = k.size;
    }));
    this.held = new Uint16Array(slots * K);
  }

  fits(host: number, demands: ArrayLike<number>, at: number): boolean {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      if (!devicesFit(this.free, (host * K + j) * DEVICES_PER_HOST, size, demands[at + dim])) return false;
    }
    return true;
  }

  take(host: number, slot: number, demands: ArrayLike<number>, at: number): void {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      const x = demands[at + dim];
      const base = (host * K + j) * DEVICES_PER_HOST;
      const mask = chooseDevices(this.free, base, size, x);
      shiftDevices(this.free, base, size, x, mask, -1);
      this.held[slot * K + j] = mask;
    }
  }

  give(host: number, slot: number, demands: ArrayLike<number>, at: number): void {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      shiftDevices(this.free, (host * K + j) * DEVICES_PER_HOST, size, demands[at + dim], this.held[slot * K + j], 1);
      this.held[slot * K + j] = 0;
    }
  }
}
