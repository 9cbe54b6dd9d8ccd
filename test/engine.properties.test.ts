// Property tests on small random fleets and operation streams biased to boundaries: the
// engine's answers equal the reference model's for every policy, structural invariants hold
// after every operation, and every rejection reason is true of the engine's own state.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Engine } from "../src/index.js";
import type { Placement, Policy } from "../src/types.js";
import {
  type FleetCase, type Op, type ReqSpec, SMALL, POLICIES_ALL, fleetArb, opArb, reqArb, scenarioArb,
} from "./support/arbitraries.js";
import { World, applyOp, compareFull } from "./fuzz/model.js";

const RUNS = Number(process.env.PROP_RUNS ?? 150);

function run(fleet: FleetCase, ops: Op[], check?: (w: World, e: Engine, op: Op) => void): World {
  const w = new World(fleet, { fullEvery: 1 });
  const e = w.createEngine();
  compareFull(w, e, "fresh");
  for (const op of ops) {
    check?.(w, e, op);
    applyOp(w, e, op);
  }
  return w;
}

/** Does `tenant` may use host h, judged from the engine's own state? */
function tenancyOk(e: Engine, h: number, tenant: number): boolean {
  const vms = e.vmsOnHost(h);
  if (vms.length === 0) return true;
  const holders = new Set(vms.map((v) => e.tenantOf(v)));
  if (e.isTenantDedicated(tenant)) return holders.size === 1 && holders.has(tenant);
  for (const t of holders) if (e.isTenantDedicated(t)) return false;
  return true;
}

function instancesOn(e: Engine, h: number, dep: number): number {
  return e.vmsOnHost(h).filter((v) => e.deploymentOf(v) === dep).length;
}

/**
 * Checks a single placement's outcome against the engine's state just before it, with no
 * reference model: the chosen host is feasible, or the reason (and dimension) is true.
 */
function judgeSingle(e: Engine, req: ReqSpec, k: number, p: Placement, before: { free: number[][]; inService: boolean[] }): void {
  const H = e.hostCount;
  const D = e.dimensions.length;
  const fits = (h: number) => req.demand.every((x, d) => before.free[h][d] >= x);
  const inSvc = (h: number) => before.inService[h];
  const dep = req.deployment;
  if (p.host >= 0) {
    expect(inSvc(p.host)).toBe(true);
    expect(fits(p.host)).toBe(true);
    return;
  }
  const code = p.rejection.code;
  const anyInService = before.inService.some(Boolean);
  if (code === "NO_HOST_IN_SERVICE") { expect(anyInService).toBe(false); return; }
  expect(anyInService).toBe(true);
  const room = [...Array(H).keys()].filter((h) => inSvc(h) && fits(h));
  if (code === "NO_CAPACITY") {
    expect(room).toEqual([]);
    const short = new Array<number>(D).fill(0);
    for (let h = 0; h < H; h++) if (inSvc(h)) for (let d = 0; d < D; d++) if (before.free[h][d] < req.demand[d]) short[d]++;
    const most = Math.max(...short);
    expect(p.rejection.dimension).toBe(e.dimensions[short.indexOf(most)]);
    return;
  }
  expect(room.length).toBeGreaterThan(0);
  const usable = room.filter((h) => tenancyOk(e, h, req.tenant));
  if (code === "DEDICATED_HOST") { expect(usable).toEqual([]); return; }
  expect(usable.length).toBeGreaterThan(0);
  expect(dep).toBeDefined();
  if (code === "ANTI_AFFINITY") {
    for (const h of usable) expect(instancesOn(e, h, dep!)).toBeGreaterThanOrEqual(k);
    return;
  }
  throw new Error(`single place rejected with ${code}`);
}

describe("properties (small fleets, boundary-biased)", () => {
  test("random operation streams: engine == reference, invariants hold after every operation", () => {
    fc.assert(fc.property(scenarioArb(SMALL, 30), ({ fleet, ops }) => { run(fleet, ops); }), { numRuns: RUNS });
  });

  test.each(POLICIES_ALL)("policy %s: the chosen host equals the reference's (place, batch, offline, move)", (policy: Policy) => {
    const stripped = (op: Op): Op => {
      if ((op.t === "place" || op.t === "batch" || op.t === "move") && op.opts?.policy !== undefined) {
        const { policy: _p, ...rest } = op.opts;
        return { ...op, opts: rest } as Op;
      }
      return op;
    };
    fc.assert(
      fc.property(scenarioArb(SMALL, 25), ({ fleet, ops }) => {
        run({ ...fleet, options: { ...fleet.options, policy } }, ops.map(stripped));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  test("every single-placement answer is true of the engine's own state (no reference)", () => {
    fc.assert(
      fc.property(
        fleetArb(SMALL).chain((fleet) => fc.record({
          fleet: fc.constant(fleet),
          ops: fc.array(opArb(fleet.dims, SMALL), { maxLength: 20 }),
          probes: fc.array(fc.tuple(reqArb(fleet.dims, SMALL), fc.integer({ min: 1, max: 2 })), { minLength: 1, maxLength: 6 }),
        })),
        ({ fleet, ops, probes }) => {
          const w = new World(fleet, { fullEvery: 0 });
          const e = w.createEngine();
          for (const op of ops) applyOp(w, e, op);
          let id = 0;
          for (const [req, k] of probes) {
            while (id < e.vmCapacity && e.hostOf(id) >= 0) id++;
            if (id >= e.vmCapacity) return;
            const before = {
              free: [...Array(e.hostCount).keys()].map((h) => e.freeOf(h)),
              inService: [...Array(e.hostCount).keys()].map((h) => e.isHostInService(h)),
            };
            const beforeVms = [...Array(e.hostCount).keys()].map((h) => e.vmsOnHost(h));
            const p = e.place({ id, ...req }, { maxPerHost: k });
            // Judge against the state before: undo tenancy/anti-affinity views by releasing first.
            if (p.host >= 0) {
              e.release(id);
              expect(e.vmsOnHost(p.host)).toEqual(beforeVms[p.host]);
              expect(tenancyOk(e, p.host, req.tenant)).toBe(true);
              if (req.deployment !== undefined) expect(instancesOn(e, p.host, req.deployment)).toBeLessThan(k);
            }
            judgeSingle(e, req, k, p, before);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("releasing everything gives every host its effective capacity back", () => {
    fc.assert(
      fc.property(scenarioArb(SMALL, 30), fc.nat(), ({ fleet, ops }, sel) => {
        const w = new World(fleet, { fullEvery: 0 });
        const e = w.createEngine();
        for (const op of ops) applyOp(w, e, op);
        // doRelease checks free(after) == free(before) + demand on every release.
        while (w.placed.length > 0) applyOp(w, e, { t: "release", sel });
        for (let h = 0; h < e.hostCount; h++) expect(e.freeOf(h)).toEqual(e.capacityOf(h));
        expect(e.stats().vmsPlaced).toBe(0);
        expect(e.stats().hostsUsed).toBe(0);
        compareFull(w, e);
      }),
      { numRuns: RUNS },
    );
  });
});
