// Model-based test of the shape-class path: requests draw their demand from two or three vectors
// per run, so the eighth ask of a demand earns it a class (assembly/shapes.ts) within a short
// command sequence, and most searches go through the class's fit bits, its group marks and, at a
// level where the class has one member, the member named by the XOR beside its count (no scan).
// The full state is compared with the reference model after every command, as in model.test.ts;
// a run whose commands never built a class would test nothing here, so the runs must build some.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SMALL, fleetArb, reqArb, type Scale } from "./support/arbitraries.js";
import { World, commandArbs, compareFull } from "./fuzz/model.js";
import type { ReqSpec } from "./support/arbitraries.js";

const RUNS = Number(process.env.RUNS ?? 120);
// Room for the churn a class needs: enough VM ids, few hosts so levels hold one member often.
const SCALE: Scale = { ...SMALL, vmCapacity: 96 };
const CHURN = { place: 6, batch: 2, release: 5, move: 2, service: 1, dedicate: 0, addHosts: 1, retire: 1 };

/** Requests whose demand is one of `demands` (the rest drawn as reqArb draws it). */
function pooledReq(dims: number, demands: number[][]): fc.Arbitrary<ReqSpec> {
  return fc.tuple(reqArb(dims, SCALE), fc.constantFrom(...demands)).map(([r, demand]) => ({ ...r, demand: [...demand] }));
}

describe("Engine vs reference model with few demand vectors (shape classes)", () => {
  test("full state equal after every command, and the runs build classes", () => {
    let runsWithClasses = 0;
    fc.assert(
      fc.property(
        fleetArb(SCALE).chain((fleet) =>
          fc.tuple(
            fc.constant(fleet),
            fc.array(fc.array(fc.integer({ min: 0, max: SCALE.maxDemand }), { minLength: fleet.dims, maxLength: fleet.dims }), { minLength: 1, maxLength: 3 })
              .chain((demands) => fc.commands(commandArbs(fleet.dims, SCALE, CHURN, { req: pooledReq(fleet.dims, demands) }), { maxCommands: 120, size: "max" })),
          )),
        ([fleet, cmds]) => {
          const world = new World(fleet, { fullEvery: 1, rebuilds: false });
          const engine = world.createEngine();
          compareFull(world, engine, "fresh engine");
          fc.modelRun(() => ({ model: world, real: engine }), cmds);
          if (engine.runCore((core) => core.shapeClassBuilds()) > 0) runsWithClasses++;
        },
      ),
      { numRuns: RUNS },
    );
    expect(runsWithClasses).toBeGreaterThan(RUNS / 4);
  });
});
