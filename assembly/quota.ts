// Quota enforcement: what each running VM is granted in one tick, for the whole fleet in one call.
//
// The rule, per host and per dimension (README, "Quota enforcement"):
//   want_i = min(demand_i', capEff_i), capEff_i = max(cap_i, reservation_i) (cap 0 = default:
//            the reservation; hard dimensions such as memory always have cap 0), demand_i' =
//            demand_i, or min(demand_i, tokens_i) in the token-bucket ("shaped") dimension.
//   If the host's sum of want fits its physical guest capacity C, every VM gets want_i.
//   Otherwise g_i = min(demand_i', reservation_i) is guaranteed (if sum g <= C) and the rest,
//   C - sum g, goes out by weighted max-min fairness with limits want_i - g_i; if even the
//   guarantees exceed C (only possible with oversubscription) the guarantees themselves are
//   shared by weighted max-min with limits g_i. Integer grants: floor of the fair level, then
//   the leftover units one each to the unsaturated VMs in increasing VM id.
//
// Reads the placement engine's own tables (vHost, vDemand as reservations, hVmHead/vNext),
// never copies them. Per-VM inputs/outputs are VEC-strided like vDemand so one v128 op covers
// four dimensions. Tables that persist across ticks (tokens, hot runs) are double-buffered: a
// tick reads one copy and writes the other, and only a tick that returns flips them, so a trap
// mid-tick leaves the last committed state intact.

import { allocTable, scratch } from "./memory";
import { DIMS, HOSTS, LANES, VEC, VMS, hVmCount, hVmHead, vDemand, vHost, vNext } from "./state";

const I32_MAX: i32 = 0x7fffffff;
export const QUOTA_MAX_HOST_VMS: i32 = 65536; // weights < 2^16, so every product fits in i64

let qTypes: i32 = 0;
let qType: usize = 0;        // u16 per host: enforcement type index
let qTypeCap: usize = 0;     // VEC per type: physical guest capacity (capacity - reservation)
let qDemand: usize = 0;      // VEC per VM: this tick's demand (input)
let qGrant: usize = 0;       // VEC per VM: this tick's grant (output)
let qCap: usize = 0;         // VEC per VM: burst cap, 0 = reservation
let qWeight: usize = 0;      // u16 per VM, >= 1
let qDepth: usize = 0;       // i32 per VM: bucket depth, 0 = bucketTicks x rate
let qTokA: usize = 0;               // i32 per VM: tokens left after the last tick, -1 = full
let qTokB: usize = 0;
let qHotA: usize = 0;               // u32 per host: consecutive ticks with demand > capacity
let qHotB: usize = 0;
let qHostDemand: usize = 0;  // VEC per host: sum of raw demand (saturating at I32_MAX)
let qHostWant: usize = 0;    // VEC per host: sum of want (saturating at I32_MAX)
let qHotList: usize = 0;     // u32 per host: hot hosts of the last tick
let qStats: usize = 0;       // see quotaTick
let qCur: i32 = 0;                  // which copy of tokens / hot runs is committed
let qHasCaps: bool = false;
let qHasDepths: bool = false;
let qShaped: i32 = -1;              // dimension shaped by the token bucket, -1 = none
let qBucketTicks: i32 = 10;
let qTrapAt: i32 = -1;              // test hook: trap at this VM index in the next tick
let qTick: u32 = 0;

// Stats layout (i64 slots): [0..16) demand, [16..32) want, [32..48) granted totals per dim,
// [48..64) throttled VM count per dim, [64..80) contended hosts per dim, [80] hot count, [81] error.
const ST_DEMAND: usize = 0;
const ST_WANT: usize = 16;
const ST_GRANT: usize = 32;
const ST_THROTTLED: usize = 48;
const ST_CONTENDED: usize = 64;
const ST_HOT: usize = 80;
const ST_ERROR: usize = 81;
const ST_SLOTS: usize = 82;

/** Allocates the quota tables for the engine's current size. */
export function quotaInit(types: i32, shaped: i32, bucketTicks: i32): void {
  const H = <usize>HOSTS;
  const V = <usize>VMS;
  qTypes = types;
  qType = allocTable(H * 2);
  qTypeCap = allocTable(<usize>types * VEC);
  qDemand = allocTable(V * VEC);
  qGrant = allocTable(V * VEC);
  qCap = allocTable(V * VEC);
  qWeight = allocTable(V * 2);
  for (let v: usize = 0; v < V; v++) store<u16>(qWeight + (v << 1), 1);
  qDepth = allocTable(V * 4);
  qTokA = allocTable(V * 4);
  memory.fill(qTokA, 0xff, V * 4);
  qTokB = allocTable(V * 4);
  memory.fill(qTokB, 0xff, V * 4);
  qHotA = allocTable(H * 4);
  qHotB = allocTable(H * 4);
  qHostDemand = allocTable(H * VEC);
  qHostWant = allocTable(H * VEC);
  qHotList = allocTable(H * 4);
  qStats = allocTable(ST_SLOTS * 8);
  qCur = 0;
  qHasCaps = false;
  qHasDepths = false;
  qShaped = shaped;
  qBucketTicks = bucketTicks;
  qTrapAt = -1;
  qTick = 0;
}

export function quotaSetFlags(hasCaps: bool, hasDepths: bool): void {
  qHasCaps = hasCaps;
  qHasDepths = hasDepths;
}
export function quotaSetTrapAt(vm: i32): void { qTrapAt = vm; }
export function quotaTypeTable(): usize { return qTypeCap; }
export function quotaHostTypeTable(): usize { return qType; }
export function quotaDemandTable(): usize { return qDemand; }
export function quotaGrantTable(): usize { return qGrant; }
export function quotaCapTable(): usize { return qCap; }
export function quotaWeightTable(): usize { return qWeight; }
export function quotaDepthTable(): usize { return qDepth; }
export function quotaTokensTable(): usize { return qCur == 0 ? qTokA : qTokB; }
export function quotaHotRunTable(): usize { return qCur == 0 ? qHotA : qHotB; }
export function quotaHostDemandTable(): usize { return qHostDemand; }
export function quotaHostWantTable(): usize { return qHostWant; }
export function quotaHotListTable(): usize { return qHotList; }
export function quotaStatsTable(): usize { return qStats; }
export function quotaTicks(): u32 { return qTick; }

/** Bucket after this tick's refill: min(depth, tokens + rate), a full bucket when unset. */
@inline function refill(v: usize, tokIn: usize, rate: i32): i32 {
  let depth: i32;
  if (qHasDepths) {
    depth = load<i32>(qDepth + (v << 2));
    if (depth == 0) depth = <i32>min<i64>(<i64>I32_MAX, <i64>qBucketTicks * <i64>rate);
    else if (depth < rate) depth = rate; // a bucket never holds back the guaranteed rate
  } else {
    depth = <i32>min<i64>(<i64>I32_MAX, <i64>qBucketTicks * <i64>rate);
  }
  const t = load<i32>(tokIn + (v << 2));
  if (t < 0) return depth;
  return <i32>min<i64>(<i64>depth, <i64>t + <i64>rate);
}

@inline function satAdd(a: v128, b: v128): v128 {
  // both operands are in [0, I32_MAX], so the u32 sum cannot wrap
  return i32x4.min_u(i32x4.add(a, b), i32x4.splat(I32_MAX));
}

/**
 * One tick for the whole fleet: demands in qDemand, grants out in qGrant, per-host sums in
 * qHostDemand / qHostWant, hot hosts (demand > capacity for `hotTicks` consecutive ticks,
 * in any dimension) in qHotList. Returns the number of hot hosts, or -1 if a host holds more
 * than QUOTA_MAX_HOST_VMS VMs and is contended (nothing is committed then).
 */
export function quotaTick(hotTicks: u32): i32 {
  const H = <usize>HOSTS;
  const V = <usize>VMS;
  const tokIn = qCur == 0 ? qTokA : qTokB;
  const tokOut = qCur == 0 ? qTokB : qTokA;
  const hotIn = qCur == 0 ? qHotA : qHotB;
  const hotOut = qCur == 0 ? qHotB : qHotA;
  memory.fill(qHostDemand, 0, H * VEC);
  memory.fill(qHostWant, 0, H * VEC);
  memory.fill(qStats, 0, ST_SLOTS * 8);
  const shaped = qShaped;
  const sChunk: i32 = shaped < 0 ? -1 : shaped >> 2;
  const sOff: usize = shaped < 0 ? 0 : <usize>shaped << 2;
  const sLane = shaped & 3;
  const sMask = i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(sLane));
  const hasCaps = qHasCaps;
  const trapAt = qTrapAt;

  // ---- VM pass: want = min(demand', capEff), host sums, throttled counts ----
  if (LANES == 1) {
    let thr = i32x4.splat(0);
    for (let v: usize = 0; v < V; v++) {
      const h = load<i32>(vHost + (v << 2));
      const gp = qGrant + (v << 4);
      if (h < 0) {
        v128.store(gp, i32x4.splat(0));
        if (shaped >= 0) store<i32>(tokOut + (v << 2), -1);
        continue;
      }
      if (<i32>v == trapAt) unreachable();
      const d = v128.load(qDemand + (v << 4));
      const r = v128.load(vDemand + (v << 4));
      const ce = hasCaps ? i32x4.max_s(v128.load(qCap + (v << 4)), r) : r;
      let de = d;
      let t: i32 = 0;
      if (shaped >= 0) {
        t = refill(v, tokIn, load<i32>(vDemand + (v << 4) + sOff));
        de = v128.bitselect(i32x4.min_s(d, i32x4.splat(t)), d, sMask);
      }
      const want = i32x4.min_s(de, ce);
      v128.store(gp, want);
      thr = i32x4.sub(thr, i32x4.gt_s(d, want));
      if (shaped >= 0) store<i32>(tokOut + (v << 2), t - load<i32>(gp + sOff));
      const hd = qHostDemand + (<usize>h << 4);
      const hw = qHostWant + (<usize>h << 4);
      v128.store(hd, satAdd(v128.load(hd), d));
      v128.store(hw, satAdd(v128.load(hw), want));
    }
    // (store the lane counts through memory: lane extraction needs constant indices)
    const tmp = qStats + ((ST_SLOTS - 2) << 3); // two spare i64 slots = one v128
    v128.store(tmp, thr);
    for (let d = 0; d < 4; d++) store<i64>(qStats + ((ST_THROTTLED + <usize>d) << 3), <i64>load<i32>(tmp + (<usize>d << 2)));
    store<i64>(tmp, 0);
    store<i64>(tmp + 8, 0);
  } else {
    for (let v: usize = 0; v < V; v++) {
      const h = load<i32>(vHost + (v << 2));
      const gp = qGrant + v * VEC;
      if (h < 0) {
        memory.fill(gp, 0, VEC);
        if (shaped >= 0) store<i32>(tokOut + (v << 2), -1);
        continue;
      }
      if (<i32>v == trapAt) unreachable();
      let t: i32 = 0;
      if (shaped >= 0) t = refill(v, tokIn, load<i32>(vDemand + v * VEC + sOff));
      const hd = qHostDemand + <usize>h * VEC;
      const hw = qHostWant + <usize>h * VEC;
      for (let k = 0; k < LANES; k++) {
        const o = <usize>k << 4;
        const d = v128.load(qDemand + v * VEC + o);
        const r = v128.load(vDemand + v * VEC + o);
        const ce = hasCaps ? i32x4.max_s(v128.load(qCap + v * VEC + o), r) : r;
        const de = k == sChunk ? v128.bitselect(i32x4.min_s(d, i32x4.splat(t)), d, sMask) : d;
        const want = i32x4.min_s(de, ce);
        v128.store(gp + o, want);
        v128.store(hd + o, satAdd(v128.load(hd + o), d));
        v128.store(hw + o, satAdd(v128.load(hw + o), want));
        for (let l = 0; l < 4; l++) {
          const dd = (k << 2) + l;
          if (dd >= DIMS) break;
          const lo = <usize>l << 2;
          if (load<i32>(qDemand + v * VEC + o + lo) > load<i32>(gp + o + lo)) {
            const p = qStats + ((ST_THROTTLED + <usize>dd) << 3);
            store<i64>(p, load<i64>(p) + 1);
          }
        }
      }
      if (shaped >= 0) store<i32>(tokOut + (v << 2), t - load<i32>(gp + sOff));
    }
  }

  // ---- host pass: contention, hot runs, totals; fair shares on contended hosts ----
  const maxv = i32x4.splat(I32_MAX);
  let hot: i32 = 0;
  for (let h: usize = 0; h < H; h++) {
    const cp = qTypeCap + <usize>load<u16>(qType + (h << 1)) * VEC;
    let contended: u32 = 0;
    let over = false;
    for (let k = 0; k < LANES; k++) {
      const o = <usize>k << 4;
      const c = v128.load(cp + o);
      const w = v128.load(qHostWant + h * VEC + o);
      const dm = v128.load(qHostDemand + h * VEC + o);
      // a saturated sum cannot be compared exactly: let the fair-share pass decide
      const cm = v128.or(i32x4.gt_s(w, c), i32x4.eq(w, maxv));
      contended |= <u32>i32x4.bitmask(cm) << (<u32>k << 2);
      over = over || v128.any_true(i32x4.gt_s(dm, c));
      const g = i32x4.min_s(w, c);
      const sd = qStats + ((ST_DEMAND + (<usize>k << 2)) << 3);
      const sw = qStats + ((ST_WANT + (<usize>k << 2)) << 3);
      const sg = qStats + ((ST_GRANT + (<usize>k << 2)) << 3);
      v128.store(sd, i64x2.add(v128.load(sd), i64x2.extend_low_i32x4_u(dm)));
      v128.store(sd + 16, i64x2.add(v128.load(sd + 16), i64x2.extend_high_i32x4_u(dm)));
      v128.store(sw, i64x2.add(v128.load(sw), i64x2.extend_low_i32x4_u(w)));
      v128.store(sw + 16, i64x2.add(v128.load(sw + 16), i64x2.extend_high_i32x4_u(w)));
      v128.store(sg, i64x2.add(v128.load(sg), i64x2.extend_low_i32x4_u(g)));
      v128.store(sg + 16, i64x2.add(v128.load(sg + 16), i64x2.extend_high_i32x4_u(g)));
    }
    const run = over ? load<u32>(hotIn + (h << 2)) + 1 : 0;
    store<u32>(hotOut + (h << 2), run);
    if (run >= hotTicks && over) {
      store<u32>(qHotList + (<usize>hot << 2), <u32>h);
      hot++;
    }
    if (contended != 0) {
      if (!shareHost(<i32>h, contended, tokIn, tokOut)) {
        store<i64>(qStats + (ST_ERROR << 3), <i64>h + 1);
        return -1;
      }
    }
  }
  store<i64>(qStats + (ST_HOT << 3), hot);
  qCur ^= 1;
  qTick++;
  qTrapAt = -1;
  return hot;
}

// Scratch layout for one contended host of n VMs: ids u32, lim i32, base i32, wt u32, out i32, act u8.
let sIds: usize = 0;
let sLim: usize = 0;
let sBase: usize = 0;
let sWt: usize = 0;
let sOut: usize = 0;
let sAct: usize = 0;

@inline function at4(p: usize, i: i32): usize { return p + (<usize>i << 2); }

/** Sorts n u32 ids ascending (insertion sort for short runs, shell sort otherwise). */
function sortIds(p: usize, n: i32): void {
  let gap = 1;
  while (gap < n / 3) gap = gap * 3 + 1;
  for (; gap >= 1; gap = (gap - 1) / 3) {
    for (let i = gap; i < n; i++) {
      const x = load<u32>(at4(p, i));
      let j = i;
      while (j >= gap && load<u32>(at4(p, j - gap)) > x) {
        store<u32>(at4(p, j), load<u32>(at4(p, j - gap)));
        j -= gap;
      }
      store<u32>(at4(p, j), x);
    }
    if (gap == 1) break;
  }
}

/** Weighted max-min fair split of `total` among n entries with limits sLim and weights sWt
 *  (sum of limits > total assumed but not required). Result in sOut. */
function waterfill(n: i32, total: i64): void {
  let W: i64 = 0;
  for (let i = 0; i < n; i++) {
    store<i32>(at4(sOut, i), 0);
    const act = load<i32>(at4(sLim, i)) > 0;
    store<u8>(sAct + <usize>i, act ? 1 : 0);
    if (act) W += <i64>load<u32>(at4(sWt, i));
  }
  let T = total;
  while (W > 0) {
    // every entry whose limit is under the current level is saturated at the final level too
    let dT: i64 = 0;
    let dW: i64 = 0;
    for (let i = 0; i < n; i++) {
      if (load<u8>(sAct + <usize>i) == 0) continue;
      const l = <i64>load<i32>(at4(sLim, i));
      const w = <i64>load<u32>(at4(sWt, i));
      if (l * W <= w * T) {
        store<i32>(at4(sOut, i), <i32>l);
        store<u8>(sAct + <usize>i, 0);
        dT += l;
        dW += w;
      }
    }
    if (dW == 0) break;
    T -= dT;
    W -= dW;
  }
  if (W == 0) return;
  let rem = T;
  for (let i = 0; i < n; i++) {
    if (load<u8>(sAct + <usize>i) == 0) continue;
    const x = (<i64>load<u32>(at4(sWt, i)) * T) / W;
    store<i32>(at4(sOut, i), <i32>x);
    rem -= x;
  }
  // fewer than n units are left; each unsaturated entry has room for one more
  for (let i = 0; i < n && rem > 0; i++) {
    if (load<u8>(sAct + <usize>i) == 0) continue;
    store<i32>(at4(sOut, i), load<i32>(at4(sOut, i)) + 1);
    rem--;
  }
}

/** Re-shares the contended dimensions (bit d of `dims`) of host h. */
function shareHost(h: i32, dims: u32, tokIn: usize, tokOut: usize): bool {
  const n = <i32>load<u32>(hVmCount + (<usize>h << 2));
  if (n > QUOTA_MAX_HOST_VMS) return false;
  const N = <usize>n;
  const base = scratch(N * 21 + 64);
  sIds = base;
  sLim = sIds + (N << 2);
  sBase = sLim + (N << 2);
  sWt = sBase + (N << 2);
  sOut = sWt + (N << 2);
  sAct = sOut + (N << 2);
  let c = 0;
  let v = load<i32>(hVmHead + (<usize>h << 2));
  while (v >= 0) {
    store<u32>(at4(sIds, c++), <u32>v);
    v = load<i32>(vNext + (<usize>v << 2));
  }
  sortIds(sIds, n);
  for (let i = 0; i < n; i++) {
    store<u32>(at4(sWt, i), <u32>load<u16>(qWeight + (<usize>load<u32>(at4(sIds, i)) << 1)));
  }
  const cp = qTypeCap + <usize>load<u16>(qType + (<usize>h << 1)) * VEC;
  let m = dims;
  while (m != 0) {
    const d = <i32>ctz(m);
    m &= m - 1;
    if (d >= DIMS) continue;
    const o = <usize>d << 2;
    const C = <i64>load<i32>(cp + o);
    let G: i64 = 0;
    for (let i = 0; i < n; i++) {
      const vm = <usize>load<u32>(at4(sIds, i));
      const dem = load<i32>(qDemand + vm * VEC + o);
      const r = load<i32>(vDemand + vm * VEC + o);
      const ce = qHasCaps ? max(load<i32>(qCap + vm * VEC + o), r) : r;
      const de = d == qShaped ? min(dem, refill(vm, tokIn, r)) : dem;
      const g = min(de, r);
      store<i32>(at4(sBase, i), g);
      store<i32>(at4(sLim, i), min(de, ce) - g);
      G += <i64>g;
    }
    let total: i64;
    if (G > C) {
      // oversubscribed: the guarantees themselves are shared by weight
      for (let i = 0; i < n; i++) {
        store<i32>(at4(sLim, i), load<i32>(at4(sBase, i)));
        store<i32>(at4(sBase, i), 0);
      }
      total = C;
    } else {
      total = C - G;
    }
    waterfill(n, total);
    const st = qStats + ((ST_THROTTLED + <usize>d) << 3);
    const sg = qStats + ((ST_GRANT + <usize>d) << 3);
    let granted: i64 = 0;
    for (let i = 0; i < n; i++) {
      const vm = <usize>load<u32>(at4(sIds, i));
      const gp = qGrant + vm * VEC + o;
      const before = load<i32>(gp);
      const dem = load<i32>(qDemand + vm * VEC + o);
      const x = load<i32>(at4(sBase, i)) + load<i32>(at4(sOut, i));
      store<i32>(gp, x);
      granted += <i64>x;
      if (before >= dem && x < dem) store<i64>(st, load<i64>(st) + 1);
      if (d == qShaped) {
        const tp = tokOut + (vm << 2);
        store<i32>(tp, load<i32>(tp) + (before - x));
      }
    }
    // the host pass counted min(sum want, C); correct it to what was actually granted
    store<i64>(sg, load<i64>(sg) - min<i64>(<i64>load<i32>(qHostWant + <usize>h * VEC + o), C) + granted);
    const sc = qStats + ((ST_CONTENDED + <usize>d) << 3);
    store<i64>(sc, load<i64>(sc) + 1);
  }
  return true;
}
