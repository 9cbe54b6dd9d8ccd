// Devices under a plan's overlay (rule 7): each touched host's devices copied on first touch,
// each moved VM's new devices chosen by the engine's rule (src/device-rule.ts), as engine.move
// will choose them when the plan is applied move by move. Undo restores them exactly.
import { DEVICES_PER_HOST, chooseDevices, devicesFit, shiftDevices } from "../device-rule.js";
import type { EngineTables } from "../engine.js";

interface Step {
  vm: number;
  from: number;
  to: number;
  /** The VM's masks before the move (one per kind). */
  before: number[];
}

export class PlanDevices {
  private readonly K: number;
  private readonly hosts = new Map<number, Int32Array>();
  private readonly masks = new Map<number, number[]>();
  private readonly steps: Step[] = [];

  constructor(private readonly t: EngineTables) {
    this.K = t.devices.kinds.length;
  }

  private devicesOf(h: number): Int32Array {
    let c = this.hosts.get(h);
    if (c === undefined) {
      const n = this.K * DEVICES_PER_HOST;
      c = new Int32Array(n);
      for (let i = 0; i < n; i++) c[i] = this.t.devices.hostDevices[h * n + i];
      this.hosts.set(h, c);
    }
    return c;
  }

  private maskOf(vm: number): number[] {
    return this.masks.get(vm) ?? Array.from({ length: this.K }, (_, j) => this.t.devices.vmDevices[vm * this.K + j]);
  }

  private demand(vm: number, dim: number): number {
    return this.t.vmDemand[vm * this.t.stride + dim];
  }

  fits(vm: number, h: number): boolean {
    const c = this.hosts.get(h);
    const free = c ?? this.t.devices.hostDevices;
    const base = c ? 0 : h * this.K * DEVICES_PER_HOST;
    return this.t.devices.kinds.every((k, j) => devicesFit(free, base + j * DEVICES_PER_HOST, k.size, this.demand(vm, k.dim)));
  }

  move(vm: number, from: number, to: number): void {
    const before = this.maskOf(vm);
    const a = this.devicesOf(from);
    const b = this.devicesOf(to);
    const after = this.t.devices.kinds.map((k, j) => {
      const x = this.demand(vm, k.dim);
      const at = j * DEVICES_PER_HOST;
      shiftDevices(a, at, k.size, x, before[j], 1);
      const m = chooseDevices(b, at, k.size, x);
      shiftDevices(b, at, k.size, x, m, -1);
      return m;
    });
    this.masks.set(vm, after);
    this.steps.push({ vm, from, to, before });
  }

  /** Takes back the last move (the caller's undo is last-first). */
  undo(): void {
    const { vm, from, to, before } = this.steps.pop()!;
    const after = this.maskOf(vm);
    const a = this.devicesOf(from);
    const b = this.devicesOf(to);
    this.t.devices.kinds.forEach((k, j) => {
      const x = this.demand(vm, k.dim);
      const at = j * DEVICES_PER_HOST;
      shiftDevices(b, at, k.size, x, after[j], 1);
      shiftDevices(a, at, k.size, x, before[j], -1);
    });
    this.masks.set(vm, before);
  }
}
