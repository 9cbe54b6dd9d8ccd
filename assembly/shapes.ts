// Shape classes: up to 128 demand vectors asked for often. Each indexed host carries a fit bit
// per class, so "which hosts can take this VM?" is a bit tree, exact in every dimension however
// fragmented the fleet is. A class costs one pass over the hosts to build and one fit test per
// host change, so classes go only to demands that keep coming back: a demand earns one after
// ADMIT_AFTER requests (counted in a small direct-mapped table), and takes a full table's
// least-used class only when it is asked for more than twice as often. Every other demand is
// served, just as exactly, by the free-capacity trees (maxtree.ts). Counts halve every
// AGE_EVERY lookups, so the classes follow a workload that changes.

import { classBitSet, classTreeClear } from "./bits";
import {
  ADM_SLOTS, DIMS, FIT_WORDS, HOSTS, STATE_IN_SERVICE, admCon, hostState, LEVELS, MAX_SHAPES, NO_LEVEL, VEC, admCount, admKey, admNoCap, fitPtr, freePtr,
  hostLevel, setValidWord, shapeDemand, shapeHits, shapeLevelCount, shapeLevelMask, shapeTree, validWord,
} from "./state";
import { copyVec, fits, sameVec } from "./vec";
import { admitted } from "./attrs";
import { clearClassGroups, clearLevelMarks, markGroup } from "./classgroups";

// The constraint (labels and tolerations, attrs.ts) of each class and of each admission slot:
// a class is a (demand, constraint) pair, and its fit bit says "room, and the labels allow it".
const shapeCon = memory.data(128 * 4); // MAX_SHAPES
// Live classes by their (demand, constraint), in an open-addressed table of class + 1 (0:
// empty) with linear probing, at most 1/8 full: a class is found in about one probe, never by a
// scan over the classes. Rebuilt whole when a class goes (rare, and cheap beside the pass over
// the hosts that evicting costs).
const MAP_SIZE: i32 = 1024;
const classMap = memory.data(MAP_SIZE * 4);

function hashOf(demand: usize, con: i32): u32 {
  let h: u32 = 0x811c9dc5 ^ (<u32>con * 0x85ebca6b);
  for (let d = 0; d < DIMS; d++) {
    h = (h ^ load<u32>(demand + (<usize>d << 2))) * 0x9e3779b1;
    h ^= h >>> 15;
  }
  return h;
}

function mapInsert(s: i32): void {
  let i = <i32>(hashOf(shapeDemandPtr(s), classConstraint(s)) & <u32>(MAP_SIZE - 1));
  while (load<i32>(classMap + (<usize>i << 2)) != 0) i = (i + 1) & (MAP_SIZE - 1);
  store<i32>(classMap + (<usize>i << 2), s + 1);
}

function mapFind(demand: usize, con: i32): i32 {
  let i = <i32>(hashOf(demand, con) & <u32>(MAP_SIZE - 1));
  let e = load<i32>(classMap + (<usize>i << 2));
  while (e != 0) {
    const s = e - 1;
    if (classConstraint(s) == con && sameVec(shapeDemandPtr(s), demand)) return s;
    i = (i + 1) & (MAP_SIZE - 1);
    e = load<i32>(classMap + (<usize>i << 2));
  }
  return -1;
}

function mapRebuild(): void {
  memory.fill(classMap, 0, <usize>MAP_SIZE << 2);
  for (let w = 0; w < FIT_WORDS; w++) {
    let live = validWord(w);
    while (live != 0) {
      mapInsert((w << 6) | <i32>ctz(live));
      live &= live - 1;
    }
  }
}
@inline export function classConstraint(s: i32): i32 { return load<i32>(shapeCon + (<usize>s << 2)); }

@inline export function shapeDemandPtr(s: i32): usize {
  return shapeDemand + <usize>s * VEC;
}

// Per (class, level): the count of members (u32) and the XOR of their host indices (u32), which
// names the member when there is one.
@inline function countPtr(s: i32, l: i32): usize {
  // Classes innermost: a host changing level moves the counts of every class it fits, and
  // those then share a few cache lines.
  return shapeLevelCount + ((<usize>l * <usize>MAX_SHAPES + <usize>s) << 3);
}

/** Host h joined (s, l); the caller also marks the host's group (classgroups.ts). */
export function countAdd(s: i32, l: i32, h: i32): void {
  const p = countPtr(s, l);
  const c = load<u32>(p);
  store<u32>(p, c + 1);
  store<i32>(p, load<i32>(p, 4) ^ h, 4);
  if (c == 0) {
    const m = shapeLevelMask + (<usize>s << 3);
    store<u64>(m, load<u64>(m) | (<u64>1 << <u64>l));
  }
}

@inline export function countSub(s: i32, l: i32, h: i32): void {
  const p = countPtr(s, l);
  const c = load<u32>(p) - 1;
  store<u32>(p, c);
  store<i32>(p, load<i32>(p, 4) ^ h, 4);
  if (c == 0) {
    clearLevelMarks(s, l);
    const m = shapeLevelMask + (<usize>s << 3);
    store<u64>(m, load<u64>(m) & ~(<u64>1 << <u64>l));
  }
}

/** The one indexed host at level l that fits class s when there is exactly one, else -1. */
@inline export function soleMember(s: i32, l: i32): i32 {
  const p = countPtr(s, l);
  return load<u32>(p) == 1 ? load<i32>(p, 4) : -1;
}

/** Bit l set when some indexed host at level l fits shape s. */
@inline export function levelMask(s: i32): u64 {
  return load<u64>(shapeLevelMask + (<usize>s << 3));
}

/** Word w of the fit mask of a free vector against every live shape class. */
export function fitMask(h: i32, free: usize, w: i32): u64 {
  return fitMaskOf(h, free, <u64>-1, w);
}

/** fitMask restricted to the classes in `among` (word w: classes 64w..64w+63). */
export function fitMaskOf(h: i32, free: usize, among: u64, w: i32): u64 {
  let m: u64 = 0;
  let live = validWord(w) & among;
  while (live != 0) {
    const b = <i32>ctz(live);
    const s = (w << 6) | b;
    live &= live - 1;
    if (fits(free, shapeDemandPtr(s)) && admitted(classConstraint(s), h)) m |= <u64>1 << <u64>b;
  }
  return m;
}

/** Of the classes in `had` (word w; which host h's labels admit), those whose demand `free`
 *  still covers. */
export function stillFitting(free: usize, had: u64, w: i32): u64 {
  let m = had;
  let live = had;
  while (live != 0) {
    const b = <i32>ctz(live);
    live &= live - 1;
    if (!fits(free, shapeDemandPtr((w << 6) | b))) m &= ~(<u64>1 << <u64>b);
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
  const w = s >> 6;
  const bit = <u64>1 << <u64>(s & 63);
  setValidWord(w, validWord(w) & ~bit);
  mapRebuild();
  for (let h = 0; h < HOSTS; h++) {
    const p = fitPtr(h, w);
    store<u64>(p, load<u64>(p) & ~bit);
  }
  classTreeClear(shapeTree(s));
  for (let l = 0; l < LEVELS; l++) store<u64>(countPtr(s, l), 0);
  store<u64>(shapeLevelMask + (<usize>s << 3), 0);
}

export let classBuilds: u32 = 0;

function build(s: i32, demand: usize, con: i32): void {
  classBuilds++;
  clearClassGroups(s);
  copyVec(shapeDemandPtr(s), demand);
  store<i32>(shapeCon + (<usize>s << 2), con);
  rememberNoCapacity(s, 0, 0);
  const w = s >> 6;
  const bit = <u64>1 << <u64>(s & 63);
  const tree = shapeTree(s);
  const c = shortRow(s);
  memory.fill(c, 0, 64);
  const counting = shortsAwake; // dormant counts are all rebuilt when next needed
  for (let h = 0; h < HOSTS; h++) {
    if (counting && hostState(h) == STATE_IN_SERVICE) {
      const f = freePtr(h);
      for (let k: usize = 0; k < (VEC >>> 4); k++) {
        const o = k << 4;
        v128.store(c + o, i32x4.sub(v128.load(c + o), i32x4.lt_s(v128.load(f + o), v128.load(demand + o))));
      }
    }
    const l = hostLevel(h);
    if (l == <i32>NO_LEVEL) continue;
    if (fits(freePtr(h), demand) && admitted(con, h)) {
      const p = fitPtr(h, w);
      store<u64>(p, load<u64>(p) | bit);
      classBitSet(tree, h);
      countAdd(s, <i32>l, h);
      markGroup(s, <i32>l, h);
    }
  }
  setValidWord(w, validWord(w) | bit);
  mapInsert(s);
}

// Per class, per dimension: how many in-service hosts are short of the class's demand (i32
// lanes, VEC per class), kept on every change so a NO_CAPACITY rejection names its dimension
// without a pass over the hosts. The upkeep is one v128 step per live class per host change,
// wasted while nothing is rejected (on a 250,000-host churn, dropping it sped fill and churn
// up by about 20% alike). So after HOSTS changes with no rejection reading them the counts go
// dormant, and the next reading first rebuilds every class's counts in one pass (HOSTS x
// classes steps: at most the upkeep the dormancy saved). A fleet that keeps rejecting keeps
// them awake.
const shortCounts = memory.data(128 * 64, 16); // MAX_SHAPES x the largest VEC
/** Class s's counts: one i32 lane per dimension. */
@inline function shortRow(s: i32): usize { return shortCounts + <usize>s * 64; }
let shortsAwake = true;
let shortsQuiet: u32 = 0; // host changes since the counts were last read
/** Times the short counts were rebuilt after going dormant (a diagnostic for tests). */
export let shortWakes: u32 = 0;

/** Every live class's counts from the in-service hosts' free vectors, from zero. */
function wakeShorts(): void {
  for (let w = 0; w < FIT_WORDS; w++) {
    let live = validWord(w);
    while (live != 0) {
      const s = (w << 6) | <i32>ctz(live);
      live &= live - 1;
      memory.fill(shortRow(s), 0, 64);
    }
  }
  for (let h = 0; h < HOSTS; h++) {
    if (hostState(h) == STATE_IN_SERVICE) shortMoveAll(NEVER_SHORT, freePtr(h));
  }
  shortsAwake = true;
  shortWakes++;
}

// A free vector short of no demand (every lane the largest i32): a host entering service moves
// from it to its free vector, one leaving moves back to it.
const NEVER_SHORT = memory.data<i32>([
  0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
  0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
], 16);

/** An in-service host's free vector `free` stops (sign -1) or starts (sign 1) counting. */
export function shortAdjust(free: usize, sign: i32): void {
  if (sign > 0) shortMove(NEVER_SHORT, free);
  else shortMove(free, NEVER_SHORT);
}

/** An in-service host's free vector went from `before` to `after`: one pass over the classes
 *  (a placement or release changes the counts only where the two differ in shortness). */
export function shortMove(before: usize, after: usize): void {
  if (!shortsAwake) return;
  if (++shortsQuiet >= <u32>HOSTS) { shortsAwake = false; return; }
  shortMoveAll(before, after);
}

function shortMoveAll(before: usize, after: usize): void {
  for (let w = 0; w < FIT_WORDS; w++) shortMoveWord(before, after, w);
}

function shortMoveWord(before: usize, after: usize, w: i32): void {
  let live = validWord(w);
  while (live != 0) {
    const s = (w << 6) | <i32>ctz(live);
    live &= live - 1;
    const c = shortRow(s);
    const d = shapeDemandPtr(s);
    for (let k: usize = 0; k < (VEC >>> 4); k++) {
      const o = k << 4;
      const dem = v128.load(d + o);
      // lt_s gives -1 per short lane: count + (-1 where short before) - (-1 where short after).
      const delta = i32x4.sub(i32x4.lt_s(v128.load(before + o), dem), i32x4.lt_s(v128.load(after + o), dem));
      v128.store(c + o, i32x4.add(v128.load(c + o), delta));
    }
  }
}

/** In-service hosts short of class s's demand in dimension d. */
export function shortCount(s: i32, d: i32): i32 {
  if (!shortsAwake) wakeShorts();
  shortsQuiet = 0;
  return load<i32>(shortRow(s) + (<usize>d << 2));
}

/** Forgets every class (their fit bits depend on facts that just changed). */
export function dropClasses(): void {
  for (let w = 0; w < FIT_WORDS; w++) {
    let live = validWord(w);
    while (live != 0) {
      const s = (w << 6) | <i32>ctz(live);
      live &= live - 1;
      evict(s);
    }
  }
}

const ADMIT_AFTER: u32 = 8;
const AGE_EVERY: u32 = 1 << 16;
let lookups: u32 = 0;

/** Admission-table slot of the demand the last classOf() returned -1 for, or -1 when that
 *  demand lost its slot to a collision (then it has no cached verdicts either). */
export let unclassedSlot: i32 = -1;

@inline function hits(s: i32): usize { return shapeHits + (<usize>s << 2); }
@inline function admKeyPtr(slot: i32): usize { return admKey + <usize>slot * VEC; }
@inline function admCountPtr(slot: i32): usize { return admCount + (<usize>slot << 2); }

@inline function slotOf(demand: usize, con: i32): i32 {
  return <i32>(hashOf(demand, con) & <u32>(ADM_SLOTS - 1));
}

function age(): void {
  for (let s = 0; s < MAX_SHAPES; s++) store<u32>(hits(s), load<u32>(hits(s)) >>> 1);
  for (let i = 0; i < ADM_SLOTS; i++) store<u32>(admCountPtr(i), load<u32>(admCountPtr(i)) >>> 1);
}

/** The class of a demand vector, or -1 when it has none (it may earn one here). */
export function classOf(demand: usize, con: i32): i32 {
  if ((++lookups & (AGE_EVERY - 1)) == 0) age();
  const found = mapFind(demand, con);
  if (found >= 0) {
    store<u32>(hits(found), load<u32>(hits(found)) + 1);
    return found;
  }
  const slot = slotOf(demand, con);
  const key = admKeyPtr(slot);
  const cp = admCountPtr(slot);
  let c = load<u32>(cp);
  const conP = admCon + (<usize>slot << 2);
  if (load<i32>(conP) == con && sameVec(key, demand)) {
    c++;
  } else if (c <= 1) {
    copyVec(key, demand);
    store<i32>(conP, con);
    c = 1;
    store<u32>(admNoCap + (<usize>slot << 3), 0);
  } else {
    // Another demand holds the slot: count against it (frequent demands keep theirs).
    store<u32>(cp, c - 1);
    unclassedSlot = -1;
    return -1;
  }
  store<u32>(cp, c);
  unclassedSlot = slot;
  if (c < ADMIT_AFTER) return -1;
  let victim = -1;
  if (validWord(0) != <u64>-1) {
    victim = <i32>ctz(~validWord(0));
  } else if (validWord(1) != <u64>-1) {
    victim = 64 | <i32>ctz(~validWord(1));
  } else {
    let least: u32 = 0xffffffff;
    for (let s = 0; s < MAX_SHAPES; s++) {
      const n = load<u32>(hits(s));
      if (n < least) { least = n; victim = s; }
    }
    if (<u64>least * 2 + <u64>ADMIT_AFTER > <u64>c) return -1;
    evict(victim);
  }
  build(victim, demand, con);
  store<u32>(hits(victim), c);
  store<u32>(cp, 0);
  unclassedSlot = -1;
  return victim;
}

/** Cached "no capacity" verdict for the unclassed demand in `slot` (epoch, dimension). */
@inline export function unclassedNoCapEpoch(slot: i32): u32 { return load<u32>(admNoCap + (<usize>slot << 3)); }
@inline export function unclassedNoCapDim(slot: i32): i32 { return load<i32>(admNoCap + (<usize>slot << 3) + 4); }
export function rememberUnclassedNoCapacity(slot: i32, epoch: u32, dim: i32): void {
  store<u32>(admNoCap + (<usize>slot << 3), epoch);
  store<i32>(admNoCap + (<usize>slot << 3) + 4, dim);
}
