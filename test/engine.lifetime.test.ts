// The lifetime policy (README "Policies"): dot-product's candidates ranked by how close each
// host's latest expected end is to the VM's; best-fit when the VM's end is unknown.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine } from "../src/index.js";
import type { FleetCase, Op, ReqSpec } from "./support/arbitraries.js";
import { World, applyOp, compareFull } from "./fuzz/model.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);

/** Identical small hosts and VMs that always carry an end, so hosts fill partly, several used
 *  hosts are candidates at once, and their latest ends differ. */
const lifetimeCase = fc.record({
  hosts: fc.integer({ min: 2, max: 8 }),
  cap: fc.integer({ min: 3, max: 8 }),
  candidates: fc.integer({ min: 1, max: 8 }),
  dedicate: fc.boolean(),
}).chain(({ hosts, cap, candidates, dedicate }) => {
  const fleet: FleetCase = {
    dims: 2,
    hosts: Array.from({ length: hosts }, () => ({ capacity: [cap, cap] })),
    options: { vmCapacity: 64, policy: "lifetime", candidates, dimensions: ["r0", "r1"] },
  };
  const req: fc.Arbitrary<ReqSpec> = fc.record({
    demand: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 })),
    tenant: fc.integer({ min: 0, max: 1 }),
    expectedEnd: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 12 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  }).map(({ demand, tenant, expectedEnd }) => ({ demand: [...demand], tenant, expectedEnd }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: req.map((r) => ({ t: "place", req: r }) as Op) },
    { weight: 2, arbitrary: fc.array(req, { minLength: 1, maxLength: 5 }).map((reqs) => ({ t: "batch", reqs }) as Op) },
    { weight: 3, arbitrary: fc.nat().map((sel) => ({ t: "release", sel }) as Op) },
    { weight: 2, arbitrary: fc.nat().map((sel) => ({ t: "move", sel }) as Op) },
  );
  const pre: Op[] = dedicate ? [{ t: "dedicate", tenant: 1 }] : [];
  return fc.array(op, { minLength: 1, maxLength: 40 }).map((ops) => ({ fleet, ops: [...pre, ...ops] }));
});

describe("lifetime policy", () => {
  test("engine == reference on streams where every host has known ends (place, batch, release, move, dedicated tenants)", () => {
    fc.assert(fc.property(lifetimeCase, ({ fleet, ops }) => {
      const w = new World(fleet, { fullEvery: 1 });
      const e = w.createEngine();
      for (const op of ops) applyOp(w, e, op);
      compareFull(w, e, "end");
    }), { numRuns: RUNS });
  });

  // Host 0 is fuller (best-fit's pick) but its VM leaves at 100; host 1's leaves at 10.
  const twoHosts = () => {
    const e = Engine.create([{ capacity: [10] }, { capacity: [10] }], { dimensions: ["cpu"], policy: "lifetime" });
    e.placeOn({ id: 0, demand: [6], tenant: 0, expectedEnd: 100 }, 0);
    e.placeOn({ id: 1, demand: [2], tenant: 0, expectedEnd: 10 }, 1);
    return e;
  };

  test("a VM leaving at 12 joins the host emptying at 10, where best-fit takes the fuller host", () => {
    const e = twoHosts();
    expect(e.place({ id: 2, demand: [1], tenant: 0, expectedEnd: 12 }).host).toBe(1);
    expect(e.place({ id: 3, demand: [1], tenant: 0, expectedEnd: 12 }, { policy: "best-fit" }).host).toBe(0);
    expect(e.place({ id: 4, demand: [1], tenant: 0, expectedEnd: 90 }).host).toBe(0);
  });

  test("without an expected end it is best-fit, on its own and in batches", () => {
    const e = twoHosts();
    expect(e.place({ id: 2, demand: [1], tenant: 0 }).host).toBe(0);
    const r = e.placeBatch({ ids: [3, 4], demands: [1, 1], tenants: [0, 0], expectedEnds: [0, 12] });
    expect(Array.from(r.hosts)).toEqual([0, 1]);
  });

  test("a host with no known end ranks below every host with one", () => {
    const e = Engine.create([{ capacity: [10] }, { capacity: [10] }], { dimensions: ["cpu"], policy: "lifetime" });
    e.placeOn({ id: 0, demand: [6], tenant: 0 }, 0);
    e.placeOn({ id: 1, demand: [2], tenant: 0, expectedEnd: 1_000_000 }, 1);
    expect(e.place({ id: 2, demand: [1], tenant: 0, expectedEnd: 5 }).host).toBe(1);
  });

  test("a host's latest end follows releases and moves; a move keeps the VM's end", () => {
    const e = twoHosts();
    e.placeOn({ id: 2, demand: [1], tenant: 0, expectedEnd: 500 }, 1);
    // host 1's latest end is 500 now: a VM leaving at 400 prefers it over host 0 (100)
    expect(e.place({ id: 3, demand: [1], tenant: 0, expectedEnd: 400 }).host).toBe(1);
    e.release(3);
    e.release(2);
    expect(e.place({ id: 3, demand: [1], tenant: 0, expectedEnd: 400 }).host).toBe(0);
    expect(e.move(1, { target: 0 }).host).toBe(0);
    expect(e.expectedEndOf(1)).toBe(10);
  });

  test("a rebuilt core (trap recovery, growth past hostCapacity) keeps every VM's end", () => {
    const e = Engine.create([{ capacity: [10] }, { capacity: [10] }], { dimensions: ["cpu"], policy: "lifetime", hostCapacity: 2 });
    e.placeBatch({ ids: [0, 1], demands: [6, 2], tenants: [0, 0], expectedEnds: [100, 10] }, { policy: "first-fit" });
    e.move(1, { target: 1 });
    e.injectTrapAfter(0);
    expect(() => e.placeBatch({ ids: [5], demands: [1], tenants: [0], expectedEnds: [7] })).toThrow(expect.objectContaining({ code: "CORE_TRAP" }));
    expect([e.expectedEndOf(0), e.expectedEndOf(1)]).toEqual([100, 10]);
    e.addHosts([{ capacity: [10] }]); // past hostCapacity: rebuilt
    expect([e.expectedEndOf(0), e.expectedEndOf(1)]).toEqual([100, 10]);
    expect(e.place({ id: 2, demand: [1], tenant: 0, expectedEnd: 12 }).host).toBe(1);
  });

  test("bad expected ends are refused and change nothing", () => {
    const e = twoHosts();
    const before = [e.freeOf(0), e.freeOf(1)];
    for (const bad of [-1, 1.5, 2 ** 32 - 1, Number.NaN, "5"]) {
      expect(() => e.place({ id: 2, demand: [1], tenant: 0, expectedEnd: bad as number })).toThrow(expect.objectContaining({ code: "INVALID_INPUT", field: "request.expectedEnd" }));
      expect(() => e.placeBatch({ ids: [2, 3], demands: [1, 1], tenants: [0, 0], expectedEnds: [1, bad as number] })).toThrow(expect.objectContaining({ field: "batch.expectedEnds[1]" }));
    }
    expect(() => e.placeBatch({ ids: [2], demands: [1], tenants: [0], expectedEnds: [1, 2] })).toThrow(expect.objectContaining({ field: "batch.expectedEnds" }));
    expect(() => e.placeBatch({ ids: [2], demands: [1], tenants: [0], expectedEnds: "1" as never })).toThrow(expect.objectContaining({ field: "batch.expectedEnds" }));
    expect([e.freeOf(0), e.freeOf(1)]).toEqual(before);
    expect(e.hostOf(2)).toBe(-1);
    // the largest end is accepted
    expect(e.place({ id: 2, demand: [1], tenant: 0, expectedEnd: 2 ** 32 - 2 }).placed).toBe(true);
    expect(e.expectedEndOf(2)).toBe(2 ** 32 - 2);
  });
});
