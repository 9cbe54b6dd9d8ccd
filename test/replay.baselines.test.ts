// The kube and nomad baselines against plain restatements of their public rules.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KubeScheduler, mostAllocatedScore, numFeasibleNodesToFind } from "../src/replay/baselines/kube.js";
import { NomadScheduler, bestFitV3, nomadLimit } from "../src/replay/baselines/nomad.js";
import { FleetState, type ArrivingVm } from "../src/replay/scheduler.js";

const dims = ["cpu", "memory"];

/** A fleet of `caps.length` hosts with the given capacity and allocated amounts. */
function fleetOf(caps: number[][], used: number[][]): FleetState {
  const f = new FleetState(caps, dims);
  used.forEach((u, h) => u.forEach((x, d) => { f.free[h * 2 + d] -= x; }));
  return f;
}

const vmOf = (demand: number[], deployment = -1): ArrivingVm => ({ slot: 0, index: 0, demands: Int32Array.from(demand), at: 0, tenant: 0, deployment, constraint: 0 });

const fits = (f: FleetState, h: number, d: number[]) => f.free[h * 2] >= d[0] && f.free[h * 2 + 1] >= d[1];

/** A random fleet state and VM: hosts of a few capacities, each partly allocated. */
const fleetCase = (maxHosts: number) => fc.record({
  hosts: fc.array(fc.record({ cap: fc.constantFrom([64, 256], [32, 128], [16, 64]), fill: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })) }), { minLength: 1, maxLength: maxHosts }),
  demand: fc.tuple(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 96 })),
}).map(({ hosts, demand }) => ({
  caps: hosts.map((h) => h.cap),
  used: hosts.map((h) => h.cap.map((c, d) => Math.floor(c * h.fill[d]))),
  demand: [...demand],
}));

describe("kube", () => {
  it("numFeasibleNodesToFind: the adaptive default percentage", () => {
    // all nodes below 100; else max(5, 50 - n/125) percent, at least 100 nodes.
    expect([1, 50, 99].map((n) => numFeasibleNodesToFind(n))).toEqual([1, 50, 99]);
    expect(numFeasibleNodesToFind(100)).toBe(100);      // 49% = 49 -> 100
    expect(numFeasibleNodesToFind(500)).toBe(230);      // 46%
    expect(numFeasibleNodesToFind(739)).toBe(332);      // 45%
    expect(numFeasibleNodesToFind(1000)).toBe(420);     // 42%
    expect(numFeasibleNodesToFind(5000)).toBe(500);     // 10%
    expect(numFeasibleNodesToFind(6000)).toBe(300);     // 2% -> 5%
    expect(numFeasibleNodesToFind(100000)).toBe(5000);  // 5%
    expect(numFeasibleNodesToFind(1000, 10)).toBe(100); // configured 10% = 100
    expect(numFeasibleNodesToFind(1000, 100)).toBe(1000);
  });

  it("MostAllocated: integer per-resource shares of 100, the pod included, averaged", () => {
    const f = fleetOf([[1000, 3000]], [[300, 1000]]);
    // cpu (300 + 200) * 100 / 1000 = 50; memory (1000 + 1001) * 100 / 3000 = 66.7 -> 66; (50 + 66) / 2 = 58.
    expect(mostAllocatedScore(f, 0, vmOf([200, 1001]), [0, 1])).toBe(58);
  });

  it("chooses a top-scoring node among the first feasible ones from the rotating start", () => {
    fc.assert(fc.property(fleetCase(260), fc.integer({ min: 0, max: 1000 }), ({ caps, used, demand }, seed) => {
      const f = fleetOf(caps, used);
      const k = new KubeScheduler(seed);
      let start = 0;
      for (let round = 0; round < 2; round++) {
        const n = caps.length;
        const want = numFeasibleNodesToFind(n);
        const feasible: number[] = [];
        let processed = 0;
        for (let i = 0; i < n && feasible.length < want; i++) {
          const h = (start + i) % n;
          processed++;
          if (fits(f, h, demand)) feasible.push(h);
        }
        const score = (h: number) => Math.floor(demand.reduce((s, x, d) => s + Math.floor(((caps[h][d] - f.free[h * 2 + d] + x) * 100) / caps[h][d]), 0) / 2);
        const top = Math.max(...feasible.map(score));
        const got = k.choose(vmOf(demand), f);
        if (feasible.length === 0) expect(got).toBe(-1);
        else {
          expect(feasible).toContain(got);
          expect(score(got)).toBe(top);
        }
        start = (start + processed) % n;
      }
    }), { numRuns: 200 });
  });

  it("ties are broken at random, not always by the first node", () => {
    const f = fleetOf(Array.from({ length: 8 }, () => [100, 100]), []);
    const chosen = new Set<number>();
    for (let seed = 0; seed < 40; seed++) chosen.add(new KubeScheduler(seed).choose(vmOf([10, 10]), f));
    expect(chosen.size).toBeGreaterThan(3);
  });
});

describe("nomad", () => {
  it("limit: max(2, ceil(log2(nodes)))", () => {
    expect([1, 2, 4, 5, 739, 1024, 1025].map(nomadLimit)).toEqual([2, 2, 2, 3, 10, 10, 11]);
  });

  it("BestFit v3: 20 - 10^freeCpu - 10^freeMem, clamped to [0, 18], over 18", () => {
    const f = fleetOf([[1000, 2000]], [[500, 500]]);
    const free = [1 - 600 / 1000, 1 - 1000 / 2000];
    expect(bestFitV3(f, 0, vmOf([100, 500]), [0, 1])).toBeCloseTo((20 - 10 ** free[0] - 10 ** free[1]) / 18, 12);
    expect(bestFitV3(fleetOf([[10, 10]], [[0, 0]]), 0, vmOf([10, 10]), [0, 1])).toBe(1); // a perfect fit: 18
    expect(bestFitV3(fleetOf([[10, 10]], [[0, 0]]), 0, vmOf([0, 0]), [0, 1])).toBe(0);   // empty: 20 - 20
  });

  it("ranks limit feasible nodes: the best of all when at most limit fit, else one of the top", () => {
    fc.assert(fc.property(fleetCase(64), fc.integer({ min: 0, max: 1000 }), ({ caps, used, demand }, seed) => {
      const f = fleetOf(caps, used);
      const feasible = caps.map((_, h) => h).filter((h) => fits(f, h, demand));
      const got = new NomadScheduler(seed).choose(vmOf(demand), f);
      if (feasible.length === 0) { expect(got).toBe(-1); return; }
      expect(feasible).toContain(got);
      const limit = nomadLimit(caps.length);
      const s = bestFitV3(f, got, vmOf(demand), [0, 1]);
      const better = feasible.filter((h) => bestFitV3(f, h, vmOf(demand), [0, 1]) > s).length;
      expect(better).toBeLessThanOrEqual(Math.max(0, feasible.length - limit));
    }), { numRuns: 300 });
  });

  it("visits nodes in a shuffled order: every node is chosen under some seed", () => {
    const f = fleetOf(Array.from({ length: 16 }, () => [100, 100]), []);
    const chosen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) chosen.add(new NomadScheduler(seed).choose(vmOf([10, 10]), f));
    expect(chosen.size).toBe(16);
  });

  it("honours anti-affinity as a hard filter, like the engine", () => {
    const f = fleetOf([[100, 100], [100, 100]], []);
    const vm = vmOf([10, 10], 7);
    f.place(0, vm);
    for (let seed = 0; seed < 20; seed++) {
      expect(new NomadScheduler(seed).choose(vm, f)).toBe(1);
      expect(new KubeScheduler(seed).choose(vm, f)).toBe(1);
    }
    f.place(1, vm);
    expect(new NomadScheduler(1).choose(vm, f)).toBe(-1);
    expect(f.reasonFor(vm)).toBe("ANTI_AFFINITY");
  });
});
