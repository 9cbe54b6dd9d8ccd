// The engine's device rule in plain TS, for schedulers that choose hosts themselves (the
// baselines): which hosts have the devices a VM asks for, and which devices it then takes.
// It must mirror assembly/devices.ts choice for choice, or the engine refuses a baseline's
// choice (SCHEDULER_CHOICE): whole k takes the k lowest-indexed fully free devices, a
// fraction the device with the least room that still holds it.

const MAX_DEVICES = 16;

export class DeviceState {
  private readonly kinds: Array<{ dim: number; size: number }>;
  /** hosts x kinds x 16: free units per device. */
  private readonly free: Int32Array;
  /** slots x kinds: mask of the devices each live VM holds. */
  private readonly held: Uint16Array;

  constructor(effective: ReadonlyArray<ArrayLike<number>>, dimensions: readonly string[], devices: Readonly<Record<string, number>>, slots: number) {
    this.kinds = Object.entries(devices).map(([name, size]) => ({ dim: dimensions.indexOf(name), size })).sort((a, b) => a.dim - b.dim);
    const K = this.kinds.length;
    this.free = new Int32Array(effective.length * K * MAX_DEVICES);
    effective.forEach((cap, h) => this.kinds.forEach((k, j) => {
      const n = cap[k.dim] / k.size;
      for (let i = 0; i < n; i++) this.free[(h * K + j) * MAX_DEVICES + i] = k.size;
    }));
    this.held = new Uint16Array(slots * K);
  }

  fits(host: number, demands: ArrayLike<number>, at: number): boolean {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      const x = demands[at + dim];
      if (x === 0) continue;
      const base = (host * K + j) * MAX_DEVICES;
      let whole = 0;
      let most = 0;
      for (let i = 0; i < MAX_DEVICES; i++) {
        const f = this.free[base + i];
        if (f === size) whole++;
        if (f > most) most = f;
      }
      if (x >= size ? whole < x / size : most < x) return false;
    }
    return true;
  }

  take(host: number, slot: number, demands: ArrayLike<number>, at: number): void {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      const x = demands[at + dim];
      const base = (host * K + j) * MAX_DEVICES;
      let mask = 0;
      if (x >= size) {
        for (let i = 0, left = x / size; i < MAX_DEVICES && left > 0; i++) {
          if (this.free[base + i] === size) { mask |= 1 << i; this.free[base + i] = 0; left--; }
        }
      } else if (x > 0) {
        let best = -1;
        for (let i = 0; i < MAX_DEVICES; i++) {
          const f = this.free[base + i];
          if (f >= x && (best < 0 || f < this.free[base + best])) best = i;
        }
        mask = 1 << best;
        this.free[base + best] -= x;
      }
      this.held[slot * K + j] = mask;
    }
  }

  give(host: number, slot: number, demands: ArrayLike<number>, at: number): void {
    const K = this.kinds.length;
    for (let j = 0; j < K; j++) {
      const { dim, size } = this.kinds[j];
      const x = demands[at + dim];
      const back = x >= size ? size : x;
      const base = (host * K + j) * MAX_DEVICES;
      const mask = this.held[slot * K + j];
      for (let i = 0; i < MAX_DEVICES; i++) if ((mask >> i) & 1) this.free[base + i] += back;
      this.held[slot * K + j] = 0;
    }
  }
}
