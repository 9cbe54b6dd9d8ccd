// A plain-TypeScript reference model of the Engine, written from the README's placement
// contract: flat arrays and linear scans over hosts, no index. It keeps free vectors
// incrementally (and a cached free level per host) so the long fuzz run stays fast.
//
// It does not validate input: callers only hand it requests the Engine accepted.
//
// Labels and taints (README, Placement rules): each host keeps the labels and taints of its spec;
// a request names a constraint by its index in `constraints` (0: none), and the rule is restated
// below from the README, not taken from the engine.
//
// Devices (README, Placement rules, "Devices (GPUs)"): with the `devices` option a
// dimension is also split into equal devices; the model keeps each host's per-device free
// units in plain arrays and chooses devices by linear scans.

import type { FleetSpec, HostSpec, Policy, SizeMeasure } from "../../src/types.js";

export const OK = 0;
export const NO_CAPACITY = 1;
export const NO_HOST_IN_SERVICE = 2;
export const ANTI_AFFINITY = 3;
export const FAULT_DOMAIN_SPREAD = 4;
export const DEDICATED_HOST = 5;
export const NO_MATCHING_HOST = 6;
export const DIM_NONE = 255;
export const NO_DEP = 0xffffffff;
export const LEVELS = 64;

export const POLICY_LIST: readonly Policy[] = ["first-fit", "best-fit", "spread", "dot-product", "l2", "lifetime"];

export interface RefRequest {
  id: number;
  demand: readonly number[];
  tenant: number;
  /** NO_DEP (or undefined) for no deployment. */
  deployment?: number;
  /** Index of the VM's label constraint in RefEngine.constraints; 0 or undefined: none. */
  constraint?: number;
  /** Expected end time; 0 or undefined: unknown. */
  expectedEnd?: number;
}

export interface RefOptions {
  policy?: Policy;
  maxPerHost?: number;
  candidates?: number;
}

/** Instances placed before a batch: counts[i] of deployments[i] in faultDomains[i]. */
export interface RefPrior {
  deployments: ArrayLike<number>;
  faultDomains: ArrayLike<number>;
  counts: ArrayLike<number>;
}

export interface RefBatchOptions extends RefOptions {
  offline?: boolean;
  sizeMeasure?: SizeMeasure;
  prior?: RefPrior;
}

export interface RefOutcome {
  host: number;
  reason: number;
  dim: number;
}

export interface RefEngineOptions {
  dims: number;
  vmCapacity: number;
  policy?: Policy;
  maxPerHost?: number;
  candidates?: number;
  /** Device dimensions: user dimension index -> size of ONE device in that dimension's units.
   *  Every host's effective capacity there is k x size (k devices, 0..16). */
  devices?: Readonly<Record<number, number>>;
}

/** What a demand asks of one device dimension: k whole devices, or a fraction f of one device
 *  (k = 0 for a fraction or none; f = 0 for whole devices or none). */
export function deviceAsk(demand: number, size: number): { k: number; f: number } {
  return demand >= size ? { k: demand / size, f: 0 } : { k: 0, f: demand };
}

/** Effective capacity as the README defines it. */
export function effectiveCapacity(h: HostSpec, dims: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < dims; d++) {
    const c = h.capacity[d];
    const r = h.reservation ? h.reservation[d] : 0;
    const o = h.oversubscription ? h.oversubscription[d] : 1;
    out.push(Math.floor((c - r) * o));
  }
  return out;
}

/** What a VM requires of host labels and the taints it tolerates (the engine's ConstraintSpec). */
export interface RefConstraint {
  requires?: Readonly<Record<string, readonly string[]>>;
  tolerates?: readonly string[];
}

/** README's label rule: every required key has one of its values among the host's labels, and
 *  every taint of the host is tolerated by its exact `key=value` or by its key alone. */
export function labelsAdmit(c: RefConstraint, labels: Readonly<Record<string, string>>, taints: readonly string[]): boolean {
  const req = c.requires ?? {};
  for (const k in req) {
    if (!Object.hasOwn(labels, k) || !req[k].includes(labels[k])) return false;
  }
  const tol = c.tolerates ?? [];
  return taints.every((t) => tol.includes(t) || tol.includes(t.split("=")[0]));
}

/** Per-batch fault-domain spread bookkeeping. */
interface FdCtx {
  domains: number;
  total: Map<number, number>;       // deployment -> instances in the batch
  prior: Map<number, number>;       // deployment (in the batch) -> instances placed before it
  used: Map<string, number>;        // "dep:fd" -> prior instances there + those placed by this batch
}

export class RefEngine {
  readonly D: number;
  // Host tables grow with addHosts (a copy into longer arrays: the model favours plainness).
  H: number;
  readonly vmCapacity: number;
  cap: Float64Array;                // H x D effective capacity
  free: Int32Array;                 // H x D
  level: Int32Array;                // H, free level (kept for every host)
  fd: Int32Array;
  inService: Uint8Array;
  retired: Uint8Array;              // 1: retired for good (never in service again)
  count: Int32Array;                // VMs per host
  owner: Float64Array;              // dedicated tenant holding the host, or -1
  readonly depCount: Array<Map<number, number>>;
  readonly vmHost: Int32Array;
  readonly vmDemand: Int32Array;    // vmCapacity x D
  readonly vmTenant: Float64Array;
  readonly vmDep: Float64Array;
  readonly dedicated = new Set<number>();
  readonly tenantVms = new Map<number, number>();
  /** Largest effective capacity per dimension over all hosts (offline size scale). */
  readonly scale: Float64Array;
  readonly defaults: Required<RefOptions>;
  vmsPlaced = 0;
  private inServiceN = 0;
  /** Label constraints by index (0: none); requests name them by `constraint`. */
  constraints: readonly RefConstraint[] = [{}];
  /** Each host's labels and taints, from its spec. */
  labels: Array<Readonly<Record<string, string>>> = [];
  taints: Array<readonly string[]> = [];
  /** Whether constraint c lets a VM use host h: the label rule by default (a test may replace it). */
  admits: (c: number, h: number) => boolean = (c, h) => labelsAdmit(this.constraints[c], this.labels[h], this.taints[h]);
  /** Keep scarce hosts free (the engine's default; a test may turn it off). */
  keepScarce = true;
  /** Open empty hosts of the smallest size rank first (the engine's smallestHostsFirst; off by default). */
  smallestFirst = false;
  /** The constraint of the request being searched, and of each placed VM. */
  private qCon = 0;
  readonly vmCon = new Map<number, number>();
  /** The expected end of the request being searched (0: unknown), and of each placed VM. */
  private qEnd = 0;
  readonly vmEnd = new Map<number, number>();
  /** Device dimensions (user dimension indices, ascending: the order of `dimensions`) and the
   *  size of one device in each; empty without the devices option. */
  readonly devDims: number[];
  readonly devSize: number[];
  /** devFree[h][j][i]: free units of device i of device dimension j on host h. */
  devFree: number[][][];
  /** Per placed VM: per device dimension j, the device indices it holds (ascending). */
  readonly vmDevs = new Map<number, number[][]>();

  constructor(hosts: readonly HostSpec[], o: RefEngineOptions) {
    const D = (this.D = o.dims);
    const H = (this.H = hosts.length);
    this.vmCapacity = o.vmCapacity;
    this.cap = new Float64Array(H * D);
    this.free = new Int32Array(H * D);
    this.level = new Int32Array(H);
    this.fd = new Int32Array(H);
    this.inService = new Uint8Array(H);
    this.retired = new Uint8Array(H);
    this.count = new Int32Array(H);
    this.owner = new Float64Array(H).fill(-1);
    this.depCount = Array.from({ length: H }, () => new Map<number, number>());
    this.scale = new Float64Array(D);
    const devs = Object.entries(o.devices ?? {}).map(([d, size]) => [Number(d), size]).sort((a, b) => a[0] - b[0]);
    this.devDims = devs.map(([d]) => d);
    this.devSize = devs.map(([, size]) => size);
    this.devFree = [];
    hosts.forEach((spec, h) => this.initHost(h, spec));
    this.vmHost = new Int32Array(o.vmCapacity).fill(-1);
    this.vmDemand = new Int32Array(o.vmCapacity * D);
    this.vmTenant = new Float64Array(o.vmCapacity);
    this.vmDep = new Float64Array(o.vmCapacity);
    this.defaults = {
      policy: o.policy ?? "best-fit",
      maxPerHost: o.maxPerHost ?? 1,
      candidates: o.candidates ?? 16,
    };
  }

  private initHost(h: number, spec: HostSpec): void {
    const D = this.D;
    const eff = effectiveCapacity(spec, D);
    for (let d = 0; d < D; d++) {
      this.cap[h * D + d] = eff[d];
      this.free[h * D + d] = eff[d];
      this.scale[d] = Math.max(this.scale[d], eff[d]);
    }
    this.fd[h] = spec.faultDomain ?? 0;
    this.labels[h] = spec.labels ?? {};
    this.taints[h] = spec.taints ?? [];
    this.inService[h] = spec.inService === false ? 0 : 1;
    this.inServiceN += this.inService[h];
    this.level[h] = this.computeLevel(h);
    this.devFree[h] = this.devDims.map((d, j) => {
      const k = eff[d] / this.devSize[j];
      // The engine refuses such a host; a test handing it to the model is broken.
      if (!Number.isInteger(k)) throw new Error(`reference: host ${h} capacity ${eff[d]} in dimension ${d} is not whole devices of ${this.devSize[j]}`);
      return new Array<number>(k).fill(this.devSize[j]);
    });
  }

  /** Engine.addHosts: the hosts (a list, or a fleet spec expanded by expandSpec) get the next
   *  ids. Returns the first new id. */
  addHosts(hosts: readonly HostSpec[] | FleetSpec): number {
    const list = Array.isArray(hosts) ? hosts : expandSpec(hosts as FleetSpec, Math.max(...this.fd) + 1);
    const D = this.D;
    const first = this.H;
    const H = first + list.length;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number, fill = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.cap = grow(this.cap, H * D);
    this.free = grow(this.free, H * D);
    this.level = grow(this.level, H);
    this.fd = grow(this.fd, H);
    this.inService = grow(this.inService, H);
    this.retired = grow(this.retired, H);
    this.count = grow(this.count, H);
    this.owner = grow(this.owner, H, -1);
    for (let h = first; h < H; h++) this.depCount.push(new Map());
    this.H = H;
    list.forEach((spec, i) => this.initHost(first + i, spec));
    return first;
  }

  /** Engine.retireHost: false (changing nothing) when the host holds VMs. */
  retireHost(h: number): boolean {
    if (this.retired[h]) return true;
    if (this.count[h] > 0) return false;
    this.setHostInService(h, false);
    this.retired[h] = 1;
    return true;
  }

  // ---- measures ----

  /** clamp(floor(64 * (sum_d free_d/cap_d) / D), 0, 63), in the core's f64 order. */
  computeLevel(h: number): number {
    const D = this.D;
    let sum = 0;
    for (let d = 0; d < D; d++) {
      const c = this.cap[h * D + d];
      if (c > 0) sum += this.free[h * D + d] / c;
    }
    const l = Math.floor(LEVELS * (sum / D));
    return l < 0 ? 0 : l >= LEVELS ? LEVELS - 1 : l;
  }

  dotScore(h: number, demand: readonly number[]): number {
    const D = this.D;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const c = this.cap[h * D + d];
      if (c > 0) s += (demand[d] / c) * (this.free[h * D + d] / c);
    }
    return s;
  }

  l2Score(h: number, demand: readonly number[]): number {
    const D = this.D;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const c = this.cap[h * D + d];
      if (c > 0) {
        const r = (this.free[h * D + d] - demand[d]) / c;
        s += r * r;
      }
    }
    return s;
  }

  fits(h: number, demand: readonly number[]): boolean {
    const D = this.D;
    for (let d = 0; d < D; d++) if (this.free[h * D + d] < demand[d]) return false;
    for (let j = 0; j < this.devDims.length; j++) if (this.wholeShort(h, j, demand) || this.fractionShort(h, j, demand)) return false;
    return true;
  }

  /** Devices of dimension j on host h whose every unit is free. */
  fullyFreeDevices(h: number, j: number): number {
    return this.devFree[h][j].filter((x) => x === this.devSize[j]).length;
  }

  /** The most free units on one device of dimension j on host h (0 without devices). */
  maxDeviceFree(h: number, j: number): number {
    return Math.max(0, ...this.devFree[h][j]);
  }

  /** W_j short: fewer fully free devices than the whole devices asked. */
  wholeShort(h: number, j: number, demand: readonly number[]): boolean {
    return this.fullyFreeDevices(h, j) < deviceAsk(demand[this.devDims[j]], this.devSize[j]).k;
  }

  /** F_j short: no one device has the fraction asked. */
  fractionShort(h: number, j: number, demand: readonly number[]): boolean {
    return this.maxDeviceFree(h, j) < deviceAsk(demand[this.devDims[j]], this.devSize[j]).f;
  }

  /** The tenancy rule: may `tenant` put a VM on host h? */
  tenancyOk(h: number, tenant: number): boolean {
    if (this.dedicated.has(tenant)) return this.owner[h] === tenant || this.count[h] === 0;
    return this.owner[h] === -1;
  }

  antiOk(h: number, dep: number, k: number): boolean {
    return dep === NO_DEP || (this.depCount[h].get(dep) ?? 0) < k;
  }

  fdOk(h: number, dep: number, fd: FdCtx | null): boolean {
    if (fd === null || dep === NO_DEP) return true;
    const n = (fd.total.get(dep) ?? 0) + (fd.prior.get(dep) ?? 0);
    const limit = Math.ceil(n / fd.domains);
    return (fd.used.get(`${dep}:${this.fd[h]}`) ?? 0) < limit;
  }

  inServiceCount(): number {
    return this.inServiceN;
  }

  faultDomainsInService(): number {
    const s = new Set<number>();
    for (let h = 0; h < this.H; h++) if (this.inService[h]) s.add(this.fd[h]);
    return s.size;
  }

  hostsUsed(): number {
    let n = 0;
    for (let h = 0; h < this.H; h++) if (this.count[h] > 0) n++;
    return n;
  }

  // ---- search ----

  /** Dimensions some hosts have none of (their effective capacity is 0) and others have. */
  specialDims(): number[] {
    const out: number[] = [];
    for (let d = 0; d < this.D; d++) {
      let some = false, none = false;
      for (let h = 0; h < this.H; h++) if (this.cap[h * this.D + d] > 0) some = true; else none = true;
      if (some && none) out.push(d);
    }
    return out;
  }

  /** The README's host choice for one VM, or -1 with the reason. Changes nothing. Keeping
   *  scarce hosts free: when the VM asks none of some special dimension, first only the hosts
   *  with none of those dimensions free are considered; if none of them can take it, all. */
  findHost(demand: readonly number[], tenant: number, dep: number, k: number, policy: Policy, window: number,
           exclude: number, fd: FdCtx | null): RefOutcome {
    // README: lifetime without the VM's expected end is best-fit.
    if (policy === "lifetime" && this.qEnd === 0) policy = "best-fit";
    if (this.keepScarce) {
      const avoid = this.specialDims().filter((d) => demand[d] === 0);
      if (avoid.length > 0) {
        const saved = this.admits;
        const D = this.D;
        this.admits = (c, h) => saved(c, h) && avoid.every((d) => this.free[h * D + d] <= 0);
        const first = this.search(demand, tenant, dep, k, policy, window, exclude, fd);
        this.admits = saved;
        if (first.host >= 0) return first;
      }
    }
    return this.search(demand, tenant, dep, k, policy, window, exclude, fd);
  }

  /** Size rank of each host's type (README, Keeping scarce hosts free): sizes are sums over
   *  dimensions of effective capacity / the largest any host has; equal sizes share a rank;
   *  past 16 sizes the smallest share rank 0. */
  sizeRanks(): number[] {
    const D = this.D;
    const largest = new Array<number>(D).fill(0);
    for (let h = 0; h < this.H; h++) for (let d = 0; d < D; d++) largest[d] = Math.max(largest[d], this.cap[h * D + d]);
    const size: number[] = [];
    for (let h = 0; h < this.H; h++) {
      let s = 0;
      for (let d = 0; d < D; d++) if (largest[d] > 0) s += this.cap[h * D + d] / largest[d];
      size.push(s);
    }
    const distinct = [...new Set(size)].sort((a, b) => a - b);
    const folded = Math.max(0, distinct.length - 16);
    return size.map((s) => Math.max(0, distinct.indexOf(s) - folded));
  }

  private search(demand: readonly number[], tenant: number, dep: number, k: number, policy: Policy, window: number,
                 exclude: number, fd: FdCtx | null): RefOutcome {
    const H = this.H;
    if (this.inServiceCount() === 0) return { host: -1, reason: NO_HOST_IN_SERVICE, dim: DIM_NONE };
    const isDed = this.dedicated.has(tenant);
    let sawUsable = false;
    let sawAntiOk = false;
    let sawRoom = false;
    let sawMatch = false;
    // Feasible hosts, split as the contract needs them.
    const feasible: number[] = [];     // shared: every feasible host; dedicated: its own hosts
    let firstEmpty = -1;               // dedicated: lowest-index feasible empty host
    for (let h = 0; h < H; h++) {
      if (h === exclude || !this.inService[h] || !this.fits(h, demand)) continue;
      sawRoom = true;
      if (!this.admits(this.qCon, h)) continue;
      sawMatch = true;
      if (!this.tenancyOk(h, tenant)) continue;
      sawUsable = true;
      if (!this.antiOk(h, dep, k)) continue;
      sawAntiOk = true;
      if (!this.fdOk(h, dep, fd)) continue;
      if (isDed && this.owner[h] !== tenant) {
        if (firstEmpty < 0) firstEmpty = h;
      } else {
        feasible.push(h);
      }
    }
    let chosen = -1;
    if (isDed) {
      chosen = this.bestOwned(feasible, demand, policy);
      if (chosen < 0) chosen = firstEmpty;
    } else if (feasible.length > 0) {
      chosen = this.bestShared(feasible, demand, policy, window);
      // Smallest hosts first ("wastes least"): a VM that opens an empty host opens the
      // lowest-index one of the smallest size rank among the feasible empty hosts.
      if (this.smallestFirst && this.count[chosen] === 0) {
        const rank = this.sizeRanks();
        if (new Set(rank).size > 1) {
          for (const h of feasible) {
            if (this.count[h] === 0 && rank[h] < rank[chosen]) chosen = h;
          }
        }
      } else if (this.keepScarce && this.count[chosen] === 0) {
        const rank = this.sizeRanks();
        const top = Math.max(...rank);
        const asked = this.devDims.map((d, j) => deviceAsk(demand[d], this.devSize[j]).k > 0);
        if (new Set(rank).size > 1 && asked.some(Boolean)) {
          // Fewest devices first (a VM asking whole devices): each rank below the largest
          // offers its lowest-index feasible empty host; the VM opens the offer with the
          // fewest devices of the kinds it asks whole devices of, of the largest rank on ties.
          const devices = (h: number) => asked.reduce((n, a, j) => n + (a ? this.devFree[h][j].length : 0), 0);
          let best = -1;
          for (let r = top - 1; r >= 0; r--) {
            const offer = feasible.find((h) => this.count[h] === 0 && rank[h] === r);
            if (offer !== undefined && (best < 0 || devices(offer) < devices(best))) best = offer;
          }
          if (best >= 0) chosen = best;
        } else if (new Set(rank).size > 1 && rank[chosen] === top) {
          // Largest hosts last: an empty host of the largest rank only when no smaller empty
          // one can take the VM (then the lowest-index smaller one).
          const other = feasible.find((h) => this.count[h] === 0 && rank[h] < top);
          if (other !== undefined) chosen = other;
        }
      }
    }
    if (chosen >= 0) return { host: chosen, reason: OK, dim: DIM_NONE };
    if (sawUsable) return { host: -1, reason: sawAntiOk ? FAULT_DOMAIN_SPREAD : ANTI_AFFINITY, dim: DIM_NONE };
    if (sawMatch) return { host: -1, reason: DEDICATED_HOST, dim: DIM_NONE };
    if (sawRoom) return { host: -1, reason: NO_MATCHING_HOST, dim: DIM_NONE };
    return { host: -1, reason: NO_CAPACITY, dim: this.shortestDim(demand, exclude) };
  }

  /** Dimension most in-service hosts (other than `exclude`) are short of; lowest on ties.
   *  With devices, counted over [user dims..., W_0, F_0, W_1, F_1, ...]; W_j and F_j are
   *  reported as device dimension j's own user dimension. */
  shortestDim(demand: readonly number[], exclude: number): number {
    const D = this.D;
    const J = this.devDims.length;
    const short = new Array<number>(D + 2 * J).fill(0);
    for (let h = 0; h < this.H; h++) {
      if (h === exclude || !this.inService[h]) continue;
      for (let d = 0; d < D; d++) if (this.free[h * D + d] < demand[d]) short[d]++;
      for (let j = 0; j < J; j++) {
        if (this.wholeShort(h, j, demand)) short[D + 2 * j]++;
        if (this.fractionShort(h, j, demand)) short[D + 2 * j + 1]++;
      }
    }
    let best = 0;
    for (let x = 1; x < short.length; x++) if (short[x] > short[best]) best = x;
    return best < D ? best : this.devDims[(best - D) >> 1];
  }

  /** Shared tenants: hosts are given in index order. */
  private bestShared(hosts: number[], demand: readonly number[], policy: Policy, window: number): number {
    if (policy === "first-fit") return hosts[0];
    if (policy === "best-fit" || policy === "spread") {
      let best = hosts[0];
      for (const h of hosts) {
        const better = policy === "best-fit" ? this.level[h] < this.level[best] : this.level[h] > this.level[best];
        if (better) best = h;
      }
      return best;
    }
    // Candidates: the first `window` feasible *used* hosts in best-fit order (level, then
    // index). The window ends at the first feasible empty host, which is taken only when the
    // window is still empty (a new host is opened only when no used one can take the VM).
    const byLevel: number[][] = Array.from({ length: LEVELS }, () => []);
    for (const h of hosts) byLevel[this.level[h]].push(h);
    const cands: number[] = [];
    let empty = -1;
    scan: for (let l = 0; l < LEVELS; l++) {
      for (const h of byLevel[l]) {
        if (this.count[h] === 0) { empty = h; break scan; }
        cands.push(h);
        if (cands.length >= window) break scan;
      }
    }
    if (cands.length === 0) return empty;
    let best = -1;
    let bestScore = 0;
    for (const h of cands) {
      const s = policy === "dot-product" ? this.dotScore(h, demand) : policy === "lifetime" ? -this.lifetimeScore(h) : this.l2Score(h, demand);
      const better = best < 0 || (policy === "dot-product" ? s > bestScore : s < bestScore);
      if (better) { best = h; bestScore = s; }
    }
    return best;
  }

  /** A dedicated tenant's own hosts (index order): best by the policy's measure, lowest index on ties. */
  private bestOwned(hosts: number[], demand: readonly number[], policy: Policy): number {
    if (hosts.length === 0) return -1;
    let best = hosts[0];
    if (policy === "first-fit") return best;
    let bestScore = this.ownedScore(best, demand, policy);
    for (let i = 1; i < hosts.length; i++) {
      const s = this.ownedScore(hosts[i], demand, policy);
      if (s > bestScore) { best = hosts[i]; bestScore = s; }
    }
    return best;
  }

  /** Higher is better. */
  private ownedScore(h: number, demand: readonly number[], policy: Policy): number {
    switch (policy) {
      case "best-fit": return -this.level[h];
      case "spread": return this.level[h];
      case "dot-product": return this.dotScore(h, demand);
      case "lifetime": return this.lifetimeScore(h);
      default: return -this.l2Score(h, demand);
    }
  }

  /** Latest expected end among host h's VMs, 0 when none is known (a plain scan). */
  hostEnd(h: number): number {
    let end = 0;
    for (const [vm, e] of this.vmEnd) if (this.vmHost[vm] === h && e > end) end = e;
    return end;
  }

  /** Lifetime's measure (higher is better): -|host's latest end - the VM's end|; a host with
   *  no known end below every host with one. */
  private lifetimeScore(h: number): number {
    const e = this.hostEnd(h);
    return e === 0 ? -Infinity : -Math.abs(e - this.qEnd);
  }

  /** Explicit target (move with `target`): reasons describe that one host. */
  checkHost(h: number, demand: readonly number[], tenant: number, dep: number, k: number): RefOutcome {
    const D = this.D;
    if (!this.inService[h]) return { host: -1, reason: NO_HOST_IN_SERVICE, dim: DIM_NONE };
    for (let d = 0; d < D; d++) {
      if (this.free[h * D + d] < demand[d]) return { host: -1, reason: NO_CAPACITY, dim: d };
    }
    // One host: the first short entry of the extended vector (the most-short rule over one host).
    for (let j = 0; j < this.devDims.length; j++) {
      if (this.wholeShort(h, j, demand) || this.fractionShort(h, j, demand)) return { host: -1, reason: NO_CAPACITY, dim: this.devDims[j] };
    }
    if (!this.admits(this.qCon, h)) return { host: -1, reason: NO_MATCHING_HOST, dim: DIM_NONE };
    if (!this.tenancyOk(h, tenant)) return { host: -1, reason: DEDICATED_HOST, dim: DIM_NONE };
    if (!this.antiOk(h, dep, k)) return { host: -1, reason: ANTI_AFFINITY, dim: DIM_NONE };
    return { host: h, reason: OK, dim: DIM_NONE };
  }

  // ---- state changes ----

  private commit(vm: number, h: number, demand: readonly number[], tenant: number, dep: number): void {
    const D = this.D;
    for (let d = 0; d < D; d++) {
      this.free[h * D + d] -= demand[d];
      this.vmDemand[vm * D + d] = demand[d];
    }
    this.level[h] = this.computeLevel(h);
    if (this.devDims.length > 0) this.vmDevs.set(vm, this.takeDevices(h, demand));
    this.vmHost[vm] = h;
    this.vmCon.set(vm, this.qCon);
    this.vmEnd.set(vm, this.qEnd);
    this.vmTenant[vm] = tenant;
    this.vmDep[vm] = dep;
    if (this.count[h]++ === 0 && this.dedicated.has(tenant)) this.owner[h] = tenant;
    if (dep !== NO_DEP) this.depCount[h].set(dep, (this.depCount[h].get(dep) ?? 0) + 1);
    this.tenantVms.set(tenant, (this.tenantVms.get(tenant) ?? 0) + 1);
    this.vmsPlaced++;
  }

  private uncommit(vm: number): void {
    const D = this.D;
    const h = this.vmHost[vm];
    for (let d = 0; d < D; d++) this.free[h * D + d] += this.vmDemand[vm * D + d];
    this.level[h] = this.computeLevel(h);
    const held = this.vmDevs.get(vm);
    if (held !== undefined) {
      held.forEach((devices, j) => {
        const { k, f } = deviceAsk(this.vmDemand[vm * D + this.devDims[j]], this.devSize[j]);
        for (const i of devices) this.devFree[h][j][i] += k > 0 ? this.devSize[j] : f;
      });
      this.vmDevs.delete(vm);
    }
    if (--this.count[h] === 0) this.owner[h] = -1;
    const dep = this.vmDep[vm];
    if (dep !== NO_DEP) {
      const c = (this.depCount[h].get(dep) ?? 0) - 1;
      if (c === 0) this.depCount[h].delete(dep);
      else this.depCount[h].set(dep, c);
    }
    const t = this.vmTenant[vm];
    const n = (this.tenantVms.get(t) ?? 0) - 1;
    if (n === 0) this.tenantVms.delete(t);
    else this.tenantVms.set(t, n);
    this.vmHost[vm] = -1;
    this.vmEnd.delete(vm);
    this.vmsPlaced--;
  }

  /** The devices a VM committed to host h takes (the host is known to fit): whole k, the k
   *  lowest-indexed fully free ones; a fraction, the one with the least free still >= f,
   *  lowest index on ties. */
  private takeDevices(h: number, demand: readonly number[]): number[][] {
    return this.devDims.map((d, j) => {
      const size = this.devSize[j];
      const free = this.devFree[h][j];
      const { k, f } = deviceAsk(demand[d], size);
      const got: number[] = [];
      if (k > 0) {
        for (let i = 0; i < free.length && got.length < k; i++) if (free[i] === size) got.push(i);
        for (const i of got) free[i] = 0;
      } else if (f > 0) {
        let best = -1;
        for (let i = 0; i < free.length; i++) if (free[i] >= f && (best < 0 || free[i] < free[best])) best = i;
        free[best] -= f;
        got.push(best);
      }
      return got;
    });
  }

  /** Engine.devicesOf: per device dimension (by user dimension index) the devices the placed VM holds. */
  devicesOf(vm: number): Record<number, number[]> {
    if (this.vmHost[vm] < 0) throw new Error(`reference: devicesOf(${vm}) on a VM not placed`);
    const held = this.vmDevs.get(vm)!;
    return Object.fromEntries(this.devDims.map((d, j) => [d, [...held[j]]]));
  }

  /** Engine.deviceFreeOf: per device dimension (by user dimension index) the free units of each device of host h. */
  deviceFreeOf(h: number): Record<number, number[]> {
    return Object.fromEntries(this.devDims.map((d, j) => [d, [...this.devFree[h][j]]]));
  }

  private opts(o?: RefOptions): Required<RefOptions> {
    return {
      policy: o?.policy ?? this.defaults.policy,
      maxPerHost: o?.maxPerHost ?? this.defaults.maxPerHost,
      candidates: o?.candidates ?? this.defaults.candidates,
    };
  }

  place(r: RefRequest, o?: RefOptions): RefOutcome {
    const p = this.opts(o);
    const dep = r.deployment ?? NO_DEP;
    this.qCon = r.constraint ?? 0;
    this.qEnd = r.expectedEnd ?? 0;
    const out = this.findHost(r.demand, r.tenant, dep, p.maxPerHost, p.policy, p.candidates, -1, null);
    if (out.host >= 0) this.commit(r.id, out.host, r.demand, r.tenant, dep);
    return out;
  }

  /** Engine.placeOn: VM r on host h if every rule but fault-domain spread allows it. */
  placeOn(r: RefRequest, h: number, o?: RefOptions): RefOutcome {
    const p = this.opts(o);
    const dep = r.deployment ?? NO_DEP;
    this.qCon = r.constraint ?? 0;
    this.qEnd = r.expectedEnd ?? 0;
    const out = this.checkHost(h, r.demand, r.tenant, dep, p.maxPerHost);
    if (out.host >= 0) this.commit(r.id, h, r.demand, r.tenant, dep);
    return out;
  }

  /** Offline order: stable, largest first, by the size measure (as the core quantises it). */
  offlineOrder(reqs: readonly RefRequest[], measure: SizeMeasure): number[] {
    const D = this.D;
    const keys = reqs.map((r) => {
      let size = measure === "product" ? 1 : 0;
      for (let d = 0; d < D; d++) {
        const c = this.scale[d];
        const x = c > 0 ? Math.min(r.demand[d] / c, 1) : 0;
        if (measure === "sum") size += x / D;
        else if (measure === "max") size = Math.max(size, x);
        else if (c > 0) size *= x;
      }
      return Math.trunc(size * 4294967295) >>> 0;
    });
    const idx = reqs.map((_, i) => i);
    idx.sort((a, b) => keys[b] - keys[a] || a - b);
    return idx;
  }

  placeBatch(reqs: readonly RefRequest[], o?: RefBatchOptions): RefOutcome[] {
    const p = this.opts(o);
    const order = o?.offline ? this.offlineOrder(reqs, o.sizeMeasure ?? "sum") : reqs.map((_, i) => i);
    const fd: FdCtx = { domains: Math.max(1, this.faultDomainsInService()), total: new Map(), prior: new Map(), used: new Map() };
    for (const r of reqs) {
      const dep = r.deployment ?? NO_DEP;
      if (dep !== NO_DEP) fd.total.set(dep, (fd.total.get(dep) ?? 0) + 1);
    }
    // Prior instances: only deployments in the batch; repeated (dep, fd) entries add up.
    const pr = o?.prior;
    if (pr) {
      for (let j = 0; j < pr.deployments.length; j++) {
        const dep = pr.deployments[j];
        if (!fd.total.has(dep)) continue;
        const c = pr.counts[j];
        fd.prior.set(dep, (fd.prior.get(dep) ?? 0) + c);
        const key = `${dep}:${pr.faultDomains[j]}`;
        fd.used.set(key, (fd.used.get(key) ?? 0) + c);
      }
    }
    const out: RefOutcome[] = new Array(reqs.length);
    for (const i of order) {
      const r = reqs[i];
      const dep = r.deployment ?? NO_DEP;
      this.qCon = r.constraint ?? 0;
    this.qEnd = r.expectedEnd ?? 0;
      const res = this.findHost(r.demand, r.tenant, dep, p.maxPerHost, p.policy, p.candidates, -1, fd);
      if (res.host >= 0) {
        this.commit(r.id, res.host, r.demand, r.tenant, dep);
        if (dep !== NO_DEP) {
          const key = `${dep}:${this.fd[res.host]}`;
          fd.used.set(key, (fd.used.get(key) ?? 0) + 1);
        }
      }
      out[i] = res;
    }
    return out;
  }

  release(vm: number): void {
    this.uncommit(vm);
  }

  move(vm: number, o?: RefOptions & { target?: number }): RefOutcome {
    const p = this.opts(o);
    const D = this.D;
    const demand = Array.from(this.vmDemand.subarray(vm * D, vm * D + D));
    const tenant = this.vmTenant[vm];
    const dep = this.vmDep[vm];
    const src = this.vmHost[vm];
    this.qCon = this.vmCon.get(vm) ?? 0;
    this.qEnd = this.vmEnd.get(vm) ?? 0;
    const out = o?.target !== undefined
      ? this.checkHost(o.target, demand, tenant, dep, p.maxPerHost)
      : this.findHost(demand, tenant, dep, p.maxPerHost, p.policy, p.candidates, src, null);
    if (out.host >= 0) {
      this.uncommit(vm);
      this.commit(vm, out.host, demand, tenant, dep);
    }
    return out;
  }

  /** Returns false (changing nothing) when asked to put a retired host back in service. */
  setHostInService(h: number, on: boolean): boolean {
    if (on && this.retired[h]) return false;
    this.inServiceN += (on ? 1 : 0) - this.inService[h];
    this.inService[h] = on ? 1 : 0;
    return true;
  }

  /** Returns false (changing nothing) when the tenant already has VMs placed. */
  setTenantDedicated(t: number): boolean {
    if (this.dedicated.has(t)) return true;
    if (this.tenantHasVms(t)) return false;
    this.dedicated.add(t);
    return true;
  }

  tenantHasVms(t: number): boolean {
    return this.tenantVms.has(t);
  }

  /** An independent copy (for "what would happen" questions). */
  clone(): RefEngine {
    const c = Object.create(RefEngine.prototype) as RefEngine;
    for (const [k, v] of Object.entries(this)) {
      let copy: unknown = v;
      if (ArrayBuffer.isView(v)) copy = (v as unknown as { slice(): unknown }).slice();
      else if (v instanceof Set) copy = new Set(v);
      else if (v instanceof Map) copy = new Map(v);
      else if (Array.isArray(v)) copy = v.map((m) => (m instanceof Map ? new Map(m) : Array.isArray(m) ? structuredClone(m) : m));
      else if (typeof v === "object" && v !== null) copy = { ...v };
      (c as unknown as Record<string, unknown>)[k] = copy;
    }
    return c;
  }

  freeOf(h: number): number[] {
    return Array.from(this.free.subarray(h * this.D, h * this.D + this.D));
  }

  capOf(h: number): number[] {
    return Array.from(this.cap.subarray(h * this.D, h * this.D + this.D));
  }

  /** Engine.stats() recomputed host by host (dimension d's entries indexed by d). */
  stats(): RefStats {
    const D = this.D;
    const s: RefStats = {
      hosts: 0, hostsInService: 0, hostsUsed: 0, emptyHosts: 0, retiredHosts: 0, faultDomains: this.faultDomainsInService(),
      vmsPlaced: this.vmsPlaced, utilization: [], utilizationOfUsedHosts: [], liveDemand: [], lowerBound: 0,
    };
    const isUsed = new Array<number>(D).fill(0);
    const isCap = new Array<number>(D).fill(0);
    const usedCap = new Array<number>(D).fill(0);
    const live = new Array<number>(D).fill(0);
    for (let h = 0; h < this.H; h++) {
      if (this.retired[h]) s.retiredHosts++;
      else s.hosts++;
      if (this.count[h] > 0) s.hostsUsed++;
      for (let d = 0; d < D; d++) {
        const used = this.cap[h * D + d] - this.free[h * D + d];
        live[d] += used;
        if (this.count[h] > 0) usedCap[d] += this.cap[h * D + d];
        if (this.inService[h]) { isUsed[d] += used; isCap[d] += this.cap[h * D + d]; }
      }
      if (!this.inService[h]) continue;
      s.hostsInService++;
      if (this.count[h] === 0) s.emptyHosts++;
    }
    for (let d = 0; d < D; d++) {
      s.liveDemand.push(live[d]);
      s.utilization.push(isCap[d] > 0 ? isUsed[d] / isCap[d] : 0);
      s.utilizationOfUsedHosts.push(usedCap[d] > 0 ? live[d] / usedCap[d] : 0);
    }
    const inService: number[][] = [];
    const all: number[][] = [];
    for (let h = 0; h < this.H; h++) {
      all.push(this.capOf(h));
      if (this.inService[h]) inService.push(this.capOf(h));
    }
    s.lowerBound = fewestHostsCovering(live, inService, all);
    return s;
  }
}

export interface RefStats {
  hosts: number;
  hostsInService: number;
  hostsUsed: number;
  emptyHosts: number;
  retiredHosts: number;
  faultDomains: number;
  vmsPlaced: number;
  utilization: number[];
  utilizationOfUsedHosts: number[];
  liveDemand: number[];
  lowerBound: number;
}

/**
 * The README's lower bound, per host rather than per type: in each dimension, the fewest of the
 * `available` hosts whose capacities add up to the demand (largest first is optimal for one
 * sum); when all of them fall short, all of them plus the rest in hosts as large as the largest
 * of `fleet` (every host ever added). The max over dimensions.
 */
export function fewestHostsCovering(demand: readonly number[], available: readonly number[][], fleet: readonly number[][]): number {
  let bound = 0;
  demand.forEach((need, d) => {
    if (need <= 0) return;
    const caps = available.map((c) => c[d]).sort((a, b) => b - a);
    let n = 0;
    let left = need;
    for (const c of caps) {
      if (left <= 0 || c <= 0) break;
      left -= c;
      n++;
    }
    if (left > 0) {
      const largest = Math.max(0, ...fleet.map((c) => c[d]));
      if (largest > 0) n += Math.ceil(left / largest);
    }
    bound = Math.max(bound, n);
  });
  return bound;
}

/**
 * A fleet spec as a host list, as the README describes it: per entry, `count` hosts; with
 * `hostsPerFaultDomain`, in ceil(count / hostsPerFaultDomain) new racks numbered from `fdBase`
 * on (rack by rack, or round-robin when interleaved), else all in the entry's faultDomain.
 */
export function expandSpec(spec: FleetSpec, fdBase: number): HostSpec[] {
  const out: HostSpec[] = [];
  for (const t of spec.hostTypes) {
    const { count, hostsPerFaultDomain: per, faultDomainLayout, ...host } = t;
    if (count === 0) continue;
    const racks = per === undefined ? 0 : Math.ceil(count / per);
    for (let i = 0; i < count; i++) {
      const h: HostSpec = { ...host };
      if (per !== undefined) h.faultDomain = fdBase + (faultDomainLayout === "interleaved" ? i % racks : Math.floor(i / per));
      out.push(h);
    }
    fdBase += racks;
  }
  return out;
}
