// Devices (GPUs): a device dimension's capacity on a host is k devices of one size each. A VM
// asks for k whole devices, or a fraction of one device. The core tracks every device's free
// units and, so that the search stays a plain vector comparison, keeps two derived lanes per
// device dimension in every free vector and demand, after the user dimensions:
//   W = devices fully free (demand: whole devices asked),
//   F = most free units on one device (demand: the fraction asked).
// "free >= demand" in those lanes is exactly "k fully free devices" / "one device with room",
// so shape classes, free-capacity trees and short counts serve device demands unchanged.
// The derived lanes are not additive: commit and release subtract / add them like any lane,
// then overwrite them from the device table (rederive below).

import { allocTable } from "./memory";
import { demandPtr, freePtr } from "./state";

export const MAX_DEVICE_DIMS: i32 = 4;
export const MAX_DEVICES: i32 = 16;

/** Device dimensions (0 = none); lanes UDIMS + 2j (W) and UDIMS + 2j + 1 (F) belong to kind j. */
export let DEV_KINDS: i32 = 0;
/** User dimensions: scores, levels and totals read only these. */
export let UDIMS: i32 = 0;
const devSize = memory.data(MAX_DEVICE_DIMS * 4, 16);  // i32 units per device of kind j
let hDev: usize = 0;   // u16 [host][kind][MAX_DEVICES] free units per device
let vDev: usize = 0;   // u16 [vm][kind] mask of the devices the VM holds
let hostStride: usize = 0;

// Masks a restore must reuse (a rebuilt core keeps every VM on the devices it had).
const forced = memory.data(MAX_DEVICE_DIMS * 4, 16);
let forcing = false;

/** Called right after init: `userDims` user dimensions and `kinds` device dimensions. */
export function devicesInit(userDims: i32, kinds: i32, hosts: i32, vms: i32): void {
  UDIMS = userDims;
  DEV_KINDS = kinds;
  if (kinds == 0) { hDev = 0; vDev = 0; return; }
  hostStride = <usize>kinds * <usize>MAX_DEVICES * 2;
  hDev = allocTable(<usize>hosts * hostStride);
  vDev = allocTable(<usize>vms * <usize>kinds * 2);
}

/** Device dimension j (lanes UDIMS + 2j, UDIMS + 2j + 1) has devices of `size` units. */
export function setDeviceSize(j: i32, size: i32): void {
  store<i32>(devSize + (<usize>j << 2), size);
}

export function deviceTable(): usize { return hDev; }
export function vmDeviceTable(): usize { return vDev; }

@inline function devPtr(h: i32, j: i32): usize { return hDev + <usize>h * hostStride + (<usize>j * <usize>MAX_DEVICES << 1); }
@inline function maskPtr(v: i32, j: i32): usize { return vDev + ((<usize>v * <usize>DEV_KINDS + <usize>j) << 1); }
@inline function sizeOf(j: i32): i32 { return load<i32>(devSize + (<usize>j << 2)); }
/** Byte offset of kind j's W lane (whole devices) in a free vector or demand; its F lane is 4 bytes on. */
@inline export function wLane(j: i32): usize { return <usize>(UDIMS + 2 * j) << 2; }

/** Host h's devices all free (capacity vector `cap`, whose W lanes say how many it has). */
export function devicesReset(h: i32, cap: usize): void {
  for (let j = 0; j < DEV_KINDS; j++) {
    const n = load<i32>(cap + wLane(j));
    const size = sizeOf(j);
    const p = devPtr(h, j);
    for (let i = 0; i < MAX_DEVICES; i++) store<u16>(p + (<usize>i << 1), <u16>(i < n ? size : 0));
  }
}

/** Writes host h's derived lanes from its device table. */
function rederive(h: i32, j: i32): void {
  const p = devPtr(h, j);
  const size = sizeOf(j);
  let whole = 0;
  let most = 0;
  for (let i = 0; i < MAX_DEVICES; i++) {
    const f = <i32>load<u16>(p + (<usize>i << 1));
    if (f == size) whole++;
    if (f > most) most = f;
  }
  const o = freePtr(h) + wLane(j);
  store<i32>(o, whole);
  store<i32>(o + 4, most);
}

/** Next restore takes exactly these masks (u16 per kind, from `src`). */
export function forceDevices(src: usize): void {
  for (let j = 0; j < DEV_KINDS; j++) store<u32>(forced + (<usize>j << 2), <u32>load<u16>(src + (<usize>j << 1)));
  forcing = true;
}

/** VM v (demand in the VM table) was just committed to h, which has room: choose its devices. */
export function devicesTake(v: i32, h: i32): void {
  const demand = demandPtr(v);
  for (let j = 0; j < DEV_KINDS; j++) {
    const k = load<i32>(demand + wLane(j));
    const f = load<i32>(demand + wLane(j) + 4);
    const p = devPtr(h, j);
    const size = sizeOf(j);
    let mask: u32 = 0;
    if (forcing) {
      mask = load<u32>(forced + (<usize>j << 2));
    } else if (k > 0) {
      // The k lowest-indexed devices that are fully free.
      for (let i = 0, left = k; i < MAX_DEVICES && left > 0; i++) {
        if (<i32>load<u16>(p + (<usize>i << 1)) == size) { mask |= <u32>1 << <u32>i; left--; }
      }
    } else if (f > 0) {
      // The device with the least room that still holds f: whole devices stay whole.
      let best = -1;
      let bestFree = 0x7fffffff;
      for (let i = 0; i < MAX_DEVICES; i++) {
        const x = <i32>load<u16>(p + (<usize>i << 1));
        if (x >= f && x < bestFree) { best = i; bestFree = x; }
      }
      mask = <u32>1 << <u32>best;
    }
    const take = k > 0 ? size : f;
    let m = mask;
    while (m != 0) {
      const i = <usize>ctz(m);
      m &= m - 1;
      const q = p + (i << 1);
      store<u16>(q, <u16>(<i32>load<u16>(q) - take));
    }
    store<u16>(maskPtr(v, j), <u16>mask);
    rederive(h, j);
  }
  forcing = false;
}

/** VM v leaves host h: its devices get back exactly what it took. The VM keeps its mask (read
 *  only while it is placed), so a core rebuilt after a trap mid-release restores it exactly. */
export function devicesGive(v: i32, h: i32): void {
  const demand = demandPtr(v);
  for (let j = 0; j < DEV_KINDS; j++) {
    const k = load<i32>(demand + wLane(j));
    const give = k > 0 ? sizeOf(j) : load<i32>(demand + wLane(j) + 4);
    const p = devPtr(h, j);
    let m = <u32>load<u16>(maskPtr(v, j));
    while (m != 0) {
      const i = <usize>ctz(m);
      m &= m - 1;
      const q = p + (i << 1);
      store<u16>(q, <u16>(<i32>load<u16>(q) + give));
    }
    rederive(h, j);
  }
}
