// Keeps one host's index entries (level tree, shape fit bits, per-shape level counts, the
// empty-host tree) in step with its free vector, service state and dedicated owner.

import { bitClear, bitGet, bitSet, classBitClear, classBitSet, levelBitClear, levelBitSet } from "./bits";
import { ALL_LEVELS, boundsKept, maxRaise, sectorOf, setHostSector } from "./maxtree";
import { markGroups } from "./classgroups";
import { countAdd, countSub, fitMask, fitMaskOf, stillFitting } from "./shapes";
import {
  NONE, NO_LEVEL, STATE_IN_SERVICE, rankTree, typeRank, emptyBits, fitPtr, freePtr, hostLevel, setHostLevel, FIT_WORDS, validWord, hostOwner, hostState,
  hostType, hostVmCount, indexedBits, levelCount, levelTree, levelsUsed, setLevelsUsed, shapeTree,
} from "./state";

function levelJoin(l: i32): void {
  const p = levelCount + (<usize>l << 2);
  const c = load<u32>(p);
  store<u32>(p, c + 1);
  if (c == 0) setLevelsUsed(levelsUsed | (<u64>1 << <u64>l));
}

function levelLeave(l: i32): void {
  const p = levelCount + (<usize>l << 2);
  const c = load<u32>(p) - 1;
  store<u32>(p, c);
  if (c == 0) setLevelsUsed(levelsUsed & ~(<u64>1 << <u64>l));
}
import { freeLevel } from "./vec";

/** Host h's fit bits for classes 64w..64w+63, with their level counts and class trees. */
function refreshFitWord(h: i32, w: i32, free: usize, indexed: bool, oldL: i32, newL: i32, grew: bool, relabel: bool): void {
  const p = fitPtr(h, w);
  const oldFit = load<u64>(p);
  // A host that stays indexed keeps its labels, so only capacity can change its fit bits:
  // a shrink can only clear bits it has (no label check needed), a growth only set others.
  // `relabel`: what the keep-scarce search admits changed (attrs.ts: a GPU host's last free
  // GPU went, or one came free), so every class is tested again.
  let newFit: u64 = 0;
  if (indexed) {
    if (oldL == <i32>NO_LEVEL || relabel) newFit = fitMask(h, free, w);
    else if (grew) newFit = oldFit | fitMaskOf(h, free, ~oldFit, w);
    else newFit = stillFitting(free, oldFit, w);
  }
  if (oldFit == 0 && newFit == 0) return;
  const base = w << 6;
  if (oldL != newL) {
    if (oldL != <i32>NO_LEVEL) {
      let m = oldFit;
      while (m != 0) { countSub(base | <i32>ctz(m), oldL, h); m &= m - 1; }
    }
    if (newL != <i32>NO_LEVEL) {
      let m = newFit;
      while (m != 0) { countAdd(base | <i32>ctz(m), newL, h); m &= m - 1; }
      markGroups(newL, h, newFit, w);
    }
  } else if (oldFit != newFit && newL != <i32>NO_LEVEL) {
    let gone = oldFit & ~newFit;
    while (gone != 0) { countSub(base | <i32>ctz(gone), newL, h); gone &= gone - 1; }
    const joined = newFit & ~oldFit;
    let came = joined;
    while (came != 0) { countAdd(base | <i32>ctz(came), newL, h); came &= came - 1; }
    markGroups(newL, h, joined, w);
  }
  if (oldFit != newFit) {
    let diff = oldFit ^ newFit;
    while (diff != 0) {
      const b = <i32>ctz(diff);
      diff &= diff - 1;
      const s = base | b;
      if ((newFit >>> <u64>b) & 1) classBitSet(shapeTree(s), h);
      else classBitClear(shapeTree(s), h);
    }
    store<u64>(p, newFit);
  }
}

/** Re-derive host h's index entries. Call after any change to its free vector, VM count,
 *  owner or state; it only touches the bits and counts that actually change. `grew`: the free
 *  vector grew or stayed (false: it only shrank, a commit). `relabel`: the special dimensions
 *  it has free capacity in changed (attrs.ts), so what keep-scarce searches admit did. */
export function refreshHost(h: i32, grew: bool = true, relabel: bool = false): void {
  const inService = hostState(h) == STATE_IN_SERVICE;
  const indexed = inService && hostOwner(h) == NONE;
  const oldL = hostLevel(h);
  const free = freePtr(h);
  const newL = indexed ? freeLevel(free, hostType(h)) : <i32>NO_LEVEL;
  if (oldL != newL) {
    if (oldL != <i32>NO_LEVEL) {
      levelBitClear(levelTree(oldL), h);
      levelLeave(oldL);
      if (newL == <i32>NO_LEVEL) bitClear(indexedBits, h);
    }
    if (newL != <i32>NO_LEVEL) {
      levelBitSet(levelTree(newL), h);
      levelJoin(newL);
      if (oldL == <i32>NO_LEVEL) bitSet(indexedBits, h);
    }
    setHostLevel(h, newL);
  }
  // A word with no live class has no fit bits either (evicting a class clears them).
  for (let w = 0; w < FIT_WORDS; w++) if (validWord(w) != 0) refreshFitWord(h, w, free, indexed, oldL, newL, grew, relabel);
  if (newL != <i32>NO_LEVEL && (grew || oldL != newL) && boundsKept()) {
    // Bounds only ever need raising here (searches lower them, maxtree.ts), and only when the
    // host joined a tree or its free capacity grew: a commit that leaves the level alone
    // keeps every bound on its path valid.
    const sector = sectorOf(free, hostType(h));
    setHostSector(h, sector);
    maxRaise(newL, h, sector);
    // A commit that changed the level leaves the host covered in the all-levels tree by the
    // bound of its larger free vector before (searches test the union of a node's sectors).
    if (grew || oldL == <i32>NO_LEVEL) maxRaise(ALL_LEVELS, h, sector);
  }
  const empty = inService && hostVmCount(h) == 0;
  if (empty != bitGet(emptyBits, h)) {
    const rt = rankTree(typeRank(hostType(h)));
    if (empty) { bitSet(emptyBits, h); bitSet(rt, h); }
    else { bitClear(emptyBits, h); bitClear(rt, h); }
  }
}
