// Quota after a trap: what the caller filled and what the last tick granted survive the
// engine's recovery; what a trapped tick may have overwritten is refused, never read as zeros.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { QuotaEnforcer } from "../src/quota/enforcer.js";
import { vmfabricErrorOf } from "./support/errors.js";

function fleet() {
  const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: 3 }] }, { vmCapacity: 12 });
  for (let i = 0; i < 9; i++) engine.placeOn({ id: i, demand: [20, 20, 20, 0], tenant: 0 }, i % 3);
  const q = new QuotaEnforcer(engine, { bucketTicks: 2 });
  const ids = Array.from({ length: 12 }, (_, i) => i);
  q.setLimits({ ids, caps: ids.flatMap(() => [60, 0, 60, 0]) });
  return { engine, q };
}

/** Makes the engine's next batch call trap (and the engine recover). */
function trapInEngine(engine: Engine): void {
  engine.injectTrapAfter(0);
  expect(vmfabricErrorOf(() => engine.placeBatch({ ids: [9, 10], demands: [1, 1, 1, 0, 1, 1, 1, 0], tenants: [0, 0] })).code).toBe("CORE_TRAP");
}

describe("quota across a trap recovery", () => {
  it("a filled demandBuffer() is kept: tick() with no argument grants what it would have", () => {
    const a = fleet();
    const b = fleet();
    for (const { q } of [a, b]) {
      const buf = q.demandBuffer();
      for (let v = 0; v < 9; v++) buf.set([30 + v, 25, 10 + v, 0], v * q.stride);
    }
    trapInEngine(a.engine);
    const ta = a.q.tick();
    const tb = b.q.tick();
    expect(Array.from(ta.grants)).toEqual(Array.from(tb.grants));
    expect(ta.granted.cpu).toBeGreaterThan(0);
    expect(ta.tick).toBe(tb.tick);
  });

  it("the last tick's grants, grantOf and hostContention read the same after a trap in an engine call", () => {
    const { engine, q } = fleet();
    const d = Array.from({ length: 12 }, (_, v) => [40 + v, 30, 15, 0]).flat();
    const t = q.tick(d);
    const grants = Array.from(t.grants);
    const of3 = q.grantOf(3);
    const host1 = q.hostContention(1);
    const throttled = q.throttledOf(3);
    trapInEngine(engine);
    expect(Array.from(q.grants())).toEqual(grants);
    expect(q.grantOf(3)).toEqual(of3);
    expect(q.hostContention(1)).toEqual(host1);
    expect(q.throttledOf(3)).toEqual(throttled);
    expect(of3[0]).toBeGreaterThan(0);
    // tick numbers go on from where they were
    expect(q.tick(d).tick).toBe(t.tick + 1);
  });

  it("after a trap inside a tick, the last tick's results are refused (TICK_LOST) until the next tick", () => {
    const { q } = fleet();
    const d = Array.from({ length: 12 }, (_, v) => [40 + v, 30, 15, 0]).flat();
    q.tick(d);
    q.injectTrapAt(4);
    expect(vmfabricErrorOf(() => q.tick(d)).code).toBe("CORE_TRAP");
    for (const f of [() => q.grants(), () => q.grantOf(0), () => q.throttledOf(0), () => q.hostContention(0)]) {
      expect(vmfabricErrorOf(f).code).toBe("TICK_LOST");
    }
    const again = q.tick(d);
    expect(q.grantOf(0)).toEqual(Array.from(again.grants.subarray(0, 4)));
  });
});

describe("quota memory is checked up front", () => {
  it("the estimate bounds what the core really allocates, within a factor of 2", async () => {
    const { quotaCoreBytes } = await import("../src/quota/enforcer.js");
    for (const [hosts, vms, dims] of [[1000, 8000, 4], [300, 20000, 6], [5000, 100, 2]] as const) {
      const engine = Engine.create({ hostTypes: [{ capacity: Array(dims).fill(100), count: hosts }] }, { vmCapacity: vms, dimensions: Array.from({ length: dims }, (_, d) => `d${d}`) });
      const before = engine.stats().coreBytes;
      new QuotaEnforcer(engine, { shared: [], shaped: null });
      const grown = engine.stats().coreBytes - before;
      const est = quotaCoreBytes(vms, hosts, dims).tables;
      expect(est).toBeGreaterThanOrEqual(grown);
      expect(est).toBeLessThan(2 * grown);
    }
  });
});
