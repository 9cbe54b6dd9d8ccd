// Batch calls: the facade writes n requests into the scratch region, one call places (or
// releases) them all, and results come back in the same region. No per-VM JS->wasm calls.

import { fdAdd, fdBegin, fdBytes, fdCountInstance, fdEnd } from "./fdspread";
import { scratch } from "./memory";
import { orderBytes, sortDecreasing } from "./order";
import { DIM_NONE, OK } from "./reasons";
import { findHost, forgetResumePoint, noteCommit, reason, reasonDim } from "./search";
import { NONE, VEC, hostFd } from "./state";
import { commit, release, setDemand } from "./vms";

export let inVm: usize = 0;       // u32[n] VM ids
export let inDemand: usize = 0;   // VEC x n, zero-padded
export let inTenant: usize = 0;   // u32[n]
export let inDep: usize = 0;      // u32[n], NONE = no deployment
export let outHost: usize = 0;    // i32[n], -1 = rejected
export let outReason: usize = 0;  // u32[n]: reason | dimension << 8
let order: usize = 0;             // u32[n]
let work: usize = 0;              // fd tables, then sort scratch

let trapAfter: i32 = -1;          // fault injection for the facade's trap-recovery tests

export function setTrapAfter(n: i32): void { trapAfter = n; }

/** Lays out the scratch region for a batch of n and returns its size in bytes. */
export function batchPrepare(n: i32): usize {
  const N = <usize>n;
  const fixed = N * (4 + VEC + 4 + 4 + 4 + 4 + 4);
  const w = max(fdBytes(n), orderBytes(n));
  const base = scratch(fixed + w + 16);
  inVm = base;
  inDemand = (inVm + (N << 2) + 15) & ~<usize>15;
  inTenant = inDemand + N * VEC;
  inDep = inTenant + (N << 2);
  outHost = inDep + (N << 2);
  outReason = outHost + (N << 2);
  order = outReason + (N << 2);
  work = order + (N << 2);
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
  fdBegin(n, work);
  forgetResumePoint();
  for (let i = 0; i < n; i++) {
    const d = load<u32>(at(inDep, i));
    if (d != NONE) fdCountInstance(d);
  }
  let placed = 0;
  for (let j = 0; j < n; j++) {
    const i = load<u32>(at(order, j));
    const v = <i32>load<u32>(at(inVm, i));
    const demand = inDemand + <usize>i * VEC;
    const tenant = load<u32>(at(inTenant, i));
    const d = load<u32>(at(inDep, i));
    const h = findHost(demand, tenant, d, k, policy, window, -1);
    if (h >= 0) {
      tick();
      setDemand(v, demand);
      commit(v, h, tenant, d);
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
