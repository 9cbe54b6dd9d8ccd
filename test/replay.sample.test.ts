// Stratified samples of a fleet (src/replay/sample.ts): node types in their real proportions by
// largest remainder, the first nodes of each type in file order, the file's order kept.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { stratifiedSample } from "../src/replay/sample.js";
import type { HostSpec } from "../src/types.js";

const A: HostSpec = { capacity: [32, 256, 0] };
const B: HostSpec = { capacity: [96, 384, 8], labels: { gpu: "G2" } };
const C: HostSpec = { capacity: [128, 768, 8], labels: { gpu: "G3" } };

describe("stratifiedSample", () => {
  test("quotas by largest remainder, first nodes of each type, file order kept", () => {
    // 6 A, 3 B, 1 C: a sample of 5 is 3 A (exact), 1.5 B, 0.5 C: remainders tie, and the type
    // met first in the file (B) gets the extra node.
    const fleet = [A, B, A, A, C, B, A, A, B, A].map((h, i) => ({ ...h, faultDomain: i }));
    const s = stratifiedSample(fleet, 5);
    expect(s.map((h) => h.faultDomain)).toEqual([0, 1, 2, 3, 5]);
    // Labels are part of the type: a G2 node and a G3 node never stand in for each other.
    expect(stratifiedSample(fleet, 10)).toEqual(fleet);
    expect(stratifiedSample(fleet, 1).map((h) => h.faultDomain)).toEqual([0]);
  });

  test("bad sizes are a VmfabricError naming --sample and the value, and change nothing", () => {
    const fleet = [A, B];
    for (const n of [0, 3, 1.5, Number.NaN]) {
      expect(() => stratifiedSample(fleet, n)).toThrow(VmfabricError);
      expect(() => stratifiedSample(fleet, n)).toThrow(/--sample/);
    }
    expect(fleet).toEqual([A, B]);
  });

  test("any fleet and size: n nodes, each type within one node of its share, the first ones, in order", () => {
    const types = [A, B, C, { capacity: [16, 64, 2] }];
    fc.assert(fc.property(
      fc.array(fc.nat(3), { minLength: 1, maxLength: 60 }), fc.nat(),
      (kinds, pick) => {
        const fleet = kinds.map((k, i) => ({ ...types[k], faultDomain: i }));
        const n = 1 + (pick % fleet.length);
        const s = stratifiedSample(fleet, n);
        expect(s).toHaveLength(n);
        const idx = s.map((h) => h.faultDomain!);
        expect([...idx].sort((x, y) => x - y)).toEqual(idx);
        for (let k = 0; k < types.length; k++) {
          const all = kinds.flatMap((x, i) => (x === k ? [i] : []));
          const got = idx.filter((i) => kinds[i] === k);
          const share = (n * all.length) / fleet.length;
          expect(got.length).toBeGreaterThanOrEqual(Math.floor(share));
          expect(got.length).toBeLessThanOrEqual(Math.ceil(share));
          expect(got).toEqual(all.slice(0, got.length));
        }
      },
    ), { numRuns: 300 });
  });
});
