// Quota inputs are read once, as batches are: the core gets the validated copy.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { QuotaEnforcer } from "../src/quota/enforcer.js";
import { vmfabricErrorOf } from "./support/errors.js";

function fleet() {
  const engine = Engine.create({ hostTypes: [{ capacity: [100, 100, 100, 100], count: 2 }] }, { vmCapacity: 4 });
  for (let i = 0; i < 4; i++) engine.placeOn({ id: i, demand: [20, 20, 20, 0], tenant: 0 }, i % 2);
  return { engine, q: new QuotaEnforcer(engine) };
}

/** A Proxy whose entries read `first` once and `later` after. */
function changing(first: number[], later: number[]) {
  const reads: number[] = [];
  const proxy = new Proxy(first, {
    get(t, k, r) {
      if (typeof k === "string" && /^\d+$/.test(k)) {
        const i = Number(k);
        reads[i] = (reads[i] ?? 0) + 1;
        return reads[i] === 1 ? t[i] : later[i];
      }
      return Reflect.get(t, k, r);
    },
  });
  return { proxy, reads };
}

describe("quota inputs read once", () => {
  it("tick(demands) with a Proxy that changes on its second read grants from the first values", () => {
    const { q } = fleet();
    const first = [15, 20, 10, 0, 15, 20, 10, 0, 15, 20, 10, 0, 15, 20, 10, 0];
    const p = changing(first, first.map(() => -7));
    const t = q.tick(p.proxy);
    expect(p.reads.every((k) => k === 1)).toBe(true);
    expect(q.grantOf(0)).toEqual([15, 20, 10, 0]);
    expect(t.granted.cpu).toBe(60);
  });

  it("setLimits with ids that change on a second read sets exactly the ids first read", () => {
    const { q } = fleet();
    const ids = changing([1, 2], [0, 99]);
    q.setLimits({ ids: ids.proxy, weights: [5, 6] });
    expect(ids.reads.every((k) => k === 1)).toBe(true);
    expect([0, 1, 2, 3].map((v) => q.limitsOf(v).weight)).toEqual([1, 5, 6, 1]);
  });

  it("a DataView is refused naming the field, nothing changes", () => {
    const { q } = fleet();
    const dv = new DataView(new ArrayBuffer(64));
    expect(vmfabricErrorOf(() => q.tick(dv as never)).field).toBe("demands");
    expect(vmfabricErrorOf(() => q.setLimits({ ids: dv as never })).field).toBe("limits.ids");
    expect(q.limitsOf(0).weight).toBe(1);
    expect(vmfabricErrorOf(() => q.tick([1n, ...Array(15).fill(0)] as never)).message).toContain("1n");
  });
});

describe("quota on an engine with devices", () => {
  it("is refused with a VmfabricError naming the engine's device dimensions (quota does not know the derived lanes)", () => {
    const engine = Engine.create([{ capacity: [8000, 8192, 2000] }], { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: 1000 }, vmCapacity: 4 });
    const err = vmfabricErrorOf(() => new QuotaEnforcer(engine));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.field).toBe("engine");
    expect(err.message).toContain("gpu");
    // Without devices the same fleet takes a quota enforcer.
    expect(() => new QuotaEnforcer(Engine.create([{ capacity: [8000, 8192, 2000] }], { dimensions: ["cpu", "memory", "gpu"], vmCapacity: 4 }))).not.toThrow();
  });
});
