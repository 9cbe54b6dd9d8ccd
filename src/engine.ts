// Engine: one WebAssembly core instance behind a validating, typed API.
import { checkBatchFits, copyBatch, copyPrior, copyRelease } from "./batch-input.js";
import { instantiateCore, isCoreTrap, init, type CoreExports, type CoreSource } from "./core.js";
import { VmfabricError, invalid, show } from "./errors.js";
import { expandFleet, sizeIn, type ExpandedFleet, type HostType } from "./fleet.js";
import { rejection } from "./reasons.js";
import { lowerBound } from "./lower-bound.js";
import { typeRanks } from "./type-ranks.js";
import { DeviceLayout, maskIndices } from "./devices.js";

/** Flags on the core's policy number (assembly/reasons.ts): keep scarce hosts free; open empty
 *  hosts of the smallest size first. */
const KEEP_SCARCE = 0x100;
const SMALLEST_FIRST = 0x200;
import { AttributeRegistry, admits, constraintOf, describe, type ConstraintSpec } from "./labels.js";
import {
  DEFAULT_DIMENSIONS, EXPECTED_END_MAX, NO_DEPLOYMENT, POLICIES, SIZE_MEASURES,
  type BatchOptions, type BatchResult, type EngineOptions, type EngineStats, type FleetSpec, type HostSpec,
  type PlaceOptions, type Placement, type Policy, type Rejection, type VmBatch, type VmRequest,
} from "./types.js";
import * as check from "./validate.js";

const IN_SERVICE = 1;
const OUT_OF_SERVICE = 0;
const TENANT_MAX = 0xfffffffe;

interface Views {
  buffer: ArrayBuffer;
  io: Int32Array;
  ioF64: Float64Array;
  /** i32 entries per host in free, hostVms, hostState and hostVmHead: each is a field of the
   *  core's per-host record (assembly/state.ts), so host h's entry is at h x hostStride. */
  hostStride: number;
  free: Int32Array;
  hostVms: Uint32Array;
  hostState: Uint32Array;
  /** i32 entries per VM in vmTenant, vmDeployment, vmNext and vmEnd (u16 entries in
   *  vmConstraint: twice as many): each is a field of the core's per-VM record
   *  (assembly/state.ts), so VM v's entry is at v x vmStride. vmHost and vmDemand have tables
   *  of their own (vmHost[v], vmDemand from v x stride). */
  vmStride: number;
  vmHost: Int32Array;
  vmDemand: Int32Array;
  vmTenant: Uint32Array;
  vmDeployment: Uint32Array;
  vmNext: Int32Array;
  vmEnd: Uint32Array;
  hostVmHead: Int32Array;
  totals: BigInt64Array;
  vmConstraint: Uint16Array;
  /** Per device dimension and host, each device's free units (u16 x 16 per host per kind). */
  hostDevices: Uint16Array;
  /** Per VM and device dimension, the mask of devices it holds. */
  vmDevices: Uint16Array;
  /** Device masks a restore passes to the core (io, byte 128). */
  ioMasks: Uint16Array;
}

interface Resolved {
  /** The core's policy number, with KEEP_SCARCE set when scarce hosts are kept free. */
  policy: number;
  k: number;
  window: number;
}

/** Where a VM was before a call that trapped, so recovery can put it back. */
type Rollback = Array<[vm: number, host: number, devices?: number[]]>;

export class Engine {
  readonly dimensions: readonly string[];
  readonly vmCapacity: number;
  private fleet: ExpandedFleet;
  /** Hosts and host types the core's tables have room for; addHosts past them rebuilds the core. */
  private hostRoom = 0;
  private typeRoom = 0;
  /** In-service hosts per host type, for the lower bound. */
  private typeInService: number[] = [];
  private retiredCount = 0;
  /** Each host type's size rank as the core has it (rankTypes). */
  private typeRank: number[] = [];
  /** Bit d: some host types have none of dimension d (set by setTypes). */
  private specialDims = 0;
  /** Label-and-taint signatures of hosts and constraints of VMs (labels.ts). */
  private readonly attrs: AttributeRegistry;
  private readonly stride: number; // i32 per vector in the core (lanes x 4)
  /** Dimensions made of devices (GPUs), and the core's form of vectors. */
  private readonly devices: DeviceLayout;
  private readonly defaults: Resolved;
  private readonly dedicated = new Set<number>();
  private core!: CoreExports;
  private v!: Views;
  private generation = 0;
  private batchSeen: Uint8Array;
  private maxFaultDomain: number;

  private constructor(fleet: ExpandedFleet, dimensions: string[], opts: EngineOptions, attrs: AttributeRegistry, devices: DeviceLayout) {
    this.dimensions = Object.freeze(dimensions);
    this.devices = devices;
    this.attrs = attrs;
    this.fleet = fleet;
    const hosts = fleet.count;
    this.vmCapacity = opts.vmCapacity === undefined
      ? Math.min(hosts * 8, 1 << 26)
      : sizeIn("vmCapacity", opts.vmCapacity, 1, 1 << 26, "VM ids (2^26)");
    this.stride = ((devices.coreDims + 3) >> 2) * 4;
    this.defaults = this.resolve(opts, { policy: 1 | KEEP_SCARCE, k: 1, window: 16 });
    this.hostRoom = opts.hostCapacity === undefined
      ? Math.min(1 << 24, hosts + Math.max(64, Math.ceil(hosts / 8)))
      : check.intIn("hostCapacity", opts.hostCapacity, hosts, 1 << 24);
    this.typeRoom = Math.min(0x10000, Math.max(16, fleet.types.length * 2));
    this.checkMemory(this.hostRoom, "vmCapacity", this.vmCapacity);
    this.batchSeen = new Uint8Array(this.vmCapacity);
    let maxFd = 0;
    for (let h = 0; h < hosts; h++) if (fleet.faultDomain[h] > maxFd) maxFd = fleet.faultDomain[h];
    this.maxFaultDomain = maxFd;
    try {
      this.boot();
    } catch (e) {
      // The core traps when it cannot grow its memory for the tables.
      if (!isCoreTrap(e)) throw e;
      throw new VmfabricError("LIMIT", `${this.hostCount} hosts and vmCapacity ${this.vmCapacity} do not fit the core's 4 GiB of memory (${(e as Error).message}); use fewer hosts or a smaller vmCapacity`, "vmCapacity", this.vmCapacity);
    }
  }

  /** The core's tables must fit 32-bit linear memory (4 GiB); a quarter is left for scratch. */
  private checkMemory(hostRoom: number, field: string, value: unknown): void {
    const vecBytes = this.stride * 4;
    // Per host: its record (free vector + 32 B), ~47 B of other fields and bit trees (128
    // class fit bits and trees, level and rank trees), and the free-capacity trees' bounds (65
    // trees x 8 sectors x a vector per 63 hosts; 2 sectors above 2^21 hosts).
    const sectors = hostRoom <= 1 << 21 ? 8 : 2;
    const kinds = this.devices.kinds.length;
    const perHost = vecBytes + 32 + 47 + (65 * sectors * vecBytes) / 63 + kinds * 32;
    // Per VM: its demand vector, its host (4 B) and its record (24 B, assembly/state.ts).
    const need = hostRoom * perHost + this.vmCapacity * (vecBytes + 28 + kinds * 2);
    if (need > 3 * 2 ** 30) {
      throw new VmfabricError("LIMIT", `${field} ${show(value)}: ${this.vmCapacity} VMs with room for ${hostRoom} hosts and ${this.dimensions.length} dimensions need about ${Math.ceil(need / 2 ** 20)} MiB of core tables, more than WebAssembly's 4 GiB allows`, field, value);
    }
  }

  /** Hosts in the fleet, retired ones included (host ids are 0..hostCount-1). */
  get hostCount(): number {
    return this.fleet.count;
  }

  /** An engine over a host list (`[{capacity, reservation?, oversubscription?, faultDomain?, inService?}]`)
   *  or a fleet spec (`{hostTypes: [{capacity, ..., count, hostsPerFaultDomain?}]}`). */
  static create(hosts: readonly HostSpec[] | FleetSpec, options: EngineOptions = {}): Engine {
    if (typeof options !== "object" || options === null) throw invalid("options", options, "an object");
    const dimensions = check.dimensionNames(options.dimensions ?? [...DEFAULT_DIMENSIONS]);
    const attrs = new AttributeRegistry();
    const devices = new DeviceLayout(dimensions, options.devices);
    const fleet = expandFleet(hosts, dimensions.length, undefined, attrs, (field, t) => devices.checkCapacity(field, t.effective));
    return new Engine(fleet, dimensions, options, attrs, devices);
  }

  /** Engine.create after loading the core where that must be asynchronous (browsers): `source`
   *  as for init() (default: the package's wasm, fetched relative to the module). */
  static async load(hosts: readonly HostSpec[] | FleetSpec, options: EngineOptions = {}, source?: CoreSource): Promise<Engine> {
    await init(source);
    return Engine.create(hosts, options);
  }

  // ---- setup and recovery ----

  private boot(): void {
    this.core = instantiateCore();
    this.generation++;
    const dev = this.devices;
    // Every fault domain (0..65535) has a slot: racks may arrive later.
    this.core.create(dev.coreDims, this.hostRoom, this.vmCapacity, this.typeRoom, 0x10000);
    this.core.setDevices(this.dimensions.length, dev.kinds.length);
    dev.kinds.forEach((k, j) => this.core.setDeviceSize(j, k.size));
    this.refreshViews();
    this.typeInService = [];
    this.typeRank = [];
    this.setTypes(0);
    for (let c = 0; c < this.attrs.constraints.length; c++) this.tellConstraint(c);
    this.setHosts(0);
    for (const t of this.dedicated) this.core.setDedicated(t);
  }

  private setTypes(from: number): void {
    const types = this.fleet.types;
    for (let i = from; i < types.length; i++) {
      this.writeCore(types[i].effective, true);
      this.core.setType(i);
      this.typeInService.push(0);
    }
    // Special dimensions: some host types have none of them (a GPU). Kept free for the VMs that
    // ask for them (README, "Keeping scarce hosts free").
    let special = 0;
    for (let d = 0; d < this.dimensions.length; d++) {
      const some = types.some((t) => t.effective[d] > 0);
      const none = types.some((t) => t.effective[d] === 0);
      if (some && none) special |= 1 << d;
    }
    this.rankTypes();
    if (special !== this.specialDims || from === 0) {
      this.core.setSpecialDimensions(special);
      this.specialDims = special;
    }
  }

  /** Size ranks of the host types (README, Keeping scarce hosts free): by the sum over
   *  dimensions of effective capacity as a share of the largest, equal sizes sharing a rank,
   *  past 16 sizes the smallest folded into rank 0. */
  private rankTypes(): void {
    const types = this.fleet.types;
    const ranks = typeRanks(types.map((t) => t.effective));
    // Hosts are filed under their type's rank as they enter the core; only a type whose rank
    // moved (a new type ranked below it) makes the core file its empty hosts again, so adding
    // hosts of the known sizes stays O(new hosts).
    const moved = this.typeRank.some((r, t) => ranks[t] !== r);
    ranks.forEach((r, t) => this.core.setTypeRank(t, r));
    this.core.rankHosts(new Set(ranks).size, moved);
    this.typeRank = ranks;
  }

  /** Hosts from..count-1 enter the core. */
  private setHosts(from: number): void {
    const f = this.fleet;
    this.core.addHosts(f.count);
    for (let h = from; h < f.count; h++) {
      this.core.setHostAttributes(h, f.signature[h]);
      this.core.setHost(h, f.hostType[h], f.faultDomain[h], f.inService[h]);
      if (f.inService[h] === IN_SERVICE) this.typeInService[f.hostType[h]]++;
    }
  }

  private refreshViews(): Views {
    const c = this.core;
    const buffer = c.memory.buffer as ArrayBuffer;
    const io = c.ioPtr() >>> 0;
    const hs = (c.hostStride() >>> 0) / 4;
    // A field view ends at the last host's entry (the record's later fields are not its own).
    const field = this.hostRoom === 0 ? 0 : (this.hostRoom - 1) * hs + 1;
    const vs = (c.vmStride() >>> 0) / 4;
    // Likewise a VM field view ends at the last VM's entry.
    const vmField = this.vmCapacity === 0 ? 0 : (this.vmCapacity - 1) * vs + 1;
    this.v = {
      buffer,
      hostStride: hs,
      vmStride: vs,
      io: new Int32Array(buffer, io, 32),
      ioF64: new Float64Array(buffer, io, 32),
      free: new Int32Array(buffer, c.hostFreeTable() >>> 0, this.hostRoom === 0 ? 0 : (this.hostRoom - 1) * hs + this.stride),
      hostVms: new Uint32Array(buffer, c.hostVmCountTable() >>> 0, field),
      hostState: new Uint32Array(buffer, c.hostStateTable() >>> 0, field),
      vmHost: new Int32Array(buffer, c.vmHostTable() >>> 0, this.vmCapacity),
      vmDemand: new Int32Array(buffer, c.vmDemandTable() >>> 0, this.vmCapacity * this.stride),
      vmTenant: new Uint32Array(buffer, c.vmTenantTable() >>> 0, vmField),
      vmDeployment: new Uint32Array(buffer, c.vmDeploymentTable() >>> 0, vmField),
      vmNext: new Int32Array(buffer, c.vmNextTable() >>> 0, vmField),
      vmEnd: new Uint32Array(buffer, c.vmEndTable() >>> 0, vmField),
      hostVmHead: new Int32Array(buffer, c.hostVmHeadTable() >>> 0, field),
      totals: new BigInt64Array(buffer, c.totalsTable() >>> 0, 64),
      vmConstraint: new Uint16Array(buffer, c.vmConstraintTable() >>> 0, this.vmCapacity === 0 ? 0 : (this.vmCapacity - 1) * 2 * vs + 1),
      hostDevices: new Uint16Array(buffer, c.deviceTable() >>> 0, this.hostRoom * this.devices.kinds.length * 16),
      vmDevices: new Uint16Array(buffer, c.vmDeviceTable() >>> 0, this.vmCapacity * this.devices.kinds.length),
      ioMasks: new Uint16Array(buffer, io + 128, 4),
    };
    return this.v;
  }

  // After memory.grow the old buffer is detached and every view of it reads as length 0; io is
  // never empty otherwise. Reading `memory.buffer` instead (a host call) cost about a tenth of a
  // hot place + release pair. A new core instance refreshes the views itself (build).
  /** Views over core memory, re-created whenever memory grew (growth detaches old views). */
  private get views(): Views {
    return this.v.io.length !== 0 ? this.v : this.refreshViews();
  }

  private writeIo(vec: ArrayLike<number>): void {
    const io = this.views.io;
    io.fill(0, 0, this.stride);
    for (let d = 0; d < vec.length; d++) io[d] = vec[d];
  }

  /** A user vector (a demand, or with `capacity` a host type's) in the core's form. */
  private writeCore(vec: ArrayLike<number>, capacity = false): void {
    const io = this.views.io;
    if (!this.devices.any) {
      // The common case, on every place: the user dimensions, then zeros to the lane's end.
      const U = this.dimensions.length;
      for (let d = 0; d < U; d++) io[d] = vec[d];
      for (let d = U; d < this.stride; d++) io[d] = 0;
      return;
    }
    io.fill(0, 0, this.stride);
    this.devices.writeCore(vec, 0, io, 0, capacity);
  }

  /**
   * Runs a core call. If the instance traps, it is discarded: a fresh instance is built from
   * the host list and the placements the old memory holds, with the VMs the failed call
   * touched put back where they were before it; then a CORE_TRAP error is thrown.
   */
  private guard<T>(call: () => T, rollback: () => Rollback): T {
    try {
      return call();
    } catch (e) {
      throw this.trapped(e, rollback);
    }
  }

  /** What a core call that threw becomes: a trap rebuilds the core (guard) and is a CORE_TRAP
   *  error; anything else is thrown as it was. (place and release inline guard's try, so that
   *  the hottest calls allocate no closures.) */
  private trapped(e: unknown, rollback: () => Rollback): unknown {
    if (!isCoreTrap(e)) return e;
    this.recover(rollback());
    return new VmfabricError("CORE_TRAP", `the placement core trapped (${(e as Error).message}); it was re-created and the call rolled back`);
  }

  private recover(rollback: Rollback): void {
    this.rebuild(rollback);
  }

  /** A new core instance (with the current host and type room) holding the old one's
   *  placements, with `rollback`'s VMs put back where they were. */
  private rebuild(rollback: Rollback): void {
    const old = this.refreshViews();
    const demand = old.vmDemand.slice();
    // The VM records' fields, one entry per VM (a VM released by the trapped call keeps its
    // facts in the old core: the rollback below puts it back with them).
    const n = this.vmCapacity, vs = old.vmStride;
    const vmHost = old.vmHost.slice();
    const tenant = new Uint32Array(n), deployment = new Uint32Array(n), end = new Uint32Array(n);
    const constraint = new Uint16Array(n);
    for (let vm = 0; vm < n; vm++) {
      const o = vm * vs;
      tenant[vm] = old.vmTenant[o];
      deployment[vm] = old.vmDeployment[o];
      end[vm] = old.vmEnd[o];
      constraint[vm] = old.vmConstraint[2 * o];
    }
    // The fleet's states, not the old core's: hosts just added (addHosts) are not in it yet.
    const state = this.fleet.inService.slice();
    const kinds = this.devices.kinds.length;
    const masks = old.vmDevices.slice();
    for (const [vm, host, devices] of rollback) {
      vmHost[vm] = host;
      if (devices) devices.forEach((m, j) => { masks[vm * kinds + j] = m; });
    }
    // Every host in service while the VMs are restored (placeOn only puts guests on in-service
    // hosts, and VMs may sit on hosts taken out of service since), then the saved states.
    this.fleet.inService.fill(IN_SERVICE);
    this.boot();
    const s = this.stride;
    for (let vm = 0; vm < this.vmCapacity; vm++) {
      const h = vmHost[vm];
      if (h < 0) continue;
      this.writeIo(demand.subarray(vm * s, vm * s + s));
      // Each VM keeps the devices it had (a restore in id order would choose others).
      for (let j = 0; j < kinds; j++) this.views.ioMasks[j] = masks[vm * kinds + j];
      if (this.core.restoreOn(vm, h, tenant[vm], deployment[vm], constraint[vm], end[vm]) < 0) {
        throw new VmfabricError("CORE_TRAP", `recovery could not restore vm ${vm} on host ${h}`);
      }
    }
    for (let h = 0; h < this.hostCount; h++) if (state[h] !== IN_SERVICE) this.setState(h, state[h]);
  }

  // ---- option and input checks ----

  private resolve(o: PlaceOptions | undefined, base: Resolved): Resolved {
    if (o === undefined) return base;
    if (typeof o !== "object" || o === null) throw invalid("options", o, "an object");
    const scarce = o.keepScarceHostsFree === undefined ? (base.policy & KEEP_SCARCE) !== 0 : boolOption("keepScarceHostsFree", o.keepScarceHostsFree);
    const smallest = o.smallestHostsFirst === undefined ? (base.policy & SMALLEST_FIRST) !== 0 : boolOption("smallestHostsFirst", o.smallestHostsFirst);
    const policy = o.policy === undefined ? base.policy & 0xff : POLICIES.indexOf(check.policy("policy", o.policy));
    return {
      policy: policy | (scarce ? KEEP_SCARCE : 0) | (smallest ? SMALLEST_FIRST : 0),
      k: o.maxPerHost === undefined ? base.k : check.intIn("maxPerHost", o.maxPerHost, 1, check.I32_MAX),
      window: o.candidates === undefined ? base.window : check.intIn("candidates", o.candidates, 1, 1 << 20),
    };
  }

  private vmId(field: string, id: unknown, placed: boolean): number {
    const vm = check.intIn(field, id, 0, this.vmCapacity - 1);
    const on = this.views.vmHost[vm];
    if (placed && on < 0) throw new VmfabricError("UNKNOWN_VM", `${field}: vm ${vm} is not placed`, field, id);
    if (!placed && on >= 0) throw new VmfabricError("DUPLICATE_VM", `${field}: vm ${vm} is already placed on host ${on}`, field, id);
    return vm;
  }

  private hostId(field: string, id: unknown): number {
    return check.intIn(field, id, 0, this.hostCount - 1);
  }

  private tenantId(field: string, t: unknown): number {
    return check.intIn(field, t, 0, TENANT_MAX);
  }

  private deploymentId(field: string, d: unknown): number {
    return d === undefined || d === NO_DEPLOYMENT ? NO_DEPLOYMENT : check.intIn(field, d, 0, TENANT_MAX);
  }

  // ---- placement ----

  /** Places one VM; returns its host, or -1 with the reason. Bad input throws and changes nothing. */
  place(request: VmRequest, options?: PlaceOptions): Placement {
    const o = this.resolve(options, this.defaults);
    const r = this.request(request);
    let host: number;
    try {
      this.writeCore(r.demand);
      host = this.core.place(r.vm, r.tenant, r.dep, r.con, o.k, o.policy, o.window, r.end);
    } catch (e) {
      throw this.trapped(e, () => []);
    }
    return this.outcome(r.vm, host, r.demand, r.con);
  }

  /** Places VM `request.id` on `host` if capacity, service, tenancy and anti-affinity allow it. */
  placeOn(request: VmRequest, host: number, options?: PlaceOptions): Placement {
    const o = this.resolve(options, this.defaults);
    const r = this.request(request);
    const h = this.hostId("host", host);
    const got = this.guard(() => {
      this.writeCore(r.demand);
      return this.core.placeOn(r.vm, h, r.tenant, r.dep, r.con, o.k, r.end);
    }, () => []);
    return this.outcome(r.vm, got, r.demand, r.con);
  }

  /** A single VM request, checked. */
  private request(request: VmRequest): { vm: number; demand: number[]; tenant: number; dep: number; con: number; end: number } {
    if (typeof request !== "object" || request === null) throw invalid("request", request, "a VM request object");
    const vm = this.vmId("request.id", request.id, false);
    const demand = check.vector("request.demand", request.demand, this.dimensions.length);
    if (this.devices.any) this.devices.checkDemand(demand, 0, (d) => `request.demand[${d}]`);
    const tenant = this.tenantId("request.tenant", request.tenant);
    const dep = this.deploymentId("request.deployment", request.deployment);
    const endIn = request.expectedEnd;
    const end = endIn === undefined ? 0 : check.intIn("request.expectedEnd", endIn, 0, EXPECTED_END_MAX);
    const con = request.requires === undefined && request.tolerates === undefined
      ? 0
      : this.constraint({ requires: request.requires, tolerates: request.tolerates }, "request");
    return { vm, demand, tenant, dep, con, end };
  }

  /**
   * The id of a label constraint (what a VM requires of host labels, and the taints it
   * tolerates), for `VmBatch.constraints`; `place` takes `requires` / `tolerates` directly.
   * The same constraint always gets the same id; 0 is "no requirements, no tolerations".
   */
  constraint(spec: ConstraintSpec, field = "constraint"): number {
    if (typeof spec !== "object" || spec === null) throw invalid(field, spec, "an object with requires and/or tolerates");
    const c = constraintOf(field, spec);
    const { id, added } = this.attrs.constraint(c, field);
    if (added) this.guard(() => this.tellConstraint(id), () => []);
    return id;
  }

  /** The core learns which signatures constraint c admits. */
  private tellConstraint(c: number): void {
    const con = this.attrs.constraints[c];
    this.attrs.signatures.forEach((sig, i) => this.core.setConstraintAdmits(c, i, admits(con, sig)));
    this.core.setConstraintAdmitsAll(c, this.attrs.admitsAll(c));
  }

  /** The core learns a new signature: every constraint's verdict on it. */
  private tellSignature(sig: number): void {
    const s = this.attrs.signatures[sig];
    this.attrs.constraints.forEach((con, c) => {
      this.core.setConstraintAdmits(c, sig, admits(con, s));
      this.core.setConstraintAdmitsAll(c, this.attrs.admitsAll(c));
    });
  }

  /** The placement, or the core's reason for the rejection it just made. */
  private outcome(vm: number, host: number, demand: ArrayLike<number>, con: number): Placement {
    if (host >= 0) return { placed: true, vm, host };
    return { placed: false, vm, host: -1, rejection: rejection(this.core.lastReason(), this.devices.userDim(this.core.lastReasonDim()), this.dimensions, demand, describe(this.attrs.constraints[con])) };
  }

  /**
   * Places a batch in one core call. The whole batch is validated first: one bad entry
   * throws and nothing is placed. Fault-domain spread applies per deployment within the batch,
   * counting `options.prior` instances placed before it.
   */
  placeBatch(batch: VmBatch, options?: BatchOptions): BatchResult {
    if (typeof batch !== "object" || batch === null) throw invalid("batch", batch, "an object with ids, demands, tenants");
    const o = this.resolve(options, this.defaults);
    const offline = options?.offline ?? false;
    if (typeof offline !== "boolean") throw invalid("offline", offline, "a boolean");
    const measure = options?.sizeMeasure === undefined ? 0 : SIZE_MEASURES.indexOf(check.sizeMeasure("sizeMeasure", options.sizeMeasure));
    const prior = options?.prior === undefined ? undefined : copyPrior("prior", options.prior, this.maxFaultDomain);
    const m = prior === undefined ? 0 : prior.deployments.length;
    // Read once: the core is filled from these validated copies, never from the caller's arrays.
    const { n, ids, demands, tenants, deployments: deps, constraints, expectedEnds } = copyBatch(batch, this.dimensions, this.vmCapacity, this.views.vmHost, this.batchSeen, this.attrs.constraints.length);
    const D = this.dimensions.length;
    const dev = this.devices;
    if (dev.any) for (let i = 0; i < n; i++) dev.checkDemand(demands, i * D, (d) => `batch.demands[${i * D + d}]`);
    checkBatchFits("batch.ids", n, m, this.stride, this.core.coreBytes() >>> 0);
    const { hosts, codes } = this.guard(() => {
      const c = this.core;
      c.batchPrepare(n, m);
      const buf = this.views.buffer;
      const s = this.stride;
      new Uint32Array(buf, c.inVm.value >>> 0, n).set(ids);
      const dem = new Int32Array(buf, c.inDemand.value >>> 0, n * s);
      if (s === D) dem.set(demands);
      else if (dev.any) {
        dem.fill(0); // padding lanes must be 0 (the scratch holds the last call's data)
        for (let i = 0; i < n; i++) dev.writeCore(demands, i * D, dem, i * s, false);
      } else {
        dem.fill(0);
        for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) dem[i * s + d] = demands[i * D + d];
      }
      new Uint32Array(buf, c.inTenant.value >>> 0, n).set(tenants);
      new Uint32Array(buf, c.inDep.value >>> 0, n).set(deps);
      new Uint32Array(buf, c.inCon.value >>> 0, n).set(constraints);
      new Uint32Array(buf, c.inEnd.value >>> 0, n).set(expectedEnds);
      if (prior !== undefined && m > 0) {
        new Uint32Array(buf, c.inPriorDep.value >>> 0, m).set(prior.deployments);
        new Uint32Array(buf, c.inPriorFd.value >>> 0, m).set(prior.faultDomains);
        new Uint32Array(buf, c.inPriorCount.value >>> 0, m).set(prior.counts);
      }
      c.placeBatch(n, o.policy, o.window, o.k, offline ? 1 : 0, measure);
      const out = this.views.buffer;
      return {
        hosts: new Int32Array(out, c.outHost.value >>> 0, n).slice(),
        codes: new Uint32Array(out, c.outReason.value >>> 0, n).slice(),
      };
    }, () => Array.from(ids, (id) => [id, -1] as [number, number]));
    const reasons = new Uint8Array(n);
    const reasonDims = new Uint8Array(n);
    let placed = 0;
    for (let i = 0; i < n; i++) {
      reasons[i] = codes[i] & 0xff;
      reasonDims[i] = dev.userDim(codes[i] >>> 8);
      if (hosts[i] >= 0) placed++;
    }
    return { hosts, reasons, reasonDims, placed, rejected: n - placed };
  }

  /** The rejection behind entry i of a batch result. */
  explain(result: BatchResult, i: number): Rejection | undefined {
    if (typeof result !== "object" || result === null || !(result.reasons instanceof Uint8Array) || !(result.reasonDims instanceof Uint8Array)) {
      throw invalid("result", result, "a placeBatch result");
    }
    check.intIn("i", i, 0, result.reasons.length - 1);
    const code = result.reasons[i];
    return code === 0 ? undefined : rejection(code, result.reasonDims[i], this.dimensions);
  }

  /** Takes a VM off its host and gives its slice back. */
  release(vmId: number): void {
    const vm = this.vmId("vmId", vmId, true);
    const host = this.views.vmHost[vm];
    try {
      this.core.releaseVm(vm);
    } catch (e) {
      throw this.trapped(e, () => [[vm, host]]);
    }
  }

  /** Releases many VMs in one core call; all ids are checked first. */
  releaseBatch(vmIds: Uint32Array | readonly number[]): void {
    const { ids, hosts } = copyRelease(vmIds, this.vmCapacity, this.views.vmHost, this.batchSeen);
    const n = ids.length;
    checkBatchFits("vmIds", n, 0, this.stride, this.core.coreBytes() >>> 0);
    this.guard(() => {
      this.core.batchPrepare(n, 0);
      new Uint32Array(this.views.buffer, this.core.inVm.value >>> 0, n).set(ids);
      this.core.releaseBatch(n);
    }, () => Array.from(ids, (id, j) => [id, hosts[j]] as [number, number]));
  }

  /** Moves a VM to `target`, or where the policy says (never its current host). The target is
   *  reserved before the source is released; on rejection the VM stays where it was. */
  move(vmId: number, options?: PlaceOptions & { target?: number }): Placement {
    const vm = this.vmId("vmId", vmId, true);
    const o = this.resolve(options, this.defaults);
    const from = this.views.vmHost[vm];
    let target = -1;
    if (options?.target !== undefined) {
      target = this.hostId("target", options.target);
      if (target === from) throw new VmfabricError("INVALID_INPUT", `target: vm ${vm} is already on host ${target}`, "target", target);
    }
    // The devices it holds now: a move that traps after taking others is undone onto these.
    const kinds = this.devices.kinds.length;
    const devices = Array.from(this.views.vmDevices.subarray(vm * kinds, vm * kinds + kinds));
    const host = this.guard(() => this.core.moveVm(vm, target, o.k, o.policy, o.window), () => [[vm, from, devices]]);
    return this.outcome(vm, host, this.demandOf(vm), this.views.vmConstraint[2 * vm * this.views.vmStride]);
  }

  // ---- hosts and tenants ----

  /** Takes a host in or out of service. VMs already on it stay; it only stops taking new ones. */
  setHostInService(host: number, inService: boolean): void {
    const h = this.hostId("host", host);
    if (typeof inService !== "boolean") throw invalid("inService", inService, "a boolean");
    if (inService && this.fleet.retired[h]) throw new VmfabricError("HOST_RETIRED", `host ${h} was retired and cannot return to service`, "host", host);
    this.guard(() => this.setState(h, inService ? IN_SERVICE : OUT_OF_SERVICE), () => []);
  }

  /** The one place a host's service state changes: core, fleet and per-type counts together. */
  private setState(h: number, state: number): void {
    const f = this.fleet;
    const was = f.inService[h] === IN_SERVICE;
    this.core.setHostState(h, state);
    f.inService[h] = state;
    const now = state === IN_SERVICE;
    if (was !== now) this.typeInService[f.hostType[h]] += now ? 1 : -1;
  }

  /**
   * Adds hosts (a rack arriving): a host list or a fleet spec, as for `create`. New hosts get
   * the next ids; a fleet spec's racks are numbered after the highest fault domain so far.
   * Returns the first new host id. Within the engine's `hostCapacity` this costs O(new hosts);
   * past it the core is rebuilt with room for twice the hosts (O(fleet + VMs), so rarely).
   */
  addHosts(hosts: readonly HostSpec[] | FleetSpec): number {
    const signaturesBefore = this.attrs.signatures.length;
    const grown = expandFleet(hosts, this.dimensions.length, this.fleet, this.attrs, (field, t) => this.devices.checkCapacity(field, t.effective));
    const first = this.fleet.count;
    let maxFd = this.maxFaultDomain;
    for (let h = first; h < grown.count; h++) if (grown.faultDomain[h] > maxFd) maxFd = grown.faultDomain[h];
    const hostRoom = grown.count > this.hostRoom ? Math.min(1 << 24, Math.max(grown.count, this.hostRoom * 2)) : this.hostRoom;
    const typeRoom = grown.types.length > this.typeRoom ? Math.min(0x10000, grown.types.length * 2) : this.typeRoom;
    if (hostRoom !== this.hostRoom) this.checkMemory(hostRoom, "hosts", grown.count);
    const typesBefore = this.fleet.types.length;
    this.fleet = grown;
    this.maxFaultDomain = maxFd;
    if (hostRoom !== this.hostRoom || typeRoom !== this.typeRoom) {
      this.hostRoom = hostRoom;
      this.typeRoom = typeRoom;
      this.guard(() => this.rebuild([]), () => []);
    } else {
      this.guard(() => {
        this.setTypes(typesBefore);
        for (let sig = signaturesBefore; sig < this.attrs.signatures.length; sig++) this.tellSignature(sig);
        this.setHosts(first);
      }, () => []);
    }
    return first;
  }

  /**
   * Retires an empty host for good: out of service, never back, left out of the statistics.
   * Its id stays taken. A host holding VMs is refused: drain it first (take it out of service,
   * then move each VM).
   */
  retireHost(host: number): void {
    const h = this.hostId("host", host);
    if (this.fleet.retired[h]) return;
    const v = this.views;
    const n = v.hostVms[h * v.hostStride];
    if (n > 0) {
      throw new VmfabricError("HOST_NOT_EMPTY", `host ${h} holds ${n} VM${n === 1 ? "" : "s"}; drain it first (setHostInService(${h}, false), then move each VM)`, "host", host);
    }
    this.guard(() => this.setState(h, OUT_OF_SERVICE), () => []);
    this.fleet.retired[h] = 1;
    this.retiredCount++;
  }

  isHostRetired(host: number): boolean {
    return this.fleet.retired[this.hostId("host", host)] === 1;
  }

  isHostInService(host: number): boolean {
    const v = this.views;
    return v.hostState[this.hostId("host", host) * v.hostStride] === IN_SERVICE;
  }

  /** Makes a tenant's VMs share hosts with no other tenant. Only for a tenant with no VMs placed. */
  setTenantDedicated(tenant: number): void {
    const t = this.tenantId("tenant", tenant);
    if (this.dedicated.has(t)) return;
    const v = this.views;
    for (let vm = 0; vm < this.vmCapacity; vm++) {
      if (v.vmHost[vm] >= 0 && v.vmTenant[vm * v.vmStride] === t) {
        throw new VmfabricError("TENANT_HAS_VMS", `tenant ${t} already has VMs placed (vm ${vm}); make it dedicated before placing any`, "tenant", t);
      }
    }
    if (!this.core.setDedicated(t)) throw new VmfabricError("LIMIT", "at most 4096 dedicated tenants per engine", "tenant", t);
    this.dedicated.add(t);
  }

  isTenantDedicated(tenant: number): boolean {
    return this.dedicated.has(this.tenantId("tenant", tenant));
  }

  // ---- queries ----

  /** Host of a VM, or -1 when it is not placed. */
  hostOf(vmId: number): number {
    return this.views.vmHost[check.intIn("vmId", vmId, 0, this.vmCapacity - 1)];
  }

  demandOf(vmId: number): number[] {
    const vm = this.vmId("vmId", vmId, true);
    const s = this.stride;
    return Array.from(this.views.vmDemand.subarray(vm * s, vm * s + this.dimensions.length));
  }

  /** A placed VM's expected end time (0: unknown). */
  expectedEndOf(vmId: number): number {
    return this.views.vmEnd[this.vmId("vmId", vmId, true) * this.views.vmStride];
  }

  tenantOf(vmId: number): number {
    return this.views.vmTenant[this.vmId("vmId", vmId, true) * this.views.vmStride];
  }

  deploymentOf(vmId: number): number | undefined {
    const d = this.views.vmDeployment[this.vmId("vmId", vmId, true) * this.views.vmStride];
    return d === NO_DEPLOYMENT ? undefined : d;
  }

  /** Device dimensions and the units of one device in each (the `devices` option). */
  get deviceSizes(): Readonly<Record<string, number>> {
    return Object.freeze(Object.fromEntries(this.devices.kinds.map((k) => [k.name, k.size])));
  }

  /** Per device dimension, the devices a placed VM holds (indices on its host, ascending;
   *  empty when it asks none of that dimension). */
  devicesOf(vmId: number): Record<string, number[]> {
    const vm = this.vmId("vmId", vmId, true);
    const kinds = this.devices.kinds;
    const masks = this.views.vmDevices;
    const out: Record<string, number[]> = {};
    kinds.forEach((k, j) => { out[k.name] = maskIndices(masks[vm * kinds.length + j]); });
    return out;
  }

  /** Per device dimension, each of the host's devices' free units (one entry per device). */
  deviceFreeOf(host: number): Record<string, number[]> {
    const h = this.hostId("host", host);
    const kinds = this.devices.kinds;
    const table = this.views.hostDevices;
    const eff = this.fleet.types[this.fleet.hostType[h]].effective;
    const out: Record<string, number[]> = {};
    kinds.forEach((k, j) => {
      const at = (h * kinds.length + j) * 16;
      out[k.name] = Array.from(table.subarray(at, at + eff[k.dim] / k.size));
    });
    return out;
  }

  /** Capacity guests may use on a host: (capacity - reservation) x oversubscription. */
  capacityOf(host: number): number[] {
    return [...this.fleet.types[this.fleet.hostType[this.hostId("host", host)]].effective];
  }

  hostTypeOf(host: number): Readonly<HostType> {
    return this.fleet.types[this.fleet.hostType[this.hostId("host", host)]];
  }

  faultDomainOf(host: number): number {
    return this.fleet.faultDomain[this.hostId("host", host)];
  }

  freeOf(host: number): number[] {
    const at = this.hostId("host", host) * this.views.hostStride;
    return Array.from(this.views.free.subarray(at, at + this.dimensions.length));
  }

  usedOf(host: number): number[] {
    const cap = this.capacityOf(host);
    return this.freeOf(host).map((f, d) => cap[d] - f);
  }

  /** The VMs on a host (most recently placed first). */
  vmsOnHost(host: number): number[] {
    const v = this.views;
    const out: number[] = [];
    for (let vm = v.hostVmHead[this.hostId("host", host) * v.hostStride]; vm >= 0; vm = v.vmNext[vm * v.vmStride]) out.push(vm);
    return out;
  }

  vmCountOf(host: number): number {
    const v = this.views;
    return v.hostVms[this.hostId("host", host) * v.hostStride];
  }

  /** Per host, allocated / effective capacity in one dimension (0 where capacity is 0). */
  hostUtilization(dimension: string): Float64Array {
    const d = this.dimensions.indexOf(dimension);
    if (d < 0) throw invalid("dimension", dimension, `one of ${this.dimensions.join(", ")}`);
    const out = new Float64Array(this.hostCount);
    const free = this.views.free;
    const caps = this.fleet.types.map((t) => t.effective[d]);
    const s = this.views.hostStride;
    for (let h = 0; h < this.hostCount; h++) {
      const c = caps[this.fleet.hostType[h]];
      out[h] = c > 0 ? (c - free[h * s + d]) / c : 0;
    }
    return out;
  }

  /**
   * Fleet statistics in O(dimensions + host types): the core keeps its totals up to date on
   * every placement, release, move and service change, so a replay may sample after every event.
   */
  stats(): EngineStats {
    const c = this.core;
    const t = this.views.totals;
    const utilization: Record<string, number> = {};
    const utilizationOfUsedHosts: Record<string, number> = {};
    const liveDemand: Record<string, number> = {};
    const live: number[] = [];
    this.dimensions.forEach((name, d) => {
      const demand = Number(t[d]);
      const usedCap = Number(t[16 + d]);
      const isUsed = Number(t[32 + d]);
      const isCap = Number(t[48 + d]);
      live.push(demand);
      liveDemand[name] = demand;
      utilization[name] = isCap > 0 ? isUsed / isCap : 0;
      utilizationOfUsedHosts[name] = usedCap > 0 ? demand / usedCap : 0;
    });
    const retired = this.retiredCount;
    const inService = c.inServiceHosts();
    return {
      hosts: this.hostCount - retired,
      hostsInService: inService,
      hostsUsed: c.hostsUsedCount(),
      emptyHosts: inService - c.inServiceUsedCount(),
      retiredHosts: retired,
      faultDomains: c.faultDomains(),
      vmsPlaced: c.vmsPlacedCount(),
      utilization,
      utilizationOfUsedHosts,
      liveDemand,
      lowerBound: lowerBound(live, this.fleet.types.map((ty) => ty.effective), this.typeInService),
      coreBytes: c.coreBytes() >>> 0,
      scratchBytes: c.scratchSize() >>> 0,
    };
  }

  /**
   * For modules that extend the core (quota enforcement, the fabric controller): runs `fn`
   * against the current core instance under the same trap guard as every Engine call.
   * `generation` changes whenever a trap replaced the instance, so tables such a module
   * allocated in the old instance must be allocated again.
   * @internal (not in the published declarations)
   */
  runCore<T>(fn: (core: CoreExports, generation: number) => T, rollback: () => Array<[number, number]> = () => []): T {
    return this.guard(() => fn(this.core, this.generation), rollback);
  }

  /** Test hook: the core traps after `n` more placements or releases in a batch call.
   *  @internal (not in the published declarations) */
  injectTrapAfter(n: number): void {
    this.core.setTrapAfter(check.intIn("n", n, 0, check.I32_MAX));
  }

  /** Read-only views of the core's tables for planners (src/plans), which read the whole fleet
   *  and must not copy it per host. Valid until the next call that changes the engine.
   *  @internal (not in the published declarations) */
  tables(): EngineTables {
    const v = this.views;
    return {
      stride: this.stride, hostStride: v.hostStride, vmStride: v.vmStride, hostCount: this.hostCount, free: v.free, hostVms: v.hostVms, hostState: v.hostState,
      vmHost: v.vmHost, vmDemand: v.vmDemand, vmTenant: v.vmTenant, vmDeployment: v.vmDeployment, vmNext: v.vmNext,
      hostVmHead: v.hostVmHead, hostType: this.fleet.hostType, faultDomain: this.fleet.faultDomain,
      effective: this.fleet.types.map((t) => t.effective), dedicated: this.dedicated,
      labelsAllow: (vm, h) => admits(this.attrs.constraints[v.vmConstraint[2 * vm * v.vmStride]], this.attrs.signatures[this.fleet.signature[h]]),
      devices: { kinds: this.devices.kinds, hostDevices: v.hostDevices, vmDevices: v.vmDevices },
    };
  }
}

/** What Engine.tables() returns: views into core memory (see there). Declared publicly because
 *  the plan modules' declarations name it; tables() itself is internal. */
export interface EngineTables {
  /** i32 entries per VM in vmDemand. */
  stride: number;
  /** i32 entries per host in free, hostVms, hostState and hostVmHead (fields of one per-host
   *  record in the core): host h's entry is at h x hostStride (its free vector from there). */
  hostStride: number;
  /** i32 entries per VM in vmTenant, vmDeployment and vmNext (fields of one per-VM record in
   *  the core): VM v's entry is at v x vmStride. vmHost is indexed by v. */
  vmStride: number;
  hostCount: number;
  free: ArrayLike<number>;
  hostVms: ArrayLike<number>;
  hostState: ArrayLike<number>;
  vmHost: ArrayLike<number>;
  vmDemand: ArrayLike<number>;
  vmTenant: ArrayLike<number>;
  vmDeployment: ArrayLike<number>;
  vmNext: ArrayLike<number>;
  hostVmHead: ArrayLike<number>;
  hostType: ArrayLike<number>;
  faultDomain: ArrayLike<number>;
  effective: ReadonlyArray<ArrayLike<number>>;
  dedicated: ReadonlySet<number>;
  /** Whether vm's label requirements and tolerations admit host h (placement rule 6). */
  labelsAllow(vm: number, h: number): boolean;
  /** Device dimensions (rule 7): per host and kind 16 devices' free units, per VM and kind
   *  the mask of the devices it holds. */
  devices: {
    kinds: ReadonlyArray<{ readonly dim: number; readonly size: number }>;
    hostDevices: ArrayLike<number>;
    vmDevices: ArrayLike<number>;
  };
}

function boolOption(field: string, x: unknown): boolean {
  if (typeof x !== "boolean") throw invalid(field, x, "a boolean");
  return x;
}
