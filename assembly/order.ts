// Offline batches may be reordered largest first (first-fit-decreasing). Sizes are measured
// against the largest host in each dimension and sorted by a stable two-pass radix sort,
// so equal sizes keep their input order and the result is deterministic.

import { DIMS, TYPES, VEC, tCapF } from "./state";
import { UDIMS } from "./devices";

export const BY_SUM: i32 = 0;
export const BY_MAX: i32 = 1;
export const BY_PRODUCT: i32 = 2;

export function orderBytes(n: i32): usize {
  return (<usize>n << 3) + (<usize>n << 2) + (65536 << 2) + (<usize>DIMS << 3);
}

/** Writes into `order` (u32[n]) the batch positions sorted by decreasing size. */
export function sortDecreasing(n: i32, demands: usize, measure: i32, order: usize, mem: usize): void {
  const keys = mem;                                   // u32[n]
  const tmp = keys + (<usize>n << 2);                 // u32[n]
  const counts = tmp + (<usize>n << 2);               // u32[65536]
  const scale = counts + (65536 << 2);                // f64[DIMS]: largest capacity per dimension
  const tmpKeys = scale + (<usize>DIMS << 3);         // u32[n]
  for (let d = 0; d < DIMS; d++) {
    let m: f64 = 0;
    for (let t = 0; t < TYPES; t++) m = Math.max(m, load<f64>(tCapF + ((<usize>t * <usize>DIMS + <usize>d) << 3)));
    store<f64>(scale + (<usize>d << 3), m);
  }
  for (let i = 0; i < n; i++) {
    const v = demands + <usize>i * VEC;
    let size: f64 = measure == BY_PRODUCT ? 1 : 0;
    for (let d = 0; d < UDIMS; d++) {
      const c = load<f64>(scale + (<usize>d << 3));
      const x = c > 0 ? Math.min(<f64>load<i32>(v + (<usize>d << 2)) / c, 1) : 0;
      if (measure == BY_SUM) size += x / <f64>UDIMS;
      else if (measure == BY_MAX) size = Math.max(size, x);
      else if (c > 0) size *= x;
    }
    // Complemented so an ascending sort yields decreasing sizes.
    store<u32>(keys + (<usize>i << 2), ~<u32>(size * 4294967295.0));
    store<u32>(order + (<usize>i << 2), <u32>i);
  }
  radixPass(n, keys, order, tmpKeys, tmp, counts, 0);
  radixPass(n, tmpKeys, tmp, keys, order, counts, 16);
}

function radixPass(n: i32, keysIn: usize, idxIn: usize, keysOut: usize, idxOut: usize, counts: usize, shift: u32): void {
  memory.fill(counts, 0, 65536 << 2);
  for (let i = 0; i < n; i++) {
    const b = (load<u32>(keysIn + (<usize>i << 2)) >>> shift) & 0xffff;
    const p = counts + (<usize>b << 2);
    store<u32>(p, load<u32>(p) + 1);
  }
  let sum: u32 = 0;
  for (let b = 0; b < 65536; b++) {
    const p = counts + (<usize>b << 2);
    const c = load<u32>(p);
    store<u32>(p, sum);
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const k = load<u32>(keysIn + (<usize>i << 2));
    const p = counts + (<usize>((k >>> shift) & 0xffff) << 2);
    const at = load<u32>(p);
    store<u32>(p, at + 1);
    store<u32>(keysOut + (<usize>at << 2), k);
    store<u32>(idxOut + (<usize>at << 2), load<u32>(idxIn + (<usize>i << 2)));
  }
}
