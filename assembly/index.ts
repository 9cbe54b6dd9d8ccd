// The core's exported surface. Everything crosses as numbers or pointers into linear memory;
// the facade validates every argument before calling, so the core trusts them (and the facade
// discards an instance that ever traps).

import { tableBytes, scratchBytes } from "./memory";
import { refreshHost } from "./hosts";
import { classBuilds, dropClasses, shortAdjust, shortWakes } from "./shapes";
import { boundWakes } from "./maxtree";
import { inServiceUsedHosts, totals } from "./totals";
import { totalsService } from "./totals";
import { setSpecialDims } from "./attrs";
import { setAdmits, setAdmitsAll, setHostSignature, vmConstraint, vmConstraintBase } from "./attrs";
import { checkHost, findHost, noteCommit, reason, reasonDim, touchHost } from "./search";
import {
  DIMS, HOSTS, HOST_CAP, VMS, LANES, STATE_IN_SERVICE, addFdCount, addInService, bumpEpoch, capPtr,
  demandPtr, fdInService, freePtr, REC_FD, REC_TYPE, HOST_BYTES, hFree, hState, statePtr, recPtr, hVmCount, hostFd, hostState,
  hostType, hostsUsed, inServiceCount, init, setHostCount, tCapF, vHost, vmDeployment, vmHost, vmTenant,
  vmsPlaced, fdCount, vTenant, vDeployment, vDemand, vNext, hVmHead, vEnd, vmEnd, VM_BYTES,
  MAX_RANKS, noteTypeSet, hostVmCount, rankEmptyBits, rankTree, setRankCount, tRank, treeBytes, typeRank,
} from "./state";
import { bitSet } from "./bits";
import { addDedicatedTenant, dedicatedSlot } from "./tenants";
import { commit, placeNew, release } from "./vms";
import { copyVec } from "./vec";
import { DEV_KINDS, devicesInit, devicesReset, forceDevices } from "./devices";
export { setDeviceSize, deviceTable, vmDeviceTable } from "./devices";

export { batchPrepare, placeBatch, releaseBatch, setTrapAfter, inVm, inDemand, inTenant, inDep, inCon, inEnd, outHost, outReason,
  inPriorDep, inPriorFd, inPriorCount } from "./batch";

// A small fixed buffer for single vectors passed in or out (16 dims x f64 at most).
const io = memory.data(16 * 8 * 2, 16);

export function ioPtr(): usize { return io; }

/** Room for `hosts` hosts, `types` host types and fault domains 0..faultDomains-1; hosts are
 *  added with addHosts. */
export function create(dims: i32, hosts: i32, vms: i32, types: i32, faultDomains: i32): void {
  init(dims, hosts, vms, types, faultDomains);
  devicesInit(dims, 0, hosts, vms);
}

/** Of the `create`d dimensions, the first `userDims` are the caller's and the rest two derived
 *  lanes per device dimension (devices.ts); called before any type or host is set. */
export function setDevices(userDims: i32, kinds: i32): void {
  devicesInit(userDims, kinds, HOST_CAP, VMS);
}

/** Hosts HOSTS..n-1 exist from now on (each then set with setHost). */
export function addHosts(n: i32): void {
  setHostCount(n);
}

/** Host type t's effective capacity (capacity - reservation, x oversubscription) from io. */
export function setType(t: i32): void {
  noteTypeSet(t);
  copyVec(capPtr(t), io);
  for (let d = 0; d < DIMS; d++) {
    store<f64>(tCapF + ((<usize>t * <usize>DIMS + <usize>d) << 3), <f64>load<i32>(io + (<usize>d << 2)));
  }
}

export function setHost(h: i32, type: i32, fd: i32, state: u8): void {
  store<u16>(recPtr(h), <u16>type, REC_TYPE);
  store<u16>(recPtr(h), <u16>fd, REC_FD);
  copyVec(freePtr(h), capPtr(type));
  if (DEV_KINDS > 0) devicesReset(h, capPtr(type));
  setHostState(h, state);
}

export function setHostState(h: i32, state: u8): void {
  const was = hostState(h) == STATE_IN_SERVICE;
  const now = state == STATE_IN_SERVICE;
  store<u8>(statePtr(h), state);
  if (was != now) {
    const p = fdInService + (<usize>hostFd(h) << 2);
    const c = load<u32>(p);
    totalsService(h, now ? 1 : -1);
    shortAdjust(freePtr(h), now ? 1 : -1);
    if (now) {
      addInService(1);
      store<u32>(p, c + 1);
      if (c == 0) addFdCount(1);
    } else {
      addInService(-1);
      store<u32>(p, c - 1);
      if (c == 1) addFdCount(-1);
    }
    bumpEpoch();
  }
  refreshHost(h);
}

/** Host h's label-and-taint signature; set before setHost (the index reads it). */
export function setHostAttributes(h: i32, sig: i32): void { setHostSignature(h, sig); }
/** Whether constraint c admits signature sig, and whether it admits every signature in use. */
export function setConstraintAdmits(c: i32, sig: i32, on: bool): void { setAdmits(c, sig, on); }
export function setConstraintAdmitsAll(c: i32, all: bool): void { setAdmitsAll(c, all); }
/** The fleet's special dimensions (some host types have none of them; README, Keeping scarce
 *  hosts free) became `mask`. Classes are dropped: their fit bits may depend on the mask. */
export function setSpecialDimensions(mask: u32): void {
  setSpecialDims(mask);
  dropClasses();
  bumpEpoch();
}
export function vmConstraintTable(): usize { return vmConstraintBase(); }

export function setDedicated(tenant: u32): bool {
  return addDedicatedTenant(tenant);
}

export function isDedicated(tenant: u32): bool {
  return dedicatedSlot(tenant) >= 0;
}

/** Places VM v with the demand in io, constraint con and expected end time `end` (0 = unknown);
 *  returns its host or -1 (see lastReason). */
export function place(v: i32, tenant: u32, deployment: u32, con: i32, k: u32, policy: i32, window: i32, end: u32): i32 {
  const h = findHost(io, tenant, deployment, con, k, policy, window, -1, end);
  if (h >= 0) {
    touchHost(h);
    placeNew(v, h, io, tenant, deployment, con, end);
    noteCommit(h);
  }
  return h;
}

/** Places VM v (demand in io) on host h if every rule allows it; returns h or -1. */
export function placeOn(v: i32, h: i32, tenant: u32, deployment: u32, con: i32, k: u32, end: u32): i32 {
  if (!checkHost(h, io, tenant, deployment, con, k)) return -1;
  placeNew(v, h, io, tenant, deployment, con, end);
  return h;
}

/** placeOn for a rebuilt core: the VM gets exactly the devices whose masks (u16 per device
 *  dimension) are in io at byte 128, the ones it held in the old core. */
export function restoreOn(v: i32, h: i32, tenant: u32, deployment: u32, con: i32, end: u32): i32 {
  if (!checkHost(h, io, tenant, deployment, con, 0xffffffff)) return -1;
  forceDevices(io + 128);
  placeNew(v, h, io, tenant, deployment, con, end);
  return h;
}

export function releaseVm(v: i32): void {
  release(v);
}

/** Moves VM v to `target` (or, when -1, where the policy says, never its own host).
 *  The target is chosen and checked before the source is touched, and the core is
 *  single-threaded, so no caller ever sees the VM on both hosts or on neither. */
export function moveVm(v: i32, target: i32, k: u32, policy: i32, window: i32): i32 {
  const src = vmHost(v);
  const demand = demandPtr(v);
  const tenant = vmTenant(v);
  const d = vmDeployment(v);
  const con = vmConstraint(v);
  const h = target >= 0
    ? (checkHost(target, demand, tenant, d, con, k) ? target : -1)
    : findHost(demand, tenant, d, con, k, policy, window, src, vmEnd(v));
  if (h < 0) return -1;
  release(v);
  commit(v, h, tenant, d);
  return h;
}

/** Host type t's size rank (0 = smallest; keep-scarce opens empty hosts of the smallest rank
 *  first). After changing ranks call rankHosts. */
export function setTypeRank(t: i32, r: i32): void { store<u8>(tRank + <usize>t, <u8>r); }

/** `ranks` distinct ranks in use; with `refile` (some host type's rank changed), every empty
 *  in-service host is filed again under its type's rank. */
export function rankHosts(ranks: i32, refile: bool): void {
  setRankCount(ranks);
  if (!refile) return;
  memory.fill(rankEmptyBits, 0, <usize>MAX_RANKS * treeBytes);
  for (let h = 0; h < HOSTS; h++) {
    if (hostState(h) == STATE_IN_SERVICE && hostVmCount(h) == 0) bitSet(rankTree(typeRank(hostType(h))), h);
  }
}

export function lastReason(): i32 { return reason; }
/** Shape classes built so far (admissions): a diagnostic for benchmarks. */
export function shapeClassBuilds(): u32 { return classBuilds; }
/** Rebuilds of the free-capacity trees after they went dormant (maxtree.ts): a diagnostic for tests. */
export function boundTreeWakes(): u32 { return boundWakes; }
/** Rebuilds of the per-class short counts after they went dormant (shapes.ts): a diagnostic for tests. */
export function shortCountWakes(): u32 { return shortWakes; }
export function lastReasonDim(): i32 { return reasonDim; }

export function hostsUsedCount(): i32 { return hostsUsed; }
/** In-service hosts holding at least one VM. */
export function inServiceUsedCount(): i32 { return inServiceUsedHosts; }
/** i64 x 64: live demand, capacity of hosts in use, used and capacity of in-service hosts (x 16 dims each). */
export function totalsTable(): usize { return totals; }
export function vmsPlacedCount(): i32 { return vmsPlaced; }
export function inServiceHosts(): i32 { return inServiceCount; }
export function faultDomains(): i32 { return fdCount; }
export function coreBytes(): usize { return tableBytes(); }
export function scratchSize(): usize { return scratchBytes(); }
export function lanes(): i32 { return LANES; }

// Table addresses for the facade's read-only views.
/** Bytes per host record (state.ts): the free vector, VM count, state and VM-list head tables
 *  below are fields of it, each at its own offset. */
export function hostStride(): usize { return HOST_BYTES; }
export function hostFreeTable(): usize { return hFree; }
export function hostVmCountTable(): usize { return hVmCount; }
export function hostStateTable(): usize { return hState; }
/** Bytes per VM record: the VM views of its fields (next, tenant, deployment, end,
 *  constraint) index vm x vmStride (state.ts); host and demand have tables of their own. */
export function vmStride(): usize { return VM_BYTES; }
export function vmHostTable(): usize { return vHost; }
export function vmDemandTable(): usize { return vDemand; }
export function vmTenantTable(): usize { return vTenant; }
export function vmDeploymentTable(): usize { return vDeployment; }
export function vmNextTable(): usize { return vNext; }
export function hostVmHeadTable(): usize { return hVmHead; }
export function vmEndTable(): usize { return vEnd; }
export * from "./quota";
