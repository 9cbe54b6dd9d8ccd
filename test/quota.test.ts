// QuotaEnforcer: worked examples, validation (whole batch, nothing changes), reports, trap recovery.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { VmfabricError } from "../src/errors.js";
import { QuotaEnforcer } from "../src/quota/enforcer.js";
import { referenceTick } from "../src/quota/reference.js";

/** One host [cpu 100, memory 100, network 100, disk 100] after a host reservation of 10 each. */
function oneHost(vms: number[][], options = {}) {
  const engine = Engine.create([{ capacity: [110, 110, 110, 110], reservation: [10, 10, 10, 10] }], { vmCapacity: 8 });
  vms.forEach((r, i) => expect(engine.placeOn({ id: i, demand: r, tenant: 0 }, 0).host).toBe(0));
  return { engine, q: new QuotaEnforcer(engine, options) };
}

function demands(rows: number[][], n = 8): number[] {
  const out = new Array<number>(n * 4).fill(0);
  rows.forEach((r, i) => r.forEach((x, d) => { out[i * 4 + d] = x; }));
  return out;
}

const grant = (q: QuotaEnforcer, n: number) => Array.from({ length: n }, (_, v) => q.grantOf(v));

describe("the rule, worked examples", () => {
  it("guarantees reservations, shares leftover by weight up to caps, holds memory hard", () => {
    const { q } = oneHost([[30, 30, 10, 0], [30, 30, 10, 0], [20, 20, 10, 0]], { shaped: null });
    q.setLimits({ ids: [0, 1, 2], caps: [80, 0, 30, 0, 80, 0, 30, 0, 0, 0, 0, 0], weights: [1, 3, 1] });
    const r = q.tick(demands([[100, 50, 5, 9], [100, 10, 50, 0], [5, 20, 70, 0]]));
    // cpu: guarantees 30 + 30 + 5 = 65, 35 left for vm0 (weight 1, up to 80) and vm1 (weight 3):
    // level 35/4 -> 8 and 26, the leftover unit to the lowest id -> 9 and 26.
    // memory: hard, min(demand, reservation). network: vm0 wants 5, vm1 min(50, 30) = 30, vm2 10.
    // disk: a hard dimension with reservation 0 gets nothing.
    expect(grant(q, 3)).toEqual([[39, 30, 5, 0], [56, 10, 30, 0], [5, 20, 10, 0]]);
    expect(q.throttledOf(0)).toEqual([61, 20, 0, 9]);       // memory 20 above quota = pressure
    expect(r.throttledVms).toEqual({ cpu: 2, memory: 1, network: 2, disk: 1 });
    expect(r.contendedHosts).toEqual({ cpu: 1, memory: 0, network: 0, disk: 0 });
    expect(r.granted.cpu).toBe(100);
    expect(r.demand.cpu).toBe(205);
    expect(r.throttled.cpu).toBe(105);
    const hc = q.hostContention(0);
    expect(hc.capacity).toEqual([100, 100, 100, 100]);
    expect(hc.want[0]).toBe(80 + 80 + 5); // caps: vm0 and vm1 80, vm2 its reservation
    expect(hc.granted[0]).toBe(100);
    expect(hc.contention[0]).toBeCloseTo(1.65);
  });

  it("default caps are the reservation: idle capacity is not handed out unless caps allow it", () => {
    const { q } = oneHost([[30, 30, 30, 0]], { shaped: null });
    q.tick(demands([[90, 90, 90, 0]]));
    expect(q.grantOf(0)).toEqual([30, 30, 30, 0]);
  });

  it("an oversubscribed host shares even the guarantees by weight and never grants past physical capacity", () => {
    const engine = Engine.create([{ capacity: [100, 100, 100, 100], oversubscription: [2, 2, 1, 1] }], { vmCapacity: 4 });
    for (let i = 0; i < 3; i++) expect(engine.placeOn({ id: i, demand: [60, 60, 0, 0], tenant: 0 }, 0).host).toBe(0);
    const q = new QuotaEnforcer(engine, { shaped: null });
    q.setLimits({ ids: [0, 1, 2], weights: [2, 1, 1] });
    q.tick([60, 60, 0, 0, 60, 60, 0, 0, 10, 10, 0, 0, 0, 0, 0, 0]);
    // cpu: guarantees 60, 60, 10 > 100: vm2 saturates at 10, 90 by weight 2:1 -> 60, 30
    expect(grant(q, 3).map((g) => g[0])).toEqual([60, 30, 10]);
    expect(grant(q, 3).map((g) => g[1])).toEqual([60, 30, 10]); // memory the same way
  });

  it("the token bucket lets a VM burst its saved tokens, then holds it to the rate", () => {
    const { q } = oneHost([[10, 10, 10, 0]], { bucketTicks: 3 });
    q.setLimits({ ids: [0], caps: [0, 0, 100, 0] });
    const net = (d: number) => { q.tick(demands([[0, 0, d, 0]])); return q.grantOf(0)[2]; };
    expect(net(100)).toBe(30); // a new VM's bucket starts full: depth = 3 x rate
    expect(net(100)).toBe(10);
    expect(net(0)).toBe(0);
    expect(net(0)).toBe(0);
    expect(q.tokensOf(0)).toBe(20);
    expect(net(0)).toBe(0);
    expect(q.tokensOf(0)).toBe(30);
    expect(net(0)).toBe(0);
    expect(q.tokensOf(0)).toBe(30); // never more than the depth
    expect(net(100)).toBe(30);
    expect(net(5)).toBe(5);   // under the rate: always passes
    expect(q.tokensOf(0)).toBe(5);
  });

  it("reports hot hosts after k consecutive ticks of demand over capacity", () => {
    const { q } = oneHost([[50, 10, 10, 0]], { hotTicks: 2 });
    expect(q.tick(demands([[150, 0, 0, 0]])).hotHosts.length).toBe(0);
    expect(Array.from(q.tick(demands([[150, 0, 0, 0]])).hotHosts)).toEqual([0]);
    expect(q.hotRunOf(0)).toBe(2);
    expect(q.tick(demands([[10, 0, 0, 0]])).hotHosts.length).toBe(0);
    expect(q.hotRunOf(0)).toBe(0);
  });

  it("reads placements live: moves and releases need no rebuild", () => {
    const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: 2 }] }, { vmCapacity: 4 });
    engine.placeOn({ id: 0, demand: [50, 0, 0, 0], tenant: 0 }, 0);
    engine.placeOn({ id: 1, demand: [50, 0, 0, 0], tenant: 0 }, 0);
    const q = new QuotaEnforcer(engine, { shaped: null });
    q.setLimits({ ids: [0, 1], caps: [100, 0, 0, 0, 100, 0, 0, 0] });
    const d = [100, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    q.tick(d);
    expect([q.grantOf(0)[0], q.grantOf(1)[0]]).toEqual([50, 50]);
    engine.move(1, { target: 1 });
    q.tick(d);
    expect([q.grantOf(0)[0], q.grantOf(1)[0]]).toEqual([100, 100]);
    engine.release(1);
    q.tick(d);
    expect(q.grantOf(1)).toEqual([0, 0, 0, 0]);
  });
});

describe("validation: whole batch first, nothing changes on bad input", () => {
  it("rejects bad demands naming field and value, and changes nothing", () => {
    const { q } = oneHost([[30, 30, 10, 0]]);
    q.tick(demands([[10, 10, 10, 0]]));
    const before = q.snapshot();
    const bad = demands([[10, 10, 10, 0]]);
    bad[6] = -1;
    const err = (() => { try { q.tick(bad); } catch (e) { return e; } })() as VmfabricError;
    expect(err).toBeInstanceOf(VmfabricError);
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.field).toBe("demands[6]");
    expect(err.value).toBe(-1);
    expect(err.message).toContain("network");
    expect(() => q.tick([1.5, ...new Array(31).fill(0)])).toThrow(/demands\[0\]/);
    expect(() => q.tick([1, 2, 3])).toThrow(/32 entries/);
    expect(q.snapshot().state.tokens).toEqual(before.state.tokens);
    expect(q.grantOf(0)).toEqual([10, 10, 10, 0]);
  });

  it("rejects bad limits as a whole", () => {
    const { q } = oneHost([[30, 30, 10, 0], [10, 10, 10, 0]]);
    const tryIt = (l: Parameters<QuotaEnforcer["setLimits"]>[0]) => { try { q.setLimits(l); return undefined; } catch (e) { return e as VmfabricError; } };
    expect(tryIt({ ids: [0, 0] })?.code).toBe("DUPLICATE_VM");
    expect(tryIt({ ids: [0, 8] })?.field).toBe("limits.ids[1]");
    expect(tryIt({ ids: [0, 1], caps: [90, 0, 0, 0, 0, 5, 0, 0] })?.field).toBe("limits.caps[5]"); // memory is hard
    expect(tryIt({ ids: [0, 1], weights: [1, 0] })?.field).toBe("limits.weights[1]");
    expect(tryIt({ ids: [0, 1], caps: [90, 0, 0, 0, 0, 0, 0, 0], weights: [1, 70000] })?.value).toBe(70000);
    expect(q.limitsOf(0)).toEqual({ cap: [0, 0, 0, 0], weight: 1, depth: 0 }); // first entry not applied
    expect(() => new QuotaEnforcer(q.engine, { shared: ["gpu"] })).toThrow(/shared\[0\]/);
    expect(() => new QuotaEnforcer(q.engine, { hotTicks: 0 })).toThrow(/hotTicks/);
  });

  it("only the newest enforcer of an engine may be used", () => {
    const { engine, q } = oneHost([[30, 30, 10, 0]]);
    const q2 = new QuotaEnforcer(engine);
    expect(() => q.tick(demands([]))).toThrow(/newer QuotaEnforcer/);
    expect(q2.tick(demands([])).tick).toBe(1);
  });
});

describe("trap recovery", () => {
  it("a trap mid-tick rolls the tick back; tables are re-allocated in the new instance with limits and buckets kept", () => {
    const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: 3 }] }, { vmCapacity: 12 });
    for (let i = 0; i < 12; i++) engine.placeOn({ id: i, demand: [20, 20, 20, 0], tenant: 0 }, i % 3);
    const q = new QuotaEnforcer(engine, { bucketTicks: 2 });
    const ids = Array.from({ length: 12 }, (_, i) => i);
    q.setLimits({ ids, caps: ids.flatMap(() => [60, 0, 60, 0]), weights: ids.map((i) => 1 + (i % 3)) });
    const d = (t: number) => ids.flatMap((i) => [(i * 13 + t * 7) % 70, 25, (i * 11 + t * 5) % 80, 0]);
    const model = q.snapshot();
    const refState = model.state;
    const ref1 = referenceTick(model.fleet, refState, Int32Array.from(d(1)));
    q.tick(d(1));
    expect(Array.from(q.snapshot().state.tokens)).toEqual(Array.from(refState.tokens));
    void ref1;
    q.injectTrapAt(5);
    const err = (() => { try { q.tick(d(2)); } catch (e) { return e; } })() as VmfabricError;
    expect(err.code).toBe("CORE_TRAP");
    // the failed tick left no trace: the next tick matches the reference that never saw it
    const ref3 = referenceTick(model.fleet, refState, Int32Array.from(d(3)));
    const r = q.tick(d(3));
    for (let v = 0; v < 12; v++) for (let k = 0; k < 4; k++) expect(r.grants[v * 4 + k]).toBe(ref3.granted[v * 4 + k]);
    expect(Array.from(q.snapshot().state.tokens)).toEqual(Array.from(refState.tokens));
    expect(q.limitsOf(4)).toEqual({ cap: [60, 0, 60, 0], weight: 2, depth: 0 });
    expect(engine.hostOf(7)).toBe(1);
  });
});

describe("dimensions beyond four (two v128 lanes per vector)", () => {
  it("enforces a fifth shared dimension", () => {
    const dims = ["cpu", "memory", "network", "disk", "gpu"];
    const engine = Engine.create([{ capacity: [100, 100, 100, 100, 8] }], { dimensions: dims, vmCapacity: 2 });
    engine.placeOn({ id: 0, demand: [10, 10, 10, 10, 2], tenant: 0 }, 0);
    engine.placeOn({ id: 1, demand: [10, 10, 10, 10, 2], tenant: 0 }, 0);
    const q = new QuotaEnforcer(engine, { shared: ["cpu", "network", "gpu"], shaped: null });
    q.setLimits({ ids: [0, 1], caps: [0, 0, 0, 0, 8, 0, 0, 0, 0, 8] });
    const r = q.tick([10, 10, 10, 10, 8, 10, 10, 10, 10, 8]);
    expect(r.stride).toBe(8);
    expect(q.grantOf(0)).toEqual([10, 10, 10, 10, 4]);
    expect(q.grantOf(1)).toEqual([10, 10, 10, 10, 4]);
    expect(r.contendedHosts.gpu).toBe(1);
  });
});

describe("tick order (host by host, or in VM order): same results, placements read live", () => {
  // packed: each host's VMs have consecutive ids (the core walks host by host); dealt: ids 100
  // apart on each host (the core walks in VM order); both forced ways too
  for (const layout of ["packed", "dealt"] as const) {
    for (const order of ["auto", "host", "vm"] as const) {
      it(`${layout} fleet, order ${order}: agrees with the reference through moves, releases and new placements`, () => {
        const H = 100;
        const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: H }] }, { vmCapacity: 240 });
        const hostOf = (v: number) => (layout === "packed" ? v >> 1 : v % H);
        for (let v = 0; v < 200; v++) expect(engine.placeOn({ id: v, demand: [20, 20, 10, 0], tenant: 0 }, hostOf(v)).host).toBe(hostOf(v));
        const q = new QuotaEnforcer(engine, { bucketTicks: 2 });
        q.setTickOrder(order);
        const ids = Array.from({ length: 240 }, (_, i) => i);
        q.setLimits({ ids, caps: ids.flatMap(() => [60, 0, 40, 0]), weights: ids.map((i) => 1 + (i % 3)) });
        let seed = 7;
        const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
        let snap = q.snapshot();
        const refState = snap.state;
        for (let t = 0; t < 8; t++) {
          const demand = Int32Array.from({ length: 240 * 4 }, (_, j) => (j % 4 === 3 ? 0 : rnd(j % 4 === 1 ? 30 : 90)));
          const ref = referenceTick(snap.fleet, refState, demand);
          const r = q.tick(demand);
          for (let j = 0; j < 240 * 4; j++) expect(r.grants[j], `tick ${t} vm ${j >> 2} dim ${j & 3}`).toBe(ref.granted[j]);
          expect(Array.from(r.hostWant)).toEqual(Array.from(ref.hostWant));
          expect(Array.from(r.hostDemand)).toEqual(Array.from(ref.hostDemand));
          expect(Array.from(r.hotHosts)).toEqual(ref.hot);
          expect(Object.values(r.throttledVms)).toEqual(ref.throttledVms);
          expect(Object.values(r.contendedHosts)).toEqual(ref.contendedHosts);
          expect(Object.values(r.granted)).toEqual(ref.grantedTotal);
          expect(Array.from(q.snapshot().state.tokens)).toEqual(Array.from(refState.tokens));
          // placements change between ticks: a move, a release, a new VM onto a (busy) host
          const m = rnd(200);
          if (engine.hostOf(m) >= 0) engine.move(m, { target: (engine.hostOf(m) + 1 + rnd(H - 1)) % H });
          const rel = rnd(240);
          if (engine.hostOf(rel) >= 0) engine.release(rel);
          const nv = 200 + t * 5;
          for (let k = 0; k < 5; k++) if (engine.hostOf(nv + k) < 0) engine.placeOn({ id: nv + k, demand: [10, 10, 10, 0], tenant: 0 }, hostOf(rnd(200)));
          snap = { fleet: q.snapshot().fleet, state: refState };
        }
      });
    }
  }
});

describe("cap table layouts (the core keeps only the shared dimensions' caps when at most two are shared)", () => {
  // none shared (no caps at all), one, two (compact rows of 4 or 8 bytes), three and four
  // (full rows); with and without a shaped dimension
  const cases: { shared: string[]; shaped: string | null }[] = [
    { shared: [], shaped: null },
    { shared: ["network"], shaped: "network" },
    { shared: ["memory", "disk"], shaped: null },
    { shared: ["cpu", "network", "disk"], shaped: "network" },
    { shared: ["cpu", "memory", "network", "disk"], shaped: "disk" },
  ];
  for (const { shared, shaped } of cases) {
    it(`shared [${shared.join(", ")}], shaped ${shaped}: agrees with the reference; limitsOf reads the caps back`, () => {
      const dims = ["cpu", "memory", "network", "disk"];
      const H = 6;
      const V = 30;
      const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: H }] }, { vmCapacity: V });
      for (let v = 0; v < V - 2; v++) engine.placeOn({ id: v, demand: [10 + (v % 7), 5 + (v % 5), 8 + (v % 3), 6 + (v % 4)], tenant: 0 }, v % H);
      const q = new QuotaEnforcer(engine, { shared, shaped, bucketTicks: 2 });
      const ids = Array.from({ length: V }, (_, i) => i);
      const caps = ids.flatMap((v) => dims.map((d, k) => (shared.includes(d) && v % 3 !== 0 ? 30 + ((v * 7 + k * 11) % 40) : 0)));
      q.setLimits({ ids, caps, weights: ids.map((v) => 1 + (v % 4)) });
      for (const v of [0, 1, 5, V - 1]) expect(q.limitsOf(v).cap).toEqual(caps.slice(v * 4, v * 4 + 4));
      const snap = q.snapshot();
      expect(Array.from(snap.fleet.caps)).toEqual(caps);
      const refState = snap.state;
      let seed = 11;
      const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
      for (let t = 0; t < 5; t++) {
        const demand = Int32Array.from({ length: V * 4 }, () => rnd(60));
        const ref = referenceTick(snap.fleet, refState, demand);
        const r = q.tick(demand);
        for (let j = 0; j < V * 4; j++) expect(r.grants[j], `tick ${t} vm ${j >> 2} dim ${j & 3}`).toBe(ref.granted[j]);
        expect(Array.from(r.hostWant)).toEqual(Array.from(ref.hostWant));
        expect(Object.values(r.throttledVms)).toEqual(ref.throttledVms);
        expect(Object.values(r.granted)).toEqual(ref.grantedTotal);
        expect(Array.from(q.snapshot().state.tokens)).toEqual(Array.from(refState.tokens));
      }
    });
  }
});
