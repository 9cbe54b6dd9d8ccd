// Model-based test on labelled fleets: the commands of test/model.test.ts (AddHosts and
// RetireHost included) with hosts carrying labels and taints and requests naming constraints,
// against the reference model's own restatement of the label rule (support/reference.ts). With
// devices too, so keep-scarce's avoid pass and the label rule meet.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DEFAULT_WEIGHTS, SMALL, type FleetCase, fleetArb, hostArb, reqArb } from "./support/arbitraries.js";
import { deviceFleetArb, deviceSources } from "./support/device-arbitraries.js";
import { labelSources, withLabels } from "./support/label-arbitraries.js";
import type { RefConstraint } from "./support/reference.js";
import { Mismatch, World, commandArbs, compareFull, doPlace } from "./fuzz/model.js";

const RUNS = Number(process.env.RUNS ?? 250);

type Labelled = FleetCase & { constraints: RefConstraint[] };

/** Runs labelled fleets through fc.commands; returns the outcomes seen, summed over the runs. */
function labelRuns(fleets: fc.Arbitrary<Labelled>, sources: (f: Labelled) => ReturnType<typeof labelSources>, runs: number, rebuilds = false): Record<string, number> {
  const seen: Record<string, number> = {};
  fc.assert(
    fc.property(
      fleets.chain((fleet) => fc.tuple(
        fc.constant(rebuilds ? { ...fleet, options: { ...fleet.options, hostCapacity: fleet.hosts.length } } : fleet),
        fc.commands(commandArbs(fleet.dims, SMALL, DEFAULT_WEIGHTS, sources(fleet)), { maxCommands: 40, size: "max" }),
      )),
      ([fleet, cmds]) => {
        const world = new World(fleet, { fullEvery: 1, rebuilds });
        const engine = world.createEngine();
        compareFull(world, engine, "fresh engine");
        fc.modelRun(() => ({ model: world, real: engine }), cmds);
        for (const [k, n] of Object.entries(world.tally)) seen[k] = (seen[k] ?? 0) + n;
      },
    ),
    { numRuns: runs },
  );
  return seen;
}

const plainLabelled = withLabels(fleetArb(SMALL));
const plainSources = (f: Labelled) => labelSources(f, { req: reqArb(f.dims, SMALL), host: hostArb(f.dims, SMALL) });

describe("Engine vs reference model on labelled fleets (fc.commands)", () => {
  test("full state equal after every command; some VMs placed under a constraint, some rejected NO_MATCHING_HOST", () => {
    const seen = labelRuns(plainLabelled, plainSources, RUNS);
    // The runs must reach the label rule, or they would pass without testing it.
    const noMatch = Object.entries(seen).filter(([k]) => k.endsWith(":NO_MATCHING_HOST")).reduce((n, [, c]) => n + c, 0);
    expect(noMatch).toBeGreaterThan(0);
  });

  test("every AddHosts rebuilds the core (hostCapacity = hosts): labels of old and new hosts survive", () => {
    labelRuns(plainLabelled, plainSources, Math.ceil(RUNS / 2), true);
  });

  test("with devices: keep-scarce's first pass and the label rule together", () => {
    labelRuns(withLabels(deviceFleetArb()), (f) => labelSources(f, deviceSources(f as Parameters<typeof deviceSources>[0])), RUNS);
  });

  test("a reference that ignored labels is caught (the comparison can fail)", () => {
    // Host 0 is tainted; a VM without tolerations must go to host 1.
    const fleet: Labelled = {
      dims: 1,
      hosts: [{ capacity: [4], taints: ["gpu"] }, { capacity: [4] }],
      options: { vmCapacity: 4, dimensions: ["cpu"] },
      constraints: [{}],
    };
    const honest = new World(fleet);
    doPlace(honest, honest.createEngine(), { demand: [1], tenant: 0 });
    const blind = new World(fleet);
    blind.ref.admits = () => true;
    expect(() => doPlace(blind, blind.createEngine(), { demand: [1], tenant: 0 })).toThrow(Mismatch);
  });
});
