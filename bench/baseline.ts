// The baseline: the same placement policies written as a plain TypeScript scheduler over typed
// arrays, the way a straightforward scheduler does it: for every VM, scan the hosts.
//
// Semantics are README's "Placement rules" and "Policies" exactly (capacity after reservation,
// in service, anti-affinity maxPerHost, fault-domain spread within one batch; first-fit,
// best-fit, spread by free level, dot-product and l2 over the first `candidates` feasible used
// hosts in best-fit order, an empty host only when none came first), with the free level computed in the same f64 order as the core, so the
// host chosen for every VM is the core's (test/bench.baseline.test.ts checks this).
// Not modelled: dedicated tenants, rejection reasons (a rejected VM just gets -1), move.
//
// `SampledScheduler` is the other baseline: a kube-scheduler-style loop that filters hosts
// from a rotating start until it has `sample` feasible ones (kube-scheduler's
// percentageOfNodesToScore / numFeasibleNodesToFind), scores only those by the policy and
// takes the best. It is cheap per VM but approximate: it packs worse.

export const NONE = 0xffffffff;
export const BASE_POLICIES = ["first-fit", "best-fit", "spread", "dot-product", "l2"] as const;
export type BasePolicy = (typeof BASE_POLICIES)[number];

const LEVELS = 64;

export interface BaselineOptions {
  /** Per host, row-major hosts x dims: effective capacity (capacity - reservation, x ratio). */
  capacity: Int32Array;
  dims: number;
  faultDomain: Uint16Array | Uint32Array | number[];
  vmCapacity: number;
  maxPerHost?: number;
  candidates?: number;
}

export interface BaselineBatch {
  ids: ArrayLike<number>;
  demands: ArrayLike<number>;
  tenants?: ArrayLike<number>;
  deployments?: ArrayLike<number>;
}

export class FullScanScheduler {
  readonly hosts: number;
  readonly dims: number;
  readonly cap: Int32Array;
  readonly capF: Float64Array;
  readonly free: Int32Array;
  readonly fd: Uint32Array;
  readonly inService: Uint8Array;
  readonly hostHead: Int32Array;
  readonly hostVms: Uint32Array;
  readonly vmHost: Int32Array;
  readonly vmDemand: Int32Array;
  readonly vmDep: Uint32Array;
  readonly vmNext: Int32Array;
  readonly vmPrev: Int32Array;
  maxPerHost: number;
  candidates: number;
  // Fault-domain spread state for the batch in progress.
  protected fdLimitOf: Map<number, number> | null = null;
  protected fdUsedOf = new Map<number, number>();
  protected fdDomains = 1;
  private domainsDirty = true;
  // Scratch for dot-product / l2: feasible hosts bucketed by level, in index order.
  private readonly bucketHosts: Int32Array;
  private readonly bucketLen = new Int32Array(LEVELS);
  private readonly bucketCap: number;

  constructor(o: BaselineOptions) {
    this.dims = o.dims;
    this.hosts = o.capacity.length / o.dims;
    this.cap = Int32Array.from(o.capacity);
    this.capF = Float64Array.from(o.capacity);
    this.free = Int32Array.from(o.capacity);
    this.fd = Uint32Array.from(o.faultDomain as ArrayLike<number>);
    this.inService = new Uint8Array(this.hosts).fill(1);
    this.hostHead = new Int32Array(this.hosts).fill(-1);
    this.hostVms = new Uint32Array(this.hosts);
    this.vmHost = new Int32Array(o.vmCapacity).fill(-1);
    this.vmDemand = new Int32Array(o.vmCapacity * o.dims);
    this.vmDep = new Uint32Array(o.vmCapacity).fill(NONE);
    this.vmNext = new Int32Array(o.vmCapacity).fill(-1);
    this.vmPrev = new Int32Array(o.vmCapacity).fill(-1);
    this.maxPerHost = o.maxPerHost ?? 1;
    this.candidates = o.candidates ?? 16;
    this.bucketCap = Math.min(this.candidates, this.hosts);
    this.bucketHosts = new Int32Array(LEVELS * this.bucketCap);
  }

  setInService(h: number, on: boolean): void {
    this.inService[h] = on ? 1 : 0;
    this.domainsDirty = true;
  }

  /** Fault domains with at least one in-service host (cached until service changes). */
  faultDomainCount(): number {
    if (this.domainsDirty) {
      const domains = new Set<number>();
      for (let h = 0; h < this.hosts; h++) if (this.inService[h]) domains.add(this.fd[h]);
      this.fdDomains = Math.max(1, domains.size);
      this.domainsDirty = false;
    }
    return this.fdDomains;
  }

  /** floor(64 x mean over dims of free/capacity), clamped; the core's f64 order. */
  level(h: number): number {
    const D = this.dims;
    let sum = 0;
    for (let d = 0; d < D; d++) {
      const c = this.capF[h * D + d];
      if (c > 0) sum += this.free[h * D + d] / c;
    }
    const l = Math.floor(LEVELS * (sum / D));
    return l < 0 ? 0 : l >= LEVELS ? LEVELS - 1 : l;
  }

  protected fits(h: number, demand: ArrayLike<number>, off: number): boolean {
    if (this.inService[h] === 0) return false;
    const D = this.dims;
    const base = h * D;
    for (let d = 0; d < D; d++) if (this.free[base + d] < demand[off + d]) return false;
    return true;
  }

  /** Anti-affinity and fault-domain spread. */
  protected allowed(h: number, dep: number): boolean {
    if (dep === NONE) return true;
    const k = this.maxPerHost;
    let n = 0;
    for (let v = this.hostHead[h]; v >= 0; v = this.vmNext[v]) {
      if (this.vmDep[v] === dep && ++n >= k) return false;
    }
    if (this.fdLimitOf !== null) {
      const limit = this.fdLimitOf.get(dep) ?? 0;
      if (limit > 0 && (this.fdUsedOf.get(dep * 65536 + this.fd[h]) ?? 0) >= limit) return false;
    }
    return true;
  }

  protected dotScore(h: number, demand: ArrayLike<number>, off: number): number {
    const D = this.dims;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const c = this.capF[h * D + d];
      if (c > 0) s += (demand[off + d] / c) * (this.free[h * D + d] / c);
    }
    return s;
  }

  protected l2Score(h: number, demand: ArrayLike<number>, off: number): number {
    const D = this.dims;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const c = this.capF[h * D + d];
      if (c > 0) {
        const r = (this.free[h * D + d] - demand[off + d]) / c;
        s += r * r;
      }
    }
    return s;
  }

  /** The host the policy picks for a VM (demand at demand[off..off+dims)), or -1. Scans every host. */
  find(demand: ArrayLike<number>, off: number, dep: number, policy: BasePolicy): number {
    const H = this.hosts;
    switch (policy) {
      case "first-fit":
        for (let h = 0; h < H; h++) if (this.fits(h, demand, off) && this.allowed(h, dep)) return h;
        return -1;
      case "best-fit": {
        let best = -1;
        let bestLevel = LEVELS;
        for (let h = 0; h < H; h++) {
          if (!this.fits(h, demand, off)) continue;
          const l = this.level(h);
          if (l < bestLevel && this.allowed(h, dep)) {
            best = h;
            bestLevel = l;
            if (l === 0) break;
          }
        }
        return best;
      }
      case "spread": {
        let best = -1;
        let bestLevel = -1;
        for (let h = 0; h < H; h++) {
          if (!this.fits(h, demand, off)) continue;
          const l = this.level(h);
          if (l > bestLevel && this.allowed(h, dep)) {
            best = h;
            bestLevel = l;
            if (l === LEVELS - 1) break;
          }
        }
        return best;
      }
      default:
        return this.findRanked(demand, off, dep, policy === "dot-product");
    }
  }

  /** dot-product / l2: the first `candidates` feasible used hosts in (level, index) order, best
   *  score, earliest on ties; the window ends at the first feasible empty host, which is taken
   *  only when no used host came before it. One scan buckets feasible hosts by level (each bucket stays in index order). */
  private findRanked(demand: ArrayLike<number>, off: number, dep: number, dot: boolean): number {
    const H = this.hosts;
    const W = this.candidates;
    const cap = this.bucketCap;
    const len = this.bucketLen;
    len.fill(0);
    for (let h = 0; h < H; h++) {
      if (!this.fits(h, demand, off)) continue;
      const l = this.level(h);
      if (len[l] >= cap) continue; // this level already has more than the window can take
      if (!this.allowed(h, dep)) continue;
      this.bucketHosts[l * cap + len[l]++] = h;
    }
    let best = -1;
    let bestRank = 0;
    let seen = 0;
    for (let l = 0; l < LEVELS && seen < W; l++) {
      for (let i = 0; i < len[l] && seen < W; i++) {
        const h = this.bucketHosts[l * cap + i];
        // The window ends at the first feasible empty host, taken only when no used one was seen.
        if (this.hostVms[h] === 0) return seen > 0 ? best : h;
        const r = dot ? this.dotScore(h, demand, off) : -this.l2Score(h, demand, off);
        if (seen === 0 || r > bestRank) {
          best = h;
          bestRank = r;
        }
        seen++;
      }
    }
    return best;
  }

  commit(vm: number, h: number, demand: ArrayLike<number>, off: number, dep: number): void {
    const D = this.dims;
    for (let d = 0; d < D; d++) {
      const x = demand[off + d];
      this.vmDemand[vm * D + d] = x;
      this.free[h * D + d] -= x;
    }
    this.vmHost[vm] = h;
    this.vmDep[vm] = dep;
    const head = this.hostHead[h];
    this.vmNext[vm] = head;
    this.vmPrev[vm] = -1;
    if (head >= 0) this.vmPrev[head] = vm;
    this.hostHead[h] = vm;
    this.hostVms[h]++;
    if (this.fdLimitOf !== null && dep !== NONE) {
      const key = dep * 65536 + this.fd[h];
      this.fdUsedOf.set(key, (this.fdUsedOf.get(key) ?? 0) + 1);
    }
  }

  /** Places one VM (no fault-domain rule outside a batch); returns its host or -1. */
  place(vm: number, demand: ArrayLike<number>, off: number, dep: number, policy: BasePolicy): number {
    const h = this.find(demand, off, dep, policy);
    if (h >= 0) this.commit(vm, h, demand, off, dep);
    return h;
  }

  /** Places a batch in order with the fault-domain spread rule; hosts per entry (-1 rejected). */
  placeBatch(batch: BaselineBatch, policy: BasePolicy, out?: Int32Array): Int32Array {
    const n = batch.ids.length;
    const D = this.dims;
    const hosts = out ?? new Int32Array(n);
    const deps = batch.deployments;
    this.beginBatch(deps, n);
    for (let i = 0; i < n; i++) {
      hosts[i] = this.place(batch.ids[i], batch.demands, i * D, deps ? deps[i] : NONE, policy);
    }
    this.fdLimitOf = null;
    return hosts;
  }

  protected beginBatch(deps: ArrayLike<number> | undefined, n: number): void {
    const counts = new Map<number, number>();
    if (deps) for (let i = 0; i < n; i++) if (deps[i] !== NONE) counts.set(deps[i], (counts.get(deps[i]) ?? 0) + 1);
    const F = this.faultDomainCount();
    const limits = new Map<number, number>();
    for (const [d, c] of counts) limits.set(d, Math.ceil(c / F));
    this.fdLimitOf = limits;
    this.fdUsedOf.clear();
  }

  release(vm: number): void {
    const h = this.vmHost[vm];
    if (h < 0) throw new Error(`baseline: vm ${vm} is not placed`);
    const D = this.dims;
    for (let d = 0; d < D; d++) this.free[h * D + d] += this.vmDemand[vm * D + d];
    const p = this.vmPrev[vm];
    const nx = this.vmNext[vm];
    if (p >= 0) this.vmNext[p] = nx;
    else this.hostHead[h] = nx;
    if (nx >= 0) this.vmPrev[nx] = p;
    this.vmHost[vm] = -1;
    this.hostVms[h]--;
  }

  releaseBatch(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) this.release(ids[i]);
  }

  hostsUsed(): number {
    let n = 0;
    for (let h = 0; h < this.hosts; h++) if (this.hostVms[h] > 0) n++;
    return n;
  }
}

/** kube-scheduler-style: filter from a rotating start until `sample` feasible hosts are found,
 *  score those by the policy, take the best (earliest found on ties). */
export class SampledScheduler extends FullScanScheduler {
  sample: number;
  private start = 0;

  constructor(o: BaselineOptions & { sample?: number }) {
    super(o);
    this.sample = o.sample ?? 50;
  }

  override find(demand: ArrayLike<number>, off: number, dep: number, policy: BasePolicy): number {
    const H = this.hosts;
    let best = -1;
    let bestRank = 0;
    let found = 0;
    let i = 0;
    for (; i < H && found < this.sample; i++) {
      let h = this.start + i;
      if (h >= H) h -= H;
      if (!this.fits(h, demand, off) || !this.allowed(h, dep)) continue;
      let r: number;
      switch (policy) {
        case "first-fit": r = -h; break;
        case "best-fit": r = -this.level(h); break;
        case "spread": r = this.level(h); break;
        case "dot-product": r = this.dotScore(h, demand, off); break;
        default: r = -this.l2Score(h, demand, off);
      }
      // As in the core, dot-product / l2 take an empty host only when no used one is feasible.
      if ((policy === "dot-product" || policy === "l2") && this.hostVms[h] === 0) r -= 1e9;
      if (found === 0 || r > bestRank) {
        best = h;
        bestRank = r;
      }
      found++;
    }
    // kube-scheduler resumes the next search where this one stopped.
    this.start = (this.start + i) % H;
    return best;
  }
}
