// A plan's view of the fleet: the engine's tables (read, never written) under an overlay of
// the moves planned so far, with every placement rule checked against that overlay. Only the
// hosts a plan touches are copied, so a plan over a large fleet costs what it moves.
import type { Engine, EngineTables } from "../engine.js";
import { NO_DEPLOYMENT } from "../types.js";
import type { Move } from "./types.js";
import { PlanDevices } from "./devices.js";

const IN_SERVICE = 1;
const NONE = -1;

/** Why a step is not valid in the state it would run in. */
export type Refusal =
  | "NOT_PLACED" | "MOVED_TWICE" | "SAME_HOST" | "NOT_IN_SERVICE" | "NO_CAPACITY"
  | "NO_MATCHING_HOST" | "DEDICATED_HOST" | "ANTI_AFFINITY" | "FAULT_DOMAIN_SPREAD";

export class PlanState {
  readonly t: EngineTables;
  readonly D: number;
  readonly s: number;
  /** i32 entries per host in the engine's host views (EngineTables.hostStride). */
  readonly hs: number;
  readonly vmCapacity: number;
  /** Moves applied to the overlay, in order. */
  readonly journal: Move[] = [];
  /** VM -> the host the plan moves it to (a VM moves at most once in a plan). */
  readonly movedTo = new Map<number, number>();
  private readonly freeCopy = new Map<number, Int32Array>();
  private readonly countDelta = new Map<number, number>();
  private readonly arrived = new Map<number, number[]>();
  /** Fault-domain spread: per deployment, instances per fault domain and in all (filled on demand). */
  private readonly depDomains = new Map<number, Map<number, number>>();
  private readonly depTotal = new Map<number, number>();
  private inServiceDomains = -1;
  /** Devices (rule 7), when the engine has device dimensions. */
  private readonly devices?: PlanDevices;

  constructor(engine: Engine, readonly maxPerHost: number) {
    this.t = engine.tables();
    this.D = engine.dimensions.length;
    this.s = this.t.stride;
    this.hs = this.t.hostStride;
    this.vmCapacity = this.t.vmHost.length;
    if (this.t.devices.kinds.length > 0) this.devices = new PlanDevices(this.t);
  }

  hostOf(vm: number): number {
    return this.movedTo.get(vm) ?? this.t.vmHost[vm];
  }

  demand(vm: number, d: number): number {
    return this.t.vmDemand[vm * this.s + d];
  }

  free(h: number, d: number): number {
    const c = this.freeCopy.get(h);
    return c === undefined ? this.t.free[h * this.hs + d] : c[d];
  }

  count(h: number): number {
    return this.t.hostVms[h * this.hs] + (this.countDelta.get(h) ?? 0);
  }

  capacity(h: number): ArrayLike<number> {
    return this.t.effective[this.t.hostType[h]];
  }

  inService(h: number): boolean {
    return this.t.hostState[h * this.hs] === IN_SERVICE;
  }

  /** The engine's free level of host h (README, Policies): floor(64 x mean free share), 0..63. */
  level(h: number): number {
    if (this.freeCopy.size === 0) return this.baseLevel(h);
    const cap = this.capacity(h);
    let sum = 0;
    for (let d = 0; d < this.D; d++) if (cap[d] > 0) sum += this.free(h, d) / cap[d];
    return Math.max(0, Math.min(63, Math.floor((64 * sum) / this.D)));
  }

  private inverse?: Float64Array[];
  /** level(h) before any planned move, from the engine's table alone (the planners' first pass). */
  private baseLevel(h: number): number {
    const t = this.t;
    const D = this.D;
    const inv = (this.inverse ??= t.effective.map((c) => Float64Array.from({ length: D }, (_, d) => (c[d] > 0 ? 1 / c[d] : 0))))[t.hostType[h]];
    const free = t.free as Int32Array;
    const at = h * this.hs;
    let sum = 0;
    for (let d = 0; d < D; d++) sum += free[at + d] * inv[d];
    const l = Math.floor((64 * sum) / D);
    return l < 0 ? 0 : l > 63 ? 63 : l;
  }

  /** The VMs on host h after the planned moves. */
  vmsOn(h: number): number[] {
    const out: number[] = [];
    const t = this.t;
    for (let vm = t.hostVmHead[h * this.hs]; vm >= 0; vm = t.vmNext[vm * t.vmStride]) if (!this.movedTo.has(vm)) out.push(vm);
    const a = this.arrived.get(h);
    if (a !== undefined) out.push(...a);
    return out;
  }

  /** The dedicated tenant holding host h, or NONE: a dedicated tenant's hosts hold only its VMs. */
  private owner(h: number): number {
    if (this.count(h) === 0) return NONE;
    const t = this.t;
    let any = -1;
    for (let vm = t.hostVmHead[h * this.hs]; vm >= 0 && any < 0; vm = t.vmNext[vm * t.vmStride]) if (!this.movedTo.has(vm)) any = vm;
    if (any < 0) any = this.arrived.get(h)![0];
    const tenant = t.vmTenant[any * t.vmStride];
    return t.dedicated.has(tenant) ? tenant : NONE;
  }

  private deploymentCount(h: number, dep: number): number {
    const t = this.t;
    let n = 0;
    for (let vm = t.hostVmHead[h * this.hs]; vm >= 0; vm = t.vmNext[vm * t.vmStride]) if (t.vmDeployment[vm * t.vmStride] === dep && !this.movedTo.has(vm)) n++;
    const a = this.arrived.get(h);
    if (a !== undefined) for (const vm of a) if (t.vmDeployment[vm * t.vmStride] === dep) n++;
    return n;
  }

  /** Counts instances per fault domain for these deployments (one pass over the VMs), with
   *  the moves planned so far applied. */
  prepareSpread(deps: Iterable<number>): void {
    const want = new Set<number>();
    for (const d of deps) if (d !== NO_DEPLOYMENT && !this.depDomains.has(d)) want.add(d);
    if (want.size === 0) return;
    const t = this.t;
    // A 2^20-bit filter of the wanted ids answers "no" for most VMs without touching the Set.
    const filter = new Uint32Array(1 << 15);
    for (const d of want) {
      this.depDomains.set(d, new Map());
      this.depTotal.set(d, 0);
      filter[(d & 0xfffff) >>> 5] |= 1 << (d & 31);
    }
    const vmHost = t.vmHost as Int32Array;
    const vmDep = t.vmDeployment as Uint32Array;
    const vs = t.vmStride;
    for (let vm = 0; vm < this.vmCapacity; vm++) {
      const dep = vmDep[vm * vs];
      if ((filter[(dep & 0xfffff) >>> 5] & (1 << (dep & 31))) === 0) continue;
      const h = vmHost[vm];
      if (h < 0 || !want.has(dep)) continue;
      const m = this.depDomains.get(dep)!;
      const fd = t.faultDomain[h];
      m.set(fd, (m.get(fd) ?? 0) + 1);
      this.depTotal.set(dep, this.depTotal.get(dep)! + 1);
    }
    for (const mv of this.journal) {
      const dep = t.vmDeployment[mv.vm * t.vmStride];
      if (want.has(dep)) this.shiftDomain(dep, t.faultDomain[mv.from], t.faultDomain[mv.to]);
    }
  }

  private shiftDomain(dep: number, fromFd: number, toFd: number): void {
    const m = this.depDomains.get(dep);
    if (m === undefined || fromFd === toFd) return;
    m.set(fromFd, m.get(fromFd)! - 1);
    m.set(toFd, (m.get(toFd) ?? 0) + 1);
  }

  /** F of rule 4: fault domains with at least one in-service host. */
  private domainsInService(): number {
    if (this.inServiceDomains < 0) {
      const seen = new Uint8Array(0x10000);
      let n = 0;
      for (let h = 0; h < this.t.hostCount; h++) {
        if (!this.inService(h)) continue;
        const fd = this.t.faultDomain[h];
        if (seen[fd] === 0) { seen[fd] = 1; n++; }
      }
      this.inServiceDomains = n;
    }
    return this.inServiceDomains;
  }

  /** Whether host h has room for vm in every dimension (the capacity rule alone). */
  fits(vm: number, h: number): boolean {
    for (let d = 0; d < this.D; d++) if (this.demand(vm, d) > this.free(h, d)) return false;
    return this.devices === undefined || this.devices.fits(vm, h);
  }

  /**
   * Why moving `vm` to `to` now would break a placement rule, or null if it is valid:
   * capacity, in service, labels and taints, dedicated tenants and anti-affinity exactly as the core's move checks
   * them, and fault-domain spread as plans keep it: a move into another fault domain may not
   * take the deployment there above its share ceil(n / F) (moves within a domain change no count).
   */
  refusal(vm: number, to: number): Refusal | null {
    const t = this.t;
    const from = this.hostOf(vm);
    if (from < 0) return "NOT_PLACED";
    if (this.movedTo.has(vm)) return "MOVED_TWICE";
    if (to === from) return "SAME_HOST";
    if (!this.inService(to)) return "NOT_IN_SERVICE";
    if (!this.fits(vm, to)) return "NO_CAPACITY";
    if (!t.labelsAllow(vm, to)) return "NO_MATCHING_HOST";
    const tenant = t.vmTenant[vm * t.vmStride];
    const owner = this.owner(to);
    if (t.dedicated.has(tenant) ? owner !== tenant && this.count(to) !== 0 : owner !== NONE) return "DEDICATED_HOST";
    const dep = t.vmDeployment[vm * t.vmStride];
    if (dep === NO_DEPLOYMENT) return null;
    if (this.deploymentCount(to, dep) >= this.maxPerHost) return "ANTI_AFFINITY";
    const fdTo = t.faultDomain[to];
    if (fdTo !== t.faultDomain[from]) {
      this.prepareSpread([dep]);
      const share = Math.ceil(this.depTotal.get(dep)! / this.domainsInService());
      if ((this.depDomains.get(dep)!.get(fdTo) ?? 0) + 1 > share) return "FAULT_DOMAIN_SPREAD";
    }
    return null;
  }

  private freeVector(h: number): Int32Array {
    let c = this.freeCopy.get(h);
    if (c === undefined) {
      c = new Int32Array(this.D);
      for (let d = 0; d < this.D; d++) c[d] = this.t.free[h * this.hs + d];
      this.freeCopy.set(h, c);
    }
    return c;
  }

  /** Applies a move the caller has checked with refusal(). */
  move(vm: number, to: number): void {
    const from = this.hostOf(vm);
    const a = this.freeVector(from);
    const b = this.freeVector(to);
    for (let d = 0; d < this.D; d++) {
      const x = this.demand(vm, d);
      a[d] += x;
      b[d] -= x;
    }
    this.countDelta.set(from, (this.countDelta.get(from) ?? 0) - 1);
    this.countDelta.set(to, (this.countDelta.get(to) ?? 0) + 1);
    this.movedTo.set(vm, to);
    let list = this.arrived.get(to);
    if (list === undefined) this.arrived.set(to, (list = []));
    list.push(vm);
    this.shiftDomain(this.t.vmDeployment[vm * this.t.vmStride], this.t.faultDomain[from], this.t.faultDomain[to]);
    this.devices?.move(vm, from, to);
    this.journal.push({ vm, from, to });
  }

  /** Takes back the moves after the first `mark` (last first). */
  undoTo(mark: number): void {
    while (this.journal.length > mark) {
      const { vm, from, to } = this.journal.pop()!;
      const a = this.freeVector(from);
      const b = this.freeVector(to);
      for (let d = 0; d < this.D; d++) {
        const x = this.demand(vm, d);
        a[d] -= x;
        b[d] += x;
      }
      this.countDelta.set(from, this.countDelta.get(from)! + 1);
      this.countDelta.set(to, this.countDelta.get(to)! - 1);
      this.movedTo.delete(vm);
      this.arrived.get(to)!.pop();
      this.shiftDomain(this.t.vmDeployment[vm * this.t.vmStride], this.t.faultDomain[to], this.t.faultDomain[from]);
      this.devices?.undo();
    }
  }
}
