// Where a class's members at one free level may be. A best-fit search wants the first host that
// is both at level l and fits class s; the level tree and the class tree each have exact
// summaries, but their intersection does not, so on a fragmented fleet (members of (s, l) few
// and scattered among many hosts in each tree) a scan of the two trees' words found ~370 word
// pairs per placement. Here, per (class, level), one bit per group of GROUP hosts says "a
// member may be here": set whenever a host joins (s, l), cleared by a search that scanned the
// whole group and found none, and all at once when the last member leaves (s, l) (its exact
// count, shapes.ts, says so). So a search visits each stale group at most once per join that
// marked it, and the marks cost one bit per join; what a search returns is still decided by the
// two exact trees. (Best-fit searches the tightest level a class has members at, where there
// are few: on a fragmented fleet, 250,000 hosts, gcp catalog, 77% of churn searches were at a
// level holding at most 8 members of the class, and clearing on the last leave cut the stale
// groups visited per placement from 7.8 to 2.8.)

import { CLASS_TREE_SHIFT, LEVEL_TREE_SHIFT, W0 } from "./bits";

export const GROUP_SHIFT: i32 = 9; // 512 hosts (8 words of a bit tree's level 0) per group: 2.25 B per host;
// nextMember reads a group's 8 level-0 words as one byte of a level-1 word, so it must stay 9
let groupWords: i32 = 0;   // u64 words of group bits per (class, level)
let summaryWords: i32 = 0; // u64 words of summary (bit per non-zero group word) per (class, level)
let classes: i32 = 0;
let levels: i32 = 0;
let groupBase: usize = 0;
let summaryBase: usize = 0;

function groupWordsFor(hosts: i32): i32 {
  return (((hosts + (1 << GROUP_SHIFT) - 1) >>> GROUP_SHIFT) + 63) >>> 6;
}

/** Bytes for `classCount` x `levelCount` and up to `hosts` hosts. */
export function classGroupBytes(classCount: i32, levelCount: i32, hosts: i32): usize {
  const gw = groupWordsFor(hosts);
  return <usize>classCount * <usize>levelCount * (<usize>(gw + ((gw + 63) >>> 6)) << 3);
}

export function classGroupInit(table: usize, classCount: i32, levelCount: i32, hosts: i32): void {
  groupWords = groupWordsFor(hosts);
  summaryWords = (groupWords + 63) >>> 6;
  classes = classCount;
  levels = levelCount;
  groupBase = table;
  summaryBase = table + ((<usize>classCount * <usize>levelCount * <usize>groupWords) << 3);
}

// Word w of (s, l), classes innermost: the commit or release of one host marks the same word
// of every class it fits, and those words then share a few cache lines.
@inline function groupWord(s: i32, l: i32, w: i32): usize {
  return groupBase + (((<usize>l * <usize>groupWords + <usize>w) * <usize>classes + <usize>s) << 3);
}

@inline function summaryWord(s: i32, l: i32, k: i32): usize {
  return summaryBase + (((<usize>l * <usize>summaryWords + <usize>k) * <usize>classes + <usize>s) << 3);
}

/** Class s starts afresh: no group marked at any level. */
export function clearClassGroups(s: i32): void {
  for (let l = 0; l < levels; l++) {
    for (let w = 0; w < groupWords; w++) store<u64>(groupWord(s, l, w), 0);
    for (let k = 0; k < summaryWords; k++) store<u64>(summaryWord(s, l, k), 0);
  }
}

/** (s, l) has no member left, so every group marked for it is stale: the marks go at once
 *  rather than one search visit each. */
export function clearLevelMarks(s: i32, l: i32): void {
  for (let k = 0; k < summaryWords; k++) {
    let y = load<u64>(summaryWord(s, l, k));
    if (y == 0) continue;
    store<u64>(summaryWord(s, l, k), 0);
    while (y != 0) {
      store<u64>(groupWord(s, l, (k << 6) | <i32>ctz(y)), 0);
      y &= y - 1;
    }
  }
}

/** Host h joined (s, l). */
export function markGroup(s: i32, l: i32, h: i32): void {
  markGroups(l, h, <u64>1 << <u64>(s & 63), s >>> 6);
}

/** Host h joined level l and fits the classes 64w + b for the bits b of `fit`. */
@inline export function markGroups(l: i32, h: i32, fit: u64, w: i32): void {
  const g = h >>> GROUP_SHIFT;
  const gw = g >>> 6;
  const bit = <u64>1 << <u64>(g & 63);
  const row = groupWord(w << 6, l, gw);
  let m = fit;
  while (m != 0) {
    const b = <i32>ctz(m);
    m &= m - 1;
    const wp = row + (<usize>b << 3);
    const x = load<u64>(wp);
    if (x & bit) continue;
    store<u64>(wp, x | bit);
    if (x == 0) {
      const sp = summaryWord((w << 6) | b, l, gw >>> 6);
      store<u64>(sp, load<u64>(sp) | (<u64>1 << <u64>(gw & 63)));
    }
  }
}

/** A search found no member of (s, l) in group g. */
function unmarkGroup(s: i32, l: i32, g: i32): void {
  const w = g >>> 6;
  const wp = groupWord(s, l, w);
  const x = load<u64>(wp) & ~(<u64>1 << <u64>(g & 63));
  store<u64>(wp, x);
  if (x == 0) {
    const sp = summaryWord(s, l, w >>> 6);
    store<u64>(sp, load<u64>(sp) & ~(<u64>1 << <u64>(w & 63)));
  }
}

/** The first marked group >= g of (s, l), or -1. */
function nextMarkedGroup(s: i32, l: i32, g: i32): i32 {
  let w = g >>> 6;
  if (w >= groupWords) return -1;
  const x = load<u64>(groupWord(s, l, w)) & (<u64>-1 << <u64>(g & 63));
  if (x != 0) return (w << 6) | <i32>ctz(x);
  // The summary finds the next non-zero group word.
  const j = w + 1;
  let k = j >>> 6;
  if (k >= summaryWords) return -1;
  let y = load<u64>(summaryWord(s, l, k)) & (<u64>-1 << <u64>(j & 63));
  while (y == 0) {
    if (++k >= summaryWords) return -1;
    y = load<u64>(summaryWord(s, l, k));
  }
  w = (k << 6) | <i32>ctz(y);
  return (w << 6) | <i32>ctz(load<u64>(groupWord(s, l, w)));
}

/** The first host >= from at level l (level-0 words of bit tree `lt`) that fits class s (tree
 *  `st`), or -1: exact, visiting only marked groups, and unmarking those it found empty. */
export function nextMember(s: i32, l: i32, lt: usize, st: usize, from: i32): i32 {
  let g = from >>> GROUP_SHIFT;
  while (true) {
    g = nextMarkedGroup(s, l, g);
    if (g < 0) return -1;
    const start = g << GROUP_SHIFT;
    const h0 = from > start ? from : start;
    // The trees' level-1 words say which of the group's 8 level-0 words are non-zero in each;
    // only a word non-zero in both can hold a member. The summaries stay in cache, the level-0
    // words of a stale group mostly do not: on a fragmented fleet this cut the level-0 word
    // pairs read per placement from about 67 to 21 (gcp catalog, 250,000 hosts).
    // (st is a class tree: its words are 1 << CLASS_TREE_SHIFT bytes apart, bits.ts.)
    const first = h0 >>> 6;
    const at = <usize>(W0 + (g >>> 3));
    const shift = <u64>((g & 7) << 3);
    let words = ((load<u64>(lt + (at << LEVEL_TREE_SHIFT)) & load<u64>(st + (at << CLASS_TREE_SHIFT))) >>> shift) & ((<u64>0xff << <u64>(first & 7)) & 0xff);
    const base = g << (GROUP_SHIFT - 6);
    while (words != 0) {
      const w = base | <i32>ctz(words);
      words &= words - 1;
      let x = load<u64>(lt + (<usize>w << LEVEL_TREE_SHIFT)) & load<u64>(st + (<usize>w << CLASS_TREE_SHIFT));
      if (w == first) x &= <u64>-1 << <u64>(h0 & 63);
      if (x != 0) return (w << 6) | <i32>ctz(x);
    }
    // Only a group scanned from its first host is known to hold no member.
    if (h0 == start) unmarkGroup(s, l, g);
    g++;
  }
}
