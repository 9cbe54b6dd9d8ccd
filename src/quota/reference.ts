// Plain-TypeScript version of the quota rule: the baseline the core is benchmarked against and
// the model the property tests compare it with. Same rule, same integer results, no wasm.
// Typed arrays throughout (no per-VM objects), so it is a fair baseline, not a strawman.
//
// Layout: per-VM vectors are row-major `vm * dims + d` with no padding.

export const I32_MAX = 0x7fffffff;
export const QUOTA_MAX_HOST_VMS = 65536;

export interface ReferenceFleet {
  dims: number;
  hostCount: number;
  /** Host of each VM, -1 = not placed. */
  hostOf: Int32Array;
  /** Each VM's reservation (its slice). */
  reservation: Int32Array;
  /** Burst caps, 0 = the reservation. Hard dimensions must hold 0. */
  caps: Int32Array;
  /** Weights, 1..65535. */
  weights: Uint16Array;
  /** Token-bucket depths, 0 = bucketTicks x rate; below the rate counts as the rate. */
  depths: Int32Array;
  /** Physical guest capacity per host (capacity - host reservation), hostCount x dims. */
  capacity: Int32Array;
  /** Dimension shaped by a token bucket (rate = reservation), -1 = none. */
  shaped: number;
  bucketTicks: number;
  hotTicks: number;
}

export interface ReferenceState {
  /** Tokens after the last tick, -1 = full (never ticked or not placed). */
  tokens: Int32Array;
  /** Consecutive ticks with demand > capacity, per host. */
  hotRun: Uint32Array;
}

export interface ReferenceTick {
  granted: Int32Array;
  hostDemand: Int32Array;
  hostWant: Int32Array;
  hot: number[];
  throttledVms: number[];
  contendedHosts: number[];
  demandTotal: number[];
  grantedTotal: number[];
}

export function referenceState(f: ReferenceFleet): ReferenceState {
  return { tokens: new Int32Array(f.hostOf.length).fill(-1), hotRun: new Uint32Array(f.hostCount) };
}

/** VMs of each host in increasing id order (CSR), built once per placement. */
export interface HostIndex {
  start: Int32Array;
  vms: Int32Array;
}

const indexCache = new WeakMap<Int32Array, HostIndex>();

/** Output and work arrays, reused from tick to tick on the same fleet (as the core reuses its tables). */
interface Work {
  granted: Int32Array;
  hostDemand: Int32Array;
  hostWant: Int32Array;
  rt: Int32Array;
  tok: [Int32Array, Int32Array];
}
const workCache = new WeakMap<ReferenceFleet, Work>();

export function hostIndex(hostOf: Int32Array, hostCount: number): HostIndex {
  const start = new Int32Array(hostCount + 1);
  for (let v = 0; v < hostOf.length; v++) if (hostOf[v] >= 0) start[hostOf[v] + 1]++;
  for (let h = 0; h < hostCount; h++) start[h + 1] += start[h];
  const fill = start.slice(0, hostCount);
  const vms = new Int32Array(start[hostCount]);
  for (let v = 0; v < hostOf.length; v++) if (hostOf[v] >= 0) vms[fill[hostOf[v]]++] = v;
  return { start, vms };
}

/** a*b <= c*d for non-negative integers, exact beyond 2^53. */
function mulLeq(a: number, b: number, c: number, d: number): boolean {
  const x = a * b;
  const y = c * d;
  if (x < 2 ** 53 && y < 2 ** 53) return x <= y;
  return BigInt(a) * BigInt(b) <= BigInt(c) * BigInt(d);
}

/** floor(x / y) for non-negative integers x < 2^53, y >= 1. */
function idiv(x: number, y: number): number {
  let q = Math.floor(x / y);
  if (q * y > x) q--;
  else if ((q + 1) * y <= x) q++;
  return q;
}

/**
 * Weighted max-min fair split of `total` among entries with limits `lim` and weights `wt`:
 * saturate every entry whose limit is under the current level until none is, then floor of
 * the level for the rest and the leftover units one each in order.
 */
export function waterfill(lim: ArrayLike<number>, wt: ArrayLike<number>, total: number, out: Int32Array | number[]): void {
  const n = lim.length;
  const act = new Uint8Array(n);
  let W = 0;
  for (let i = 0; i < n; i++) {
    out[i] = 0;
    if (lim[i] > 0) { act[i] = 1; W += wt[i]; }
  }
  let T = total;
  while (W > 0) {
    let dT = 0;
    let dW = 0;
    for (let i = 0; i < n; i++) {
      if (!act[i]) continue;
      if (mulLeq(lim[i], W, wt[i], T)) {
        out[i] = lim[i];
        act[i] = 0;
        dT += lim[i];
        dW += wt[i];
      }
    }
    if (dW === 0) break;
    T -= dT;
    W -= dW;
  }
  if (W === 0) return;
  let rem = T;
  for (let i = 0; i < n; i++) {
    if (!act[i]) continue;
    const x = idiv(wt[i] * T, W);
    out[i] = x;
    rem -= x;
  }
  for (let i = 0; i < n && rem > 0; i++) {
    if (!act[i]) continue;
    out[i]++;
    rem--;
  }
}

function refill(f: ReferenceFleet, tokens: Int32Array, v: number, rate: number): number {
  let depth = f.depths[v];
  if (depth === 0) depth = Math.min(I32_MAX, f.bucketTicks * rate);
  else if (depth < rate) depth = rate;
  const t = tokens[v];
  return t < 0 ? depth : Math.min(depth, t + rate);
}

/** One tick: grants for every VM. Updates `state` (tokens, hot runs). The returned typed arrays
 *  are reused by the next tick on the same fleet object: copy them to keep them. */
export function referenceTick(f: ReferenceFleet, state: ReferenceState, demand: Int32Array, index?: HostIndex): ReferenceTick {
  const D = f.dims;
  const V = f.hostOf.length;
  const H = f.hostCount;
  let idx = index ?? indexCache.get(f.hostOf);
  if (!idx) {
    idx = hostIndex(f.hostOf, H);
    indexCache.set(f.hostOf, idx);
  }
  let work = workCache.get(f);
  if (!work) {
    work = {
      granted: new Int32Array(V * D), hostDemand: new Int32Array(H * D), hostWant: new Int32Array(H * D),
      rt: new Int32Array(V), tok: [new Int32Array(V), new Int32Array(V)],
    };
    workCache.set(f, work);
  }
  const { granted, hostDemand, hostWant, rt } = work;
  granted.fill(0);
  hostDemand.fill(0);
  hostWant.fill(0);
  const tokIn = state.tokens;
  const tokOut = work.tok[0] === tokIn ? work.tok[1] : work.tok[0];
  const throttledVms = new Array<number>(D).fill(0);
  const contendedHosts = new Array<number>(D).fill(0);
  const s = f.shaped; // rt: bucket after refill, shaped dimension only

  for (let v = 0; v < V; v++) {
    const h = f.hostOf[v];
    if (h < 0) { tokOut[v] = -1; continue; }
    if (s >= 0) rt[v] = refill(f, tokIn, v, f.reservation[v * D + s]);
    for (let d = 0; d < D; d++) {
      const i = v * D + d;
      const dem = demand[i];
      const r = f.reservation[i];
      const ce = Math.max(f.caps[i], r);
      const de = d === s ? Math.min(dem, rt[v]) : dem;
      const want = Math.min(de, ce);
      granted[i] = want;
      if (dem > want) throttledVms[d]++;
      const j = h * D + d;
      hostDemand[j] = Math.min(I32_MAX, hostDemand[j] + dem);
      hostWant[j] = Math.min(I32_MAX, hostWant[j] + want);
    }
    if (s >= 0) tokOut[v] = rt[v] - granted[v * D + s];
  }

  const hot: number[] = [];
  const demandTotal = new Array<number>(D).fill(0);
  const grantedTotal = new Array<number>(D).fill(0);
  for (let h = 0; h < H; h++) {
    let over = false;
    for (let d = 0; d < D; d++) {
      const j = h * D + d;
      const C = f.capacity[j];
      if (hostDemand[j] > C) over = true;
      demandTotal[d] += hostDemand[j];
      const w = hostWant[j];
      if (!(w > C || w === I32_MAX)) { grantedTotal[d] += w; continue; }
      contendedHosts[d]++;
      const a = idx.start[h];
      const n = idx.start[h + 1] - a;
      if (n > QUOTA_MAX_HOST_VMS) throw new RangeError(`host ${h} holds ${n} VMs (limit ${QUOTA_MAX_HOST_VMS})`);
      const base = new Array<number>(n);
      const lim = new Array<number>(n);
      const wt = new Array<number>(n);
      let G = 0;
      for (let k = 0; k < n; k++) {
        const v = idx.vms[a + k];
        const i = v * D + d;
        const r = f.reservation[i];
        const de = d === s ? Math.min(demand[i], rt[v]) : demand[i];
        const g = Math.min(de, r);
        base[k] = g;
        lim[k] = Math.min(de, Math.max(f.caps[i], r)) - g;
        wt[k] = f.weights[v];
        G += g;
      }
      let total: number;
      if (G > C) {
        for (let k = 0; k < n; k++) { lim[k] = base[k]; base[k] = 0; }
        total = C;
      } else total = C - G;
      const out = new Array<number>(n);
      waterfill(lim, wt, total, out);
      for (let k = 0; k < n; k++) {
        const v = idx.vms[a + k];
        const i = v * D + d;
        const before = granted[i];
        const x = base[k] + out[k];
        granted[i] = x;
        grantedTotal[d] += x;
        if (before >= demand[i] && x < demand[i]) throttledVms[d]++;
        if (d === s) tokOut[v] += before - x;
      }
    }
    const run = over ? state.hotRun[h] + 1 : 0;
    state.hotRun[h] = run;
    if (over && run >= f.hotTicks) hot.push(h);
  }
  if (s >= 0) state.tokens = tokOut;
  return { granted, hostDemand, hostWant, hot, throttledVms, contendedHosts, demandTotal, grantedTotal };
}
