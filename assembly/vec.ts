// Resource-vector arithmetic on v128 chunks (4 x i32 lanes each).
import { DIMS, LANES, LEVELS, tCapF, typesSet } from "./state";
import { UDIMS } from "./devices";

/** free >= demand in every dimension. */
@inline export function fits(free: usize, demand: usize): bool {
  let ok = i32x4.ge_s(v128.load(free), v128.load(demand));
  for (let k = 1; k < LANES; k++) {
    const o = <usize>k << 4;
    ok = v128.and(ok, i32x4.ge_s(v128.load(free + o), v128.load(demand + o)));
  }
  return v128.all_true<i32>(ok);
}

@inline export function subInto(dst: usize, src: usize): void {
  for (let k = 0; k < LANES; k++) {
    const o = <usize>k << 4;
    v128.store(dst + o, i32x4.sub(v128.load(dst + o), v128.load(src + o)));
  }
}

@inline export function addInto(dst: usize, src: usize): void {
  for (let k = 0; k < LANES; k++) {
    const o = <usize>k << 4;
    v128.store(dst + o, i32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
}

@inline export function copyVec(dst: usize, src: usize): void {
  for (let k = 0; k < LANES; k++) {
    const o = <usize>k << 4;
    v128.store(dst + o, v128.load(src + o));
  }
}

@inline export function sameVec(a: usize, b: usize): bool {
  let eq = i32x4.eq(v128.load(a), v128.load(b));
  for (let k = 1; k < LANES; k++) {
    const o = <usize>k << 4;
    eq = v128.and(eq, i32x4.eq(v128.load(a + o), v128.load(b + o)));
  }
  return v128.all_true<i32>(eq);
}

/** Free-capacity level: floor(LEVELS x mean over dimensions of free/capacity), clamped.
 *  Scalar f64 in a fixed order so the plain-TS reference computes the very same level. */
export function freeLevel(free: usize, type: i32): i32 {
  const caps = tCapF + <usize>type * <usize>DIMS * 8;
  let sum: f64 = 0;
  for (let d = 0; d < UDIMS; d++) {
    const c = load<f64>(caps + (<usize>d << 3));
    if (c > 0) sum += <f64>load<i32>(free + (<usize>d << 2)) / c;
  }
  const l = <i32>Math.floor(<f64>LEVELS * (sum / <f64>UDIMS));
  return l < 0 ? 0 : l >= LEVELS ? LEVELS - 1 : l;
}

/** The lowest free level a host able to hold `demand` can be at: a host with free >= demand in
 *  every dimension has, term by term, the larger sum in freeLevel, so (the same f64 steps being
 *  monotone) a level at least this one. The minimum over host types that can hold the demand at
 *  all; LEVELS when none can; 0 when there are too many types to look at. */
export function lowestLevelFor(demand: usize): i32 {
  if (typesSet > 256) return 0;
  let best = LEVELS;
  for (let t = 0; t < typesSet; t++) {
    const caps = tCapF + <usize>t * <usize>DIMS * 8;
    let sum: f64 = 0;
    let possible = true;
    for (let d = 0; d < UDIMS; d++) {
      const c = load<f64>(caps + (<usize>d << 3));
      const x = <f64>load<i32>(demand + (<usize>d << 2));
      if (c > 0) sum += x / c;
      else if (x > 0) { possible = false; break; }
    }
    if (!possible) continue;
    let l = <i32>Math.floor(<f64>LEVELS * (sum / <f64>UDIMS));
    if (l >= LEVELS) l = LEVELS - 1;
    if (l < best) best = l;
  }
  return best;
}

/** Normalised dot product of demand and free capacity (Panigrahy et al.'s DotProduct). */
export function dotScore(free: usize, demand: usize, type: i32): f64 {
  const caps = tCapF + <usize>type * <usize>DIMS * 8;
  let s: f64 = 0;
  for (let d = 0; d < UDIMS; d++) {
    const c = load<f64>(caps + (<usize>d << 3));
    if (c > 0) {
      const o = <usize>d << 2;
      s += (<f64>load<i32>(demand + o) / c) * (<f64>load<i32>(free + o) / c);
    }
  }
  return s;
}

/** Squared L2 norm of what would be left free, normalised (Panigrahy et al.'s L2). */
export function l2Score(free: usize, demand: usize, type: i32): f64 {
  const caps = tCapF + <usize>type * <usize>DIMS * 8;
  let s: f64 = 0;
  for (let d = 0; d < UDIMS; d++) {
    const c = load<f64>(caps + (<usize>d << 3));
    if (c > 0) {
      const o = <usize>d << 2;
      const r = (<f64>load<i32>(free + o) - <f64>load<i32>(demand + o)) / c;
      s += r * r;
    }
  }
  return s;
}
