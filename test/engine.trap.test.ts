// Trap recovery: injectTrapAfter(n) makes the core trap after n more placements (or releases)
// in a batch call. CORE_TRAP is thrown, the state is the state before the batch, and the
// engine (a new core instance) keeps matching the reference model afterwards.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import { SMALL, fleetArb, opArb, reqArb } from "./support/arbitraries.js";
import { NO_DEP } from "./support/reference.js";
import { World, applyOp, compareFull } from "./fuzz/model.js";
import { replaceCoreExport } from "../bench/probe-core.js";

// The error a trapping wasm call throws (the WebAssembly API, reached as src/core.ts does).
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message: string) => Error } }).WebAssembly;

function expectTrap(fn: () => unknown): void {
  let err: unknown;
  try { fn(); } catch (x) { err = x; }
  expect(err).toBeInstanceOf(VmfabricError);
  expect((err as VmfabricError).code).toBe("CORE_TRAP");
}

describe("trap recovery", () => {
  test("CORE_TRAP mid-batch rolls the batch back; the engine keeps matching the reference", () => {
    fc.assert(
      fc.property(
        fleetArb(SMALL).chain((fleet) => fc.record({
          fleet: fc.constant(fleet),
          before: fc.array(opArb(fleet.dims, SMALL), { maxLength: 15 }),
          batch: fc.array(reqArb(fleet.dims, SMALL), { minLength: 1, maxLength: 8 }),
          offline: fc.boolean(),
          sel: fc.nat(),
          after: fc.array(opArb(fleet.dims, SMALL), { minLength: 1, maxLength: 15 }),
        })),
        ({ fleet, before, batch, offline, sel, after }) => {
          const w = new World(fleet, { fullEvery: 1 });
          const e = w.createEngine();
          for (const op of before) applyOp(w, e, op);
          if (w.freeIds.length < batch.length) return;
          // How many the batch would place (on a copy of the reference).
          const ids = w.freeIds.slice(-batch.length).reverse();
          const would = w.ref.clone().placeBatch(batch.map((q, i) => ({ id: ids[i], ...q })), { offline }).filter((r) => r.host >= 0).length;
          fc.pre(would > 0);
          e.injectTrapAfter(sel % would);
          expectTrap(() => e.placeBatch({
            ids,
            demands: batch.flatMap((q) => q.demand),
            tenants: batch.map((q) => q.tenant),
            deployments: batch.map((q) => q.deployment ?? NO_DEP),
          }, { offline }));
          compareFull(w, e, "after CORE_TRAP");
          for (const op of after) applyOp(w, e, op);
          // The same batch goes through now (no trap armed in the new instance).
          if (w.freeIds.length >= batch.length) applyOp(w, e, { t: "batch", reqs: batch, opts: { offline } });
        },
      ),
      { numRuns: 120 },
    );
    // 1-2 s alone; a whole `npm test` on the shared 2-core machine can take several times that.
  }, 60_000);

  test("recovery keeps VMs on hosts taken out of service (regression)", () => {
    const e = Engine.create([{ capacity: [4] }, { capacity: [4] }], { dimensions: ["cpu"], vmCapacity: 8 });
    e.place({ id: 0, demand: [1], tenant: 0 }, { policy: "first-fit" });
    e.setHostInService(0, false);
    e.injectTrapAfter(0);
    expectTrap(() => e.placeBatch({ ids: [1], demands: [1], tenants: [0] }));
    expect(e.hostOf(0)).toBe(0);
    expect(e.hostOf(1)).toBe(-1);
    expect(e.isHostInService(0)).toBe(false);
    expect(e.freeOf(0)).toEqual([3]);
    expect(e.stats()).toMatchObject({ vmsPlaced: 1, hostsUsed: 1, hostsInService: 1 });
    expect(e.place({ id: 1, demand: [1], tenant: 0 }, { policy: "first-fit" }).host).toBe(1);
  });

  // injectTrapAfter arms batches only; here the core's own place / releaseVm is made to trap
  // (after doing its work, for the release), as a trap inside the wasm would.
  test("a trap in place or release: CORE_TRAP, the state before the call, a working engine", () => {
    const e = Engine.create([{ capacity: [4, 4] }, { capacity: [4, 4] }], { dimensions: ["a", "b"], vmCapacity: 8 });
    e.place({ id: 0, demand: [2, 2], tenant: 1 });
    // The core's export `name` traps; with `first`, after the real export has done its work.
    const arm = (name: string, first = false) => replaceCoreExport<Record<string, unknown>>(e, name, (core) => (...a: number[]) => {
      if (first) (core[name] as (...x: number[]) => unknown)(...a);
      throw new RuntimeError("unreachable");
    });
    const original = arm("place");
    expectTrap(() => e.place({ id: 1, demand: [1, 1], tenant: 1 }));
    expect((e as unknown as { core: unknown }).core).not.toBe(original); // a new instance, not the armed one
    expect(e.hostOf(1)).toBe(-1);
    expect(e.hostOf(0)).toBe(0);
    expect(e.freeOf(0)).toEqual([2, 2]);
    // The release really happens in the old core, then it traps: recovery must put vm 0 back.
    arm("releaseVm", true);
    expectTrap(() => e.release(0));
    expect(e.hostOf(0)).toBe(0);
    expect(e.freeOf(0)).toEqual([2, 2]);
    expect(e.stats()).toMatchObject({ vmsPlaced: 1, hostsUsed: 1 });
    expect(e.place({ id: 1, demand: [1, 1], tenant: 1 }).host).toBe(0);
    e.release(0);
    expect(e.freeOf(0)).toEqual([3, 3]);
  });

  test("a trap in releaseBatch keeps each VM's tenant, deployment and expected end", () => {
    // A release for good resets these in the core (assembly/vms.ts, forgetVm) only once every
    // release of the call is done, so a trap mid-batch still finds them for the rollback.
    const e = Engine.create([{ capacity: [8, 8] }, { capacity: [8, 8] }], { dimensions: ["a", "b"], vmCapacity: 8 });
    for (let v = 0; v < 4; v++) e.place({ id: v, demand: [1, 1], tenant: 10 + v, deployment: 20 + v, expectedEnd: 30 + v });
    e.injectTrapAfter(2);
    expectTrap(() => e.releaseBatch([0, 1, 2, 3]));
    for (let v = 0; v < 4; v++) {
      expect([e.tenantOf(v), e.deploymentOf(v), e.expectedEndOf(v)]).toEqual([10 + v, 20 + v, 30 + v]);
    }
  });

  test("a trap in releaseBatch keeps each VM's label requirement", () => {
    // Recovery copies every VM's constraint, not only those still placed in the trapped core:
    // a VM released before the trap comes back with its requirement.
    const e = Engine.create([{ capacity: [8, 8], labels: { zone: "a" } }, { capacity: [8, 8], labels: { zone: "b" } }], { dimensions: ["a", "b"], vmCapacity: 8 });
    for (let v = 0; v < 4; v++) expect(e.place({ id: v, demand: [1, 1], tenant: 1, requires: { zone: ["a"] } }).host).toBe(0);
    e.injectTrapAfter(2);
    expectTrap(() => e.releaseBatch([0, 1, 2, 3]));
    // Host 1 has room but the wrong zone: every VM, the two released before the trap included.
    for (let v = 0; v < 4; v++) expect(e.move(v, { target: 1 }).rejection?.code).toBe("NO_MATCHING_HOST");
  });

  test("a trap in releaseBatch puts every VM back", () => {
    const e = Engine.create([{ capacity: [4, 4] }, { capacity: [4, 4] }], { dimensions: ["a", "b"], vmCapacity: 8 });
    e.setTenantDedicated(3);
    e.placeBatch({ ids: [0, 1, 2, 3], demands: [1, 1, 1, 1, 2, 2, 1, 0], tenants: [3, 3, 1, 1] }, { policy: "first-fit" });
    const hosts = [0, 1, 2, 3].map((v) => e.hostOf(v));
    const free = [0, 1].map((h) => e.freeOf(h));
    e.injectTrapAfter(2);
    expectTrap(() => e.releaseBatch([0, 1, 2, 3]));
    expect([0, 1, 2, 3].map((v) => e.hostOf(v))).toEqual(hosts);
    expect([0, 1].map((h) => e.freeOf(h))).toEqual(free);
    // Tenancy survived: tenant 1 still may not join tenant 3's host.
    expect(e.move(2, { target: hosts[0] }).rejection?.code).toBe("DEDICATED_HOST");
    e.releaseBatch([0, 1, 2, 3]);
    expect(e.stats().vmsPlaced).toBe(0);
  });
});
