// Shared helpers for the quota tests: random fleets biased to boundaries, and a single-host
// "allocator" view of the enforcer so rules can be compared with other sharing rules.
import fc from "fast-check";
import { Engine } from "../src/engine.js";
import { QuotaEnforcer } from "../src/quota/enforcer.js";

export interface VmSpec {
  demand: number;
  reservation: number;
  cap: number; // 0 = reservation
  weight: number;
}

/** One dimension on one host: grants for each VM. */
export type Allocator = (capacity: number, vms: readonly VmSpec[]) => number[];

/** The real core, through Engine + QuotaEnforcer, one CPU-only host, no bucket. */
export const coreAllocator: Allocator = (capacity, vms) => {
  const engine = Engine.create([{ capacity: [capacity] }], { dimensions: ["cpu"], vmCapacity: Math.max(1, vms.length) });
  vms.forEach((v, i) => {
    const p = engine.placeOn({ id: i, demand: [v.reservation], tenant: 0 }, 0);
    if (p.host !== 0) throw new Error(`setup: vm ${i} does not fit`);
  });
  const q = new QuotaEnforcer(engine, { shared: ["cpu"], shaped: null });
  if (vms.length > 0) {
    q.setLimits({ ids: vms.map((_, i) => i), caps: vms.map((v) => v.cap), weights: vms.map((v) => v.weight) });
  }
  const r = q.tick(vms.length > 0 ? vms.map((v) => v.demand) : [0]);
  return vms.map((_, i) => r.grants[i * r.stride]);
};

/** A plain proportional-share rule: if demand exceeds capacity everyone gets the same fraction. */
export const proportionalShare: Allocator = (capacity, vms) => {
  const total = vms.reduce((s, v) => s + v.demand, 0);
  if (total <= capacity) return vms.map((v) => v.demand);
  return vms.map((v) => Math.floor((v.demand * capacity) / total));
};

/** A demand biased to the interesting values around a VM's reservation and cap. */
export function biasedDemand(mode: number, raw: number, reservation: number, cap: number): number {
  switch (mode) {
    case 0: return 0;
    case 1: return reservation;
    case 2: return Math.max(cap, reservation);
    case 3: return reservation + 1;
    case 4: return Math.max(0, reservation - 1);
    case 5: return Math.max(cap, reservation) + 1;
    default: return raw;
  }
}

/** One host's VMs that fit its capacity (sum of reservations <= capacity), so guarantees hold. */
export const singleHost = fc
  .record({
    capacity: fc.oneof(fc.constantFrom(0, 1, 10, 100), fc.integer({ min: 0, max: 200 })),
    vms: fc.array(
      fc.record({
        r: fc.oneof(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 60 })),
        extra: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 80 })),
        weight: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 })),
        mode: fc.integer({ min: 0, max: 7 }),
        raw: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(1_000_000)),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(({ capacity, vms }) => {
    let left = capacity;
    const out: VmSpec[] = [];
    for (const v of vms) {
      const reservation = Math.min(v.r, left); // fill the host up: full hosts are common
      left -= reservation;
      const cap = v.extra === 0 ? 0 : reservation + v.extra;
      out.push({ reservation, cap, weight: v.weight, demand: biasedDemand(v.mode, v.raw, reservation, cap) });
    }
    return { capacity, vms: out };
  });

// ---- fleets: several hosts, 4 or 5 dimensions, oversubscription, buckets, several ticks ----

export interface FleetCase {
  dims: string[];
  hosts: { capacity: number[]; reservation: number[]; ratio: number }[];
  vms: { host: number; res: number[]; extra: number[]; weight: number; depth: number }[];
  ticks: { modes: number[]; raws: number[]; release: number }[];
  shaped: boolean;
  bucketTicks: number;
  hotTicks: number;
  oversubscribed: boolean;
}

const small = fc.oneof(fc.constantFrom(0, 1, 2), fc.integer({ min: 0, max: 40 }));

export function fleetCase(opts: { oversubscription: boolean; maxTicks?: number }): fc.Arbitrary<FleetCase> {
  return fc
    .record({
      five: fc.integer({ min: 0, max: 4 }),
      hosts: fc.array(
        fc.record({
          capacity: fc.array(fc.oneof(fc.constantFrom(0, 5, 40), fc.integer({ min: 0, max: 60 })), { minLength: 5, maxLength: 5 }),
          hostRes: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 })), { minLength: 5, maxLength: 5 }),
          ratio: opts.oversubscription ? fc.constantFrom(1, 1.5, 2, 3) : fc.constant(1),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      vms: fc.array(
        fc.record({
          host: fc.nat(),
          res: fc.array(small, { minLength: 5, maxLength: 5 }),
          extra: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 })), { minLength: 5, maxLength: 5 }),
          weight: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })),
          depth: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 })),
        }),
        { minLength: 0, maxLength: 14 },
      ),
      ticks: fc.array(
        fc.record({
          modes: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 14 * 5, maxLength: 14 * 5 }),
          raws: fc.array(fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constant(0x7fffffff)), { minLength: 14 * 5, maxLength: 14 * 5 }),
          release: fc.integer({ min: -6, max: 13 }),
        }),
        { minLength: 1, maxLength: opts.maxTicks ?? 4 },
      ),
      shaped: fc.boolean(),
      bucketTicks: fc.integer({ min: 1, max: 3 }),
      hotTicks: fc.integer({ min: 1, max: 2 }),
    })
    .map((c) => {
      const D = c.five === 0 ? 5 : 4;
      const dims = ["cpu", "memory", "network", "disk", "gpu"].slice(0, D);
      const hosts = c.hosts.map((h) => ({
        capacity: h.capacity.slice(0, D).map((x, d) => Math.max(x, h.hostRes[d])),
        reservation: h.hostRes.slice(0, D),
        ratio: h.ratio,
      }));
      const vms = c.vms.map((v) => ({ host: v.host % hosts.length, res: v.res.slice(0, D), extra: v.extra.slice(0, D), weight: v.weight, depth: v.depth }));
      return { dims, hosts, vms, ticks: c.ticks, shaped: c.shaped, bucketTicks: c.bucketTicks, hotTicks: c.hotTicks, oversubscribed: opts.oversubscription };
    });
}

export interface BuiltFleet {
  engine: Engine;
  q: QuotaEnforcer;
  D: number;
  /** caps as configured (0 = reservation), vms x D */
  caps: number[][];
  demandsFor(tick: number): Int32Array;
}

/** Places the case's VMs (each on its chosen host when it fits; otherwise it stays unplaced). */
export function buildFleet(c: FleetCase): BuiltFleet {
  const D = c.dims.length;
  const engine = Engine.create(
    c.hosts.map((h) => ({ capacity: h.capacity, reservation: h.reservation, oversubscription: new Array(D).fill(h.ratio) })),
    { dimensions: c.dims, vmCapacity: Math.max(1, c.vms.length) },
  );
  c.vms.forEach((v, i) => { engine.placeOn({ id: i, demand: v.res, tenant: 0 }, v.host); });
  const shared = ["cpu", "network", ...(D === 5 ? ["gpu"] : [])];
  const q = new QuotaEnforcer(engine, { shared, shaped: c.shaped ? "network" : null, bucketTicks: c.bucketTicks, hotTicks: c.hotTicks });
  const caps = c.vms.map((v) => v.res.map((r, d) => (shared.includes(c.dims[d]) && v.extra[d] > 0 ? r + v.extra[d] : 0)));
  if (c.vms.length > 0) {
    q.setLimits({ ids: c.vms.map((_, i) => i), caps: caps.flat(), weights: c.vms.map((v) => v.weight), depths: c.vms.map((v) => v.depth) });
  }
  return {
    engine, q, D, caps,
    demandsFor(t: number): Int32Array {
      const tk = c.ticks[t];
      const out = new Int32Array(Math.max(1, c.vms.length) * D);
      c.vms.forEach((v, i) => {
        for (let d = 0; d < D; d++) {
          const j = (i * D + d) % tk.modes.length;
          out[i * D + d] = biasedDemand(tk.modes[j], tk.raws[j], v.res[d], caps[i][d]);
        }
      });
      return out;
    },
  };
}
