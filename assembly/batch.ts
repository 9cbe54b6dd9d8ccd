// Batch calls: the facade writes n requests into the scratch region, one call places (or
// releases) them all, and results come back in the same region. No per-VM JS->wasm calls.

import { fdAdd, fdBegin, fdBytes, fdCountInstance, fdEnd, fdSeed } from "./fdspread";
import { scratch } from "./memory";
import { orderBytes, sortDecreasing } from "./order";
import { DIM_NONE, OK } from "./reasons";
import { findHost, forgetResumePoint, noteCommit, reason, reasonDim, touchHost } from "./search";
import { NONE, VEC, hostFd } from "./state";
import { placeNew, release } from "./vms";

export let inVm: usize = 0;       // u32[n] VM ids
export let inDemand: usize = 0;   // VEC x n, zero-padded
export let inTenant: usize = 0;   // u32[n]
export let inDep: usize = 0;      // u32[n], NONE = no deployment
export let inCon: usize = 0;      // u32[n] constraint (labels and tolerations), 0 = none
export let inEnd: usize = 0;      // u32[n] expected end time, 0 = unknown
export let outHost: usize = 0;    // i32[n], -1 = rejected
export let outReason: usize = 0;  // u32[n]: reason | dimension << 8
export let inPriorDep: usize = 0; // u32[m] prior entries: deployment,
export let inPriorFd: usize = 0;  // u32[m] fault domain,
export let inPriorCount: usize = 0; // u32[m] instances already there
let priorN: i32 = 0;              // m, for the batch being prepared
let order: usize = 0;             // u32[n]
let work: usize = 0;              // fd tables, then sort scratch

let trapAfter: i32 = -1;          // fault injection for the facade's trap-recovery tests

export function setTrapAfter(n: i32): void { trapAfter = n; }

/** Lays out the scratch region for a batch of n with m prior fault-domain entries (0 for
 *  none, and for releaseBatch) and returns its size in bytes. With m = 0 the layout is
 *  exactly the one without prior entries. */
export function batchPrepare(n: i32, m: i32): usize {
  const N = <usize>n;
  const M = <usize>m;
  const fixed = N * (4 + VEC + 4 + 4 + 4 + 4 + 4 + 4 + 4) + M * 12;
  const w = max(fdBytes(n + m), orderBytes(n));
  const base = scratch(fixed + w + 16);
  inVm = base;
  inDemand = (inVm + (N << 2) + 15) & ~<usize>15;
  inTenant = inDemand + N * VEC;
  inDep = inTenant + (N << 2);
  inCon = inDep + (N << 2);
  inEnd = inCon + (N << 2);
  outHost = inEnd + (N << 2);
  outReason = outHost + (N << 2);
  order = outReason + (N << 2);
  inPriorDep = order + (N << 2);
  inPriorFd = inPriorDep + (M << 2);
  inPriorCount = inPriorFd + (M << 2);
  work = inPriorCount + (M << 2);
  priorN = m;
  return fixed + w + 16;
}

@inline function at(p: usize, i: u32): usize { return p + (<usize>i << 2); }

function tick(): void {
  if (trapAfter == 0) unreachable();
  if (trapAfter > 0) trapAfter--;
}

/** Places the n prepared requests; returns how many were placed. */
export function placeBatch(n: i32, policy: i32, window: i32, k: u32, offline: bool, measure: i32): i32 {
  if (offline) sortDecreasing(n, inDemand, measure, order, work);
  else for (let i = 0; i < n; i++) store<u32>(at(order, i), i);
  // The fd tables reuse the sort scratch: the order is already final.
  const m = priorN;
  fdBegin(n + m, work);
  forgetResumePoint();
  for (let i = 0; i < n; i++) {
    const d = load<u32>(at(inDep, i));
    if (d != NONE) fdCountInstance(d);
  }
  // Instances placed before the batch: they raise the deployment's share and count against
  // their domain's (only for deployments in the batch, so every instance is counted first).
  for (let j = 0; j < m; j++) {
    fdSeed(load<u32>(at(inPriorDep, j)), <i32>load<u32>(at(inPriorFd, j)), load<u32>(at(inPriorCount, j)));
  }
  let placed = 0;
  for (let j = 0; j < n; j++) {
    const i = load<u32>(at(order, j));
    const v = <i32>load<u32>(at(inVm, i));
    const demand = inDemand + <usize>i * VEC;
    const tenant = load<u32>(at(inTenant, i));
    const d = load<u32>(at(inDep, i));
    const con = <i32>load<u32>(at(inCon, i));
    const end = load<u32>(at(inEnd, i));
    const h = findHost(demand, tenant, d, con, k, policy, window, -1, end);
    if (h >= 0) {
      tick();
      touchHost(h);
      placeNew(v, h, demand, tenant, d, con, end);
      if (d != NONE) fdAdd(d, hostFd(h));
      noteCommit(h);
      store<i32>(at(outHost, i), h);
      store<u32>(at(outReason, i), <u32>OK | (<u32>DIM_NONE << 8)); // reasonDims: 255 unless NO_CAPACITY
      placed++;
    } else {
      store<i32>(at(outHost, i), -1);
      store<u32>(at(outReason, i), <u32>reason | (<u32>reasonDim << 8));
    }
  }
  fdEnd();
  forgetResumePoint();
  return placed;
}

/** Releases the n VMs in inVm (validated as placed by the facade). */
export function releaseBatch(n: i32): void {
  for (let i = 0; i < n; i++) {
    tick();
    release(<i32>load<u32>(at(inVm, i)));
  }
}
