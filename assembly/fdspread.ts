// Fault-domain spread inside one batch: no fault domain may hold more than
// ceil((n + P) / fault domains) of the n instances of a deployment placed by that batch plus
// the P the caller says were placed before it (`prior`, seeded with fdSeed; P = 0 without).
// Two open-addressing tables live in the scratch region for the duration of the batch.

import { NONE, fdCount } from "./state";

let depKeys: usize = 0;   // u32 deployment, NONE = empty
let depCount: usize = 0;  // u32 instances in this batch, plus its prior instances
let pairKeys: usize = 0;  // u64 (deployment << 16 | fault domain), -1 = empty
let pairCount: usize = 0; // u32 instances in that domain: prior ones, then those this batch placed
let mask: i32 = 0;
let domains: u32 = 1;
export let fdActive: bool = false;

/** Bytes of scratch the tables need for n keys (a batch of n VMs plus its prior entries). */
export function fdBytes(n: i32): usize {
  return <usize>slotsFor(n) * (4 + 4 + 8 + 4);
}

function slotsFor(n: i32): i32 {
  let s = 16;
  while (s < n * 2) s <<= 1;
  return s;
}

@inline function hash32(k: u32): i32 {
  return <i32>((k * 0x9e3779b1) >>> 7) & mask;
}

@inline function hash64(k: u64): i32 {
  return <i32>((k * 0x9e3779b97f4a7c15) >>> 40) & mask;
}

/** Empty tables for up to n keys (batch VMs plus prior entries) at mem. */
export function fdBegin(n: i32, mem: usize): void {
  const slots = slotsFor(n);
  mask = slots - 1;
  depKeys = mem;
  depCount = depKeys + (<usize>slots << 2);
  pairKeys = depCount + (<usize>slots << 2);
  pairCount = pairKeys + (<usize>slots << 3);
  memory.fill(depKeys, 0xff, <usize>slots << 2);
  memory.fill(depCount, 0, <usize>slots << 2);
  memory.fill(pairKeys, 0xff, <usize>slots << 3);
  memory.fill(pairCount, 0, <usize>slots << 2);
  domains = fdCount > 0 ? <u32>fdCount : 1;
  fdActive = true;
}

export function fdEnd(): void {
  fdActive = false;
}

function depSlot(d: u32): i32 {
  let i = hash32(d);
  while (true) {
    const k = load<u32>(depKeys + (<usize>i << 2));
    if (k == d || k == NONE) return i;
    i = (i + 1) & mask;
  }
}

export function fdCountInstance(d: u32): void {
  const i = depSlot(d);
  store<u32>(depKeys + (<usize>i << 2), d);
  const p = depCount + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + 1);
}

/** Adds c instances of d placed before the batch in domain fd, when d is in the batch
 *  (after every batch instance was counted); entries for other deployments are ignored. */
export function fdSeed(d: u32, fd: i32, c: u32): void {
  const i = depSlot(d);
  if (load<u32>(depKeys + (<usize>i << 2)) != d) return;
  const p = depCount + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + c);
  const j = pairSlot(d, fd);
  store<u64>(pairKeys + (<usize>j << 3), (<u64>d << 16) | <u64>fd);
  const q = pairCount + (<usize>j << 2);
  store<u32>(q, load<u32>(q) + c);
}

/** Most instances of d one fault domain may hold, prior ones included (0: unconstrained). */
export function fdLimit(d: u32): u32 {
  if (!fdActive || d == NONE) return 0;
  const n = load<u32>(depCount + (<usize>depSlot(d) << 2));
  return (n + domains - 1) / domains;
}

function pairSlot(d: u32, fd: i32): i32 {
  const key = (<u64>d << 16) | <u64>fd;
  let i = hash64(key);
  while (true) {
    const k = load<u64>(pairKeys + (<usize>i << 3));
    if (k == key || k == <u64>-1) return i;
    i = (i + 1) & mask;
  }
}

export function fdUsed(d: u32, fd: i32): u32 {
  return load<u32>(pairCount + (<usize>pairSlot(d, fd) << 2));
}

export function fdAdd(d: u32, fd: i32): void {
  const i = pairSlot(d, fd);
  store<u64>(pairKeys + (<usize>i << 3), (<u64>d << 16) | <u64>fd);
  const p = pairCount + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + 1);
}
