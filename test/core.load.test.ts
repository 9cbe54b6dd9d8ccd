// Loading the core: synchronously in Node on first use, or with init() from bytes, a file URL or
// a compiled module; without Node's file system (a browser) an engine before init() is a clear
// error, and after init(bytes) everything works.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

const WASM = new URL("../build/vmfabric.wasm", import.meta.url);
const fleet = [{ capacity: [10, 10, 10, 10] }, { capacity: [20, 20, 20, 20] }];

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** Fresh copies of the modules (no core compiled yet), as a new page would have. */
async function fresh() {
  vi.resetModules();
  return { core: await import("../src/core.js"), engine: await import("../src/engine.js") };
}

describe("loading the core", () => {
  it("Node: Engine.create works with no init (the sync path)", async () => {
    const { core, engine } = await fresh();
    expect(core.isCoreLoaded()).toBe(false);
    expect(engine.Engine.create(fleet).place({ id: 0, demand: [15, 1, 1, 1], tenant: 0 })).toMatchObject({ placed: true, host: 1 });
    expect(core.isCoreLoaded()).toBe(true);
  });

  it("without Node's file system: CORE_NOT_LOADED until init(bytes), then engines work", async () => {
    vi.stubGlobal("process", { ...process, getBuiltinModule: undefined });
    const { core, engine } = await fresh();
    expect(() => engine.Engine.create(fleet)).toThrow(expect.objectContaining({ code: "CORE_NOT_LOADED", message: expect.stringContaining("await init()") }));
    await core.init(readFileSync(WASM));
    expect(engine.Engine.create(fleet).place({ id: 0, demand: [15, 1, 1, 1], tenant: 0 })).toMatchObject({ placed: true, host: 1 });
  });

  it("init from a file URL, an ArrayBuffer, a Response-like object; Engine.load does both steps", async () => {
    const bytes = readFileSync(WASM);
    for (const source of [WASM, WASM.href, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), { arrayBuffer: async () => new Uint8Array(bytes).buffer }]) {
      const { core, engine } = await fresh();
      await core.init(source);
      expect(core.isCoreLoaded()).toBe(true);
      expect(engine.Engine.create(fleet).place({ id: 0, demand: [5, 1, 1, 1], tenant: 0 }).host).toBe(0);
    }
    const { engine } = await fresh();
    const e = await engine.Engine.load(fleet, {}, WASM);
    expect(e.place({ id: 1, demand: [25, 1, 1, 1], tenant: 0 })).toMatchObject({ placed: false, host: -1, rejection: { code: "NO_CAPACITY" } });
  });

  it("a URL that cannot be fetched or bytes that are not wasm fail with a reason", async () => {
    vi.stubGlobal("process", { ...process, getBuiltinModule: undefined });
    vi.stubGlobal("fetch", async () => ({ ok: false, status: 404, headers: { get: () => null }, arrayBuffer: async () => new ArrayBuffer(0) }));
    const { core } = await fresh();
    await expect(core.init("https://example.invalid/vmfabric.wasm")).rejects.toMatchObject({ code: "CORE_MISSING", message: expect.stringContaining("HTTP 404") });
    await expect(core.init(new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(core.isCoreLoaded()).toBe(false);
  });
});
