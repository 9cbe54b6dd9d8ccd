// Host labels and taints, as the core sees them: each host carries an attribute signature (its
// set of labels and taints, numbered by the facade), and each VM a constraint (its label
// requirements and tolerations, also numbered by the facade). Whether a constraint admits a
// signature is one bit, written by the facade when either is first seen; it never changes,
// since a host's labels are fixed. A constraint admitting every signature (the common case:
// no requirements on an untainted fleet) skips the test altogether.

import { REC_ATTR, freePtr, recPtr, vmOff } from "./state";

export const MAX_SIGNATURES: i32 = 1024;
export const MAX_CONSTRAINTS: i32 = 1024;
const ROW: usize = <usize>MAX_SIGNATURES >>> 3;   // bytes of admission bits per constraint

let vCon: usize = 0;     // u16 per VM: constraint (a field of the VM record, state.ts)
let admits: usize = 0;   // MAX_CONSTRAINTS rows of MAX_SIGNATURES bits
let admitsAll: usize = 0; // u8 per constraint: 1 when it admits every signature in use

export function attrsInit(vmTable: usize, bits: usize, all: usize): void {
  specialDims = 0;
  vCon = vmTable;
  admits = bits;
  admitsAll = all;
  // Constraint 0 (no requirements, no tolerations) admits signature 0 (no labels, no taints).
  store<u8>(admits, 1);
  store<u8>(admitsAll, 1);
}

export function attrsBytes(): usize { return <usize>MAX_CONSTRAINTS * ROW; }

// A host's signature is in its host record (state.ts).
@inline export function hostSignature(h: i32): i32 { return <i32>load<u16>(recPtr(h), REC_ATTR); }
export function setHostSignature(h: i32, sig: i32): void { store<u16>(recPtr(h), <u16>sig, REC_ATTR); }
@inline export function vmConstraint(v: i32): i32 { return <i32>load<u16>(vCon + vmOff(v)); }
export function vmConstraintBase(): usize { return vCon; }
export function setVmConstraint(v: i32, c: i32): void { store<u16>(vCon + vmOff(v), <u16>c); }

export function setAdmits(c: i32, sig: i32, on: bool): void {
  const p = admits + <usize>c * ROW + (<usize>sig >>> 3);
  const bit: u8 = <u8>(<i32>1 << (sig & 7));
  store<u8>(p, on ? load<u8>(p) | bit : load<u8>(p) & ~bit);
}

export function setAdmitsAll(c: i32, all: bool): void { store<u8>(admitsAll + <usize>c, all ? 1 : 0); }

@inline export function admitsEvery(k: i32): bool { return (<u32>k >>> 16) == 0 && load<u8>(admitsAll + <usize>(k & 0xffff)) != 0; }

// Keeping scarce hosts free: a dimension is special when some host types have none of it (a
// GPU). A search key k = constraint | avoid << 16 with avoid != 0 skips hosts with free
// capacity in any of the special dimensions in `avoid` (those the VM asks none of): a GPU host
// with a GPU free, not one whose GPUs are all taken (its leftover cores serve no GPU work until
// a GPU comes free, so a CPU-only VM may use them).
export let specialDims: u32 = 0;

export function setSpecialDims(mask: u32): void { specialDims = mask; }

/** The special dimensions a free vector has capacity in. */
@inline export function specialFreeOf(free: usize): u32 {
  let out: u32 = 0;
  let m = specialDims;
  while (m != 0) {
    const d = <i32>ctz(m);
    m &= m - 1;
    if (load<i32>(free + (<usize>d << 2)) > 0) out |= <u32>1 << <u32>d;
  }
  return out;
}

/** Whether search key k (a constraint, maybe with an avoid mask) lets a VM use host h. */
@inline export function admitted(k: i32, h: i32): bool {
  const avoid = <u32>k >>> 16;
  if (avoid != 0 && (specialFreeOf(freePtr(h)) & avoid) != 0) return false;
  const c = k & 0xffff;
  if (load<u8>(admitsAll + <usize>c) != 0) return true;
  const sig = hostSignature(h);
  return ((load<u8>(admits + <usize>c * ROW + (<usize>sig >>> 3)) >>> <u8>(sig & 7)) & 1) != 0;
}
