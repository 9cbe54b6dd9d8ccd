// Free-capacity summaries for demands that have no shape class: for each free level (and one
// tree over all indexed hosts, for first-fit), a 64-ary tree mirroring the bit trees whose nodes
// hold upper bounds of the free capacity of the tree's hosts below them. A subtree whose bounds
// do not cover the demand holds no fitting host, so a search descends only where a fit may be,
// then checks each host exactly.
//
// One bound per node would mislead: at one free level a CPU-rich and a memory-rich host give a
// bound that covers a balanced VM neither can hold. So each node keeps SECTORS bounds, one per
// sector of the hosts' balance between the first two dimensions (cpu and memory by default):
// hosts in one sector of one level have similar free vectors, and their bound is tight.
//
// Bounds are raised eagerly (a host's free capacity grew or it joined the tree) and lowered
// lazily: a search that scans a whole group without a fit writes back the group's true maxima.
// Upkeep is O(1) per host change, and none of it depends on how many distinct demands exist.
//
// Only demands without a shape class search these trees, and a workload whose sizes all have
// classes searches them never: then the upkeep (a cold leaf per host change, about a tenth of a
// churn placement on a fragmented fleet) buys nothing. So after 2 x hosts raises with no search
// the trees go dormant (no upkeep), and the next search first rebuilds them from the hosts in
// one pass (measured: 12.6 ms at 250,000 hosts, where the upkeep is about 0.2 us per change,
// so the upkeep of some 60,000 changes): a workload that searches them now and then pays at
// most one rebuild per 2 x hosts changes, one that never does pays nothing.

import { LEVEL_TREE_SHIFT, W0, W1, W2 } from "./bits";
import { DIMS, HOSTS, NO_LEVEL, REC_SECTOR, VEC, freePtr, hostLevel, hostType, recPtr, tCapF } from "./state";
import { fits } from "./vec";
import { UDIMS } from "./devices";
import { admitted } from "./attrs";

/** Trees 0..LEVELS-1 are per free level; tree LEVELS covers every indexed host. */
export const ALL_LEVELS: i32 = 64;
export const MAX_TREES: i32 = 65;
const MAX_SECTORS: i32 = 8;
/** Bounds per node: 8 up to 2^21 hosts; above that 2, so the trees stay within 4 GiB of memory. */
export let SECTORS: i32 = 8;

let base: usize = 0;        // MAX_TREES x (W0 + W1 + W2) nodes x SECTORS x VEC bytes
let perTree: usize = 0;
let node: usize = 0;        // bytes per node
let lanes: i32 = 1;

export function maxTreeBytes(hosts: i32): usize {
  SECTORS = hosts <= (1 << 21) ? MAX_SECTORS : 2;
  return <usize>MAX_TREES * <usize>(W0 + W1 + W2) * <usize>SECTORS * VEC;
}

/** Called once the bit-tree sizes are known, with a zeroed region of maxTreeBytes(). (A host's
 *  sector when it was last raised is in its host record, state.ts.) */
export function maxTreeInit(region: usize): void {
  base = region;
  node = <usize>SECTORS * VEC;
  perTree = <usize>(W0 + W1 + W2) * node;
  lanes = <i32>(VEC >>> 4);
  awake = true;
  quiet = 0;
}

let awake = true;
let quiet: u32 = 0; // raises since the last search
/** Times the trees were rebuilt after going dormant (a diagnostic for tests). */
export let boundWakes: u32 = 0;

/** Whether a host change must raise bounds (false while the trees are dormant). */
export function boundsKept(): bool {
  if (!awake) return false;
  if (++quiet >= <u32>HOSTS << 1) awake = false;
  return true;
}

/** Every indexed host raised into its level's tree and the all-levels tree, from zero. */
function wake(): void {
  memory.fill(base, 0, <usize>MAX_TREES * perTree);
  for (let h = 0; h < HOSTS; h++) {
    const l = hostLevel(h);
    if (l == <i32>NO_LEVEL) continue;
    const sector = sectorOf(freePtr(h), hostType(h));
    setHostSector(h, sector);
    maxRaise(l, h, sector);
    maxRaise(ALL_LEVELS, h, sector);
  }
  awake = true;
  boundWakes++;
}

@inline function leafPtr(t: i32, g: i32): usize { return base + <usize>t * perTree + <usize>g * node; }
@inline function midPtr(t: i32, m: i32): usize { return base + <usize>t * perTree + <usize>(W0 + m) * node; }
@inline function topPtr(t: i32, x: i32): usize { return base + <usize>t * perTree + <usize>(W0 + W1 + x) * node; }

@inline function maxInto(dst: usize, src: usize): void {
  for (let k = 0; k < lanes; k++) {
    const o = <usize>k << 4;
    v128.store(dst + o, i32x4.max_s(v128.load(dst + o), v128.load(src + o)));
  }
}

/** Every sector bound of src folded into dst's. */
@inline function maxNodeInto(dst: usize, src: usize): void {
  for (let s = 0; s < SECTORS; s++) maxInto(dst + <usize>s * VEC, src + <usize>s * VEC);
}

@inline function anyFits(n: usize, demand: usize): bool {
  for (let s = 0; s < SECTORS; s++) if (fits(n + <usize>s * VEC, demand)) return true;
  return false;
}

/** The sector of a free vector on a host of type `type`: where free cpu / (free cpu + free
 *  memory), as shares of capacity, falls in [0, 1], cut into SECTORS. */
export function sectorOf(free: usize, type: i32): i32 {
  if (UDIMS < 2) return 0;
  const caps = tCapF + <usize>type * <usize>DIMS * 8;
  const c0 = load<f64>(caps), c1 = load<f64>(caps + 8);
  const a = c0 > 0 ? <f64>load<i32>(free) / c0 : 0;
  const b = c1 > 0 ? <f64>load<i32>(free + 4) / c1 : 0;
  if (a + b <= 0) return 0;
  const s = <i32>(<f64>SECTORS * (a / (a + b)));
  return s >= SECTORS ? SECTORS - 1 : s;
}

/** Host h (of sector s) is in tree t with its current free vector: bounds on its path cover it. */
export function maxRaise(t: i32, h: i32, s: i32): void {
  const f = freePtr(h);
  const g = h >>> 6;
  const o = <usize>s * VEC;
  maxInto(leafPtr(t, g) + o, f);
  maxInto(midPtr(t, g >>> 6) + o, f);
  maxInto(topPtr(t, g >>> 12) + o, f);
}

export function setHostSector(h: i32, s: i32): void { store<u8>(recPtr(h), <u8>s, REC_SECTOR); }

// Accumulators for tightening, one node per tree level.
const accLeaf = memory.data(MAX_SECTORS * 16 * 4, 16);
const accMid = memory.data(MAX_SECTORS * 16 * 4, 16);
const accTop = memory.data(MAX_SECTORS * 16 * 4, 16);

@inline function zero(dst: usize): void {
  memory.fill(dst, 0, node);
}

@inline function copyNode(dst: usize, src: usize): void {
  memory.copy(dst, src, node);
}

/**
 * The first host >= from in tree t whose free vector covers `demand`, or -1. `members` is the
 * bit tree of the hosts in tree t (its level-0 words say which hosts of a group belong);
 * `exclude` is a host never returned; `con` >= 0: only hosts that constraint admits. Groups scanned whole without a fit get exact bounds.
 */
export function maxNext(t: i32, members: usize, from: i32, demand: usize, exclude: i32, con: i32): i32 {
  // members: indexedBits (a tree of its own) or a level tree, interleaved with the others (bits.ts).
  const sh: usize = t == ALL_LEVELS ? 3 : LEVEL_TREE_SHIFT;
  if (!awake) wake();
  quiet = 0;
  if (from < 0) from = 0;
  const g0 = from >>> 6;
  if (g0 >= W0) return -1;
  const m0 = g0 >>> 6;
  const x0 = m0 >>> 6;
  for (let x = x0; x < W2; x++) {
    const tp = topPtr(t, x);
    if (!anyFits(tp, demand)) continue;
    const mFirst = x == x0 ? m0 : x << 6;
    const mEnd = min((x << 6) + 64, W1);
    for (let m = mFirst; m < mEnd; m++) {
      const mp = midPtr(t, m);
      if (!anyFits(mp, demand)) continue;
      const gFirst = m == m0 && x == x0 ? g0 : m << 6;
      const gEnd = min((m << 6) + 64, W0);
      for (let g = gFirst; g < gEnd; g++) {
        const lp = leafPtr(t, g);
        if (!anyFits(lp, demand)) continue;
        let mask = load<u64>(members + (<usize>g << sh));
        const whole = g != g0 || (from & 63) == 0;
        if (!whole) mask &= <u64>-1 << <u64>(from & 63);
        zero(accLeaf);
        while (mask != 0) {
          const h = (g << 6) | <i32>ctz(mask);
          mask &= mask - 1;
          const f = freePtr(h);
          if (h != exclude && fits(f, demand) && (con < 0 || admitted(con, h))) return h;
          // (The excluded host, a move's source, is folded in too: it stays covered.)
          maxInto(accLeaf + <usize>load<u8>(recPtr(h), REC_SECTOR) * VEC, f);
        }
        if (whole) copyNode(lp, accLeaf);
      }
      // The whole mid node was scanned without a fit: its bound becomes the fold of its leaves'
      // (folded here, not while scanning, so the scan that finds a fit pays no folding).
      if (gFirst == (m << 6)) {
        zero(accMid);
        for (let g = gFirst; g < gEnd; g++) maxNodeInto(accMid, leafPtr(t, g));
        copyNode(mp, accMid);
      }
    }
    if (mFirst == (x << 6)) {
      zero(accTop);
      for (let m = mFirst; m < mEnd; m++) maxNodeInto(accTop, midPtr(t, m));
      copyNode(tp, accTop);
    }
  }
  return -1;
}
