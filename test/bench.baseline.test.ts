// The plain-TS baseline (bench/baseline.ts) must choose exactly the hosts the core chooses,
// policy by policy, so the benchmark compares like with like.
import { describe, expect, it } from "vitest";
import { FullScanScheduler, NONE, SampledScheduler, BASE_POLICIES } from "../bench/baseline.js";
import { Engine } from "../src/engine.js";
import { rng } from "../src/workload/rng.js";

const D = 4;

function setup(seed: number) {
  // Two host types, racks of 6, 48 hosts.
  const engine = Engine.create({
    hostTypes: [
      { capacity: [16000, 65536, 10000, 512], reservation: [1000, 2048, 0, 32], count: 30, hostsPerFaultDomain: 6 },
      { capacity: [32000, 65536, 20000, 1024], reservation: [2000, 4096, 1000, 0], count: 18, hostsPerFaultDomain: 6 },
    ],
  }, { vmCapacity: 4000 });
  const H = engine.hostCount;
  const cap = new Int32Array(H * D);
  const fd = new Uint16Array(H);
  for (let h = 0; h < H; h++) {
    cap.set(engine.capacityOf(h), h * D);
    fd[h] = engine.faultDomainOf(h);
  }
  const r = rng(seed);
  const shapes = [
    [1000, 2048, 250, 16], [2000, 4096, 500, 32], [4000, 8192, 1000, 64], [2000, 16384, 500, 32],
    [8000, 8192, 2000, 128], [500, 1024, 100, 8], [4000, 32768, 1000, 64],
  ];
  return { engine, H, cap, fd, r, shapes };
}

describe("baseline full scan = core", () => {
  for (const policy of BASE_POLICIES) {
    it(`${policy}: same host for every VM through batches, single placements and releases`, () => {
      const { engine, H, cap, fd, r, shapes } = setup(11 + policy.length);
      const base = new FullScanScheduler({ capacity: cap, dims: D, faultDomain: fd, vmCapacity: 4000, maxPerHost: 1, candidates: 16 });
      const live: number[] = [];
      let next = 0;
      let mismatches = 0;
      for (let round = 0; round < 25; round++) {
        // A batch of 40-80 VMs in 3-10 deployments.
        const n = 40 + Math.floor(r() * 40);
        const ids = new Uint32Array(n);
        const demands = new Int32Array(n * D);
        const tenants = new Uint32Array(n);
        const deps = new Uint32Array(n);
        const nDeps = 3 + Math.floor(r() * 8);
        for (let i = 0; i < n; i++) {
          ids[i] = next++;
          demands.set(shapes[Math.floor(r() * shapes.length)], i * D);
          tenants[i] = round;
          deps[i] = r() < 0.2 ? NONE : round * 100 + Math.floor(r() * nDeps);
        }
        const got = engine.placeBatch({ ids, demands, tenants, deployments: deps }, { policy });
        const want = base.placeBatch({ ids, demands, deployments: deps }, policy);
        for (let i = 0; i < n; i++) {
          if (got.hosts[i] !== want[i]) mismatches++;
          if (got.hosts[i] >= 0) live.push(ids[i]);
        }
        // Some single placements (no fault-domain rule).
        for (let j = 0; j < 10; j++) {
          const demand = shapes[Math.floor(r() * shapes.length)];
          const dep = Math.floor(r() * 5);
          const id = next++;
          const p = engine.place({ id, demand, tenant: 1, deployment: dep }, { policy });
          const q = base.place(id, demand, 0, dep, policy);
          if (p.host !== q) mismatches++;
          if (p.host >= 0) live.push(id);
        }
        // Release a third of the live VMs, at random.
        for (let j = live.length - 1; j > 0; j--) {
          const k = Math.floor(r() * (j + 1));
          [live[j], live[k]] = [live[k], live[j]];
        }
        const out = live.splice(0, Math.floor(live.length / 3));
        engine.releaseBatch(out);
        base.releaseBatch(out);
        // Take a host out of service now and then.
        if (round % 7 === 3) {
          const h = Math.floor(r() * H);
          engine.setHostInService(h, false);
          base.setInService(h, false);
        }
        expect(mismatches, `round ${round}`).toBe(0);
      }
      expect(base.hostsUsed()).toBe(engine.stats().hostsUsed);
      expect(engine.stats().vmsPlaced).toBeGreaterThan(80);
    });
  }
});

describe("sampled (kube-scheduler-style) baseline", () => {
  it("places only where capacity and anti-affinity allow", () => {
    const { H, cap, fd, r, shapes } = setup(3);
    const s = new SampledScheduler({ capacity: cap, dims: D, faultDomain: fd, vmCapacity: 4000, sample: 5 });
    for (let id = 0; id < 1500; id++) {
      const dem = shapes[Math.floor(r() * shapes.length)];
      const dep = id % 50;
      const h = s.place(id, dem, 0, dep, "best-fit");
      if (h < 0) continue;
      for (let v = s.hostHead[h]; v >= 0; v = s.vmNext[v]) if (v !== id) expect(s.vmDep[v]).not.toBe(dep);
    }
    for (let i = 0; i < H * D; i++) expect(s.free[i]).toBeGreaterThanOrEqual(0);
  });
});
