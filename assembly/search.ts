// Choosing a host for one VM: feasibility from the index (capacity, service, tenancy), then the
// deployment rules (anti-affinity, fault-domain spread) per candidate in the policy's order,
// then the rank for dot-product / l2. A failed search leaves a true reason behind.

import { CLASS_TREE_SHIFT, LEVEL_TREE_SHIFT, bitNext, classBitNext } from "./bits";
import { nextMember } from "./classgroups";
import { fdLimit, fdUsed } from "./fdspread";
import {
  ANTI_AFFINITY, BEST_FIT, DEDICATED_HOST, DIM_NONE, DOT_PRODUCT, FAULT_DOMAIN_SPREAD, FIRST_FIT,
  KEEP_SCARCE, L2, LIFETIME, SMALLEST_FIRST, NO_CAPACITY, NO_HOST_IN_SERVICE, NO_MATCHING_HOST, OK, SPREAD,
} from "./reasons";
import { ALL_LEVELS, maxNext } from "./maxtree";
import { admitsEvery, admitted, specialDims } from "./attrs";
import {
  classOf, levelMask, shortCount, soleMember, noCapacityDim, noCapacityEpoch, rememberNoCapacity, rememberUnclassedNoCapacity,
  unclassedNoCapDim, unclassedNoCapEpoch, unclassedSlot,
} from "./shapes";
import {
  DIMS, HOSTS, LANES, LEVELS, MAX_DEDICATED, dedicatedCount, NONE, NO_LEVEL, STATE_IN_SERVICE, capacityEpoch, dedHead, dedKey,
  capPtr, emptyBits, fitPtr, freePtr, hostLevel, hostEnd, rankCount, rankTree, typeRank, hostFd, hostOwner, hostState, hostType, hostVmCount, inServiceCount,
  indexedBits, levelTree, levelsUsed, shapeTree, validWord,
} from "./state";
import { dedicatedSlot, ownedHead, ownedNext } from "./tenants";
import { countOnHost } from "./vms";
import { DEV_KINDS, wLane } from "./devices";
import { copyVec, dotScore, fits, freeLevel, l2Score, lowestLevelFor, sameVec } from "./vec";

export let reason: i32 = OK;
export let reasonDim: i32 = DIM_NONE;

// The request being searched for.
let qDemand: usize = 0;
let qCon: i32 = 0;        // the request's constraint (labels and tolerations)
let qConAny: i32 = -1;    // qCon when it does not admit every host, else -1 (no test needed)
let qDep: u32 = NONE;
let qK: u32 = 1;
let qExclude: i32 = -1;
let qFdLimit: u32 = 0;
let qEnd: u32 = 0;        // the request's expected end time, 0 = unknown
// What the search saw, for the reason: a host with room that the tenant may use,
// and one of those that also passed anti-affinity.
let sawUsable = false;
let sawAntiAffinityOk = false;

// Set by allowed() when a host failed only for its fault domain's share of the batch.
let fdBlocked = false;

@inline function allowed(h: i32): bool {
  fdBlocked = false;
  if (h == qExclude) return false;
  sawUsable = true;
  if (qDep != NONE && countOnHost(h, qDep, qK) >= qK) return false;
  sawAntiAffinityOk = true;
  if (qFdLimit == 0 || fdUsed(qDep, hostFd(h)) < qFdLimit) return true;
  fdBlocked = true;
  return false;
}

/** Where to resume after host h: past the run of consecutive hosts sharing h's fault domain
 *  when h was blocked by fault-domain spread (racks are usually numbered contiguously, and
 *  every host of a full domain is blocked alike), else just past h. Anti-affinity and
 *  capacity still get checked for hosts in other domains, so the order is unchanged. */
@inline function resumeAfter(h: i32): i32 {
  if (!fdBlocked) return h + 1;
  const fd = hostFd(h);
  let n = h + 1;
  while (n < HOSTS && hostFd(n) == fd) n++;
  return n;
}

// Rank of a candidate for dot-product (higher is better), l2 (lower is better) and lifetime
// (closer expected end is better), as "higher is better" so one comparison serves all three.
@inline function rank(h: i32, policy: i32): f64 {
  if (policy == LIFETIME) return lifetimeRank(h);
  const t = hostType(h);
  return policy == DOT_PRODUCT ? dotScore(freePtr(h), qDemand, t) : -l2Score(freePtr(h), qDemand, t);
}

/** -|host's latest expected end - the VM's|: a host whose VMs leave when this one does empties
 *  when they all have left. A host with no known end ranks below every host with one. */
@inline function lifetimeRank(h: i32): f64 {
  const e = hostEnd(h);
  if (e == 0) return -Infinity;
  return -Math.abs(<f64>e - <f64>qEnd);
}

/** The first candidate at or after `from` in level l's order (l = ALL_LEVELS: every level, for
 *  first-fit) that has room for the request: from the class's fit bits when the demand has a
 *  class (s >= 0), else from the free-capacity trees. Both are exact and give the same order. */
@inline function nextAt(s: i32, l: i32, from: i32): i32 {
  if (s >= 0) return l == ALL_LEVELS ? classBitNext(shapeTree(s), from) : nextMember(s, l, levelTree(l), shapeTree(s), from);
  return maxNext(l, l == ALL_LEVELS ? indexedBits : levelTree(l), from, qDemand, -1, qConAny);
}

// Where the last search of a deployment stopped. Consecutive instances of one deployment with
// the same demand (a role's instances) would otherwise re-examine, one by one, every host the
// earlier instances already ruled out: O(k^2) for a k-instance deployment under spread rules.
// Between two such searches nothing changed but the host P the first one chose (the capacity
// epoch says so), every host before P in the policy's order was ruled out for reasons that
// only grow (no room, anti-affinity, fault-domain share), and P itself is now either full for
// the shape or blocked. So the next search may start right after P, carrying what the skipped
// prefix would have contributed to the reason.
let curValid = false;
let curEpoch: u32 = 0;
let curCon: i32 = -1;
const curDemand = memory.data(64, 16);
let curPolicy = -1;
let curDep: u32 = NONE;
let curK: u32 = 0;
let curFdLimit: u32 = 0;
let curLevel = 0;
let curHost = -1;
let curUsable = false;      // the prefix (hosts before P, and P) held a usable host with room
let curAaOk = false;        // ... and one of those passing anti-affinity
// The search that just succeeded: what noteCommit needs.
let lastShared = false;
let lastShape = -1;
let lastPolicy = -1;
let lastLevel = 0;
let lastUsableBefore = false;
let lastAaBefore = false;

function searchShared(s: i32, policy: i32, window: i32): i32 {
  let startLevel = -1;
  let startHost = 0;
  if (curValid && curEpoch == capacityEpoch && curCon == qCon && sameVec(curDemand, qDemand) && curPolicy == policy && curDep == qDep &&
      curK == qK && curFdLimit == qFdLimit && qExclude < 0) {
    startLevel = curLevel;
    startHost = curHost + 1;
    sawUsable = curUsable;
    sawAntiAffinityOk = curAaOk;
  }
  curValid = false;
  lastShared = true;
  lastShape = s;
  lastPolicy = policy;
  if (policy == FIRST_FIT) {
    let h = nextAt(s, ALL_LEVELS, startHost);
    while (h >= 0) {
      const usableBefore = sawUsable;
      const aaBefore = sawAntiAffinityOk;
      if (allowed(h)) { lastUsableBefore = usableBefore; lastAaBefore = aaBefore; return h; }
      h = nextAt(s, ALL_LEVELS, resumeAfter(h));
    }
    return -1;
  }
  let levels = s >= 0 ? levelMask(s) : levelsUsed;
  if (s < 0) {
    // Levels below the lowest a fitting host can be at hold no candidate (vec.ts). (A class's
    // level mask already holds only levels with a fitting host.)
    const low = lowestLevelFor(qDemand);
    levels = low >= LEVELS ? 0 : levels & (<u64>-1 << <u64>low);
  }
  if (startLevel >= 0) {
    // Levels the previous search already passed hold nothing usable.
    levels &= policy == SPREAD ? (<u64>-1 >>> <u64>(63 - startLevel)) : (<u64>-1 << <u64>startLevel);
  }
  let best = -1;
  let bestRank: f64 = 0;
  let seen = 0;
  while (levels != 0) {
    const l = policy == SPREAD ? 63 - <i32>clz(levels) : <i32>ctz(levels);
    levels &= ~(<u64>1 << <u64>l);
    // A level with one member of the class (its count says so) has that member first in any
    // order, named by the XOR beside the count (shapes.ts): no scan, whose first read, a tree
    // word of a host no recent placement touched, is a miss the host's own lines then wait on.
    let h = s >= 0 && l != startLevel ? soleMember(s, l) : -1;
    const sole = h >= 0;
    if (!sole) h = nextAt(s, l, l == startLevel ? startHost : 0);
    while (h >= 0) {
      const usableBefore = sawUsable;
      const aaBefore = sawAntiAffinityOk;
      if (allowed(h)) {
        if (policy == BEST_FIT || policy == SPREAD) { lastLevel = l; lastUsableBefore = usableBefore; lastAaBefore = aaBefore; return h; }
        // Like every any-fit rule, open an empty host only when no used one can take the VM:
        // ranked by dot product alone, an empty host would always look best aligned.
        if (hostVmCount(h) == 0) return seen > 0 ? best : h;
        const r = rank(h, policy);
        if (seen == 0 || r > bestRank) { best = h; bestRank = r; }
        if (++seen >= window) return best;
      }
      h = sole ? -1 : nextAt(s, l, resumeAfter(h));
    }
  }
  return best;
}

// Written by touchHost so that its loads are kept; never read.
let touchSink: u64 = 0;

/** Loads, side by side, what the commit on host h (just found) reads: its record, its fit words,
 *  its words in the live classes' trees (up to the highest live one) and, after a best-fit or
 *  spread search, its word in the level tree of the level it was found at. The commit reads
 *  the tree words only once the record and fit word have said which it needs, so on a host no
 *  recent placement touched they would be a second round of misses; their addresses need only
 *  h. With the sole member (searchShared), which skips the scan that used to bring two of those
 *  words: churn placements +1-6% (churn-ab.js, gcp, aws, azure), fill and million-VM unchanged;
 *  the classes past the first 64 too: gcp and aws churn +2-2.5% more, fill -0.2% to -2.5%. */
export function touchHost(h: i32): void {
  const row = shapeTree(0) + (<usize>(h >>> 6) << CLASS_TREE_SHIFT);
  const hi = validWord(1);
  const live = hi != 0 ? <usize>(128 - clz(hi)) : <usize>(64 - clz(validWord(0) | 1));
  let acc: u64 = load<u64>(fitPtr(h, 0)) ^ load<u64>(freePtr(h));
  for (let o: usize = 0; o < (live << 3); o += 64) acc ^= load<u64>(row + o);
  if (lastShared && (lastPolicy == BEST_FIT || lastPolicy == SPREAD)) {
    acc ^= load<u64>(levelTree(lastLevel) + (<usize>(h >>> 6) << LEVEL_TREE_SHIFT));
  }
  touchSink ^= acc;
}

/** Fault-domain shares restart with every batch, so hosts they ruled out may be usable again. */
export function forgetResumePoint(): void {
  curValid = false;
}

/** Called after the VM found by the last findHost was committed to h (and its fault-domain
 *  count taken): sets the resume point for the deployment's next instance when that is sound. */
export function noteCommit(h: i32): void {
  curValid = false;
  if (qDep == NONE || qExclude >= 0 || lastPolicy == DOT_PRODUCT || lastPolicy == L2 || lastPolicy == LIFETIME || !lastShared) return;
  // Whether P is still a candidate for the same demand (indexed, with room).
  const stillFits = lastShape >= 0
    ? ((load<u64>(fitPtr(h, lastShape >> 6)) >>> <u64>(lastShape & 63)) & 1) != 0
    : hostLevel(h) != <i32>NO_LEVEL && fits(freePtr(h), qDemand) && admitted(qCon, h);
  let usable = lastUsableBefore;
  let aaOk = lastAaBefore;
  if (stillFits) {
    const aaBlocked = countOnHost(h, qDep, qK) >= qK;
    const fdFull = qFdLimit != 0 && fdUsed(qDep, hostFd(h)) >= qFdLimit;
    if (!aaBlocked && !fdFull) return; // P could take another instance: no shortcut
    usable = true;
    if (!aaBlocked) aaOk = true;
  }
  curValid = true;
  curEpoch = capacityEpoch;
  copyVec(curDemand, qDemand);
  curCon = qCon;
  curPolicy = lastPolicy;
  curDep = qDep;
  curK = qK;
  curFdLimit = qFdLimit;
  curLevel = lastLevel;
  curHost = h;
  curUsable = usable;
  curAaOk = aaOk;
}

/** Dedicated tenants fill their own hosts first (by the policy), then take the
 *  lowest-index empty host that fits. */
function searchDedicated(slot: i32, policy: i32): i32 {
  let best = -1;
  let bestLevel = 0;
  let bestRank: f64 = 0;
  let h = ownedHead(slot);
  while (h >= 0) {
    if (hostState(h) == STATE_IN_SERVICE && fits(freePtr(h), qDemand) && admitted(qCon, h) && allowed(h)) {
      let better = best < 0;
      if (policy == FIRST_FIT) {
        better = better || h < best;
      } else if (policy == BEST_FIT || policy == SPREAD) {
        const l = freeLevel(freePtr(h), hostType(h));
        const lb = policy == SPREAD ? -l : l;
        better = better || lb < bestLevel || (lb == bestLevel && h < best);
        if (better) bestLevel = lb;
      } else {
        const r = rank(h, policy);
        better = better || r > bestRank || (r == bestRank && h < best);
        if (better) bestRank = r;
      }
      if (better) best = h;
    }
    h = ownedNext(h);
  }
  if (best >= 0) return best;
  let e = bitNext(emptyBits, 0);
  while (e >= 0) {
    if (!fits(freePtr(e), qDemand) || !admitted(qCon, e)) { e = bitNext(emptyBits, e + 1); continue; } // fdBlocked is stale here
    if (allowed(e)) return e;
    e = bitNext(emptyBits, resumeAfter(e));
  }
  return -1;
}

/** Whether any in-service host other than the excluded one has room, whoever holds it: one
 *  the request's labels allow (matching), or any at all. */
function anyRoom(s: i32, matching: bool): bool {
  if (s >= 0 && matching) {
    const tree = shapeTree(s);
    let h = classBitNext(tree, 0);
    if (h >= 0 && h == qExclude) h = classBitNext(tree, h + 1);
    if (h >= 0) return true;
  } else if (maxNext(ALL_LEVELS, indexedBits, 0, qDemand, qExclude, matching ? qConAny : -1) >= 0) {
    return true;
  }
  if (dedicatedCount == 0) return false;
  for (let i = 0; i < MAX_DEDICATED * 2; i++) {
    if (load<u32>(dedKey + (<usize>i << 2)) == NONE) continue;
    let o = load<i32>(dedHead + (<usize>i << 2));
    while (o >= 0) {
      if (o != qExclude && hostState(o) == STATE_IN_SERVICE && fits(freePtr(o), qDemand) && (!matching || admitted(qCon, o))) return true;
      o = ownedNext(o);
    }
  }
  return false;
}

/** shortestDim from class s's kept counts: O(dimensions). */
function shortestDimOf(s: i32): i32 {
  let best = 0;
  let most = -1;
  const ex = qExclude >= 0 && hostState(qExclude) == STATE_IN_SERVICE ? freePtr(qExclude) : 0;
  for (let d = 0; d < DIMS; d++) {
    let n = shortCount(s, d);
    if (ex != 0 && load<i32>(ex + (<usize>d << 2)) < load<i32>(qDemand + (<usize>d << 2))) n--;
    if (n > most) { most = n; best = d; }
  }
  return best;
}

/** The dimension the most in-service hosts are short of (lowest on ties). */
function shortestDim(): i32 {
  let c0 = i32x4.splat(0), c1 = i32x4.splat(0), c2 = i32x4.splat(0), c3 = i32x4.splat(0);
  const d0 = v128.load(qDemand);
  for (let h = 0; h < HOSTS; h++) {
    if (hostState(h) != STATE_IN_SERVICE || h == qExclude) continue;
    const f = freePtr(h);
    // lt_s gives -1 per short lane: subtracting counts it.
    c0 = i32x4.sub(c0, i32x4.lt_s(v128.load(f), d0));
    if (LANES > 1) c1 = i32x4.sub(c1, i32x4.lt_s(v128.load(f, 16), v128.load(qDemand, 16)));
    if (LANES > 2) c2 = i32x4.sub(c2, i32x4.lt_s(v128.load(f, 32), v128.load(qDemand, 32)));
    if (LANES > 3) c3 = i32x4.sub(c3, i32x4.lt_s(v128.load(f, 48), v128.load(qDemand, 48)));
  }
  let best = 0;
  let most = -1;
  for (let d = 0; d < DIMS; d++) {
    const chunk = d >>> 2;
    const v = chunk == 0 ? c0 : chunk == 1 ? c1 : chunk == 2 ? c2 : c3;
    let n: i32;
    switch (d & 3) {
      case 0: n = i32x4.extract_lane(v, 0); break;
      case 1: n = i32x4.extract_lane(v, 1); break;
      case 2: n = i32x4.extract_lane(v, 2); break;
      default: n = i32x4.extract_lane(v, 3);
    }
    if (n > most) { most = n; best = d; }
  }
  return best;
}

/**
 * Finds a host for a VM with the given (padded) demand, or returns -1 and sets
 * reason / reasonDim. Nothing is changed. `end` is the VM's expected end time (0 = unknown),
 * read by the lifetime policy alone. `exclude` (>= 0) is a host to leave out (a move's
 * source). `policy` carries KEEP_SCARCE (bit 8): then hosts with free capacity in special
 * dimensions the VM asks none of (GPU hosts with a GPU free, for a CPU-only VM) are tried only
 * when no other host can take it, and an
 * empty host of the largest size rank is opened only when no smaller one can take the VM (for
 * a VM asking whole devices: the smaller ranks' offer with the fewest such devices).
 * SMALLEST_FIRST (bit 9) opens the smallest size rank that can take it instead.
 */
export function findHost(
  demand: usize, tenant: u32, deployment: u32, con: i32, k: u32, policy: i32, window: i32, exclude: i32, end: u32,
): i32 {
  const keep = (policy & KEEP_SCARCE) != 0;
  const opening = (policy & SMALLEST_FIRST) != 0 ? OPEN_SMALLEST : keep ? OPEN_LARGEST_LAST : OPEN_ANY;
  policy &= 0xff;
  // Without an expected end every lifetime candidate ties, and ties go to the first candidate
  // in best-fit order: best-fit's choice. Searching as best-fit says so outright and keeps
  // best-fit's resume point for a deployment's instances.
  if (policy == LIFETIME && end == 0) policy = BEST_FIT;
  qEnd = end;
  if (keep && specialDims != 0) {
    let avoid: u32 = 0;
    let m = specialDims;
    while (m != 0) {
      const d = <i32>ctz(m);
      m &= m - 1;
      if (load<i32>(demand + (<usize>d << 2)) == 0) avoid |= <u32>1 << <u32>d;
    }
    if (avoid != 0) {
      // The full search below gives the reason if this one finds nothing.
      const h = search(demand, tenant, deployment, con | <i32>(avoid << 16), k, policy, window, exclude, false, opening);
      if (h >= 0) return h;
    }
  }
  return search(demand, tenant, deployment, con, k, policy, window, exclude, true, opening);
}

// Which empty host a VM that must open one opens (README, Keeping scarce hosts free).
const OPEN_ANY = 0;          // the policy's own choice
const OPEN_SMALLEST = 1;     // the smallest size rank that can take it
const OPEN_LARGEST_LAST = 2; // any rank but the largest, while one can take it

/** Smallest hosts first (SMALLEST_FIRST, the "wastes least" preference): the policy chose the empty host h; the VM
 *  goes instead to the lowest-index empty host of the smallest size rank that can take it
 *  (capacity, labels and the search's avoid mask, fault-domain share). h itself qualifies, so
 *  the scan ends at h's rank at the latest. */
function smallestEmpty(h: i32): i32 {
  const top = typeRank(hostType(h));
  for (let r = 0; r < top; r++) {
    const e = firstEmptyOfRank(r);
    if (e >= 0) return e;
  }
  return h;
}

/** Largest hosts last: the policy chose the empty host h of the largest size rank; the VM goes
 *  instead to the lowest-index empty host of a smaller rank that can take it (same tests as
 *  smallestEmpty), if any. A rare large host is then still empty for the VM only it can hold. */
function notLargestEmpty(h: i32): i32 {
  const top = typeRank(hostType(h));
  if (top != rankCount - 1) return h;
  let best = -1;
  for (let r = 0; r < top; r++) {
    const e = firstEmptyOfRank(r, best < 0 ? HOSTS : best);
    if (e >= 0) best = e;
  }
  return best >= 0 ? best : h;
}

/** The lowest-index empty host of size rank r below host `limit` that can take the request
 *  (capacity, labels and the search's avoid mask, fault-domain share, a move's source
 *  excluded), or -1. */
function firstEmptyOfRank(r: i32, limit: i32 = HOSTS): i32 {
  const tree = rankTree(r);
  let e = bitNext(tree, 0);
  while (e >= 0 && e < limit) {
    if (e == qExclude || !fits(freePtr(e), qDemand) || !admitted(qCon, e)) { e = bitNext(tree, e + 1); continue; }
    if (allowed(e)) return e;
    e = bitNext(tree, resumeAfter(e));
  }
  return -1;
}

/** Whether the request asks whole devices of some device dimension (its W lane, devices.ts). */
function asksWholeDevices(): bool {
  for (let j = 0; j < DEV_KINDS; j++) if (load<i32>(qDemand + wLane(j)) > 0) return true;
  return false;
}

/** Devices a host of type t has in the device dimensions the request asks whole devices of. */
function askedDevicesOf(t: i32): i32 {
  let n = 0;
  for (let j = 0; j < DEV_KINDS; j++) {
    const o = wLane(j);
    if (load<i32>(qDemand + o) > 0) n += load<i32>(capPtr(t) + o);
  }
  return n;
}

/** Fewest devices first, for a VM asking whole devices (README, Keeping scarce hosts free): the
 *  policy chose the empty host h; each size rank below the largest offers its lowest-index
 *  empty host that can take the VM, and the VM opens the offer with the fewest devices of the
 *  kinds it asks, of the largest rank on ties. No offer: h. (A one-GPU pod opens a 2-GPU node
 *  rather than an 8-GPU one, which stays whole for an 8-GPU pod; of two 2-GPU types the larger,
 *  whose cores and memory can take the pod's neighbours.) */
function fewestDevicesEmpty(h: i32): i32 {
  let best = -1;
  let bestDevices = 0;
  for (let r = rankCount - 2; r >= 0; r--) {
    const e = firstEmptyOfRank(r);
    if (e < 0) continue;
    const n = askedDevicesOf(hostType(e));
    if (best < 0 || n < bestDevices) { best = e; bestDevices = n; }
  }
  return best >= 0 ? best : h;
}

/** One search with search key `con` (a constraint, maybe with an avoid mask). */
function search(
  demand: usize, tenant: u32, deployment: u32, con: i32, k: u32, policy: i32, window: i32, exclude: i32,
  needReason: bool, opening: i32,
): i32 {
  reason = OK;
  reasonDim = DIM_NONE;
  if (inServiceCount == 0) { reason = NO_HOST_IN_SERVICE; return -1; }
  qDemand = demand;
  qCon = con;
  qConAny = admitsEvery(con) ? -1 : con;
  qDep = deployment;
  qK = k;
  qExclude = exclude;
  qFdLimit = fdLimit(deployment);
  const s = classOf(demand, con);
  const slot = s < 0 ? unclassedSlot : -1;
  if (exclude < 0 && s >= 0 && noCapacityEpoch(s) == capacityEpoch) {
    reason = NO_CAPACITY;
    reasonDim = noCapacityDim(s);
    return -1;
  }
  if (exclude < 0 && slot >= 0 && unclassedNoCapEpoch(slot) == capacityEpoch) {
    reason = NO_CAPACITY;
    reasonDim = unclassedNoCapDim(slot);
    return -1;
  }
  sawUsable = false;
  sawAntiAffinityOk = false;
  lastShared = false;
  const ded = dedicatedSlot(tenant);
  let h = ded >= 0 ? searchDedicated(ded, policy) : searchShared(s, policy, window);
  if (h >= 0 && opening != OPEN_ANY && ded < 0 && rankCount > 1 && hostVmCount(h) == 0) {
    const e = opening == OPEN_SMALLEST ? smallestEmpty(h) : asksWholeDevices() ? fewestDevicesEmpty(h) : notLargestEmpty(h);
    // The resume point describes the policy's own order up to h: not valid for another host.
    if (e != h) { lastShared = false; h = e; }
  }
  if (h >= 0 || !needReason) return h;
  // A dedicated tenant's search covered its own hosts and the empty ones, a shared tenant's
  // every shared host: room anywhere else is room the tenancy rule keeps it from.
  if (sawUsable) {
    reason = sawAntiAffinityOk ? FAULT_DOMAIN_SPREAD : ANTI_AFFINITY;
  } else if (anyRoom(s, true)) {
    reason = DEDICATED_HOST;
  } else if (qConAny >= 0 && anyRoom(s, false)) {
    reason = NO_MATCHING_HOST;
  } else {
    reason = NO_CAPACITY;
    reasonDim = s >= 0 ? shortestDimOf(s) : shortestDim();
    if (exclude < 0 && s >= 0) rememberNoCapacity(s, capacityEpoch, reasonDim);
    if (exclude < 0 && slot >= 0) rememberUnclassedNoCapacity(slot, capacityEpoch, reasonDim);
  }
  return -1;
}

/** Whether VM demand of (tenant, deployment) may go on host h, as for an explicit target;
 *  sets reason / reasonDim when not. */
export function checkHost(h: i32, demand: usize, tenant: u32, deployment: u32, con: i32, k: u32): bool {
  reason = OK;
  reasonDim = DIM_NONE;
  if (hostState(h) != STATE_IN_SERVICE) { reason = NO_HOST_IN_SERVICE; return false; }
  const free = freePtr(h);
  if (!fits(free, demand)) {
    reason = NO_CAPACITY;
    for (let d = 0; d < DIMS; d++) {
      const o = <usize>d << 2;
      if (load<i32>(free + o) < load<i32>(demand + o)) { reasonDim = d; break; }
    }
    return false;
  }
  if (!admitted(con, h)) { reason = NO_MATCHING_HOST; return false; }
  const owner = hostOwner(h);
  const mine = dedicatedSlot(tenant) >= 0;
  if (mine ? owner != tenant && hostVmCount(h) != 0 : owner != NONE) { reason = DEDICATED_HOST; return false; }
  if (deployment != NONE && countOnHost(h, deployment, k) >= k) { reason = ANTI_AFFINITY; return false; }
  return true;
}
