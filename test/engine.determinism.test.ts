// Determinism (same inputs -> same placements, across engines) and isolation (two engines
// never share memory).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Engine } from "../src/index.js";
import { SMALL, scenarioArb } from "./support/arbitraries.js";
import { World, applyOp } from "./fuzz/model.js";

function state(e: Engine) {
  const hosts = [...Array(e.hostCount).keys()];
  return {
    vmHost: [...Array(e.vmCapacity).keys()].map((v) => e.hostOf(v)),
    free: hosts.map((h) => e.freeOf(h)),
    inService: hosts.map((h) => e.isHostInService(h)),
    stats: e.stats(),
  };
}

describe("determinism and isolation", () => {
  test("same fleet and operations give the same placements in two engines", () => {
    fc.assert(
      fc.property(scenarioArb(SMALL, 30), ({ fleet, ops }) => {
        const wa = new World(fleet, { fullEvery: 0, invariants: false });
        const wb = new World(fleet, { fullEvery: 0, invariants: false });
        const a = wa.createEngine();
        const b = wb.createEngine();
        for (const op of ops) {
          applyOp(wa, a, op);
          applyOp(wb, b, op);
          expect(state(b)).toEqual(state(a));
        }
      }),
      { numRuns: 100 },
    );
  });

  test("operations on one engine never change another", () => {
    fc.assert(
      fc.property(scenarioArb(SMALL, 30), ({ fleet, ops }) => {
        const wa = new World(fleet, { fullEvery: 0, invariants: false });
        const a = wa.createEngine();
        const b = wa.createEngine();
        const idle = state(b);
        for (const op of ops) applyOp(wa, a, op);
        expect(state(b)).toEqual(idle);
        // And the other way round: b works on its own and a is unchanged.
        const busy = state(a);
        const wb = new World(fleet, { fullEvery: 0, invariants: false });
        for (const op of ops) applyOp(wb, b, op);
        expect(state(a)).toEqual(busy);
        expect(state(b)).toEqual(busy);
      }),
      { numRuns: 60 },
    );
  });
});
