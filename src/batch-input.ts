// Batch inputs, read once. Each input array is copied once into a typed array; the copy is
// validated and the core is filled from the copy. Reading the caller's array twice (once to
// validate, once to copy into the core) lets an array that changes in between (a Proxy, or a
// typed array over a SharedArrayBuffer that a worker writes) put an unchecked id, a negative
// demand or one VM twice into the core.
import { VmfabricError, invalid, show } from "./errors.js";
import { EXPECTED_END_MAX, NO_DEPLOYMENT } from "./types.js";
import { I32_MAX } from "./validate.js";

/** Most VMs one placeBatch or releaseBatch call takes (the documented maximum). */
export const BATCH_MAX = 1 << 26;
const TENANT_MAX = 0xfffffffe;

type Numbers = Float64Array | Int32Array | Uint32Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Float32Array;

const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as { slice(this: Numbers): Numbers };
const typedLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "length")!.get as (this: ArrayBufferView) => number;

/** The number of entries of an input array, read once, or a clear error for anything that is
 *  not a plain array or a typed array of numbers. */
function lengthOf(field: string, value: unknown): number {
  if (value instanceof DataView) {
    throw new VmfabricError("INVALID_INPUT", `${field} must be an array or typed array (such as Uint32Array), got a DataView, which has no entries to read`, field, value);
  }
  if (ArrayBuffer.isView(value)) {
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
      const first = (value as BigInt64Array).length > 0 ? (value as BigInt64Array)[0] : undefined;
      throw new VmfabricError("INVALID_INPUT", `${field} must hold numbers, got a ${value.constructor.name} (BigInt entries such as ${show(first)})`, field, value);
    }
    return typedLength.call(value);
  }
  if (Array.isArray(value)) {
    const n = value.length;
    if (!Number.isSafeInteger(n) || n < 0) throw invalid(`${field}.length`, n, "a length");
    return n;
  }
  throw invalid(field, value, "an array or typed array");
}

/** One read of every entry: a typed array is copied whole; a plain array (or a Proxy of one)
 *  is read entry by entry, once each, and an entry that is not a number is refused as read. */
function copyOnce(field: string, value: unknown, n: number, expected: string): Numbers {
  if (ArrayBuffer.isView(value)) {
    // The intrinsic slice: never a method the caller's object overrides.
    const copy = TypedArrayProto.slice.call(value as Numbers);
    if (copy.length !== n) throw new VmfabricError("INVALID_INPUT", `${field} changed length while being read`, field, copy.length);
    return copy;
  }
  const arr = value as ArrayLike<unknown>;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = arr[i];
    if (typeof x !== "number") throw invalid(`${field}[${i}]`, x, expected);
    out[i] = x;
  }
  return out;
}

/** An input array of numbers copied once (see copyOnce), with `length` entries if given. The
 *  caller validates the copy and uses only it. */
export function copyNumbers(field: string, value: unknown, length?: number, into?: Int32Array): ArrayLike<number> {
  const n = lengthOf(field, value);
  if (length !== undefined) checkLength(field, n, length);
  // Into a buffer the caller keeps: one memcpy, no allocation (a million-VM tick's demands).
  if (into !== undefined && value instanceof Int32Array && into.length === n) {
    into.set(value);
    return into;
  }
  return copyOnce(field, value, n, "a number");
}

function checkLength(field: string, n: number, want: number): void {
  if (n !== want) throw new VmfabricError("INVALID_INPUT", `${field} must have ${want} entries, got ${n}`, field, n);
}

/** Entries of a copy as integers in [min, max]; returns the copy as the typed array the core
 *  takes (the copy itself when it already is one). */
function ints(field: string, copy: Numbers, min: number, max: number, skip?: number): Uint32Array {
  if (copy instanceof Uint32Array || copy instanceof Int32Array) {
    // integers already: only the range is left to check (the common, million-entry case)
    for (let i = 0; i < copy.length; i++) {
      const x = copy[i];
      if ((x < min || x > max) && x !== skip) throw invalid(`${field}[${i}]`, x, `an integer in [${min}, ${max}]`);
    }
    return copy instanceof Uint32Array ? copy : Uint32Array.from(copy);
  }
  for (let i = 0; i < copy.length; i++) {
    const x = copy[i];
    if (x === skip) continue;
    if (!(Number.isInteger(x) && x >= min && x <= max)) throw invalid(`${field}[${i}]`, x, `an integer in [${min}, ${max}]`);
  }
  return copy instanceof Uint32Array ? copy : Uint32Array.from(copy);
}

export interface BatchCopy {
  n: number;
  ids: Uint32Array;
  /** n x dimensions, row-major. */
  demands: Int32Array;
  tenants: Uint32Array;
  /** NO_DEPLOYMENT where none. */
  deployments: Uint32Array;
  /** Constraint ids (0 where none). */
  constraints: Uint32Array;
  /** Expected end times (0 where unknown). */
  expectedEnds: Uint32Array;
}

/**
 * Copies and validates a placeBatch input whole: ids in [0, vmCapacity), none placed
 * (`vmHost[id] >= 0`) and none twice; demands, tenants and deployments in range. Throws (with
 * the field and the value as read) before anything reaches the core.
 */
export function copyBatch(batch: unknown, dimensions: readonly string[], vmCapacity: number, vmHost: Int32Array, seen: Uint8Array, constraintCount = 1): BatchCopy {
  if (typeof batch !== "object" || batch === null) throw invalid("batch", batch, "an object with ids, demands, tenants");
  const b = batch as Record<string, unknown>;
  const D = dimensions.length;
  const idsIn = b.ids;
  const n = lengthOf("batch.ids", idsIn);
  if (n > BATCH_MAX) throw new VmfabricError("LIMIT", `batch.ids has ${n} entries; a batch holds at most ${BATCH_MAX} (2^26) VMs`, "batch.ids", n);
  const demandsIn = b.demands;
  const tenantsIn = b.tenants;
  const depsIn = b.deployments;
  checkLength("batch.demands", lengthOf("batch.demands", demandsIn), n * D);
  checkLength("batch.tenants", lengthOf("batch.tenants", tenantsIn), n);
  if (depsIn !== undefined) checkLength("batch.deployments", lengthOf("batch.deployments", depsIn), n);
  const consIn = b.constraints;
  if (consIn !== undefined) checkLength("batch.constraints", lengthOf("batch.constraints", consIn), n);
  const endsIn = b.expectedEnds;
  if (endsIn !== undefined) checkLength("batch.expectedEnds", lengthOf("batch.expectedEnds", endsIn), n);

  const ids = ints("batch.ids", copyOnce("batch.ids", idsIn, n, "a VM id"), 0, vmCapacity - 1);
  let i = 0;
  try {
    for (; i < n; i++) {
      const id = ids[i];
      if (vmHost[id] >= 0) throw new VmfabricError("DUPLICATE_VM", `batch.ids[${i}]: vm ${id} is already placed on host ${vmHost[id]}`, `batch.ids[${i}]`, id);
      if (seen[id]) throw new VmfabricError("DUPLICATE_VM", `batch.ids[${i}]: vm ${id} appears twice in the batch`, `batch.ids[${i}]`, id);
      seen[id] = 1;
    }
  } finally {
    for (let j = 0; j < i; j++) seen[ids[j]] = 0;
  }
  const demandCopy = copyOnce("batch.demands", demandsIn, n * D, "an integer demand");
  const int32 = demandCopy instanceof Int32Array;
  for (let j = 0; j < demandCopy.length; j++) {
    const x = demandCopy[j];
    if (int32 ? x < 0 : !(Number.isInteger(x) && x >= 0 && x <= I32_MAX)) {
      const field = `batch.demands[${j}] (vm #${Math.floor(j / D)}, ${dimensions[j % D]})`;
      throw new VmfabricError("INVALID_INPUT", `${field} must be an integer in [0, ${I32_MAX}], got ${show(x)}`, `batch.demands[${j}]`, x);
    }
  }
  const demands = demandCopy instanceof Int32Array ? demandCopy : Int32Array.from(demandCopy);
  const tenants = ints("batch.tenants", copyOnce("batch.tenants", tenantsIn, n, "a tenant id"), 0, TENANT_MAX);
  const deployments = depsIn === undefined
    ? new Uint32Array(n).fill(NO_DEPLOYMENT)
    : ints("batch.deployments", copyOnce("batch.deployments", depsIn, n, "a deployment id"), 0, TENANT_MAX, NO_DEPLOYMENT);
  const constraints = consIn === undefined
    ? new Uint32Array(n)
    : ints("batch.constraints", copyOnce("batch.constraints", consIn, n, "a constraint id from engine.constraint()"), 0, constraintCount - 1);
  const expectedEnds = endsIn === undefined
    ? new Uint32Array(n)
    : ints("batch.expectedEnds", copyOnce("batch.expectedEnds", endsIn, n, "an expected end time"), 0, EXPECTED_END_MAX);
  return { n, ids, demands, tenants, deployments, constraints, expectedEnds };
}

/** Copies and validates releaseBatch's ids: each placed, none twice. Returns the ids and the
 *  host each is on (for rollback). */
export function copyRelease(vmIds: unknown, vmCapacity: number, vmHost: Int32Array, seen: Uint8Array): { ids: Uint32Array; hosts: Int32Array } {
  const n = lengthOf("vmIds", vmIds);
  if (n > BATCH_MAX) throw new VmfabricError("LIMIT", `vmIds has ${n} entries; one call releases at most ${BATCH_MAX} (2^26) VMs`, "vmIds", n);
  const ids = ints("vmIds", copyOnce("vmIds", vmIds, n, "a VM id"), 0, vmCapacity - 1);
  const hosts = new Int32Array(n);
  let i = 0;
  try {
    for (; i < n; i++) {
      const vm = ids[i];
      if (vmHost[vm] < 0) throw new VmfabricError("UNKNOWN_VM", `vmIds[${i}]: vm ${vm} is not placed`, `vmIds[${i}]`, vm);
      if (seen[vm]) throw new VmfabricError("DUPLICATE_VM", `vmIds[${i}]: vm ${vm} appears twice`, `vmIds[${i}]`, vm);
      seen[vm] = 1;
      hosts[i] = vmHost[vm];
    }
  } finally {
    for (let j = 0; j < i; j++) seen[ids[j]] = 0;
  }
  return { ids, hosts };
}

/** Most prior entries one batch takes (keeps the core's table sizes far from i32 overflow;
 *  a role has one entry per fault domain it uses). */
export const PRIOR_MAX = 1 << 24;

/** A batch's `prior` option, copied once and checked whole: three arrays of one length;
 *  deployments in [0, 2^32 - 2], fault domains in [0, maxFd] (the fleet's), counts >= 1 adding
 *  up to at most I32_MAX (so the core's 32-bit shares never overflow). */
export function copyPrior(field: string, value: unknown, maxFd: number): { deployments: Uint32Array; faultDomains: Uint32Array; counts: Uint32Array } {
  if (typeof value !== "object" || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalid(field, value, "an object with deployments, faultDomains and counts");
  }
  const p = value as Record<string, unknown>;
  const depIn = p.deployments;
  const fdIn = p.faultDomains;
  const countIn = p.counts;
  const m = lengthOf(`${field}.deployments`, depIn);
  if (m > PRIOR_MAX) {
    throw new VmfabricError("LIMIT", `${field}.deployments has ${m} entries, at most ${PRIOR_MAX} are allowed`, `${field}.deployments`, m);
  }
  checkLength(`${field}.faultDomains`, lengthOf(`${field}.faultDomains`, fdIn), m);
  checkLength(`${field}.counts`, lengthOf(`${field}.counts`, countIn), m);
  const deployments = ints(`${field}.deployments`, copyOnce(`${field}.deployments`, depIn, m, "a deployment id"), 0, TENANT_MAX);
  const fdCopy = copyOnce(`${field}.faultDomains`, fdIn, m, "a fault domain");
  for (let j = 0; j < m; j++) {
    const fd = fdCopy[j];
    if (!(Number.isInteger(fd) && fd >= 0 && fd <= maxFd)) {
      const f = `${field}.faultDomains[${j}]`;
      throw new VmfabricError("INVALID_INPUT", `${f} must be a fault domain of this fleet (an integer in [0, ${maxFd}]), got ${show(fd)}`, f, fd);
    }
  }
  const faultDomains = ints(`${field}.faultDomains`, fdCopy, 0, maxFd);
  const counts = ints(`${field}.counts`, copyOnce(`${field}.counts`, countIn, m, "a count"), 1, I32_MAX);
  let total = 0;
  for (let j = 0; j < m; j++) total += counts[j];
  if (total > I32_MAX) {
    throw new VmfabricError("INVALID_INPUT", `${field}.counts must add up to at most ${I32_MAX}, got ${total}`, `${field}.counts`, total);
  }
  return { deployments, faultDomains, counts };
}

/** An upper bound of the core scratch bytes a batch of n VMs with m prior entries takes
 *  (assembly/batch.ts batchPrepare: inputs and outputs per VM, then the larger of the
 *  fault-domain hash table and the offline sort's buffers). */
export function batchScratchBytes(n: number, m: number, dims: number): number {
  const vec = Math.ceil(dims / 4) * 16;
  let slots = 16;
  while (slots < (n + m) * 2) slots *= 2;
  return n * (vec + 28) + m * 12 + Math.max(slots * 20, 12 * n + 4 * 65536 + 8 * dims) + 64;
}

/** Bytes of linear memory WebAssembly (32-bit) can address. */
export const WASM_MEMORY_BYTES = 2 ** 32;

/** Refuses, before the core is called, a batch whose scratch would not fit beside the core's
 *  tables in 4 GiB (the core's 32-bit size arithmetic would wrap). */
export function checkBatchFits(field: string, n: number, m: number, dims: number, coreBytes: number): void {
  const need = batchScratchBytes(n, m, dims);
  // 1 MiB for the core's own data and stack below the tables.
  if (coreBytes + need + 2 ** 20 > WASM_MEMORY_BYTES) {
    const mib = (x: number) => Math.ceil(x / 2 ** 20);
    throw new VmfabricError(
      "LIMIT",
      `${field}: a batch of ${n} VMs needs about ${mib(need)} MiB of core scratch beside the engine's ${mib(coreBytes)} MiB of tables, more than WebAssembly's 4 GiB; split it into smaller batches`,
      field,
      n,
    );
  }
}
