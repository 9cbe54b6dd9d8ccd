// Three-level bitsets over hosts ("bit trees"): level 0 has a bit per host, level 1 a bit per
// non-zero level-0 word, level 2 a bit per non-zero level-1 word. next-set-bit costs a
// handful of word operations instead of a scan over hosts,
// which is what keeps placement cost ~log(hosts) (64-ary) whatever the fleet size (<= 2^24 hosts).

export let W0: i32 = 0; // words at level 0
export let W1: i32 = 0;
export let W2: i32 = 0;

export function bitTreeInit(hosts: i32): void {
  W0 = (hosts + 63) >>> 6;
  W1 = (W0 + 63) >>> 6;
  W2 = (W1 + 63) >>> 6;
}

export function bitTreeBytes(): usize {
  return <usize>(W0 + W1 + W2) << 3;
}

// A tree's words sit 1 << sh bytes apart: 8 (sh = 3) for a tree of its own; the class trees
// (state.ts) interleave, word i of every class side by side, so the commit of one host, which
// clears or sets its bit in ~35 class trees (a fragmented fleet, 74 classes), touches a few
// adjacent cache lines instead of ~35 scattered ones (churn +1-4%, fill +4-8%, measured).
@inline function word(base: usize, i: i32, sh: usize): u64 {
  return load<u64>(base + (<usize>i << sh));
}

@inline function fromBit(i: i32): u64 {
  return <u64>-1 << <u64>(i & 63);
}

@inline function getIn(b0: usize, i: i32, sh: usize): bool {
  return ((word(b0, i >>> 6, sh) >>> <u64>(i & 63)) & 1) != 0;
}

@inline function setIn(b0: usize, i: i32, sh: usize): void {
  const w = i >>> 6;
  const p0 = b0 + (<usize>w << sh);
  const x = load<u64>(p0);
  store<u64>(p0, x | (<u64>1 << <u64>(i & 63)));
  if (x != 0) return;
  const b1 = b0 + (<usize>W0 << sh);
  const p1 = b1 + (<usize>(w >>> 6) << sh);
  const y = load<u64>(p1);
  store<u64>(p1, y | (<u64>1 << <u64>(w & 63)));
  if (y != 0) return;
  const w1 = w >>> 6;
  const p2 = b1 + (<usize>W1 << sh) + (<usize>(w1 >>> 6) << sh);
  store<u64>(p2, load<u64>(p2) | (<u64>1 << <u64>(w1 & 63)));
}

@inline function clearIn(b0: usize, i: i32, sh: usize): void {
  const w = i >>> 6;
  const p0 = b0 + (<usize>w << sh);
  const x = load<u64>(p0) & ~(<u64>1 << <u64>(i & 63));
  store<u64>(p0, x);
  if (x != 0) return;
  const b1 = b0 + (<usize>W0 << sh);
  const p1 = b1 + (<usize>(w >>> 6) << sh);
  const y = load<u64>(p1) & ~(<u64>1 << <u64>(w & 63));
  store<u64>(p1, y);
  if (y != 0) return;
  const w1 = w >>> 6;
  const p2 = b1 + (<usize>W1 << sh) + (<usize>(w1 >>> 6) << sh);
  store<u64>(p2, load<u64>(p2) & ~(<u64>1 << <u64>(w1 & 63)));
}

/** First set bit at index >= i, or -1. */
@inline function nextIn(b0: usize, i: i32, sh: usize): i32 {
  const b1 = b0 + (<usize>W0 << sh);
  const b2 = b1 + (<usize>W1 << sh);
  let w = i >>> 6;
  if (w >= W0) return -1;
  let x = word(b0, w, sh) & fromBit(i);
  if (x != 0) return (w << 6) | <i32>ctz(x);
  const j = w + 1;
  let w1 = j >>> 6;
  if (w1 >= W1) return -1;
  x = word(b1, w1, sh) & fromBit(j);
  if (x != 0) {
    const k0 = (w1 << 6) | <i32>ctz(x);
    return (k0 << 6) | <i32>ctz(word(b0, k0, sh));
  }
  const j2 = w1 + 1;
  let w2 = j2 >>> 6;
  if (w2 >= W2) return -1;
  x = word(b2, w2, sh) & fromBit(j2);
  while (true) {
    if (x != 0) {
      const k1 = (w2 << 6) | <i32>ctz(x);
      const k0 = (k1 << 6) | <i32>ctz(word(b1, k1, sh));
      return (k0 << 6) | <i32>ctz(word(b0, k0, sh));
    }
    if (++w2 >= W2) return -1;
    x = word(b2, w2, sh);
  }
}

// A tree of its own (words 8 bytes apart).
@inline export function bitGet(b0: usize, i: i32): bool { return getIn(b0, i, 3); }
export function bitSet(b0: usize, i: i32): void { setIn(b0, i, 3); }
export function bitClear(b0: usize, i: i32): void { clearIn(b0, i, 3); }
export function bitNext(b0: usize, i: i32): i32 { return nextIn(b0, i, 3); }

// A tree among the interleaved class trees (words 1 << CLASS_TREE_SHIFT bytes apart).
export const CLASS_TREE_SHIFT: usize = 10; // MAX_SHAPES (128) x 8 bytes
export function classBitSet(b0: usize, i: i32): void { setIn(b0, i, CLASS_TREE_SHIFT); }
export function classBitClear(b0: usize, i: i32): void { clearIn(b0, i, CLASS_TREE_SHIFT); }
export function classBitNext(b0: usize, i: i32): i32 { return nextIn(b0, i, CLASS_TREE_SHIFT); }

// A level tree among the interleaved level trees (words 1 << LEVEL_TREE_SHIFT bytes apart): a
// commit moves its host between two nearby levels, whose words then share a cache line.
export const LEVEL_TREE_SHIFT: usize = 9; // LEVELS (64) x 8 bytes
export function levelBitSet(b0: usize, i: i32): void { setIn(b0, i, LEVEL_TREE_SHIFT); }
export function levelBitClear(b0: usize, i: i32): void { clearIn(b0, i, LEVEL_TREE_SHIFT); }

/** Zeroes the class tree at b0. */
export function classTreeClear(b0: usize): void {
  const n = W0 + W1 + W2;
  for (let i = 0; i < n; i++) store<u64>(b0 + (<usize>i << CLASS_TREE_SHIFT), 0);
}
