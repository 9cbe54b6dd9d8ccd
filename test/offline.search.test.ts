// The offline vector bin packing search on its own (src/offline/vbp/): packings valid and
// deterministic, lower bounds never above a brute-force optimum, the fast Martello-Toth L2 equal
// to the prototype's quadratic one, edge cases. Random instances come from a seeded LCG.
import { describe, expect, it } from "vitest";
import { makeInstance } from "../src/offline/vbp/instance.js";
import { packVectors } from "../src/offline/vbp/index.js";
import { splitInTwo } from "../src/offline/vbp/tabu.js";
import { dualFeasibleBound, lowerBound, martelloTothL2, martelloTothL2Reference } from "../src/offline/vbp/lowerbound.js";

function lcg(seed: number): (k: number) => number {
  let s = seed >>> 0;
  return (k) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % k);
}

/** Every item in a bin 0..bins-1, no bin over capacity in any dimension (recomputed here). */
function expectValid(capacity: number[], sizes: ArrayLike<number>, r: { assignment: Int32Array; bins: number }): void {
  const d = capacity.length;
  const n = sizes.length / d;
  expect(r.assignment.length).toBe(n);
  const load = new Float64Array(r.bins * d);
  const used = new Uint8Array(r.bins);
  for (let i = 0; i < n; i++) {
    const b = r.assignment[i];
    expect(b >= 0 && b < r.bins).toBe(true);
    used[b] = 1;
    for (let k = 0; k < d; k++) load[b * d + k] += sizes[i * d + k];
  }
  expect(used.every((u) => u === 1)).toBe(true); // no empty bin counted
  for (let b = 0; b < r.bins; b++) for (let k = 0; k < d; k++) expect(load[b * d + k]).toBeLessThanOrEqual(capacity[k]);
}

/** Fewest bins, by exhaustive search (tiny instances only). */
function bruteForceBins(capacity: number[], sizes: number[]): number {
  const d = capacity.length;
  const n = sizes.length / d;
  let best = n;
  const loads: number[][] = [];
  const go = (i: number): void => {
    if (loads.length >= best) return;
    if (i === n) {
      best = loads.length;
      return;
    }
    for (const L of loads) {
      if (L.every((x, k) => x + sizes[i * d + k] <= capacity[k])) {
        L.forEach((_, k) => (L[k] += sizes[i * d + k]));
        go(i + 1);
        L.forEach((_, k) => (L[k] -= sizes[i * d + k]));
      }
    }
    loads.push(capacity.map((_, k) => sizes[i * d + k]));
    go(i + 1);
    loads.pop();
  };
  go(0);
  return best;
}

describe("packVectors", () => {
  it("edge cases: nothing, zero items, a 1-D case, oversized and non-integer items", () => {
    expect(packVectors([10], []).bins).toBe(0);
    expect(packVectors([10, 10], [0, 0, 0, 0]).bins).toBe(1);
    expect(packVectors([10], [5, 5, 5, 5]).bins).toBe(2);
    expect(packVectors([10], [6, 4, 5, 5, 3, 7]).bins).toBe(3);
    expect(() => packVectors([10], [11])).toThrow(/does not fit/);
    expect(() => packVectors([10], [1.5])).toThrow(/integer/);
    expect(() => packVectors([0], [0])).toThrow(/positive/);
    expect(() => packVectors([10, 10], [1])).toThrow(/multiple/);
  });

  it("random instances (d = 1..6, up to 160 items): valid, never below the bound, deterministic", () => {
    const rnd = lcg(7);
    let improved = 0;
    for (let t = 0; t < 40; t++) {
      const d = 1 + (t % 6);
      const capacity = Array.from({ length: d }, () => 10 + rnd(1000));
      const n = 10 + rnd(150);
      const sizes: number[] = [];
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sizes.push(rnd(Math.floor(capacity[k] * (t % 2 ? 0.5 : 0.9)) + 1));
      const r = packVectors(capacity, sizes, { maxIterations: 300 });
      expectValid(capacity, sizes, r);
      expect(r.bins).toBeGreaterThanOrEqual(r.lowerBound);
      const again = packVectors(capacity, sizes, { maxIterations: 300 });
      expect(Array.from(again.assignment)).toEqual(Array.from(r.assignment));
      if (r.bins < packVectors(capacity, sizes, { improve: false }).bins) improved++;
    }
    expect(improved).toBeGreaterThan(0); // the tabu phase does something on these
  });

  it("splitting a pool into two bins: the iterative search equals the prototype's recursion; 10,000 items do not overflow the stack", () => {
    // The prototype's recursive split, node cap and all.
    const recursive = (capacity: number[], sizes: number[], order: number[], cap: number): Int8Array | null => {
      const d = capacity.length;
      const side = new Int8Array(order.length);
      const loads = [new Array<number>(d).fill(0), new Array<number>(d).fill(0)];
      let nodes = 0;
      const dfs = (t: number): boolean => {
        if (t === order.length) return true;
        if (++nodes > cap) return false;
        const i = order[t];
        for (let s = 0; s < 2; s++) {
          if (t === 0 && s === 1) break;
          const L = loads[s];
          if (!L.every((x, k) => x + sizes[i * d + k] <= capacity[k])) continue;
          L.forEach((_, k) => (L[k] += sizes[i * d + k]));
          side[t] = s;
          if (dfs(t + 1)) return true;
          L.forEach((_, k) => (L[k] -= sizes[i * d + k]));
        }
        return false;
      };
      return dfs(0) ? side : null;
    };
    const rnd = lcg(9);
    let found = 0, failed = 0;
    for (let t = 0; t < 200; t++) {
      const d = 1 + rnd(3);
      const capacity = Array.from({ length: d }, () => 10 + rnd(30));
      const n = 1 + rnd(14);
      const sizes: number[] = [];
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sizes.push(rnd(capacity[k] + 1));
      const order = Array.from({ length: n }, (_, i) => i);
      const want = recursive(capacity, sizes, order, 20000);
      const side = new Int8Array(n);
      const got = splitInTwo(makeInstance(capacity, sizes), order, side);
      expect(got).toBe(want !== null);
      if (want) expect(Array.from(side)).toEqual(Array.from(want));
      if (want) found++;
      else failed++;
    }
    expect(found).toBeGreaterThan(20);
    expect(failed).toBeGreaterThan(20);
    const big = makeInstance([5000], new Array<number>(10_000).fill(1));
    const side = new Int8Array(10_000);
    expect(splitInTwo(big, Array.from({ length: 10_000 }, (_, i) => i), side)).toBe(true);
    expect(side.reduce((s, x) => s + x, 0)).toBe(5000);
  });
});

describe("lower bound", () => {
  it("never exceeds the brute-force optimum on tiny random instances, and is often tight", () => {
    const rnd = lcg(11);
    let tight = 0;
    const trials = 150;
    for (let t = 0; t < trials; t++) {
      const d = 1 + rnd(3);
      const capacity = Array.from({ length: d }, () => 6 + rnd(20));
      const n = 2 + rnd(7);
      const sizes: number[] = [];
      // Mostly large items (above a third, above a half): where the clique, L2 and DFF bounds bind.
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sizes.push(rnd(capacity[k] + 1));
      const opt = bruteForceBins(capacity, sizes);
      const lb = lowerBound(makeInstance(capacity, sizes));
      expect(lb, JSON.stringify({ capacity, sizes })).toBeLessThanOrEqual(opt);
      const r = packVectors(capacity, sizes);
      expectValid(capacity, sizes, r);
      expect(r.bins).toBeGreaterThanOrEqual(opt);
      if (lb === opt) tight++;
    }
    expect(tight).toBeGreaterThan(trials / 2);
  });

  it("fast Martello-Toth L2 equals the prototype's quadratic version (ties, exact halves, thirds)", () => {
    const rnd = lcg(5);
    for (let t = 0; t < 300; t++) {
      const n = 1 + rnd(60);
      const grid = [3, 4, 6, 10, 1000][t % 5];
      const sizes = Float64Array.from({ length: n }, () => rnd(grid + 1) / grid);
      expect(martelloTothL2(sizes), Array.from(sizes).join(",")).toBe(martelloTothL2Reference(sizes));
    }
  });

  it("bounds that volume misses: six items of 0.34 need 3 bins (DFF), three of 0.6 need 3 (L2, clique)", () => {
    expect(dualFeasibleBound(new Float64Array(6).fill(0.34))).toBe(3);
    expect(martelloTothL2(new Float64Array(3).fill(0.6))).toBe(3);
    expect(lowerBound(makeInstance([100, 100], [60, 10, 60, 10, 60, 10]))).toBe(3);
  });
});
