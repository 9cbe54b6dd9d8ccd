// Engine state: struct-of-arrays tables in linear memory, addressed through these globals.
// Resource vectors are LANES v128 chunks of i32 (4 dimensions each); unused lanes are 0 in
// demands and in free capacity, so whole-chunk comparisons stay exact.

import { allocTable } from "./memory";
import { bitTreeBytes, bitTreeInit } from "./bits";
import { maxTreeBytes, maxTreeInit } from "./maxtree";
import { totalsBytes, totalsInit } from "./totals";
import { MAX_CONSTRAINTS, attrsBytes, attrsInit } from "./attrs";
import { classGroupBytes, classGroupInit } from "./classgroups";

export const NONE: u32 = 0xffffffff;
export const MAX_SHAPES: i32 = 128;  // shape classes with a fit bit per host
export const FIT_WORDS: i32 = 2;     // u64 words of fit bits per host (MAX_SHAPES / 64)
export const LEVELS: i32 = 64;       // free-capacity levels used for best-fit / spread order
export const NO_LEVEL: u8 = 0xff;    // host not in the shared index (out of service or dedicated)
export const MAX_DEDICATED: i32 = 4096;

export const STATE_OUT: u8 = 0;
export const STATE_IN_SERVICE: u8 = 1;

export let DIMS: i32 = 4;
export let LANES: i32 = 1;
export let VEC: usize = 16;          // bytes per resource vector
export let HOSTS: i32 = 0;           // hosts added so far (ids 0..HOSTS-1)
export let HOST_CAP: i32 = 0;        // hosts the tables have room for
export let VMS: i32 = 0;
export let TYPES: i32 = 0;
export let typesSet: i32 = 0;        // host types given so far (ids 0..typesSet-1)

// Host type table: effective capacity (capacity - reservation) x oversubscription, per type.
export let tCap: usize = 0;          // VEC per type
export let tCapF: usize = 0;         // f64 per dimension per type (for free fractions)

// Host table.
// What a commit or release reads and writes of its host shares one record of HOST_BYTES = VEC +
// 32 bytes (48 with up to 4 dimensions: one or two cache lines): a churn placement lands on a
// host no recent placement touched (README, Benchmark: many sizes), so each table it touched
// there was a miss of its own. The fit words and the deployment filter keep tables of their
// own: a class build writes every host's fit word, and a search's candidate scan reads the
// filters of hosts in a row; inside the record (a 64-byte one) they made the class builds 2.5x
// slower and the million-VM bench 5-22% slower.
// Record layout, by byte offset:
//   0          VEC  free vector: effective capacity minus allocated
//   VEC        16   the scalars below (REC_*)
//   VEC + 16   i32  first VM on the host (list through vNext)
//   VEC + 20   u32  VM count
//   VEC + 24   i32  next host owned by the same dedicated tenant
//   VEC + 28   u8   service state, in a 4-byte slot whose upper bytes stay 0 (the facade reads
//                   the slot as a u32, so every host view indexes h x HOST_BYTES / 4)
export const REC_LEVEL: usize = 0;   // u8 free-capacity level, NO_LEVEL when not indexed
export const REC_SECTOR: usize = 1;  // u8 the host's sector in the bound trees (maxtree.ts)
export const REC_TYPE: usize = 2;    // u16 host type
export const REC_ATTR: usize = 4;    // u16 label-and-taint signature (attrs.ts)
export const REC_FD: usize = 6;      // u16 fault domain
export const REC_OWNER: usize = 8;   // u32 dedicated tenant holding the host, or NONE
export const REC_END: usize = 12;    // u32 latest expected end among the host's VMs, 0 when none known
export let HOST_BYTES: usize = 48;
export let hFree: usize = 0;         // the record's fields, each at its offset in host 0's record
export let hRec: usize = 0;
export let hVmHead: usize = 0;
export let hVmCount: usize = 0;
export let hOwnedNext: usize = 0;
export let hState: usize = 0;
export let hSig: usize = 0;          // u32 per host: bit per hashed deployment present (anti-affinity filter)
export let hFit: usize = 0;          // FIT_WORDS x u64 per host: bit s set when the host is indexed and fits shape s

// VM table. A VM's scalars but its host share one record of VM_BYTES (vRec, from a cache
// line's start): a release reads next and prev (to unlink the VM with no walk of its host's
// list), a placement writes all six, so a placement that reuses an id a release just freed (a
// free-id stack, as the replay and the benches keep) writes to the line that release brought
// in, where four tables of their own were four cold lines. Each field's base below is the
// record table plus its offset; VM v's field is at base + v x VM_BYTES (vmOff). The host keeps
// a compact table of its own: every call on a VM id first reads it (is the VM placed?), and
// inside the record that read made the million-VM bench 1-8% slower, and placements with ids
// drawn at random about a twentieth slower (docs/churn-history.md). The demand vector keeps
// its own table too (vDemand).
export const VM_BYTES: usize = 24;
export let vRec: usize = 0;
export let vNext: usize = 0;         // +0  i32 next VM on the same host
export let vPrev: usize = 0;         // +4  i32 previous VM on the same host (-1: the list's head)
export let vTenant: usize = 0;       // +8  u32
export let vDeployment: usize = 0;   // +12 u32, NONE for no deployment constraints
export let vEnd: usize = 0;          // +16 u32 expected end time (caller's unit), 0 = unknown
export const VREC_CON: usize = 20;   // +20 u16 label constraint (attrs.ts), then 2 bytes unused
export let vHost: usize = 0;         // i32 per VM, -1 when not placed
export let vDemand: usize = 0;       // VEC per VM

// Index.
export let shapeBits: usize = 0;     // MAX_SHAPES bit trees, interleaved (bits.ts): indexed hosts fitting shape s
export let levelBits: usize = 0;     // LEVELS bit trees, interleaved (bits.ts): indexed hosts at level l
export let emptyBits: usize = 0;     // in-service hosts holding no VM
export const MAX_RANKS: i32 = 16;
export let rankEmptyBits: usize = 0; // MAX_RANKS bit trees: emptyBits by the host type's size rank
export let tRank: usize = 0;         // u8 per host type: its size rank (0 = smallest)
export let rankCount: i32 = 1;       // distinct ranks in use (the rule needs more than one)
export let treeBytes: usize = 0;
export let shapeDemand: usize = 0;   // VEC per shape class
export let shapeHits: usize = 0;     // u32 requests per class (halved as they age), for admission
export const ADM_SLOTS: i32 = 4096;  // admission table: demands without a class, and their counts
export let admKey: usize = 0;        // VEC per slot
export let admCount: usize = 0;      // u32 per slot
export let admCon: usize = 0;        // u32 per slot: the demand's constraint (labels, tolerations)
export let admNoCap: usize = 0;      // (u32 epoch, i32 dimension) per slot: cached NO_CAPACITY
export let levelCount: usize = 0;    // u32 per level: indexed hosts at that level
export let levelsUsed: u64 = 0;      // bit l set when levelCount[l] > 0
export let indexedBits: usize = 0;   // bit tree: hosts in the shared index (any level)
export let shapeLevelCount: usize = 0; // (u32, u32) [LEVELS][MAX_SHAPES]: indexed hosts fitting s at level l, XOR of their indices
export let shapeLevelMask: usize = 0;  // u64 per shape: bit l set when count[s][l] > 0
const shapeValidWords = memory.data(16, 16); // FIT_WORDS x u64: bit s set when class s is live

// Dedicated tenants: open-addressing set of tenant ids with the head of their owned-host list.
export let dedKey: usize = 0;        // u32, NONE = empty slot
export let dedHead: usize = 0;       // i32
export let dedicatedCount: i32 = 0;

// Fault domains: in-service hosts per domain, and how many domains have any.
export let fdInService: usize = 0;   // u32 per fault domain
export let fdCount: i32 = 0;
export let inServiceCount: i32 = 0;
export let hostsUsed: i32 = 0;
export let vmsPlaced: i32 = 0;

// Bumped whenever any host gains free capacity or comes into service, so a cached
// "no capacity" verdict for a shape is reused only while it is still true.
export let capacityEpoch: u32 = 1;

@inline export function validWord(w: i32): u64 { return load<u64>(shapeValidWords + (<usize>w << 3)); }
export function setValidWord(w: i32, v: u64): void { store<u64>(shapeValidWords + (<usize>w << 3), v); }
export function setRankCount(n: i32): void { rankCount = n; }
export function noteTypeSet(t: i32): void { if (t >= typesSet) typesSet = t + 1; }
export function setHostCount(n: i32): void { HOSTS = n; }
export function setLevelsUsed(m: u64): void { levelsUsed = m; }
export function bumpEpoch(): void { capacityEpoch++; }
export function addInService(delta: i32): void { inServiceCount += delta; }
export function addFdCount(delta: i32): void { fdCount += delta; }
export function addHostsUsed(delta: i32): void { hostsUsed += delta; }
export function addVmsPlaced(delta: i32): void { vmsPlaced += delta; }
export function addDedicated(delta: i32): void { dedicatedCount += delta; }

/** Tables for up to `hosts` hosts (added with setHostCount), `types` host types and
 *  `faultDomains` fault domains. */
export function init(dims: i32, hosts: i32, vms: i32, types: i32, faultDomains: i32): void {
  DIMS = dims;
  LANES = (dims + 3) >>> 2;
  VEC = <usize>LANES << 4;
  HOSTS = 0;
  HOST_CAP = hosts;
  VMS = vms;
  TYPES = types;
  typesSet = 0;
  const H = <usize>hosts;
  const V = <usize>vms;

  tCap = allocTable(<usize>types * VEC);
  tCapF = allocTable(<usize>types * <usize>dims * 8);

  HOST_BYTES = VEC + 32;
  const records = (allocTable(H * HOST_BYTES + 64) + 63) & ~<usize>63; // from a cache line's start
  hFree = records;
  hRec = records + VEC;
  hVmHead = records + VEC + 16;
  hVmCount = records + VEC + 20;
  hOwnedNext = records + VEC + 24;
  hState = records + VEC + 28;
  for (let h: usize = 0; h < H; h++) {
    const o = h * HOST_BYTES;
    store<u8>(hRec + o, NO_LEVEL, REC_LEVEL);
    store<u32>(hRec + o, NONE, REC_OWNER);
    store<i32>(hVmHead + o, -1);
  }
  hFit = allocTable(H * 16);
  hSig = allocTable(H * 4);
  setValidWord(0, 0);
  setValidWord(1, 0);

  vRec = (allocTable(V * VM_BYTES + 64) + 63) & ~<usize>63; // from a cache line's start
  vNext = vRec;
  vPrev = vRec + 4;
  vTenant = vRec + 8;
  vDeployment = vRec + 12;
  vEnd = vRec + 16;
  vHost = allocTable(V * 4);
  memory.fill(vHost, 0xff, V * 4);
  vDemand = allocTable(V * VEC);

  bitTreeInit(hosts);
  treeBytes = bitTreeBytes();
  shapeBits = allocTable(<usize>MAX_SHAPES * treeBytes);
  levelBits = allocTable(<usize>LEVELS * treeBytes); // LEVELS trees, interleaved
  emptyBits = allocTable(treeBytes);
  rankEmptyBits = allocTable(<usize>MAX_RANKS * treeBytes);
  tRank = allocTable(<usize>types);
  rankCount = 1;
  shapeDemand = allocTable(<usize>MAX_SHAPES * VEC);
  shapeHits = allocTable(<usize>MAX_SHAPES * 4);
  admKey = allocTable(<usize>ADM_SLOTS * VEC);
  admCount = allocTable(<usize>ADM_SLOTS * 4);
  admNoCap = allocTable(<usize>ADM_SLOTS * 8);
  admCon = allocTable(<usize>ADM_SLOTS * 4);
  levelCount = allocTable(<usize>LEVELS * 4);
  indexedBits = allocTable(treeBytes);
  maxTreeInit(allocTable(maxTreeBytes(hosts)));
  totalsInit(allocTable(totalsBytes()));
  attrsInit(vRec + VREC_CON, allocTable(attrsBytes()), allocTable(<usize>MAX_CONSTRAINTS));
  shapeLevelCount = allocTable(<usize>MAX_SHAPES * <usize>LEVELS * 8);
  shapeLevelMask = allocTable(<usize>MAX_SHAPES * 8);
  classGroupInit(allocTable(classGroupBytes(MAX_SHAPES, LEVELS, hosts)), MAX_SHAPES, LEVELS, hosts);

  dedKey = allocTable(<usize>MAX_DEDICATED * 2 * 4);
  memory.fill(dedKey, 0xff, <usize>MAX_DEDICATED * 2 * 4);
  dedHead = allocTable(<usize>MAX_DEDICATED * 2 * 4);
  fdInService = allocTable(<usize>faultDomains * 4);
}

// ---- accessors (inlined) ----
@inline export function freePtr(h: i32): usize { return hFree + (<usize>h * HOST_BYTES); }
@inline export function statePtr(h: i32): usize { return hState + (<usize>h * HOST_BYTES); }
@inline export function vmHeadPtr(h: i32): usize { return hVmHead + (<usize>h * HOST_BYTES); }
@inline export function vmCountPtr(h: i32): usize { return hVmCount + (<usize>h * HOST_BYTES); }
@inline export function sigPtr(h: i32): usize { return hSig + (<usize>h << 2); }
@inline export function ownedNextPtr(h: i32): usize { return hOwnedNext + (<usize>h * HOST_BYTES); }
@inline export function demandPtr(v: i32): usize { return vDemand + <usize>v * VEC; }
@inline export function capPtr(t: i32): usize { return tCap + <usize>t * VEC; }
// Class s's tree starts at word s and strides over every class (classBitSet & co., bits.ts).
@inline export function shapeTree(s: i32): usize { return shapeBits + (<usize>s << 3); }
// Level l's tree starts at word l and strides over every level (levelBitSet & co., bits.ts).
@inline export function levelTree(l: i32): usize { return levelBits + (<usize>l << 3); }
@inline export function fitPtr(h: i32, w: i32): usize { return hFit + (<usize>h << 4) + (<usize>w << 3); }
@inline export function rankTree(r: i32): usize { return rankEmptyBits + <usize>r * treeBytes; }
@inline export function typeRank(t: i32): i32 { return <i32>load<u8>(tRank + <usize>t); }
@inline export function recPtr(h: i32): usize { return hRec + (<usize>h * HOST_BYTES); }
@inline export function hostType(h: i32): i32 { return <i32>load<u16>(recPtr(h), REC_TYPE); }
@inline export function hostFd(h: i32): i32 { return <i32>load<u16>(recPtr(h), REC_FD); }
@inline export function hostLevel(h: i32): i32 { return <i32>load<u8>(recPtr(h), REC_LEVEL); }
@inline export function setHostLevel(h: i32, l: i32): void { store<u8>(recPtr(h), <u8>l, REC_LEVEL); }
@inline export function hostState(h: i32): u8 { return load<u8>(statePtr(h)); }
@inline export function hostOwner(h: i32): u32 { return load<u32>(recPtr(h), REC_OWNER); }
@inline export function setHostOwner(h: i32, t: u32): void { store<u32>(recPtr(h), t, REC_OWNER); }
@inline export function hostVmCount(h: i32): u32 { return load<u32>(vmCountPtr(h)); }
/** VM v's offset in the record table: add a field's base (vNext, vPrev, vTenant, ...). */
@inline export function vmOff(v: i32): usize { return <usize>v * VM_BYTES; }
@inline export function vmHost(v: i32): i32 { return load<i32>(vHost + (<usize>v << 2)); }
@inline export function vmDeployment(v: i32): u32 { return load<u32>(vDeployment + vmOff(v)); }
@inline export function vmTenant(v: i32): u32 { return load<u32>(vTenant + vmOff(v)); }
@inline export function vmEnd(v: i32): u32 { return load<u32>(vEnd + vmOff(v)); }
@inline export function hostEnd(h: i32): u32 { return load<u32>(recPtr(h), REC_END); }
@inline export function setHostEnd(h: i32, e: u32): void { store<u32>(recPtr(h), e, REC_END); }
