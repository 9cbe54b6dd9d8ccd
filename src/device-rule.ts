// The engine's device rule (README, Devices) in plain TS, for the code that simulates the
// engine outside the core: baselines choosing hosts themselves (src/replay) and plans checking
// moves (src/plans). It must agree with assembly/devices.ts choice for choice, or the engine
// refuses what a simulation found valid. `free` holds one device dimension's 16 devices of a
// host from index `at`; `x` is a VM's demand in that dimension.

export const DEVICES_PER_HOST = 16;

/** Whether the devices have room for `x`: whole devices (x >= size) need x / size fully free
 *  devices, a fraction one device with x free. */
export function devicesFit(free: ArrayLike<number>, at: number, size: number, x: number): boolean {
  if (x === 0) return true;
  let whole = 0;
  let most = 0;
  for (let i = 0; i < DEVICES_PER_HOST; i++) {
    const f = free[at + i];
    if (f === size) whole++;
    if (f > most) most = f;
  }
  return x >= size ? whole >= x / size : most >= x;
}

/** The devices `x` takes (a mask), from devices that fit it: the lowest-indexed fully free ones
 *  for whole devices, else the one with the least room that still holds the fraction. */
export function chooseDevices(free: ArrayLike<number>, at: number, size: number, x: number): number {
  let mask = 0;
  if (x >= size) {
    for (let i = 0, left = x / size; i < DEVICES_PER_HOST && left > 0; i++) {
      if (free[at + i] === size) { mask |= 1 << i; left--; }
    }
  } else if (x > 0) {
    let best = -1;
    for (let i = 0; i < DEVICES_PER_HOST; i++) {
      const f = free[at + i];
      if (f >= x && (best < 0 || f < free[at + best])) best = i;
    }
    mask = 1 << best;
  }
  return mask;
}

/** Adds `sign` x (what `x` holds on each device) to the devices in `mask`. */
export function shiftDevices(free: Int32Array, at: number, size: number, x: number, mask: number, sign: 1 | -1): void {
  const each = x >= size ? size : x;
  for (let i = 0; i < DEVICES_PER_HOST; i++) if ((mask >> i) & 1) free[at + i] += sign * each;
}
