// Shape classes: the distinct demand vectors recently asked for. Each indexed host carries a
// fit bit per class, so "which hosts can take this VM?" is a bit tree, exact in every
// dimension however fragmented the fleet is (memory-heavy and CPU-heavy VMs mixed).
// A new class costs one pass over the hosts; a 33rd evicts the least recently used.

import { bitSet } from "./bits";
import {
  HOSTS, LEVELS, MAX_SHAPES, NO_LEVEL, VEC, freePtr, hFit, hLevel, setShapeValid, shapeDemand,
  shapeLevelCount, shapeLevelMask, shapeStamp, shapeTree, shapeValid, tickShapeClock, treeBytes,
} from "./state";
import { copyVec, fits, sameVec } from "./vec";

@inline export function shapeDemandPtr(s: i32): usize {
  return shapeDemand + <usize>s * VEC;
}

@inline function countPtr(s: i32, l: i32): usize {
  return shapeLevelCount + ((<usize>s * <usize>LEVELS + <usize>l) << 2);
}

export function countAdd(s: i32, l: i32): void {
  const p = countPtr(s, l);
  const c = load<u32>(p);
  store<u32>(p, c + 1);
  if (c == 0) {
    const m = shapeLevelMask + (<usize>s << 3);
    store<u64>(m, load<u64>(m) | (<u64>1 << <u64>l));
  }
}

export function countSub(s: i32, l: i32): void {
  const p = countPtr(s, l);
  const c = load<u32>(p) - 1;
  store<u32>(p, c);
  if (c == 0) {
    const m = shapeLevelMask + (<usize>s << 3);
    store<u64>(m, load<u64>(m) & ~(<u64>1 << <u64>l));
  }
}

/** Bit l set when some indexed host at level l fits shape s. */
@inline export function levelMask(s: i32): u64 {
  return load<u64>(shapeLevelMask + (<usize>s << 3));
}

/** Fit mask of a free vector against every live shape class. */
export function fitMask(free: usize): u32 {
  let m: u32 = 0;
  let live = shapeValid;
  while (live != 0) {
    const s = <i32>ctz(live);
    live &= live - 1;
    if (fits(free, shapeDemandPtr(s))) m |= <u32>1 << <u32>s;
  }
  return m;
}

// "No capacity" verdicts per class, valid while the state's capacity epoch is unchanged.
const noCapEpoch = memory.data(MAX_SHAPES * 4);
const noCapDim = memory.data(MAX_SHAPES * 4);

@inline export function noCapacityEpoch(s: i32): u32 { return load<u32>(noCapEpoch + (<usize>s << 2)); }
@inline export function noCapacityDim(s: i32): i32 { return load<i32>(noCapDim + (<usize>s << 2)); }
export function rememberNoCapacity(s: i32, epoch: u32, dim: i32): void {
  store<u32>(noCapEpoch + (<usize>s << 2), epoch);
  store<i32>(noCapDim + (<usize>s << 2), dim);
}

function evict(s: i32): void {
  const bit = <u32>1 << <u32>s;
  setShapeValid(shapeValid & ~bit);
  for (let h = 0; h < HOSTS; h++) {
    const p = hFit + (<usize>h << 2);
    store<u32>(p, load<u32>(p) & ~bit);
  }
  memory.fill(shapeTree(s), 0, treeBytes);
  memory.fill(shapeLevelCount + ((<usize>s * <usize>LEVELS) << 2), 0, <usize>LEVELS << 2);
  store<u64>(shapeLevelMask + (<usize>s << 3), 0);
}

function build(s: i32, demand: usize): void {
  copyVec(shapeDemandPtr(s), demand);
  rememberNoCapacity(s, 0, 0);
  const bit = <u32>1 << <u32>s;
  const tree = shapeTree(s);
  for (let h = 0; h < HOSTS; h++) {
    const l = load<u8>(hLevel + <usize>h);
    if (l == NO_LEVEL) continue;
    if (fits(freePtr(h), demand)) {
      const p = hFit + (<usize>h << 2);
      store<u32>(p, load<u32>(p) | bit);
      bitSet(tree, h);
      countAdd(s, <i32>l);
    }
  }
  setShapeValid(shapeValid | bit);
}

/** The class of a demand vector, creating (and possibly evicting) one when needed. */
export function shapeOf(demand: usize): i32 {
  let live = shapeValid;
  while (live != 0) {
    const s = <i32>ctz(live);
    live &= live - 1;
    if (sameVec(shapeDemandPtr(s), demand)) {
      store<u32>(shapeStamp + (<usize>s << 2), tickShapeClock());
      return s;
    }
  }
  let victim = -1;
  if (shapeValid != 0xffffffff) {
    victim = <i32>ctz(~shapeValid);
  } else {
    let oldest: u32 = 0xffffffff;
    for (let s = 0; s < MAX_SHAPES; s++) {
      const t = load<u32>(shapeStamp + (<usize>s << 2));
      if (t < oldest) { oldest = t; victim = s; }
    }
    evict(victim);
  }
  build(victim, demand);
  store<u32>(shapeStamp + (<usize>victim << 2), tickShapeClock());
  return victim;
}

