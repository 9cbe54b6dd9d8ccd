// Model-based test: fast-check commands (Place, PlaceBatch, Release, Move, SetInService,
// SetDedicated, AddHosts, RetireHost) run against the Engine and the reference model; the full
// state (hostOf of every VM, freeOf / vmCountOf / service / retirement of every host, every
// stats() field) is compared after every command.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SMALL, fleetArb, type FleetCase } from "./support/arbitraries.js";
import { World, commandArbs, compareFull } from "./fuzz/model.js";

const RUNS = Number(process.env.RUNS ?? 250);

function modelRuns(opts: { rebuilds: boolean; fleet?: (f: FleetCase) => FleetCase }, runs: number): void {
  fc.assert(
    fc.property(
      fleetArb(SMALL).chain((fleet) => fc.tuple(fc.constant(opts.fleet ? opts.fleet(fleet) : fleet), fc.commands(commandArbs(fleet.dims, SMALL), { maxCommands: 40 }))),
      ([fleet, cmds]) => {
        const world = new World(fleet, { fullEvery: 1, rebuilds: opts.rebuilds });
        const engine = world.createEngine();
        compareFull(world, engine, "fresh engine");
        fc.modelRun(() => ({ model: world, real: engine }), cmds);
      },
    ),
    { numRuns: runs },
  );
}

describe("Engine vs reference model (fc.commands)", () => {
  test("full state equal after every command (hosts added within the engine's room)", () => {
    modelRuns({ rebuilds: false }, RUNS);
  });

  // Every AddHosts outgrows the room, so every one rebuilds the core (a rebuild once lost the new
  // hosts' service states; test/engine.hosts.test.ts has the regression).
  test("full state equal after every command (hostCapacity = hosts: every AddHosts rebuilds the core)", () => {
    modelRuns({ rebuilds: true, fleet: (f) => ({ ...f, options: { ...f.options, hostCapacity: f.hosts.length } }) }, Math.ceil(RUNS / 2));
  });

  test("a Mismatch is reported (the comparison can fail)", () => {
    const fleet = { dims: 1, hosts: [{ capacity: [4] }, { capacity: [4] }], options: { vmCapacity: 8, dimensions: ["cpu"] } };
    const world = new World(fleet);
    const engine = world.createEngine();
    engine.place({ id: 0, demand: [1], tenant: 0 }); // behind the model's back
    expect(() => compareFull(world, engine)).toThrow(/hostOf\(0\)/);
  });

  test("a stats() difference is reported (retirement behind the model's back)", () => {
    const fleet = { dims: 1, hosts: [{ capacity: [4] }, { capacity: [4] }], options: { vmCapacity: 8, dimensions: ["cpu"] } };
    const world = new World(fleet);
    const engine = world.createEngine();
    engine.retireHost(1);
    expect(() => compareFull(world, engine)).toThrow(/isHostInService\(1\)|isHostRetired\(1\)|stats\(\)/);
  });
});
