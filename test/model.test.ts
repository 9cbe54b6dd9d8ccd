// Model-based test: fast-check commands (Place, PlaceBatch, Release, Move, SetInService,
// SetDedicated) run against the Engine and the reference model; the full state (hostOf of
// every VM, freeOf of every host, stats) is compared after every command.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SMALL, fleetArb } from "./support/arbitraries.js";
import { World, commandArbs, compareFull } from "./fuzz/model.js";

describe("Engine vs reference model (fc.commands)", () => {
  test("full state equal after every command", () => {
    fc.assert(
      fc.property(
        fleetArb(SMALL).chain((fleet) => fc.tuple(fc.constant(fleet), fc.commands(commandArbs(fleet.dims, SMALL), { maxCommands: 40 }))),
        ([fleet, cmds]) => {
          const world = new World(fleet, { fullEvery: 1 });
          const engine = world.createEngine();
          compareFull(world, engine, "fresh engine");
          fc.modelRun(() => ({ model: world, real: engine }), cmds);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 250) },
    );
  });

  test("a Mismatch is reported (the comparison can fail)", () => {
    const fleet = { dims: 1, hosts: [{ capacity: [4] }, { capacity: [4] }], options: { vmCapacity: 8, dimensions: ["cpu"] } };
    const world = new World(fleet);
    const engine = world.createEngine();
    engine.place({ id: 0, demand: [1], tenant: 0 }); // behind the model's back
    expect(() => compareFull(world, engine)).toThrow(/hostOf\(0\)/);
  });
});
