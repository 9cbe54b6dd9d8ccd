// QuotaEnforcer: holds each running VM to its CPU, memory and network slice, one tick at a time,
// for the whole fleet in one core call. Lives beside an Engine and reads the engine's own VM
// table (host, reservation, per-host VM lists) inside the core.
import type { Engine } from "../engine.js";
import type { CoreExports, WasmMemory } from "../core.js";
import { VmfabricError, invalid, show } from "../errors.js";
import * as check from "../validate.js";
import { copyNumbers } from "../batch-input.js";
import type { ReferenceFleet, ReferenceState } from "./reference.js";

/** The quota exports of the core (assembly/quota.ts). */
interface QuotaCore {
  memory: WasmMemory;
  quotaInit(types: number, shaped: number, bucketTicks: number, sharedMask: number): void;
  quotaSetFlags(hasCaps: number, hasDepths: number): void;
  quotaSetTrapAt(vm: number): void;
  quotaSetOrderMode(mode: number): void;
  quotaTypeTable(): number;
  quotaHostTypeTable(): number;
  quotaDemandTable(): number;
  quotaGrantTable(): number;
  quotaCapTable(): number;
  quotaCapStride(): number;
  quotaWeightTable(): number;
  quotaDepthTable(): number;
  quotaTokensTable(): number;
  quotaHotRunTable(): number;
  quotaHostSumsTable(): number;
  quotaHotListTable(): number;
  quotaStatsTable(): number;
  quotaTicks(): number;
  quotaTick(hotTicks: number): number;
}

export interface QuotaOptions {
  /** Dimensions where idle and unreserved capacity is shared out, up to each VM's cap
   *  (default: `cpu` and `network`, those the engine has). All others are hard reservations. */
  shared?: readonly string[];
  /** The dimension shaped by a token bucket per VM (rate = the VM's reservation in it);
   *  default `network` when the engine has it, `null` for none. */
  shaped?: string | null;
  /** Default bucket depth, in ticks of rate (default 4). */
  bucketTicks?: number;
  /** A host is hot after this many consecutive ticks with demand over capacity (default 3). */
  hotTicks?: number;
}

export interface QuotaLimits {
  ids: ArrayLike<number>;
  /** ids.length x dimensions burst caps; 0 = the reservation (no burst). Must be 0 in hard dimensions. */
  caps?: ArrayLike<number>;
  /** Weights for sharing leftover capacity, 1..65535 (default 1). */
  weights?: ArrayLike<number>;
  /** Token-bucket depths in the shaped dimension's units; 0 = bucketTicks x rate (default). */
  depths?: ArrayLike<number>;
}

export type PerDimension = Record<string, number>;

export interface QuotaTick {
  tick: number;
  /** i32 per vector in `grants`, `hostDemand`, `hostWant` (dimensions rounded up to 4). */
  stride: number;
  /** Granted amount per VM (vmCapacity x stride). A view into core memory, valid until the next
   *  call on the enforcer or the engine: copy it to keep it. Unplaced VMs get 0. */
  grants: Int32Array;
  /** Per host, sum of the VMs' demand (saturating at 2^31 - 1), hostCount x stride.
   *  Copied out of core memory on first access. */
  readonly hostDemand: Int32Array;
  /** Per host, sum of what the VMs may use under their caps and buckets (contention when it
   *  exceeds the host's capacity), hostCount x stride. Copied out on first access. */
  readonly hostWant: Int32Array;
  /** Hosts with demand over capacity in some dimension for `hotTicks` consecutive ticks. */
  hotHosts: Uint32Array;
  /** Per dimension: VMs granted less than their demand. */
  throttledVms: PerDimension;
  /** Per dimension: hosts where what the VMs may use exceeded capacity (fair shares applied). */
  contendedHosts: PerDimension;
  /** Per dimension, fleet totals of demand, granted and throttled (= demand - granted;
   *  memory: pressure). Demand totals add per-host sums, which saturate at 2^31 - 1. */
  demand: PerDimension;
  granted: PerDimension;
  throttled: PerDimension;
}

export interface HostContention {
  capacity: number[];
  demand: number[];
  want: number[];
  granted: number[];
  /** want / capacity per dimension (> 1: contended), 0 where capacity is 0. */
  contention: number[];
  hotRun: number;
}

interface Tables {
  core: QuotaCore;
  buffer: ArrayBuffer;
  demand: number;
  grant: number;
  cap: number;
  /** i32 per VM in the cap table: only the shared dimensions' caps when few enough (see capSlot) */
  capStride: number;
  weight: number;
  depth: number;
}

const I32_MAX = 0x7fffffff;
/** The enforcer whose tables the engine's core currently holds: one per engine. */
const active = new WeakMap<Engine, QuotaEnforcer>();
const ST_DEMAND = 0;
const ST_GRANT = 32;
const ST_THROTTLED = 48;
const ST_CONTENDED = 64;

/** An upper bound of the core memory quota enforcement adds (assembly/quota.ts quotaInit:
 *  per VM demand, grant, caps, weight, depth, two token copies, two orders; per host sums,
 *  hot runs and lists; the tick's scratch when every VM sits on a contended host). */
export function quotaCoreBytes(vms: number, hosts: number, dims: number): { tables: number; scratch: number } {
  const vec = Math.ceil(dims / 4) * 16;
  return {
    tables: vms * (3 * vec + 24) + hosts * (2 * vec + 40) + 64 * 1024,
    scratch: vms * (12 + 4 * vec) + 65536 * 21 + 128,
  };
}

export class QuotaEnforcer {
  readonly engine: Engine;
  readonly dimensions: readonly string[];
  readonly shared: readonly string[];
  readonly shaped: string | null;
  readonly bucketTicks: number;
  readonly hotTicks: number;
  readonly stride: number;
  private readonly D: number;
  private readonly V: number;
  private readonly H: number;
  private readonly sharedMask: boolean[];
  private readonly shapedDim: number;
  private readonly hostTypeIdx: Uint16Array;
  private readonly typeCaps: number[][];
  private hasCaps = false;
  private hasDepths = false;
  private generation = -1;
  private t: Tables | undefined;
  private seen: Uint8Array;
  /** Per dimension, its i32 slot in a VM's row of the core's cap table; -1 = not stored (a
   *  hard dimension, cap always 0). Set when the tables are allocated. */
  private capSlot: number[] = [];
  private orderMode = 0;
  /** Set while a tick is in the core: a trap then may have overwritten part of the last tick's
   *  grants and sums, which are then unavailable until the next tick. */
  private ticking = false;
  private lastTickLost = false;
  /** Where tick(demands) copies an Int32Array before checking it (kept: no 16 MB allocation per
   *  million-VM tick). */
  private demandCopy: Int32Array | undefined;
  /** Ticks counted by core instances a trap replaced (the new instance counts from 0). */
  private tickBase = 0;

  constructor(engine: Engine, options: QuotaOptions = {}) {
    if (typeof options !== "object" || options === null) throw invalid("options", options, "an object");
    // The quota core reads VM demands lane by lane; device dimensions add derived lanes it
    // does not know (README, Known limits).
    const devices = Object.keys(engine.deviceSizes);
    if (devices.length > 0) throw invalid("engine", `devices: ${devices.join(", ")}`, "an engine without device dimensions (quota enforcement does not support devices yet)");
    this.engine = engine;
    this.dimensions = engine.dimensions;
    const dims = engine.dimensions;
    this.D = dims.length;
    this.V = engine.vmCapacity;
    this.H = engine.hostCount;
    this.stride = ((this.D + 3) >> 2) * 4;
    const shared = options.shared === undefined ? dims.filter((d) => d === "cpu" || d === "network") : options.shared;
    if (!Array.isArray(shared)) throw invalid("shared", shared, "an array of dimension names");
    shared.forEach((n, i) => {
      if (!dims.includes(n)) throw invalid(`shared[${i}]`, n, `one of ${dims.join(", ")}`);
    });
    this.shared = Object.freeze([...new Set(shared as string[])]);
    this.sharedMask = dims.map((d) => this.shared.includes(d));
    const shaped = options.shaped === undefined ? (dims.includes("network") ? "network" : null) : options.shaped;
    if (shaped !== null && !dims.includes(shaped)) throw invalid("shaped", shaped, `null or one of ${dims.join(", ")}`);
    this.shaped = shaped;
    this.shapedDim = shaped === null ? -1 : dims.indexOf(shaped);
    this.bucketTicks = options.bucketTicks === undefined ? 4 : check.intIn("bucketTicks", options.bucketTicks, 1, 1 << 20);
    this.hotTicks = options.hotTicks === undefined ? 3 : check.intIn("hotTicks", options.hotTicks, 1, 1 << 30);
    if (this.H > 0xffff * 0x10000) throw invalid("engine", this.H, "an engine of at most 2^32 hosts");

    // Physical guest capacity per host: capacity - host reservation, never x oversubscription.
    const typeOf = new Map<object, number>();
    this.hostTypeIdx = new Uint16Array(this.H);
    this.typeCaps = [];
    for (let h = 0; h < this.H; h++) {
      const ht = engine.hostTypeOf(h);
      let i = typeOf.get(ht);
      if (i === undefined) {
        i = this.typeCaps.length;
        typeOf.set(ht, i);
        this.typeCaps.push(ht.capacity.map((c, d) => c - ht.reservation[d]));
      }
      this.hostTypeIdx[h] = i;
    }
    const stats = engine.stats();
    const need = quotaCoreBytes(this.V, this.H, this.D);
    if (stats.coreBytes + need.tables + Math.max(stats.scratchBytes, need.scratch) + 2 ** 20 > 2 ** 32) {
      const mib = (x: number) => Math.ceil(x / 2 ** 20);
      throw new VmfabricError("LIMIT", `engine: quota enforcement over vmCapacity ${this.V} and ${this.H} hosts needs about ${mib(need.tables + need.scratch)} MiB of core memory beside the engine's ${mib(stats.coreBytes)} MiB, more than WebAssembly's 4 GiB; use an engine with a smaller vmCapacity`, "engine", this.V);
    }
    this.seen = new Uint8Array(this.V);
    active.set(engine, this);
    this.run(() => undefined);
  }

  // ---- core access ----

  /** Runs fn against the current core, (re)allocating the quota tables first when the engine's
   *  instance is new (first use, or a trap replaced it). */
  private run<T>(fn: (t: Tables) => T): T {
    if (active.get(this.engine) !== this) {
      throw new VmfabricError("STALE_ENFORCER", "a newer QuotaEnforcer was created on this engine; only the newest one may be used");
    }
    if (this.engine.hostCount !== this.H) {
      throw new VmfabricError("STALE_ENFORCER", `the engine's fleet changed (${this.H} hosts when this QuotaEnforcer was created, ${this.engine.hostCount} now); create a new QuotaEnforcer`, "hostCount", this.engine.hostCount);
    }
    return this.engine.runCore((core: CoreExports, generation: number) => {
      const q = core as unknown as QuotaCore;
      if (generation !== this.generation) this.install(q, generation);
      return fn(this.tables());
    });
  }

  private tables(): Tables {
    const t = this.t!;
    if (t.buffer !== t.core.memory.buffer) t.buffer = t.core.memory.buffer as ArrayBuffer;
    return t;
  }

  private install(q: QuotaCore, generation: number): void {
    const old = this.t;
    const oldState = old ? this.persistent(old) : undefined;
    // After a trap: the demand buffer the caller filled is carried over; so are the last
    // tick's grants and sums, unless the trap hit a tick (which may have half-overwritten them).
    const lastTick = old && !this.ticking ? this.lastTickTables(old) : undefined;
    if (old) {
      this.tickBase += old.core.quotaTicks();
      if (this.ticking) this.lastTickLost = true;
    }
    this.ticking = false;
    let sharedMask = 0;
    this.sharedMask.forEach((on, d) => { if (on && d < 31) sharedMask |= 1 << d; });
    q.quotaInit(this.typeCaps.length, this.shapedDim, this.bucketTicks, sharedMask >>> 0);
    const capStride = q.quotaCapStride();
    // compact rows (capStride < stride): the shared dimensions' caps side by side; else by dim
    let j = 0;
    this.capSlot = this.sharedMask.map((on) => (capStride === this.stride ? 0 : on ? j++ : -1));
    if (capStride === this.stride) this.capSlot = this.capSlot.map((_, d) => d);
    const buf = q.memory.buffer as ArrayBuffer;
    const s = this.stride;
    const tc = new Int32Array(buf, q.quotaTypeTable() >>> 0, this.typeCaps.length * s);
    this.typeCaps.forEach((c, i) => c.forEach((x, d) => { tc[i * s + d] = x; }));
    new Uint16Array(buf, q.quotaHostTypeTable() >>> 0, this.H).set(this.hostTypeIdx);
    if (oldState) {
      // carry the configuration and the last committed tick's state over from the old instance
      new Int32Array(buf, q.quotaCapTable() >>> 0, this.V * capStride).set(oldState.caps);
      new Uint16Array(buf, q.quotaWeightTable() >>> 0, this.V).set(oldState.weights);
      new Int32Array(buf, q.quotaDepthTable() >>> 0, this.V).set(oldState.depths);
      new Int32Array(buf, q.quotaTokensTable() >>> 0, this.V).set(oldState.tokens);
      new Uint32Array(buf, q.quotaHotRunTable() >>> 0, this.H).set(oldState.hotRun);
      new Int32Array(buf, q.quotaDemandTable() >>> 0, this.V * this.stride).set(oldState.demand);
    }
    if (lastTick) {
      new Int32Array(buf, q.quotaGrantTable() >>> 0, this.V * this.stride).set(lastTick.grants);
      new Int32Array(buf, q.quotaHostSumsTable() >>> 0, this.H * this.stride * 2).set(lastTick.sums);
    }
    q.quotaSetFlags(this.hasCaps ? 1 : 0, this.hasDepths ? 1 : 0);
    q.quotaSetOrderMode(this.orderMode);
    this.generation = generation;
    this.t = {
      core: q,
      buffer: q.memory.buffer as ArrayBuffer,
      demand: q.quotaDemandTable() >>> 0,
      grant: q.quotaGrantTable() >>> 0,
      cap: q.quotaCapTable() >>> 0,
      capStride,
      weight: q.quotaWeightTable() >>> 0,
      depth: q.quotaDepthTable() >>> 0,
    };
  }

  private persistent(t: Tables) {
    const q = t.core;
    const buf = q.memory.buffer as ArrayBuffer;
    return {
      caps: new Int32Array(buf, t.cap, this.V * t.capStride).slice(),
      weights: new Uint16Array(buf, t.weight, this.V).slice(),
      depths: new Int32Array(buf, t.depth, this.V).slice(),
      tokens: new Int32Array(buf, q.quotaTokensTable() >>> 0, this.V).slice(),
      hotRun: new Uint32Array(buf, q.quotaHotRunTable() >>> 0, this.H).slice(),
      demand: new Int32Array(buf, q.quotaDemandTable() >>> 0, this.V * this.stride).slice(),
    };
  }

  private lastTickTables(t: Tables) {
    const buf = t.core.memory.buffer as ArrayBuffer;
    return {
      grants: new Int32Array(buf, t.core.quotaGrantTable() >>> 0, this.V * this.stride).slice(),
      sums: new Int32Array(buf, t.core.quotaHostSumsTable() >>> 0, this.H * this.stride * 2).slice(),
    };
  }

  /** Queries on the last tick's results, refused when a trap rolled that tick back. */
  private lastTick<T>(fn: (t: Tables) => T): T {
    return this.run((t) => {
      if (this.lastTickLost) {
        throw new VmfabricError("TICK_LOST", "the last tick was rolled back by a core trap, so its grants and host sums are gone; call tick() again (the demand buffer, limits and buckets were kept)");
      }
      return fn(t);
    });
  }

  // ---- configuration ----

  /** Sets burst caps, weights and bucket depths for some VMs (placed or not; they stay with the
   *  VM id). Validated whole first: one bad entry throws and nothing changes. */
  setLimits(limits: QuotaLimits): void {
    if (typeof limits !== "object" || limits === null) throw invalid("limits", limits, "an object with ids");
    // Each array read once; the checks and the core see only the copies.
    const ids = copyNumbers("limits.ids", limits.ids);
    const n = ids.length;
    const D = this.D;
    const caps = limits.caps === undefined ? undefined : copyNumbers("limits.caps", limits.caps, n * D);
    const weights = limits.weights === undefined ? undefined : copyNumbers("limits.weights", limits.weights, n);
    const depths = limits.depths === undefined ? undefined : copyNumbers("limits.depths", limits.depths, n);
    const seen = this.seen;
    let i = 0;
    try {
      for (; i < n; i++) {
        const id = check.at("limits.ids", ids, i, 0, this.V - 1);
        if (seen[id]) throw new VmfabricError("DUPLICATE_VM", `limits.ids[${i}]: vm ${id} appears twice`, `limits.ids[${i}]`, id);
        seen[id] = 1;
      }
    } finally {
      for (let j = 0; j < i && j < n; j++) seen[ids[j] as number] = 0;
    }
    if (caps) for (let j = 0; j < n * D; j++) {
      const x = check.at("limits.caps", caps, j, 0, I32_MAX);
      if (x !== 0 && !this.sharedMask[j % D]) {
        const dim = this.dimensions[j % D];
        throw new VmfabricError("INVALID_INPUT", `limits.caps[${j}] (vm #${Math.floor(j / D)}, ${dim}) must be 0: ${dim} is a hard reservation (not in shared), got ${show(x)}`, `limits.caps[${j}]`, x);
      }
    }
    if (weights) for (let j = 0; j < n; j++) check.at("limits.weights", weights, j, 1, 0xffff);
    if (depths) for (let j = 0; j < n; j++) check.at("limits.depths", depths, j, 0, I32_MAX);
    this.run((t) => {
      const buf = t.buffer;
      if (caps) {
        const cs = t.capStride;
        const cv = new Int32Array(buf, t.cap, this.V * cs);
        const slot = this.capSlot;
        for (let k = 0; k < n; k++) {
          const id = ids[k] as number;
          // (a dimension with no slot is hard: its caps were checked to be 0)
          for (let d = 0; d < D; d++) if (slot[d] >= 0) cv[id * cs + slot[d]] = caps[k * D + d] as number;
        }
        this.hasCaps = true;
      }
      if (weights) {
        const wv = new Uint16Array(buf, t.weight, this.V);
        for (let k = 0; k < n; k++) wv[ids[k] as number] = weights[k] as number;
      }
      if (depths) {
        const dv = new Int32Array(buf, t.depth, this.V);
        for (let k = 0; k < n; k++) dv[ids[k] as number] = depths[k] as number;
        this.hasDepths = true;
      }
      t.core.quotaSetFlags(this.hasCaps ? 1 : 0, this.hasDepths ? 1 : 0);
    });
  }

  /** Caps, weight and depth of one VM. */
  limitsOf(vm: number): { cap: number[]; weight: number; depth: number } {
    const v = check.intIn("vm", vm, 0, this.V - 1);
    return this.run((t) => ({
      cap: this.capSlot.map((j) => (j < 0 ? 0 : new Int32Array(t.buffer, t.cap, this.V * t.capStride)[v * t.capStride + j])),
      weight: new Uint16Array(t.buffer, t.weight, this.V)[v],
      depth: new Int32Array(t.buffer, t.depth, this.V)[v],
    }));
  }

  // ---- ticks ----

  /**
   * The demand table in core memory (vmCapacity x stride, row-major; padding lanes must stay 0).
   * Fill it and call `tick()` with no argument to skip a copy. Valid until the next call.
   */
  demandBuffer(): Int32Array {
    return this.run((t) => new Int32Array(t.buffer, t.demand, this.V * this.stride));
  }

  /**
   * One tick for the whole fleet. `demands` is vmCapacity x dimensions, row-major, integers in
   * [0, 2^31 - 1] (unplaced VMs' entries are ignored); without it the demand buffer is used.
   * Validated whole before the core is called: a bad entry throws and nothing changes.
   */
  tick(demands?: ArrayLike<number>): QuotaTick {
    const D = this.D;
    const s = this.stride;
    // Read once: a copy is validated and goes to the core (the caller's array may change).
    if (demands instanceof Int32Array && this.demandCopy === undefined) this.demandCopy = new Int32Array(this.V * D);
    const copy = demands === undefined ? undefined : copyNumbers("demands", demands, this.V * D, this.demandCopy);
    if (copy !== undefined) {
      this.validateDemands(copy);
    } else {
      this.validateDemands(this.demandBuffer(), true);
    }
    const hot = this.run((t) => {
      if (copy !== undefined) {
        const view = new Int32Array(t.buffer, t.demand, this.V * s);
        if (s === D) view.set(copy);
        else for (let v = 0; v < this.V; v++) for (let d = 0; d < D; d++) view[v * s + d] = copy[v * D + d];
      }
      this.ticking = true;
      const hot = t.core.quotaTick(this.hotTicks);
      this.ticking = false;
      this.lastTickLost = false;
      return hot;
    });
    if (hot < 0) {
      throw new VmfabricError("LIMIT", `a contended host holds more than 65536 VMs; quota enforcement supports at most 65536 per host`);
    }
    return this.result(hot);
  }

  private validateDemands(dem: ArrayLike<unknown>, padded = false): void {
    const D = this.D;
    const s = this.stride;
    if (dem instanceof Int32Array) {
      for (let j = 0; j < dem.length; j++) {
        if (dem[j] < 0) throw this.badDemand(dem, j, padded);
      }
      if (padded && s !== D) {
        for (let j = 0; j < dem.length; j++) if (j % s >= D && dem[j] !== 0) throw this.badDemand(dem, j, padded);
      }
      return;
    }
    for (let j = 0; j < dem.length; j++) {
      const x = dem[j];
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > I32_MAX) throw this.badDemand(dem, j, padded);
    }
  }

  private badDemand(dem: ArrayLike<unknown>, j: number, padded: boolean): VmfabricError {
    const w = padded ? this.stride : this.D;
    const d = j % w;
    const field = padded ? `demandBuffer[${j}]` : `demands[${j}]`;
    const what = d < this.D ? this.dimensions[d] : "padding, must be 0";
    return new VmfabricError("INVALID_INPUT", `${field} (vm #${Math.floor(j / w)}, ${what}) must be an integer in [0, ${I32_MAX}], got ${show(dem[j])}`, field, dem[j]);
  }

  private result(hot: number): QuotaTick {
    return this.run((t) => {
      const q = t.core;
      const buf = t.buffer;
      const st = new BigInt64Array(buf, q.quotaStatsTable() >>> 0, 82);
      const per = (base: number): PerDimension => {
        const o: PerDimension = {};
        this.dimensions.forEach((name, d) => { o[name] = Number(st[base + d]); });
        return o;
      };
      const demand = per(ST_DEMAND);
      const granted = per(ST_GRANT);
      const throttled: PerDimension = {};
      for (const name of this.dimensions) throttled[name] = demand[name] - granted[name];
      const s = this.stride;
      const H = this.H;
      const tick = this.tickBase + q.quotaTicks();
      const coreTick = q.quotaTicks();
      let want: Int32Array | undefined;
      let dem: Int32Array | undefined;
      // copied out on first access, and only while this is still the enforcer's latest tick
      const split = (off: number) => this.run((u) => {
        if (u.core.quotaTicks() !== coreTick || u.core !== q) {
          throw new VmfabricError("STALE_RESULT", `host sums of tick ${tick} were overwritten by a later tick; read them before ticking again`);
        }
        const sums = new Int32Array(u.buffer, u.core.quotaHostSumsTable() >>> 0, H * s * 2);
        const out = new Int32Array(H * s);
        for (let h = 0; h < H; h++) out.set(sums.subarray(h * 2 * s + off, h * 2 * s + off + s), h * s);
        return out;
      });
      return {
        tick,
        stride: s,
        grants: new Int32Array(buf, t.grant, this.V * s),
        get hostWant() { return (want ??= split(0)); },
        get hostDemand() { return (dem ??= split(s)); },
        hotHosts: new Uint32Array(buf, q.quotaHotListTable() >>> 0, hot).slice(),
        throttledVms: per(ST_THROTTLED),
        contendedHosts: per(ST_CONTENDED),
        demand,
        granted,
        throttled,
      };
    });
  }

  // ---- queries (state after the last tick) ----

  /** The grant table of the last tick (vmCapacity x stride): a view, valid until the next call. */
  grants(): Int32Array {
    return this.lastTick((t) => new Int32Array(t.buffer, t.grant, this.V * this.stride));
  }

  /** What VM `vm` was granted in the last tick (zeros if it was not placed). */
  grantOf(vm: number): number[] {
    const v = check.intIn("vm", vm, 0, this.V - 1);
    return this.lastTick((t) => Array.from(new Int32Array(t.buffer, t.grant + v * this.stride * 4, this.D)));
  }

  /** Demand minus grant in the last tick, per dimension (memory: pressure above the quota). */
  throttledOf(vm: number): number[] {
    const v = check.intIn("vm", vm, 0, this.V - 1);
    return this.lastTick((t) => {
      const o = v * this.stride * 4;
      const d = new Int32Array(t.buffer, t.demand + o, this.D);
      const g = new Int32Array(t.buffer, t.grant + o, this.D);
      return Array.from(d, (x, i) => x - g[i]);
    });
  }

  /** Tokens left in VM `vm`'s bucket after the last tick (-1: full, it was not placed). */
  tokensOf(vm: number): number {
    const v = check.intIn("vm", vm, 0, this.V - 1);
    return this.run((t) => new Int32Array(t.buffer, t.core.quotaTokensTable() >>> 0, this.V)[v]);
  }

  /** Physical guest capacity the enforcer holds host `host` to: capacity - host reservation. */
  capacityOf(host: number): number[] {
    return [...this.typeCaps[this.hostTypeIdx[check.intIn("host", host, 0, this.H - 1)]]];
  }

  /** One host's demand, want, grants and contention in the last tick. */
  hostContention(host: number): HostContention {
    const h = check.intIn("host", host, 0, this.H - 1);
    const capacity = this.capacityOf(h);
    const vms = this.engine.vmsOnHost(h);
    return this.lastTick((t) => {
      const q = t.core;
      const s = this.stride;
      const D = this.D;
      const row = (q.quotaHostSumsTable() >>> 0) + h * s * 8;
      const want = Array.from(new Int32Array(t.buffer, row, D));
      const dem = Array.from(new Int32Array(t.buffer, row + s * 4, D));
      const g = new Int32Array(t.buffer, t.grant, this.V * s);
      const granted = new Array<number>(D).fill(0);
      for (const v of vms) for (let d = 0; d < D; d++) granted[d] += g[v * s + d];
      return {
        capacity,
        demand: dem,
        want,
        granted,
        contention: want.map((w, d) => (capacity[d] > 0 ? w / capacity[d] : 0)),
        hotRun: new Uint32Array(t.buffer, q.quotaHotRunTable() >>> 0, this.H)[h],
      };
    });
  }

  hotRunOf(host: number): number {
    const h = check.intIn("host", host, 0, this.H - 1);
    return this.run((t) => new Uint32Array(t.buffer, t.core.quotaHotRunTable() >>> 0, this.H)[h]);
  }

  /**
   * The engine's placements, this enforcer's limits and its committed state as a plain-TS
   * reference fleet (src/quota/reference.ts): the same tick on both must agree.
   */
  snapshot(): { fleet: ReferenceFleet; state: ReferenceState } {
    const D = this.D;
    const s = this.stride;
    const hostOf = new Int32Array(this.V);
    const reservation = new Int32Array(this.V * D);
    for (let v = 0; v < this.V; v++) {
      const h = this.engine.hostOf(v);
      hostOf[v] = h;
      if (h >= 0) reservation.set(this.engine.demandOf(v), v * D);
    }
    const capacity = new Int32Array(this.H * D);
    for (let h = 0; h < this.H; h++) capacity.set(this.typeCaps[this.hostTypeIdx[h]], h * D);
    return this.run((t) => {
      const q = t.core;
      const cs = t.capStride;
      const cv = new Int32Array(t.buffer, t.cap, this.V * cs);
      const caps = new Int32Array(this.V * D);
      const slot = this.capSlot;
      for (let v = 0; v < this.V; v++) for (let d = 0; d < D; d++) if (slot[d] >= 0) caps[v * D + d] = cv[v * cs + slot[d]];
      const fleet: ReferenceFleet = {
        dims: D,
        hostCount: this.H,
        hostOf,
        reservation,
        caps,
        weights: new Uint16Array(t.buffer, t.weight, this.V).slice(),
        depths: new Int32Array(t.buffer, t.depth, this.V).slice(),
        capacity,
        shaped: this.shapedDim,
        bucketTicks: this.bucketTicks,
        hotTicks: this.hotTicks,
      };
      const state: ReferenceState = {
        tokens: new Int32Array(t.buffer, q.quotaTokensTable() >>> 0, this.V).slice(),
        hotRun: new Uint32Array(t.buffer, q.quotaHotRunTable() >>> 0, this.H).slice(),
      };
      return { fleet, state };
    });
  }

  /** Test hook: the order the core walks the VMs in (up to four dimensions; results are the
   *  same): "auto" (by blocks of 1024 hosts, each block's VMs in increasing id), "host" (one
   *  host a block) or "vm" (one block: the whole VM table in id order). @internal */
  setTickOrder(order: "auto" | "host" | "vm"): void {
    const mode = ["auto", "host", "vm"].indexOf(order);
    if (mode < 0) throw invalid("order", order, "auto, host or vm");
    this.orderMode = mode;
    this.run((t) => t.core.quotaSetOrderMode(mode));
  }

  /** Test hook: the core traps at VM index `vm` during the next tick. @internal */
  injectTrapAt(vm: number): void {
    const v = check.intIn("vm", vm, 0, this.V - 1);
    this.run((t) => t.core.quotaSetTrapAt(v));
  }
}
