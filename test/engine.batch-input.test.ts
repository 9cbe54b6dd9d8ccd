// Batches are read once: the core gets exactly the validated copy, whatever the caller's
// arrays do while or after they are read. Sizes past the documented maxima are LIMIT errors
// raised before anything big is allocated.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { BATCH_MAX, batchScratchBytes, checkBatchFits } from "../src/batch-input.js";
import { Engine } from "../src/engine.js";
import { observeEngine, vmfabricErrorOf } from "./support/errors.js";

const CAP = 64;
function engine(): Engine {
  return Engine.create([{ capacity: [100, 100] }, { capacity: [100, 100], faultDomain: 1 }, { capacity: [100, 100], faultDomain: 2 }], { dimensions: ["cpu", "memory"], vmCapacity: CAP });
}

/** A Proxy over `first` whose every entry reads `first[i]` the first time and `later[i]` after;
 *  counts reads per index. */
function changing(first: number[], later: unknown[]) {
  const reads = new Map<number, number>();
  const proxy = new Proxy(first, {
    get(target, key, recv) {
      if (typeof key === "string" && /^\d+$/.test(key)) {
        const i = Number(key);
        const k = (reads.get(i) ?? 0) + 1;
        reads.set(i, k);
        return k === 1 ? target[i] : later[i];
      }
      return Reflect.get(target, key, recv);
    },
  });
  return { proxy, reads };
}

describe("read once", () => {
  it("a Proxy that changes on its second read: each entry is read once and the core gets the first values", () => {
    const e = engine();
    const ids = changing([1, 2, 3], [CAP + 5, 2, 2]);
    const dem = changing([10, 10, 20, 20, 30, 30], [-1, 1e12, NaN, 0, 0, 0]);
    const ten = changing([0, 1, 2], [2 ** 40, -1, 0.5]);
    const dep = changing([7, 7, 7], [7.5, -3, 2 ** 33]);
    const r = e.placeBatch({ ids: ids.proxy, demands: dem.proxy, tenants: ten.proxy, deployments: dep.proxy });
    expect(r.placed).toBe(3);
    for (const p of [ids, dem, ten, dep]) for (const k of p.reads.values()) expect(k).toBe(1);
    expect([1, 2, 3].map((v) => e.demandOf(v))).toEqual([[10, 10], [20, 20], [30, 30]]);
    expect([1, 2, 3].map((v) => e.tenantOf(v))).toEqual([0, 1, 2]);
    expect(new Set([1, 2, 3].map((v) => e.hostOf(v))).size).toBe(3); // one deployment, anti-affinity held
    const rel = changing([1, 2, 3], [1, 1, 1]);
    e.releaseBatch(rel.proxy as unknown as number[]);
    for (const k of rel.reads.values()) expect(k).toBe(1);
    expect(e.stats().vmsPlaced).toBe(0);
  });

  it("a bad value is reported as read, and nothing changes", () => {
    const e = engine();
    const before = observeEngine(e);
    const ids = changing([1, 2, CAP], [1, 2, 3]);
    const err = vmfabricErrorOf(() => e.placeBatch({ ids: ids.proxy, demands: [1, 1, 1, 1, 1, 1], tenants: [0, 0, 0] }));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.field).toBe("batch.ids[2]");
    expect(err.value).toBe(CAP);
    expect(observeEngine(e)).toEqual(before);
  });

  it("a SharedArrayBuffer-backed batch is copied: writes after the call change nothing", () => {
    const e = engine();
    const sab = new SharedArrayBuffer(3 * 4);
    const ids = new Uint32Array(sab);
    ids.set([4, 5, 6]);
    const dem = new Int32Array(new SharedArrayBuffer(6 * 4));
    dem.fill(10);
    e.placeBatch({ ids, demands: dem, tenants: new Uint32Array(new SharedArrayBuffer(12)) });
    ids.set([CAP + 1, 4, 4]);
    dem.fill(-1);
    expect([4, 5, 6].map((v) => e.demandOf(v))).toEqual([[10, 10], [10, 10], [10, 10]]);
    e.releaseBatch(new Uint32Array(sab, 4, 2).fill(5).map((_, i) => 5 + i));
    expect(e.stats().vmsPlaced).toBe(1);
  });

  it("a worker rewriting a SharedArrayBuffer batch meanwhile never gets a bad id, a negative demand or a VM twice into the core", async () => {
    const e = engine();
    const n = 48;
    const ids = new Int32Array(new SharedArrayBuffer(n * 4));
    const dem = new Int32Array(new SharedArrayBuffer(n * 2 * 4));
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(`
      const { workerData: { ids, dem, stop } } = require("node:worker_threads");
      let k = 0;
      while (Atomics.load(stop, 0) === 0) {
        k++;
        for (let i = 0; i < ids.length; i++) Atomics.store(ids, i, k & 1 ? i : (k & 2 ? ${CAP} + i : 0));
        for (let j = 0; j < dem.length; j++) Atomics.store(dem, j, k & 1 ? 1 : -5);
      }`, { eval: true, workerData: { ids, dem, stop } });
    await new Promise((r) => setTimeout(r, 50));
    let placedCalls = 0;
    let refused = 0;
    try {
      for (let round = 0; round < 300; round++) {
        let r;
        try {
          r = e.placeBatch({ ids, demands: dem, tenants: new Uint32Array(n) });
        } catch (err) {
          const x = vmfabricErrorOf(() => { throw err; });
          expect(["INVALID_INPUT", "DUPLICATE_VM"]).toContain(x.code);
          refused++;
          continue;
        }
        placedCalls++;
        // whatever was placed is a real VM with a non-negative demand, each once
        const placed = [...Array(CAP).keys()].filter((v) => e.hostOf(v) >= 0);
        expect(placed.length).toBe(r.placed);
        for (const v of placed) expect(Math.min(...e.demandOf(v))).toBeGreaterThanOrEqual(0);
        e.releaseBatch(placed);
      }
    } finally {
      Atomics.store(stop, 0, 1);
      await worker.terminate();
    }
    expect(placedCalls + refused).toBe(300);
    expect(e.stats().vmsPlaced).toBe(0);
  });
});

describe("unsupported arrays and bad indexes", () => {
  it("a DataView is a clear error naming the field, in placeBatch and releaseBatch (never a silent no-op)", () => {
    const e = engine();
    e.placeBatch({ ids: [1], demands: [1, 1], tenants: [0] });
    const dv = new DataView(new Uint32Array([1]).buffer);
    for (const [f, field] of [
      [() => e.placeBatch({ ids: dv as never, demands: [1, 1], tenants: [0] }), "batch.ids"],
      [() => e.placeBatch({ ids: [2], demands: dv as never, tenants: [0] }), "batch.demands"],
      [() => e.placeBatch({ ids: [2], demands: [1, 1], tenants: [0], deployments: dv as never }), "batch.deployments"],
      [() => e.placeBatch({ ids: [2], demands: [1, 1], tenants: [0] }, { prior: { deployments: dv as never, faultDomains: [], counts: [] } }), "prior.deployments"],
      [() => e.releaseBatch(dv as never), "vmIds"],
    ] as const) {
      const err = vmfabricErrorOf(f);
      expect(err.code).toBe("INVALID_INPUT");
      expect(err.field).toBe(field);
      expect(err.message).toContain("DataView");
    }
    expect(e.hostOf(1)).toBeGreaterThanOrEqual(0);
    expect(e.stats().vmsPlaced).toBe(1);
  });

  it("BigInt arrays, strings and objects are refused naming the field and showing the value", () => {
    const e = engine();
    expect(vmfabricErrorOf(() => e.placeBatch({ ids: new BigUint64Array([1n]) as never, demands: [1, 1], tenants: [0] })).message).toContain("1n");
    const err = vmfabricErrorOf(() => e.placeBatch({ ids: [1], demands: [1, "2"] as never, tenants: [0] }));
    expect(err.field).toBe("batch.demands[1]");
    expect(err.message).toContain('"2"');
    expect(vmfabricErrorOf(() => e.releaseBatch({ length: 1, 0: 1 } as never)).field).toBe("vmIds");
  });

  it("typed inputs: each entry's range is checked (the fast path for integer arrays)", () => {
    const e = engine();
    const before = observeEngine(e);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ids: new Int32Array([1, -1]), demands: new Int32Array(4), tenants: new Uint32Array(2) }, "batch.ids[1]"],
      [{ ids: new Uint32Array([1, CAP]), demands: new Int32Array(4), tenants: new Uint32Array(2) }, "batch.ids[1]"],
      [{ ids: new Uint32Array([1, 2]), demands: new Int32Array([1, 1, 1, -1]), tenants: new Uint32Array(2) }, "batch.demands[3]"],
      [{ ids: new Uint32Array([1, 2]), demands: new Int32Array(4), tenants: new Uint32Array([0, 0xffffffff]) }, "batch.tenants[1]"],
      [{ ids: new Uint32Array([1, 2]), demands: new Float64Array([1, 1, 1, 0.5]), tenants: new Uint32Array(2) }, "batch.demands[3]"],
      [{ ids: new Uint32Array([1, 2]), demands: new Int32Array(4), tenants: new Int32Array([0, -3]) }, "batch.tenants[1]"],
    ];
    for (const [batch, field] of cases) expect(vmfabricErrorOf(() => e.placeBatch(batch as never)).field).toBe(field);
    expect(observeEngine(e)).toEqual(before);
    // "no deployment" (2^32 - 1) is allowed in deployments, not in tenants
    expect(e.placeBatch({ ids: new Uint32Array([1]), demands: new Int32Array(2), tenants: new Uint32Array(1), deployments: new Uint32Array([0xffffffff]) }).placed).toBe(1);
  });

  it("explain(result, i) with a bad i or result is a VmfabricError", () => {
    const e = engine();
    const r = e.placeBatch({ ids: [1, 2], demands: [1, 1, 1000, 1000], tenants: [0, 0] });
    expect(e.explain(r, 1)?.code).toBe("NO_CAPACITY");
    expect(e.explain(r, 0)).toBeUndefined();
    for (const i of [2, -1, 0.5, NaN, "0", undefined]) expect(vmfabricErrorOf(() => e.explain(r, i as number)).field).toBe("i");
    expect(vmfabricErrorOf(() => e.explain(null as never, 0)).field).toBe("result");
    expect(vmfabricErrorOf(() => e.explain({ reasons: [1] } as never, 0)).field).toBe("result");
  });
});

describe("sizes past the maxima are LIMIT, before any big allocation", () => {
  it("a batch of 2^26 + 1 VMs: LIMIT naming batch.ids; no entry is read", () => {
    const e = engine();
    const reads = { n: 0 };
    const huge = new Proxy([] as number[], {
      get(t, k, r) {
        if (k === "length") return BATCH_MAX + 1;
        if (typeof k === "string" && /^\d+$/.test(k)) reads.n++;
        return Reflect.get(t, k, r);
      },
    });
    const err = vmfabricErrorOf(() => e.placeBatch({ ids: huge, demands: huge, tenants: huge }));
    expect(err.code).toBe("LIMIT");
    expect(err.field).toBe("batch.ids");
    expect(err.message).toContain(String(BATCH_MAX));
    expect(vmfabricErrorOf(() => e.releaseBatch(huge)).code).toBe("LIMIT");
    expect(reads.n).toBe(0);
  });

  it("a batch whose core scratch does not fit beside the tables in 4 GiB is LIMIT naming batch.ids", () => {
    // 2^24 hosts and vmCapacity 2^26 hold about 3.1 GB of tables (measured: 3,125,978,544 bytes)
    const err = vmfabricErrorOf(() => checkBatchFits("batch.ids", BATCH_MAX, 0, 4, 3_125_978_544));
    expect(err.code).toBe("LIMIT");
    expect(err.message).toMatch(/MiB of core scratch/);
    checkBatchFits("batch.ids", 4096, 0, 4, 3_125_978_544); // an ordinary batch fits
    expect(batchScratchBytes(1, 0, 4)).toBeGreaterThan(4 * 65536); // the sort's buckets
  });

  it("hosts, count and vmCapacity one past the maximum are LIMIT naming the field", () => {
    const host = { capacity: [1, 1, 1, 1] };
    const cases: Array<[() => unknown, string]> = [
      [() => Engine.create({ hostTypes: [{ ...host, count: 2 ** 24 + 1 }] }), "hostTypes[0].count"],
      [() => Engine.create({ hostTypes: [{ ...host, count: 2 ** 23 }, { ...host, count: 2 ** 23 + 1 }] }), "hosts"],
      [() => Engine.create([host], { vmCapacity: 2 ** 26 + 1 }), "vmCapacity"],
    ];
    for (const [f, field] of cases) {
      const err = vmfabricErrorOf(f);
      expect(err.code).toBe("LIMIT");
      expect(err.field).toBe(field);
    }
    expect(vmfabricErrorOf(() => Engine.create([host], { vmCapacity: 0 })).code).toBe("INVALID_INPUT");
    expect(vmfabricErrorOf(() => Engine.create([host], { vmCapacity: 1.5 })).code).toBe("INVALID_INPUT");
  });
});
