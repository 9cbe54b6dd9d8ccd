// Values in error messages are shown as the caller gave them.
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine.js";
import { show } from "../src/errors.js";
import { vmfabricErrorOf } from "./support/errors.js";

describe("show", () => {
  it("keeps a BigInt's n, NaN, Infinity and undefined inside arrays and objects", () => {
    expect(show(1n)).toBe("1n");
    expect(show(0n)).toBe("0n");
    expect(show(-5n)).toBe("-5n");
    expect(show([1n, NaN, -Infinity, undefined, "x", 2])).toBe('[1n,NaN,-Infinity,undefined,"x",2]');
    expect(show({ a: 2n })).toBe('{"a":2n}');
    expect(show(new BigInt64Array([3n]))).toBe('{"0":3n}');
    expect(show(Symbol("s"))).toBe("Symbol(s)");
    expect(show("1")).toBe('"1"');
    expect(show(1)).toBe("1");
  });

  it("a BigInt demand is reported as 1n, not as the number 1", () => {
    const e = Engine.create([{ capacity: [10] }], { dimensions: ["cpu"], vmCapacity: 4 });
    const err = vmfabricErrorOf(() => e.place({ id: 0, demand: [1n as unknown as number], tenant: 0 }));
    expect(err.message).toContain("got 1n");
    const err0 = vmfabricErrorOf(() => e.placeBatch({ ids: [0], demands: [0n as unknown as number], tenants: [0] }));
    expect(err0.message).toContain("got 0n");
    expect(err0.value).toBe(0n);
  });
});
