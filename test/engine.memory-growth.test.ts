// The core's memory grows after creation only when a batch needs more scratch; growing detaches
// every typed-array view of the old buffer, and the facade must notice (it checks its io view's
// length, which a detached view reads as 0) and re-create its views before reading any.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";

describe("views after the core's memory grows", () => {
  it("a batch that grows the scratch, then place, hostOf, freeOf and release read the new memory", () => {
    const e = Engine.create([{ capacity: [100, 100] }, { capacity: [100, 100], faultDomain: 1 }], { dimensions: ["cpu", "memory"], vmCapacity: 300_000 });
    const memory = (e as unknown as { core: { memory: { buffer: ArrayBuffer } } }).core.memory;
    const before = memory.buffer.byteLength;
    const n = 200_000;
    const ids = Array.from({ length: n }, (_, i) => i);
    const r = e.placeBatch({ ids, demands: new Array<number>(2 * n).fill(1), tenants: new Array<number>(n).fill(1) });
    expect(memory.buffer.byteLength).toBeGreaterThan(before); // the test is about growth: it must happen
    expect(r.placed).toBe(200); // 100 + 100 units of 1
    const p = e.place({ id: n, demand: [0, 0], tenant: 1 });
    expect(p.host).toBeGreaterThanOrEqual(0);
    expect(e.hostOf(n)).toBe(p.host);
    expect(e.hostOf(0)).toBe(r.hosts[0]);
    expect(e.freeOf(0)).toEqual([0, 0]);
    e.release(0);
    expect(e.freeOf(r.hosts[0])).toEqual([1, 1]);
    expect(e.hostOf(0)).toBe(-1);
  });
});
