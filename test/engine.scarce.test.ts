// Keeping scarce hosts free: a VM that asks none of a special dimension (one some host types
// have none of, like a GPU) goes to a host without it whenever one can take it.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { vmfabricErrorOf } from "./support/errors.js";

const CPU = { capacity: [8, 8, 0] };
const GPU = { capacity: [16, 16, 4] };
const dims = { dimensions: ["cpu", "memory", "gpu"], vmCapacity: 32 };

describe("keeping scarce hosts free", () => {
  it("a CPU-only VM avoids the GPU host while a CPU host fits, then takes it", () => {
    const e = Engine.create([CPU, GPU, CPU], dims);
    // A GPU VM makes the GPU host the tightest (best-fit would take it next).
    expect(e.place({ id: 0, demand: [12, 12, 1], tenant: 1 }).host).toBe(1);
    expect(e.place({ id: 1, demand: [2, 2, 0], tenant: 1 }).host).toBe(0);
    expect(e.place({ id: 2, demand: [2, 2, 0], tenant: 1 }, { keepScarceHostsFree: false }).host).toBe(1);
    // CPU hosts full: the GPU host is used rather than rejecting the VM.
    expect(e.place({ id: 3, demand: [6, 6, 0], tenant: 1 }).host).toBe(0);
    expect(e.place({ id: 4, demand: [8, 8, 0], tenant: 1 }).host).toBe(2);
    expect(e.place({ id: 5, demand: [1, 1, 0], tenant: 1 }).host).toBe(1);
    // A VM asking for the GPU is not affected.
    expect(e.place({ id: 6, demand: [1, 1, 1], tenant: 1 }).host).toBe(1);
  });

  it("batches and policy moves keep the rule; an engine-wide default can turn it off", () => {
    const e = Engine.create([GPU, CPU], dims);
    const r = e.placeBatch({ ids: [0, 1], demands: [1, 1, 0, 1, 1, 1], tenants: [1, 1] }, { policy: "first-fit" });
    expect(Array.from(r.hosts)).toEqual([1, 0]);
    const off = Engine.create([GPU, CPU], { ...dims, keepScarceHostsFree: false });
    expect(off.place({ id: 0, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(0);
    expect(off.move(0, { policy: "first-fit", keepScarceHostsFree: true }).host).toBe(1);
    expect(vmfabricErrorOf(() => off.place({ id: 1, demand: [1, 1, 0], tenant: 1 }, { keepScarceHostsFree: 1 as unknown as boolean })).field).toBe("keepScarceHostsFree");
  });

  it("a dimension becomes special when a host type without it (or with it) arrives", () => {
    const e = Engine.create([GPU], dims);
    expect(e.place({ id: 0, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(0);
    e.addHosts([CPU]);
    expect(e.place({ id: 1, demand: [1, 1, 0], tenant: 1 }, { policy: "first-fit" }).host).toBe(1);
  });
});
