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
// Reads the placement engine's own tables (vHost, vDemand as reservations, hVmCount), never
// copies them. With up to four dimensions the tick walks the VMs grouped by blocks of hosts
// (qBlk) and re-shares contended hosts from their groups (qOrder), both caches of vHost checked
// entry by entry as they are used and rebuilt when placements changed (tickBlocked); with more,
// it runs in VM order and gathers the contended hosts' VMs (shareContended). Per-VM
// inputs/outputs are VEC-strided like vDemand so one v128 op covers four dimensions. Tables that
// persist across ticks (tokens, hot runs) are double-buffered: a tick reads one copy and writes
// the other, and only a tick that returns flips them, so a trap mid-tick leaves the last
// committed state intact.

import { allocTable, scratch } from "./memory";
import { DIMS, HOSTS, LANES, VEC, VMS, hostVmCount, vDemand, vHost, vNext } from "./state";

const I32_MAX: i32 = 0x7fffffff;
export const QUOTA_MAX_HOST_VMS: i32 = 65536; // weights < 2^16, so every product fits in i64

let qTypes: i32 = 0;
let qType: usize = 0;        // u16 per host: enforcement type index
let qTypeCap: usize = 0;     // VEC per type: physical guest capacity (capacity - reservation)
let qDemand: usize = 0;      // VEC per VM: this tick's demand (input)
let qGrant: usize = 0;       // VEC per VM: this tick's grant (output)
let qCap: usize = 0;         // qCapW bytes per VM: burst caps of the shared dimensions, 0 = the
                             // reservation (hard dimensions have none): with up to four
                             // dimensions and at most two shared, only theirs, side by side
                             // (4 or 8 bytes a VM, less to read per tick); otherwise VEC, by dim
let qCapW: usize = 16;       // bytes per VM in qCap
let qCapSlot: usize = 0;     // u8 per dimension (LANES == 1): its i32 slot in a qCap row, 0xff = none
let qWeight: usize = 0;      // u16 per VM, >= 1
let qDepth: usize = 0;       // i32 per VM: bucket depth, 0 = bucketTicks x rate
let qTokA: usize = 0;               // i32 per VM: tokens left after the last tick, -1 = full
let qTokB: usize = 0;
let qHotA: usize = 0;               // u32 per host: consecutive ticks with demand > capacity
let qHotB: usize = 0;
let qHostSums: usize = 0;    // 2 x VEC per host: sum of want, then sum of raw demand (both
                             // saturating at I32_MAX), side by side: one cache line per VM update
let qHotList: usize = 0;     // u32 per host: hot hosts of the last tick
let qHostMask: usize = 0;    // u16 per host: contended dimensions this tick (bit d)
let qHostCur: usize = 0;     // u32 per host: cursor into the contended-VM records
let qCList: usize = 0;       // u32 per host: contended hosts of this tick
let qHostBits: usize = 0;    // 1 bit per host: contended in some dimension (small enough for L1)
let qStats: usize = 0;       // see quotaTick
let qAcc: usize = 0;         // running totals of tickBlocked (ACC_*)
let qOrder: usize = 0;       // u32 per VM: VM ids grouped by host, in increasing host then id;
                             // the unplaced VMs last (a cache of vHost, see buildOrder)
let qStart: usize = 0;       // u32 per host + 2: where each host's group starts in qOrder
                             // (group HOSTS = the unplaced VMs; qStart[HOSTS + 1] = VMS)
let qOrderOk: bool = false;  // qOrder was built for this instance (checked against vHost anyway)
let qMaxN: i32 = 0;          // largest host group in qOrder
let qBlk: usize = 0;         // u32 per VM: VM ids grouped by block of hosts, in increasing block
                             // then id; the unplaced VMs last (see buildOrder)
let qBlkStart: usize = 0;    // u32 per block + 2: where each block's VMs start in qBlk
let qBlkShiftBuilt: i32 = 0; // blocks of qBlk: 2^qBlkShiftBuilt hosts
let qMode: i32 = 0;          // test hook: block size, 0 = default, 1 = one host, 2 = whole fleet
let qCur: i32 = 0;                  // which copy of tokens / hot runs is committed
let qHasCaps: bool = false;
let qHasDepths: bool = false;
let qShaped: i32 = -1;              // dimension shaped by the token bucket, -1 = none
let qBucketTicks: i32 = 10;
let qTrapAt: i32 = -1;              // test hook: trap at this VM index in the next tick
let qTick: u32 = 0;

// Stats layout (i64 slots): [0..16) demand, [16..32) unused (was want: nobody read it),
// [32..48) granted totals per dim,
// [48..64) throttled VM count per dim, [64..80) contended hosts per dim, [80] hot count, [81] error.
const ST_DEMAND: usize = 0;
const ST_GRANT: usize = 32;
const ST_THROTTLED: usize = 48;
const ST_CONTENDED: usize = 64;
const ST_HOT: usize = 80;
const ST_ERROR: usize = 81;
const ST_SLOTS: usize = 82;

/** Allocates the quota tables for the engine's current size; `sharedMask` has bit d set when
 *  dimension d is shared (may hold a burst cap). */
export function quotaInit(types: i32, shaped: i32, bucketTicks: i32, sharedMask: u32): void {
  const H = <usize>HOSTS;
  const V = <usize>VMS;
  qTypes = types;
  qAcc = allocTable(ACC_BYTES);
  qCapSlot = allocTable(16);
  memory.fill(qCapSlot, 0xff, 16);
  const nShared = popcnt(sharedMask & 0xf);
  if (LANES == 1 && nShared <= 2) {
    qCapW = nShared <= 1 ? 4 : 8;
    let j: u8 = 0;
    for (let d = 0; d < DIMS; d++) if ((sharedMask >> <u32>d) & 1) store<u8>(qCapSlot + <usize>d, j++);
  } else {
    qCapW = VEC;
    for (let d = 0; d < min(DIMS, 16); d++) store<u8>(qCapSlot + <usize>d, <u8>d);
  }
  // i8x16.swizzle indices from a qCap row (as loaded into a v128) to the dimensions' lanes
  const sw = qAcc + ACC_CAPSWZ;
  for (let d: usize = 0; d < 16; d++) {
    const slot = load<u8>(qCapSlot + (d >> 2));
    store<u8>(sw + d, slot == 0xff ? 0x80 : (slot << 2) + <u8>(d & 3));
  }
  qType = allocTable(H * 2);
  qTypeCap = allocTable(<usize>types * VEC);
  qDemand = allocTable(V * VEC);
  qGrant = allocTable(V * VEC);
  qCap = allocTable(V * qCapW);
  qWeight = allocTable(V * 2);
  for (let v: usize = 0; v < V; v++) store<u16>(qWeight + (v << 1), 1);
  qDepth = allocTable(V * 4);
  qTokA = allocTable(V * 4);
  memory.fill(qTokA, 0xff, V * 4);
  qTokB = allocTable(V * 4);
  memory.fill(qTokB, 0xff, V * 4);
  qHotA = allocTable(H * 4);
  qHotB = allocTable(H * 4);
  qHostSums = allocTable(H * VEC * 2);
  qHotList = allocTable(H * 4);
  qHostMask = allocTable(H * 2);
  qHostCur = allocTable(H * 4);
  qCList = allocTable(H * 4);
  qHostBits = allocTable(((H + 31) >> 5) << 2);
  qStats = allocTable(ST_SLOTS * 8);
  qOrder = allocTable(V * 4);
  qStart = allocTable((H + 2) * 4);
  qBlk = allocTable(V * 4);
  qBlkStart = allocTable((H + 2) * 4);
  qOrderOk = false;
  qMaxN = 0;
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
/** Test hook: the tick order, 0 = by blocks of hosts (default), 1 = host by host, 2 = VM order
 *  (the same results every way). */
export function quotaSetOrderMode(mode: i32): void {
  if (mode != qMode) qOrderOk = false;
  qMode = mode;
}
export function quotaTypeTable(): usize { return qTypeCap; }
export function quotaHostTypeTable(): usize { return qType; }
export function quotaDemandTable(): usize { return qDemand; }
export function quotaGrantTable(): usize { return qGrant; }
export function quotaCapTable(): usize { return qCap; }
/** i32 per VM in the cap table (see qCap). */
export function quotaCapStride(): i32 { return <i32>(qCapW >> 2); }
export function quotaWeightTable(): usize { return qWeight; }
export function quotaDepthTable(): usize { return qDepth; }
export function quotaTokensTable(): usize { return qCur == 0 ? qTokA : qTokB; }
export function quotaHotRunTable(): usize { return qCur == 0 ? qHotA : qHotB; }
export function quotaHostSumsTable(): usize { return qHostSums; }
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
 * qHostSums, hot hosts (demand > capacity for `hotTicks` consecutive ticks,
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
  if (LANES == 1) {
    if (!qOrderOk) buildOrder();
    let hot = tickBlocked(hotTicks, tokIn, tokOut, hotIn, hotOut);
    if (hot == STALE) {
      // placements changed since the orders were built: rebuild them and run the tick again
      // from the start (nothing of the committed state was touched)
      buildOrder();
      hot = tickBlocked(hotTicks, tokIn, tokOut, hotIn, hotOut);
      if (hot == STALE) unreachable(); // just built
    }
    if (hot < 0) return hot;
    qCur ^= 1;
    qTick++;
    qTrapAt = -1;
    return hot;
  }
  // More than four dimensions: the tick in VM order, contended hosts gathered and re-shared
  memory.fill(qHostSums, 0, H * VEC * 2);
  memory.fill(qHostBits, 0, ((H + 31) >> 5) << 2);
  memory.fill(qStats, 0, ST_SLOTS * 8);
  const shaped = qShaped;
  const sChunk: i32 = shaped < 0 ? -1 : shaped >> 2;
  const sOff: usize = shaped < 0 ? 0 : <usize>shaped << 2;
  const sLane = shaped & 3;
  const sMask = i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(sLane));
  const hasCaps = qHasCaps;
  const trapAt = qTrapAt;

  // ---- VM pass: want = min(demand', capEff), host sums, throttled counts ----
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
    const hw = qHostSums + <usize>h * VEC * 2;
    const hd = hw + VEC;
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

  // ---- host pass: contention, hot runs, totals; fair shares on contended hosts ----
  const maxv = i32x4.splat(I32_MAX);
  let hot: i32 = 0;
  let nc: i32 = 0;      // contended hosts
  let recs: usize = 0;  // VMs on them
  let maxN: u32 = 0;
  for (let h: usize = 0; h < H; h++) {
    const cp = qTypeCap + <usize>load<u16>(qType + (h << 1)) * VEC;
    let contended: u32 = 0;
    let over = false;
    for (let k = 0; k < LANES; k++) {
      const o = <usize>k << 4;
      const c = v128.load(cp + o);
      const w = v128.load(qHostSums + h * VEC * 2 + o);
      const dm = v128.load(qHostSums + h * VEC * 2 + VEC + o);
      // a saturated sum cannot be compared exactly: let the fair-share pass decide
      const cm = v128.or(i32x4.gt_s(w, c), i32x4.eq(w, maxv));
      contended |= <u32>i32x4.bitmask(cm) << (<u32>k << 2);
      over = over || v128.any_true(i32x4.gt_s(dm, c));
      const g = i32x4.min_s(w, c);
      const sd = qStats + ((ST_DEMAND + (<usize>k << 2)) << 3);
      const sg = qStats + ((ST_GRANT + (<usize>k << 2)) << 3);
      v128.store(sd, i64x2.add(v128.load(sd), i64x2.extend_low_i32x4_u(dm)));
      v128.store(sd + 16, i64x2.add(v128.load(sd + 16), i64x2.extend_high_i32x4_u(dm)));
      v128.store(sg, i64x2.add(v128.load(sg), i64x2.extend_low_i32x4_u(g)));
      v128.store(sg + 16, i64x2.add(v128.load(sg + 16), i64x2.extend_high_i32x4_u(g)));
    }
    const run = over ? load<u32>(hotIn + (h << 2)) + 1 : 0;
    store<u32>(hotOut + (h << 2), run);
    if (run >= hotTicks && over) {
      store<u32>(qHotList + (<usize>hot << 2), <u32>h);
      hot++;
    }
    store<u16>(qHostMask + (h << 1), <u16>contended);
    if (contended != 0) {
      const n = hostVmCount(<i32>h);
      if (n > <u32>QUOTA_MAX_HOST_VMS) {
        store<i64>(qStats + (ST_ERROR << 3), <i64>h + 1);
        return -1;
      }
      store<u32>(qHostCur + (h << 2), <u32>recs);
      const bp = qHostBits + ((h >> 5) << 2);
      store<u32>(bp, load<u32>(bp) | (<u32>1 << <u32>(h & 31)));
      store<u32>(qCList + (<usize>nc << 2), <u32>h);
      nc++;
      recs += <usize>n;
      if (n > maxN) maxN = n;
    }
  }
  if (nc > 0) {
    shareContended(nc, recs, <i32>maxN, tokIn, tokOut);
  }
  store<i64>(qStats + (ST_HOT << 3), hot);
  qCur ^= 1;
  qTick++;
  qTrapAt = -1;
  return hot;
}

// More than four dimensions (LANES > 1): contended hosts are re-shared from compact records,
// gathered and scattered in two sequential passes over the VM table (in increasing VM id, so
// each host's records come out in id order with no sort and no pointer chasing): rId u32, rW u32, rD (demand after the bucket), rR
// (reservation), rC (effective cap), rX (result), VEC each; then per-host work arrays.
let rId: usize = 0;
let rW: usize = 0;
let rD: usize = 0;
let rR: usize = 0;
let rC: usize = 0;
let rX: usize = 0;
let rT: usize = 0;   // i32: tokens after refill (shaped dimension)
let sLim: usize = 0;
let sBase: usize = 0;
let sWt: usize = 0;
let sOut: usize = 0;
let sAct: usize = 0;

@inline function at4(p: usize, i: i32): usize { return p + (<usize>i << 2); }

/** One contended dimension of one host: guarantees (sBase, summing to G) are granted and the
 *  rest of capacity C goes by weighted max-min up to the limits sLim; result sBase + sOut.
 *  If even the guarantees exceed C (oversubscription), the guarantees themselves are shared. */
function shareAboveGuarantees(n: i32, G: i64, C: i64): void {
  if (G > C) {
    for (let i = 0; i < n; i++) {
      store<i32>(at4(sLim, i), load<i32>(at4(sBase, i)));
      store<i32>(at4(sBase, i), 0);
    }
    waterfill(n, C);
  } else {
    waterfill(n, C - G);
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
    // floor(w T / W) without a 64-bit division: w T < 2^47 is exact in f64, then correct by one
    const wT = <i64>load<u32>(at4(sWt, i)) * T;
    let x = <i64>Math.floor(<f64>wT / <f64>W);
    if (x * W > wT) x--;
    else if ((x + 1) * W <= wT) x++;
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

function shareContended(nc: i32, recs: usize, maxN: i32, tokIn: usize, tokOut: usize): void {
  const N = <usize>maxN;
  const base = scratch(recs * (12 + VEC * 4) + N * 17 + 64);
  rId = base;
  rW = rId + (recs << 2);
  rT = rW + (recs << 2);
  rD = (rT + (recs << 2) + 15) & ~<usize>15;
  rR = rD + recs * VEC;
  rC = rR + recs * VEC;
  rX = rC + recs * VEC;
  sLim = rX + recs * VEC;
  sBase = sLim + (N << 2);
  sWt = sBase + (N << 2);
  sOut = sWt + (N << 2);
  sAct = sOut + (N << 2);
  const V = <usize>VMS;
  const shaped = qShaped;
  const sOff: usize = shaped < 0 ? 0 : <usize>shaped << 2;
  const hasCaps = qHasCaps;

  // gather: VMs of contended hosts, in increasing id
  for (let v: usize = 0; v < V; v++) {
    const h = load<i32>(vHost + (v << 2));
    if (h < 0) continue;
    if ((load<u32>(qHostBits + (<usize>(h >>> 5) << 2)) & (<u32>1 << <u32>(h & 31))) == 0) continue;
    const cp = qHostCur + (<usize>h << 2);
    const k = <usize>load<u32>(cp);
    store<u32>(cp, <u32>(k + 1));
    store<u32>(rId + (k << 2), <u32>v);
    store<u32>(rW + (k << 2), <u32>load<u16>(qWeight + (v << 1)));
    for (let j: usize = 0; j < VEC; j += 16) {
      const r = v128.load(vDemand + v * VEC + j);
      v128.store(rD + k * VEC + j, v128.load(qDemand + v * VEC + j));
      v128.store(rR + k * VEC + j, r);
      v128.store(rC + k * VEC + j, hasCaps ? i32x4.max_s(v128.load(qCap + v * VEC + j), r) : r);
    }
    if (shaped >= 0) store<i32>(rT + (k << 2), refill(v, tokIn, load<i32>(vDemand + v * VEC + sOff)));
  }

  // share: per contended host and dimension
  for (let c = 0; c < nc; c++) {
    const h = <usize>load<u32>(qCList + (<usize>c << 2));
    const n = <i32>hostVmCount(<i32>h);
    const end = <usize>load<u32>(qHostCur + (h << 2));
    const first = end - <usize>n;
    store<u32>(qHostCur + (h << 2), <u32>first); // rewound for the scatter pass
    for (let i = 0; i < n; i++) store<u32>(at4(sWt, i), load<u32>(rW + ((first + <usize>i) << 2)));
    const cp = qTypeCap + <usize>load<u16>(qType + (h << 1)) * VEC;
    let m = <u32>load<u16>(qHostMask + (h << 1));
    while (m != 0) {
      const d = <i32>ctz(m);
      m &= m - 1;
      const o = <usize>d << 2;
      const C = <i64>load<i32>(cp + o);
      let G: i64 = 0;
      for (let i = 0; i < n; i++) {
        const k = first + <usize>i;
        const raw = load<i32>(rD + k * VEC + o);
        const de = d == shaped ? min(raw, load<i32>(rT + (k << 2))) : raw;
        const r = load<i32>(rR + k * VEC + o);
        const ce = load<i32>(rC + k * VEC + o);
        const g = min(de, r);
        store<i32>(at4(sBase, i), g);
        store<i32>(at4(sLim, i), min(de, ce) - g);
        G += <i64>g;
      }
      shareAboveGuarantees(n, G, C);
      let granted: i64 = 0;
      for (let i = 0; i < n; i++) {
        const x = load<i32>(at4(sBase, i)) + load<i32>(at4(sOut, i));
        store<i32>(rX + (first + <usize>i) * VEC + o, x);
        granted += <i64>x;
      }
      // the host pass counted min(sum want, C); correct it to what was actually granted
      const sg = qStats + ((ST_GRANT + <usize>d) << 3);
      store<i64>(sg, load<i64>(sg) - min<i64>(<i64>load<i32>(qHostSums + h * VEC * 2 + o), C) + granted);
      const sc = qStats + ((ST_CONTENDED + <usize>d) << 3);
      store<i64>(sc, load<i64>(sc) + 1);
    }
  }

  // scatter: results back to the grant table, tokens and throttled counts, record by record
  for (let c = 0; c < nc; c++) {
    const h = <usize>load<u32>(qCList + (<usize>c << 2));
    const n = <usize>hostVmCount(<i32>h);
    const first = <usize>load<u32>(qHostCur + (h << 2));
    const mh = <u32>load<u16>(qHostMask + (h << 1));
    for (let k = first; k < first + n; k++) {
    const v = <usize>load<u32>(rId + (k << 2));
    let m = mh;
    while (m != 0) {
      const d = <i32>ctz(m);
      m &= m - 1;
      const o = <usize>d << 2;
      // everything from the record: the VM's own rows are not read again
      const raw = load<i32>(rD + k * VEC + o);
      const t = d == shaped ? load<i32>(rT + (k << 2)) : 0;
      const want = min(d == shaped ? min(raw, t) : raw, load<i32>(rC + k * VEC + o));
      const x = load<i32>(rX + k * VEC + o);
      store<i32>(qGrant + v * VEC + o, x);
      if (want >= raw && x < raw) {
        const st = qStats + ((ST_THROTTLED + <usize>d) << 3);
        store<i64>(st, load<i64>(st) + 1);
      }
      if (d == shaped) store<i32>(tokOut + (v << 2), t - x);
    }
    }
  }
}

// ---- one vector lane (up to four dimensions): the tick block by block ----
//
// The hosts are cut into blocks of 2^qBlkShiftBuilt consecutive ids. qBlk lists the VM ids grouped
// by their host's block, in increasing id within a block; the tick walks it block by block: the
// VM tables are read in (nearly) increasing id whatever the placement policy (a packed fleet
// and a spread one look alike: a block's VMs are a few runs of consecutive ids), and each VM's
// want and demand go into its host's sums, which for one block are a small slice of qHostSums
// that stays in cache. Then the block's hosts get their verdicts, and the contended ones are
// re-shared from their groups in qOrder (VM ids grouped by host, in increasing id) while the
// block's rows are still in cache. Both orders are a cache of vHost: every entry read is checked
// against it (each VM id appears exactly once in each order, so if every entry sits in its
// VM's current block, or group, the grouping is exact); on a mismatch the tick returns STALE,
// nothing of the committed state has been touched, and it is run again on rebuilt orders.

const STALE: i32 = -2;
// 1024 hosts a block (their sums, 32 KiB, stay in L1), 2048 when each host's VMs have ids far
// apart (spread placements): a block's VMs are then a few runs of consecutive ids, longer runs
// read faster, and its sums still fit in L2
const BLOCK_SHIFT: i32 = 10;
const BLOCK_SHIFT_SCATTERED: i32 = 11;

/** Counting sorts of the VM ids by host and by block (stable: increasing id within each). */
function buildOrder(): void {
  const H = <usize>HOSTS;
  const V = <usize>VMS;
  memory.fill(qStart, 0, (H + 2) * 4);
  for (let v: usize = 0; v < V; v++) {
    const h = load<i32>(vHost + (v << 2));
    const b = h < 0 ? H : <usize>h;
    const p = qStart + ((b + 1) << 2);
    store<u32>(p, load<u32>(p) + 1);
  }
  let maxN: u32 = 0;
  for (let b: usize = 0; b <= H; b++) {
    const n = load<u32>(qStart + ((b + 1) << 2));
    if (b < H && n > maxN) maxN = n;
    store<u32>(qStart + ((b + 1) << 2), n + load<u32>(qStart + (b << 2)));
  }
  // cursors: qHostCur for the hosts and (below) qCList for the blocks, both free here (qCList
  // is rewritten by every tick), locals for the unplaced
  memory.copy(qHostCur, qStart, H * 4);
  let cu = <usize>load<u32>(qStart + (H << 2));
  for (let v: usize = 0; v < V; v++) {
    const h = load<i32>(vHost + (v << 2));
    if (h < 0) {
      store<u32>(qOrder + (cu << 2), <u32>v);
      cu++;
    } else {
      const cp = qHostCur + (<usize>h << 2);
      const k = <usize>load<u32>(cp);
      store<u32>(cp, <u32>(k + 1));
      store<u32>(qOrder + (k << 2), <u32>v);
    }
  }
  // block size: the test hooks ask for one host a block ("host") or one block ("vm")
  const placed = <usize>load<u32>(qStart + (H << 2));
  let shift = BLOCK_SHIFT;
  if (qMode == 1) shift = 0;
  else if (qMode == 2) shift = 31;
  else {
    let far: usize = 0;
    for (let k: usize = 1; k < placed; k++) {
      const a = load<u32>(qOrder + ((k - 1) << 2));
      const c = load<u32>(qOrder + (k << 2));
      if ((a > c ? a - c : c - a) > 64) far++;
    }
    if (far * 2 >= placed) shift = BLOCK_SHIFT_SCATTERED;
  }
  // blocks are runs of hosts: their starts come from the hosts' (the unplaced last)
  const nb = H == 0 ? <usize>0 : ((H - 1) >> <usize>shift) + 1;
  for (let k: usize = 0; k < nb; k++) {
    const s = load<u32>(qStart + ((k << <usize>shift) << 2));
    store<u32>(qBlkStart + (k << 2), s);
    store<u32>(qCList + (k << 2), s);
  }
  store<u32>(qBlkStart + (nb << 2), <u32>placed);
  store<u32>(qBlkStart + ((nb + 1) << 2), <u32>V);
  let bu = placed;
  for (let v: usize = 0; v < V; v++) {
    const h = load<i32>(vHost + (v << 2));
    if (h < 0) {
      store<u32>(qBlk + (bu << 2), <u32>v);
      bu++;
    } else {
      const bp = qCList + ((<usize>h >> <usize>shift) << 2);
      const j = <usize>load<u32>(bp);
      store<u32>(bp, <u32>(j + 1));
      store<u32>(qBlk + (j << 2), <u32>v);
    }
  }
  qBlkShiftBuilt = shift;
  qMaxN = <i32>maxN;
  qOrderOk = true;
}

/** Work arrays of shareHost for host groups of up to qMaxN VMs. */
function shareScratch(): void {
  const N = <usize>qMaxN;
  const base = scratch(N * 21 + 64);
  sLim = base;
  sBase = sLim + (N << 2);
  sWt = sBase + (N << 2);
  sOut = sWt + (N << 2);
  rT = sOut + (N << 2);
  sAct = rT + (N << 2);
}

/** The whole tick for LANES == 1. Returns the hot count, -1 (host over the VM limit) or STALE. */
function tickBlocked(hotTicks: u32, tokIn: usize, tokOut: usize, hotIn: usize, hotOut: usize): i32 {
  const H = <usize>HOSTS;
  memory.fill(qStats, 0, ST_SLOTS * 8);
  memory.fill(qAcc, 0, ACC_MAXV); // (the constants after it stay)
  shareScratch();
  const shaped = qShaped;
  const sLane = shaped & 3;
  v128.store(qAcc, i32x4.splat(I32_MAX), ACC_MAXV);
  v128.store(qAcc, i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(sLane)), ACC_SMASK);
  qRateMax = I32_MAX / qBucketTicks;
  const trapHost: i32 = qTrapAt >= 0 ? load<i32>(vHost + (<usize>qTrapAt << 2)) : -1;
  const shift = <u32>qBlkShiftBuilt;
  const nb = H == 0 ? <usize>0 : ((H - 1) >> <usize>shift) + 1;
  const vmLoop = pickVmLoop(shaped >= 0, qHasCaps ? qCapW : 0, qHasDepths);
  qHotN = 0;
  for (let bi: usize = 0; bi < nb; bi++) {
    const h0 = bi << <usize>shift;
    const h1 = min(H, h0 + (<usize>1 << <usize>shift));
    memory.fill(qHostSums + (h0 << 5), 0, (h1 - h0) << 5);
    const b = <usize>load<u32>(qBlkStart + (bi << 2));
    const e = <usize>load<u32>(qBlkStart + ((bi + 1) << 2));
    if (vmLoop(b, e, <u32>h0, <u32>(h1 - h0), tokIn, tokOut)) return STALE;
    if (trapHost >= 0 && <usize>(<u32>trapHost >>> shift) == bi) unreachable(); // test hook
    const r = blockHosts(h0, h1, hotTicks, tokIn, tokOut, hotIn, hotOut);
    if (r < 0) return r;
  }
  // the unplaced VMs: no grant, a full bucket when placed again
  const e = <usize>load<u32>(qBlkStart + ((nb + 1) << 2));
  for (let k = <usize>load<u32>(qBlkStart + (nb << 2)); k < e; k++) {
    const v = <usize>load<u32>(qBlk + (k << 2));
    if (load<i32>(vHost + (v << 2)) >= 0) return STALE;
    v128.store(qGrant + (v << 4), i32x4.splat(0));
    if (shaped >= 0) store<i32>(tokOut + (v << 2), -1);
  }
  // totals: the per-host corrections of shareHost are already in qStats
  addTotals(ST_DEMAND, v128.load(qAcc, ACC_SD), v128.load(qAcc, ACC_SD + 16));
  addTotals(ST_GRANT, v128.load(qAcc, ACC_SG), v128.load(qAcc, ACC_SG + 16));
  for (let d: usize = 0; d < 4; d++) {
    const p = qStats + ((ST_THROTTLED + d) << 3);
    store<i64>(p, load<i64>(p) + <i64>load<i32>(qAcc + ACC_THR + (d << 2)));
  }
  const hot = qHotN;
  store<i64>(qStats + (ST_HOT << 3), hot);
  return hot;
}

// qAcc: running totals of the tick, kept in memory between blocks (offsets in bytes)
const ACC_THR: usize = 0;  // i32x4 throttled-VM counts (before the shares' corrections)
const ACC_SD: usize = 16;  // 2 x i64x2: sum of host demand sums
                           // [48, 80) unused
const ACC_SG: usize = 80;  // 2 x i64x2: sum of min(want, capacity)
const ACC_MAXV: usize = 112; // i32x4: I32_MAX (read from memory: V8 rebuilds constants per VM)
const ACC_SMASK: usize = 128; // i32x4: all ones in the shaped dimension's lane
const ACC_CAPSWZ: usize = 144; // i8x16: swizzle from a qCap row to the dimensions' lanes (set at init)
const ACC_BYTES: usize = 160;
let qHotN: i32 = 0;
let qRateMax: i32 = 0;       // bucketTicks x rate fits i32 up to this rate

// One copy of the VM loop per setting, the settings folded as constants: S whether a dimension
// is shaped by the token bucket and D whether bucket depths are set (u32 = yes, u8 = no), C the
// caps by their row size in qCap (u8 = no caps set, u32, u64, v128 = 4, 8, 16 bytes). Picked once
// per tick and called indirectly per block, so that each stays a small function of its own (V8
// keeps more of its values in registers).
type VmLoop = (b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize) => bool;

function vmLoopN0(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u8, u8, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopN1(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u8, u32, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopN2(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u8, u64, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopN3(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u8, v128, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS00(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u8, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS01(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u8, u32>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS10(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u32, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS11(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u32, u32>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS20(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u64, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS21(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, u64, u32>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS30(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, v128, u8>(b, e, h0, nh, tokIn, tokOut); }
function vmLoopS31(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool { return blockVms<u32, v128, u32>(b, e, h0, nh, tokIn, tokOut); }

/** capW: bytes per VM in qCap, 0 when no caps are set. */
function pickVmLoop(shaped: bool, capW: usize, depths: bool): VmLoop {
  const c = capW == 0 ? 0 : capW == 4 ? 1 : capW == 8 ? 2 : 3;
  if (!shaped) {
    switch (c) {
      case 0: return vmLoopN0;
      case 1: return vmLoopN1;
      case 2: return vmLoopN2;
      default: return vmLoopN3;
    }
  }
  switch ((c << 1) | (depths ? 1 : 0)) {
    case 0: return vmLoopS00;
    case 1: return vmLoopS01;
    case 2: return vmLoopS10;
    case 3: return vmLoopS11;
    case 4: return vmLoopS20;
    case 5: return vmLoopS21;
    case 6: return vmLoopS30;
    default: return vmLoopS31;
  }
}

/** The VMs of one block, qBlk[b, e): grant = want, tokens after the tick (as if uncontended),
 *  want and demand added to their hosts' sums, throttled counts. True if an entry is not on a
 *  host in [h0, h0 + nh) (the order is stale). */
@inline function blockVms<S, C, D>(b: usize, e: usize, h0: u32, nh: u32, tokIn: usize, tokOut: usize): bool {
  const SHAPED = sizeof<S>() == 4;
  const DEPTHS = sizeof<D>() == 4;
  const CAPW = sizeof<C>(); // 1 = no caps
  // table bases and settings in locals: the loop runs once per VM
  const blk = qBlk;
  const vh = vHost;
  const dem = qDemand;
  const res = vDemand;
  const caps = qCap;
  const grant = qGrant;
  const sums = qHostSums;
  const depths = qDepth;
  const acc = qAcc;
  const sOff = <usize>(qShaped & 3) << 2;
  const bucketTicks = qBucketTicks;
  const rateMax = qRateMax; // (a global: V8 would divide once per VM otherwise)
  let thr = v128.load(acc, ACC_THR);
  for (let k = b; k < e; k++) {
    const v = <usize>load<u32>(blk + (k << 2));
    const h = load<u32>(vh + (v << 2));
    if (h - h0 >= nh) return true; // (unplaced: h = 2^32 - 1, in no block)
    const o = v << 4;
    const d = v128.load(dem + o);
    const r = v128.load(res + o);
    let ce = r;
    if (CAPW == 16) ce = i32x4.max_s(v128.load(caps + o), r);
    else if (CAPW == 8) ce = i32x4.max_s(i8x16.swizzle(v128.load64_zero(caps + (v << 3)), v128.load(acc, ACC_CAPSWZ)), r);
    else if (CAPW == 4) ce = i32x4.max_s(i8x16.swizzle(v128.load32_zero(caps + (v << 2)), v128.load(acc, ACC_CAPSWZ)), r);
    let want: v128;
    if (SHAPED) {
      // refill() in i32: depth = min(I32_MAX, bucketTicks x rate) or the VM's own (>= rate);
      // tokens + rate < 2^32 as u32
      const rate = load<i32>(res + o + sOff);
      let depth = rate > rateMax ? I32_MAX : rate * bucketTicks;
      if (DEPTHS) {
        const dv = load<i32>(depths + (v << 2));
        if (dv != 0) depth = max(dv, rate); // a bucket never holds back the guaranteed rate
      }
      const t0 = load<i32>(tokIn + (v << 2));
      const t = t0 < 0 ? depth : <i32>min<u32>(<u32>depth, <u32>t0 + <u32>rate);
      want = i32x4.min_s(v128.bitselect(i32x4.min_s(d, i32x4.splat(t)), d, v128.load(acc, ACC_SMASK)), ce);
      v128.store(grant + o, want);
      store<i32>(tokOut + (v << 2), t - load<i32>(grant + o + sOff));
    } else {
      want = i32x4.min_s(d, ce);
      v128.store(grant + o, want);
    }
    thr = i32x4.sub(thr, i32x4.gt_s(d, want));
    const hw = sums + (<usize>h << 5);
    // saturating sums, as satAdd() with the constant from memory
    const maxv = v128.load(acc, ACC_MAXV);
    v128.store(hw, i32x4.min_u(i32x4.add(v128.load(hw), want), maxv));
    v128.store(hw, i32x4.min_u(i32x4.add(v128.load(hw, 16), d), maxv), 16);
  }
  v128.store(acc, thr, ACC_THR);
  return false;
}

/** Verdicts of hosts [h0, h1) from their sums: totals, hot runs, fair shares on the contended
 *  ones. Returns 0, -1 (a contended host over the VM limit) or STALE. */
function blockHosts(h0: usize, h1: usize, hotTicks: u32, tokIn: usize, tokOut: usize, hotIn: usize, hotOut: usize): i32 {
  // first the verdicts, with no call in the loop (V8 keeps the totals in registers then),
  // listing the contended hosts and their dimensions in qCList / qHostMask
  const maxv = v128.load(qAcc, ACC_MAXV);
  const sums = qHostSums;
  const types = qType;
  const typeCap = qTypeCap;
  const hotList = qHotList;
  const cList = qCList;
  const cMask = qHostMask;
  let sdL = v128.load(qAcc, ACC_SD), sdH = v128.load(qAcc, ACC_SD + 16);
  let sgL = v128.load(qAcc, ACC_SG), sgH = v128.load(qAcc, ACC_SG + 16);
  let hot = <usize>qHotN;
  let nc: usize = 0;
  for (let h = h0; h < h1; h++) {
    const hw = sums + (h << 5);
    const sw = v128.load(hw);
    const sd = v128.load(hw, 16);
    const c = v128.load(typeCap + (<usize>load<u16>(types + (h << 1)) << 4));
    // a saturated sum cannot be compared exactly: let the fair-share pass decide
    const contended = i32x4.bitmask(v128.or(i32x4.gt_s(sw, c), i32x4.eq(sw, maxv)));
    const over = v128.any_true(i32x4.gt_s(sd, c));
    const g = i32x4.min_s(sw, c);
    sdL = i64x2.add(sdL, i64x2.extend_low_i32x4_u(sd));
    sdH = i64x2.add(sdH, i64x2.extend_high_i32x4_u(sd));
    sgL = i64x2.add(sgL, i64x2.extend_low_i32x4_u(g));
    sgH = i64x2.add(sgH, i64x2.extend_high_i32x4_u(g));
    const run = over ? load<u32>(hotIn + (h << 2)) + 1 : 0;
    store<u32>(hotOut + (h << 2), run);
    // appended unconditionally, kept when counted (run >= hotTicks >= 1 only when over)
    store<u32>(hotList + (hot << 2), <u32>h);
    hot += <usize>(run >= hotTicks);
    store<u32>(cList + (nc << 2), <u32>h);
    store<u16>(cMask + (nc << 1), <u16>contended);
    nc += <usize>(contended != 0);
  }
  v128.store(qAcc, sdL, ACC_SD);
  v128.store(qAcc, sdH, ACC_SD + 16);
  v128.store(qAcc, sgL, ACC_SG);
  v128.store(qAcc, sgH, ACC_SG + 16);
  qHotN = <i32>hot;
  // then the fair shares, host by host
  for (let i: usize = 0; i < nc; i++) {
    const h = <usize>load<u32>(cList + (i << 2));
    const n = hostVmCount(<i32>h);
    if (n > <u32>QUOTA_MAX_HOST_VMS) {
      store<i64>(qStats + (ST_ERROR << 3), <i64>h + 1);
      return -1;
    }
    // the host's group in qOrder: exact when it holds n entries, all on h (the ids are
    // distinct, so they are all of h's VMs), in increasing id as built
    const b = <usize>load<u32>(qStart + (h << 2));
    if (<usize>load<u32>(qStart + ((h + 1) << 2)) - b != <usize>n) return STALE;
    for (let k = b; k < b + <usize>n; k++) {
      if (load<i32>(vHost + (<usize>load<u32>(qOrder + (k << 2)) << 2)) != <i32>h) return STALE;
    }
    const cp = qTypeCap + (<usize>load<u16>(qType + (h << 1)) << 4);
    shareHost(h, b, <i32>n, <u32>load<u16>(cMask + (i << 1)), cp, tokIn, tokOut);
  }
  return 0;
}

@inline function addTotals(slot: usize, lo: v128, hi: v128): void {
  const p = qStats + (slot << 3);
  v128.store(p, i64x2.add(v128.load(p), lo));
  v128.store(p + 16, i64x2.add(v128.load(p + 16), hi));
}

/** Fair shares on one contended host (LANES == 1): its n VMs are qOrder[b, b + n), in id order;
 *  their grants hold `want` from the VM loop and are overwritten in the contended dimensions. */
function shareHost(h: usize, b: usize, n: i32, mask: u32, cp: usize, tokIn: usize, tokOut: usize): void {
  const shaped = qShaped;
  const hasCaps = qHasCaps;
  const ids = qOrder + (b << 2);
  for (let i = 0; i < n; i++) {
    const v = <usize>load<u32>(at4(ids, i));
    store<u32>(at4(sWt, i), <u32>load<u16>(qWeight + (v << 1)));
  }
  let m = mask;
  while (m != 0) {
    const d = <i32>ctz(m);
    m &= m - 1;
    const o = <usize>d << 2;
    const C = <i64>load<i32>(cp + o);
    const slot = <usize>load<u8>(qCapSlot + <usize>d);
    const capSlot: usize = hasCaps && slot != 0xff ? slot << 2 : 0xff; // byte offset in a qCap row
    let G: i64 = 0;
    for (let i = 0; i < n; i++) {
      const v = <usize>load<u32>(at4(ids, i));
      const raw = load<i32>(qDemand + (v << 4) + o);
      const r = load<i32>(vDemand + (v << 4) + o);
      let de = raw;
      if (d == shaped) {
        const t = refill(v, tokIn, r);
        store<i32>(at4(rT, i), t);
        de = min(raw, t);
      }
      const ce = capSlot != 0xff ? max(load<i32>(qCap + v * qCapW + capSlot), r) : r;
      const g = min(de, r);
      store<i32>(at4(sBase, i), g);
      store<i32>(at4(sLim, i), min(de, ce) - g);
      G += <i64>g;
    }
    shareAboveGuarantees(n, G, C);
    let granted: i64 = 0;
    let throttled: i64 = 0;
    for (let i = 0; i < n; i++) {
      const v = <usize>load<u32>(at4(ids, i));
      const x = load<i32>(at4(sBase, i)) + load<i32>(at4(sOut, i));
      const gp = qGrant + (v << 4) + o;
      const want = load<i32>(gp);
      const raw = load<i32>(qDemand + (v << 4) + o);
      // the VM loop counted want < raw; count the VMs the share holds below their demand
      if (want >= raw && x < raw) throttled++;
      store<i32>(gp, x);
      if (d == shaped) store<i32>(tokOut + (v << 2), load<i32>(at4(rT, i)) - x);
      granted += <i64>x;
    }
    // the totals count min(sum want, C); correct them to what was actually granted
    const sg = qStats + ((ST_GRANT + <usize>d) << 3);
    store<i64>(sg, load<i64>(sg) - min<i64>(<i64>load<i32>(qHostSums + (h << 5) + o), C) + granted);
    const st = qStats + ((ST_THROTTLED + <usize>d) << 3);
    store<i64>(st, load<i64>(st) + throttled);
    const sc = qStats + ((ST_CONTENDED + <usize>d) << 3);
    store<i64>(sc, load<i64>(sc) + 1);
  }
}
