// Committing and releasing VMs: the only code that changes a host's free vector.

import { refreshHost } from "./hosts";
import {
  NONE, addHostsUsed, addVmsPlaced, bumpEpoch, demandPtr, freePtr, sigPtr, vmCountPtr, vmHeadPtr,
  STATE_IN_SERVICE, hostEnd, setHostEnd, hostOwner, hostState, vDeployment, vEnd, vHost, vNext, vPrev, vTenant, vmDeployment, vmEnd, vmHost, vmOff,
} from "./state";
import { dedicatedSlot, dropOwnership, takeOwnership } from "./tenants";
import { totalsCommit, totalsRelease } from "./totals";
import { addInto, copyVec, subInto } from "./vec";
import { shortMove } from "./shapes";
import { DEV_KINDS, devicesGive, devicesTake } from "./devices";
import { setVmConstraint, specialDims, specialFreeOf } from "./attrs";

// The host's free vector before a commit or release (16 dims x i32 at most).
const before = memory.data(64, 16);

/** Whether the commit or release just done on host h (its free vector was `before`) changed
 *  the special dimensions it has free capacity in, and with them what keep-scarce searches
 *  admit (attrs.ts). Only in-service hosts (`counted`: `before` was taken) are indexed. */
@inline function specialFreeChanged(h: i32, counted: bool): bool {
  return counted && specialDims != 0 && specialFreeOf(before) != specialFreeOf(freePtr(h));
}

/** One bit of a 32-bit per-host filter: clear means "no VM of this deployment here",
 *  so most anti-affinity checks never walk the host's VM list. */
@inline export function deploymentBit(d: u32): u32 {
  return <u32>1 << ((d * 0x9e3779b1) >>> 27);
}

/** VMs of deployment d on host h, stopping once `cap` are found. */
export function countOnHost(h: i32, d: u32, cap: u32): u32 {
  if ((load<u32>(sigPtr(h)) & deploymentBit(d)) == 0) return 0;
  let n: u32 = 0;
  let v = load<i32>(vmHeadPtr(h));
  while (v >= 0) {
    if (vmDeployment(v) == d && ++n >= cap) return n;
    v = load<i32>(vNext + vmOff(v));
  }
  return n;
}

/** Puts VM v (demand already in the VM table) on host h. Capacity was checked by the caller. */
export function commit(v: i32, h: i32, tenant: u32, deployment: u32): void {
  const counted = hostState(h) == STATE_IN_SERVICE;
  if (counted) copyVec(before, freePtr(h));
  subInto(freePtr(h), demandPtr(v));
  if (DEV_KINDS > 0) devicesTake(v, h);
  if (counted) shortMove(before, freePtr(h));
  store<i32>(vHost + (<usize>v << 2), h);
  store<u32>(vTenant + vmOff(v), tenant);
  store<u32>(vDeployment + vmOff(v), deployment);
  const hp = vmHeadPtr(h);
  const head = load<i32>(hp);
  store<i32>(vNext + vmOff(v), head);
  store<i32>(vPrev + vmOff(v), -1);
  if (head >= 0) store<i32>(vPrev + vmOff(head), v);
  store<i32>(hp, v);
  const cp = vmCountPtr(h);
  const count = load<u32>(cp);
  store<u32>(cp, count + 1);
  if (count == 0) {
    addHostsUsed(1);
    const slot = dedicatedSlot(tenant);
    if (slot >= 0) takeOwnership(h, slot, tenant);
  }
  if (vmEnd(v) > hostEnd(h)) setHostEnd(h, vmEnd(v));
  if (deployment != NONE) {
    const sp = sigPtr(h);
    store<u32>(sp, load<u32>(sp) | deploymentBit(deployment));
  }
  addVmsPlaced(1);
  totalsCommit(h, demandPtr(v));
  bumpEpoch();
  refreshHost(h, false, specialFreeChanged(h, counted));
}

/** Takes VM v off its host and gives its demand back. */
export function release(v: i32): void {
  const h = vmHost(v);
  const counted = hostState(h) == STATE_IN_SERVICE;
  if (counted) copyVec(before, freePtr(h));
  addInto(freePtr(h), demandPtr(v));
  if (DEV_KINDS > 0) devicesGive(v, h);
  if (counted) shortMove(before, freePtr(h));
  const hp = vmHeadPtr(h);
  const sp = sigPtr(h);
  // Unlinked through its own prev and next, with no walk of the host's list: the host's other
  // VMs sit anywhere in the VM table, each a cache miss, one after another.
  const next = load<i32>(vNext + vmOff(v));
  const prev = load<i32>(vPrev + vmOff(v));
  if (prev < 0) store<i32>(hp, next);
  else store<i32>(vNext + vmOff(prev), next);
  if (next >= 0) store<i32>(vPrev + vmOff(next), prev);
  // The deployment filter and the latest end are folded again from the VMs left, unless both
  // are 0 (no VM here has a deployment or a known end), when they stay 0.
  if (load<u32>(sp) != 0 || hostEnd(h) != 0) {
    let sig: u32 = 0;
    let end: u32 = 0;
    for (let cur = load<i32>(hp); cur >= 0; cur = load<i32>(vNext + vmOff(cur))) {
      const d = vmDeployment(cur);
      if (d != NONE) sig |= deploymentBit(d);
      const e = vmEnd(cur);
      if (e > end) end = e;
    }
    store<u32>(sp, sig);
    setHostEnd(h, end);
  }
  const cp = vmCountPtr(h);
  const count = load<u32>(cp) - 1;
  store<u32>(cp, count);
  if (count == 0) {
    addHostsUsed(-1);
    if (hostOwner(h) != NONE) dropOwnership(h);
  }
  store<i32>(vHost + (<usize>v << 2), -1);
  addVmsPlaced(-1);
  totalsRelease(h, demandPtr(v));
  bumpEpoch();
  refreshHost(h, true, specialFreeChanged(h, counted));
}

/** Stores a VM's demand (copied from a padded scratch vector) before it is placed. */
export function setDemand(v: i32, demand: usize): void {
  copyVec(demandPtr(v), demand);
}

/** Stores a VM's expected end time (0 = unknown) before it is placed; a move keeps it. */
export function setEnd(v: i32, end: u32): void {
  store<u32>(vEnd + vmOff(v), end);
}

/** A VM not yet placed goes onto host h (checked by the caller): its demand (copied from a padded
 *  vector), expected end and constraint are stored, then it is committed. */
export function placeNew(v: i32, h: i32, demand: usize, tenant: u32, deployment: u32, con: i32, end: u32): void {
  setDemand(v, demand);
  setEnd(v, end);
  setVmConstraint(v, con);
  commit(v, h, tenant, deployment);
}
