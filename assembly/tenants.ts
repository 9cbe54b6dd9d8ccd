// Dedicated tenants: a tenant that must not share hosts with any other tenant. Their hosts
// leave the shared index while they hold any of the tenant's VMs and are listed per tenant.

import {
  MAX_DEDICATED, NONE, addDedicated, dedHead, dedKey, dedicatedCount, ownedNextPtr, setHostOwner, hostOwner,
} from "./state";

const SLOTS: i32 = MAX_DEDICATED * 2;

@inline function hash(t: u32): i32 {
  return <i32>((t * 0x9e3779b1) >>> 19) & (SLOTS - 1);
}

/** Slot of tenant t in the dedicated set, or -1. */
export function dedicatedSlot(t: u32): i32 {
  if (t == NONE) return -1;
  let i = hash(t);
  while (true) {
    const k = load<u32>(dedKey + (<usize>i << 2));
    if (k == t) return i;
    if (k == NONE) return -1;
    i = (i + 1) & (SLOTS - 1);
  }
}

/** Adds t to the dedicated set; returns false when the set is full. */
export function addDedicatedTenant(t: u32): bool {
  if (dedicatedSlot(t) >= 0) return true;
  // SLOTS is twice the capacity: the load factor stays at most 1/2, so probes stay short.
  if (dedicatedCount >= MAX_DEDICATED) return false;
  let i = hash(t);
  while (load<u32>(dedKey + (<usize>i << 2)) != NONE) i = (i + 1) & (SLOTS - 1);
  store<u32>(dedKey + (<usize>i << 2), t);
  store<i32>(dedHead + (<usize>i << 2), -1);
  addDedicated(1);
  return true;
}

@inline export function ownedHead(slot: i32): i32 {
  return load<i32>(dedHead + (<usize>slot << 2));
}

@inline export function ownedNext(h: i32): i32 {
  return load<i32>(ownedNextPtr(h));
}

export function takeOwnership(h: i32, slot: i32, t: u32): void {
  setHostOwner(h, t);
  store<i32>(ownedNextPtr(h), ownedHead(slot));
  store<i32>(dedHead + (<usize>slot << 2), h);
}

export function dropOwnership(h: i32): void {
  const slot = dedicatedSlot(hostOwner(h));
  let prev = -1;
  let cur = ownedHead(slot);
  while (cur != h) { prev = cur; cur = ownedNext(cur); }
  const next = ownedNext(h);
  if (prev < 0) store<i32>(dedHead + (<usize>slot << 2), next);
  else store<i32>(ownedNextPtr(prev), next);
  setHostOwner(h, NONE);
}
