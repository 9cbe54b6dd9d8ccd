// stats() is kept in O(dimensions + host types) from running totals; here it is recomputed
// after every operation from the engine's own per-host state (freeOf, vmCountOf,
// isHostInService, isHostRetired, capacityOf), including after addHosts, retireHost, service
// changes, moves and trap recovery. The lower bound is checked against a brute force.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import { lowerBound } from "../src/lower-bound.js";
import type { EngineStats } from "../src/types.js";
import { SMALL, fleetArb, opArb, reqArb } from "./support/arbitraries.js";
import { NO_DEP } from "./support/reference.js";
import { World, applyOp } from "./fuzz/model.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);

/**
 * The fewest of `caps` whose sum reaches `need`, by trying every subset (small fleets only);
 * when even all of them fall short, all that have any capacity plus the rest in hosts of
 * `largest` (README: the uncoverable case).
 */
function bruteFewest(need: number, caps: readonly number[], largest: number): number {
  if (need <= 0) return 0;
  let best = Infinity;
  for (let mask = 0; mask < 1 << caps.length; mask++) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < caps.length; i++) if (mask & (1 << i)) { sum += caps[i]; n++; }
    if (sum >= need && n < best) best = n;
  }
  if (best < Infinity) return best;
  const all = caps.reduce((s, c) => s + c, 0);
  return caps.filter((c) => c > 0).length + (largest > 0 ? Math.ceil((need - all) / largest) : 0);
}

/** stats() as a plain scan over the engine's hosts. */
function recompute(e: Engine): Omit<EngineStats, "coreBytes" | "scratchBytes"> {
  const D = e.dimensions.length;
  const r = { hosts: 0, hostsInService: 0, hostsUsed: 0, emptyHosts: 0, retiredHosts: 0, vmsPlaced: 0 };
  const fds = new Set<number>();
  const live = new Array<number>(D).fill(0);
  const isUsed = new Array<number>(D).fill(0);
  const isCap = new Array<number>(D).fill(0);
  const usedCap = new Array<number>(D).fill(0);
  const inServiceCaps: number[][] = [];
  const largest = new Array<number>(D).fill(0);
  for (let h = 0; h < e.hostCount; h++) {
    const cap = e.capacityOf(h);
    const free = e.freeOf(h);
    const n = e.vmCountOf(h);
    const on = e.isHostInService(h);
    if (e.isHostRetired(h)) r.retiredHosts++;
    else r.hosts++;
    r.vmsPlaced += n;
    if (n > 0) r.hostsUsed++;
    if (on) {
      r.hostsInService++;
      if (n === 0) r.emptyHosts++;
      fds.add(e.faultDomainOf(h));
      inServiceCaps.push(cap);
    }
    for (let d = 0; d < D; d++) {
      largest[d] = Math.max(largest[d], cap[d]);
      live[d] += cap[d] - free[d];
      if (n > 0) usedCap[d] += cap[d];
      if (on) { isUsed[d] += cap[d] - free[d]; isCap[d] += cap[d]; }
    }
  }
  const per = <T>(f: (d: number) => T) => Object.fromEntries(e.dimensions.map((name, d) => [name, f(d)]));
  return {
    ...r,
    faultDomains: fds.size,
    utilization: per((d) => (isCap[d] > 0 ? isUsed[d] / isCap[d] : 0)),
    utilizationOfUsedHosts: per((d) => (usedCap[d] > 0 ? live[d] / usedCap[d] : 0)),
    liveDemand: per((d) => live[d]),
    lowerBound: Math.max(0, ...live.map((need, d) => bruteFewest(need, inServiceCaps.map((c) => c[d]), largest[d]))),
  };
}

function expectStatsMatch(e: Engine, where: string): void {
  const { coreBytes: _c, scratchBytes: _s, ...got } = e.stats();
  expect(got, where).toEqual(recompute(e));
}

describe("stats() equals a recomputation from the engine's hosts", () => {
  test("after every operation: place, batch, release, move, service, dedicate, addHosts, retireHost, trap recovery", () => {
    fc.assert(
      fc.property(
        fleetArb(SMALL).chain((fleet) => fc.record({
          fleet: fc.constant(fleet),
          steps: fc.array(fc.oneof(
            { weight: 12, arbitrary: opArb(fleet.dims, SMALL).map((op) => ({ op, trap: null })) },
            { weight: 1, arbitrary: fc.record({ op: fc.constant(null), trap: fc.record({ batch: fc.array(reqArb(fleet.dims, SMALL), { minLength: 1, maxLength: 6 }), sel: fc.nat(), release: fc.boolean() }) }) },
          ), { maxLength: 40 }),
        })),
        ({ fleet, steps }) => {
          const w = new World(fleet, { fullEvery: 0 });
          const e = w.createEngine();
          expectStatsMatch(e, "fresh");
          steps.forEach((s, i) => {
            if (s.op !== null) applyOp(w, e, s.op);
            else trapStep(w, e, s.trap!);
            expectStatsMatch(e, `after step ${i}: ${JSON.stringify(s)}`);
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("the recomputation can tell: a retired host, an added host and a moved VM each change stats()", () => {
    const e = Engine.create([{ capacity: [4, 8] }, { capacity: [2, 2] }], { dimensions: ["cpu", "mem"], vmCapacity: 8 });
    e.place({ id: 0, demand: [3, 1], tenant: 0 }, { policy: "first-fit" });
    const before = e.stats();
    expect(before).toMatchObject({ hosts: 2, hostsInService: 2, hostsUsed: 1, emptyHosts: 1, lowerBound: 1, liveDemand: { cpu: 3, mem: 1 } });
    e.retireHost(1);
    expect(e.stats()).toMatchObject({ hosts: 1, hostsInService: 1, retiredHosts: 1, emptyHosts: 0, utilization: { cpu: 3 / 4, mem: 1 / 8 } });
    expect(e.addHosts([{ capacity: [1, 1] }, { capacity: [8, 8], inService: false }])).toBe(2);
    expect(e.stats()).toMatchObject({ hosts: 3, hostsInService: 2, retiredHosts: 1, emptyHosts: 1, utilization: { cpu: 3 / 5, mem: 1 / 9 } });
    e.setHostInService(3, true);
    expect(e.move(0, { target: 3 }).host).toBe(3);
    e.setHostInService(3, false);
    // The VM sits on an out-of-service host: counted as used and as live demand, not in utilization.
    expect(e.stats()).toMatchObject({ hostsUsed: 1, hostsInService: 2, emptyHosts: 2, utilization: { cpu: 0, mem: 0 }, utilizationOfUsedHosts: { cpu: 3 / 8, mem: 1 / 8 } });
    // 3 cpu and 1 mem live, in-service hosts [4, 8] and [1, 1]: the larger covers both.
    expect(e.stats().lowerBound).toBe(1);
    e.place({ id: 1, demand: [1, 1], tenant: 0 }, { policy: "first-fit" });
    // 4 cpu and 2 mem: still one host of [4, 8].
    expect(e.stats().lowerBound).toBe(1);
    e.place({ id: 2, demand: [1, 0], tenant: 0 }, { policy: "first-fit" });
    // 5 cpu: [4, 8] and [1, 1] together.
    expect(e.stats().lowerBound).toBe(2);
    expectStatsMatch(e, "end");
  });
});

/** Arms a trap inside a batch that would place (or release) something; the batch must roll back. */
function trapStep(w: World, e: Engine, t: { batch: { demand: number[]; tenant: number; deployment?: number }[]; sel: number; release: boolean }): void {
  let err: unknown;
  if (t.release) {
    if (w.placed.length === 0) return;
    const ids = w.placed.slice(0, Math.max(1, t.sel % (w.placed.length + 1)));
    e.injectTrapAfter(t.sel % ids.length);
    try { e.releaseBatch(ids); } catch (x) { err = x; }
  } else {
    if (w.freeIds.length < t.batch.length) return;
    const ids = w.freeIds.slice(-t.batch.length).reverse();
    const would = w.ref.clone().placeBatch(t.batch.map((q, i) => ({ id: ids[i], ...q }))).filter((r) => r.host >= 0).length;
    if (would === 0) return;
    e.injectTrapAfter(t.sel % would);
    try {
      e.placeBatch({ ids, demands: t.batch.flatMap((q) => q.demand), tenants: t.batch.map((q) => q.tenant), deployments: t.batch.map((q) => q.deployment ?? NO_DEP) });
    } catch (x) { err = x; }
  }
  expect(err).toBeInstanceOf(VmfabricError);
  expect((err as VmfabricError).code).toBe("CORE_TRAP");
}

describe("lowerBound against a brute force", () => {
  const dims = 2;
  const caseArb = fc.record({
    types: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(0)), { minLength: dims, maxLength: dims }), { minLength: 1, maxLength: 4 }),
    counts: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
    live: fc.array(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constant(0)), { minLength: dims, maxLength: dims }),
  });

  test("src/lower-bound.ts: fewest hosts per dimension (every subset tried), max over dimensions", () => {
    fc.assert(
      fc.property(caseArb, ({ types, counts, live }) => {
        const available = types.flatMap((t, i) => Array.from({ length: counts[i] }, () => t));
        const expected = Math.max(0, ...live.map((need, d) => bruteFewest(need, available.map((c) => c[d]), Math.max(0, ...types.map((t) => t[d])))));
        expect(lowerBound(live, types, counts.slice(0, types.length))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  test("stats().lowerBound on small mixed fleets, hosts out of service and retired", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ cap: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 2, maxLength: 2 }), out: fc.nat(4) }), { minLength: 1, maxLength: 9 }),
        fc.array(fc.record({ demand: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 2 }), policy: fc.constantFrom("first-fit" as const, "spread" as const, "best-fit" as const) }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        (hosts, vms, retire) => {
          const e = Engine.create(hosts.map((h) => ({ capacity: h.cap })), { dimensions: ["a", "b"], vmCapacity: 32 });
          vms.forEach((v, id) => e.place({ id, demand: v.demand, tenant: 0 }, { policy: v.policy }));
          // Out of service after placing: their VMs stay, so live demand may exceed what is left.
          hosts.forEach((h, i) => { if (h.out === 0) e.setHostInService(i, false); });
          for (const r of retire) { const h = r % hosts.length; if (e.vmCountOf(h) === 0) e.retireHost(h); }
          expectStatsMatch(e, "end");
        },
      ),
      { numRuns: 300 },
    );
  });

  test("uncoverable demand: every in-service host plus the rest in hosts of the largest type", () => {
    const e = Engine.create([{ capacity: [10] }, { capacity: [4] }, { capacity: [4] }], { dimensions: ["cpu"], vmCapacity: 8 });
    for (let id = 0; id < 3; id++) e.place({ id, demand: [4], tenant: 0 }, { policy: "first-fit" });
    e.setHostInService(0, false); // 8 of the 12 live demand now sits where it cannot count
    // In service: 4 + 4 = 8 < 12; the missing 4 takes one host of the largest type (10).
    expect(e.stats().lowerBound).toBe(3);
    expectStatsMatch(e, "uncoverable");
  });
});
