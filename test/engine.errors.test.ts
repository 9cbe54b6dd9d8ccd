// Bad input: every bad input throws VmfabricError with the right code, a message naming the
// field and the value, and changes nothing (full state compared before / after).
import { describe, expect, test } from "vitest";
import { Engine, VmfabricError } from "../src/index.js";
import type { HostSpec } from "../src/types.js";
import { observeEngine } from "./support/errors.js";

const HOSTS: HostSpec[] = [
  { capacity: [8, 8, 8], faultDomain: 0 },
  { capacity: [8, 8, 8], reservation: [1, 1, 1], faultDomain: 1 },
  { capacity: [4, 16, 2], oversubscription: [2, 1, 1.5], faultDomain: 1 },
];
const DIMS = ["cpu", "memory", "disk"];

function engine(): Engine {
  const e = Engine.create(HOSTS, { dimensions: DIMS, vmCapacity: 16 });
  e.setTenantDedicated(5);
  e.place({ id: 0, demand: [1, 1, 1], tenant: 1, deployment: 3 });
  e.place({ id: 1, demand: [2, 2, 2], tenant: 5 });
  e.place({ id: 2, demand: [1, 0, 0], tenant: 2 });
  return e;
}


function shown(v: unknown): string {
  return typeof v === "number" ? String(v) : JSON.stringify(v);
}

function expectError(fn: () => unknown, code: string, field: string, value?: unknown): VmfabricError {
  let err: unknown;
  try {
    fn();
  } catch (x) {
    err = x;
  }
  expect(err, `expected ${code} on ${field}`).toBeInstanceOf(VmfabricError);
  const ve = err as VmfabricError;
  expect(ve.code).toBe(code);
  expect(ve.message).toContain(field);
  if (value !== undefined) expect(ve.message).toContain(shown(value));
  return ve;
}

type Case = [name: string, call: (e: Engine) => unknown, code: string, field: string, value?: unknown];

const ok = { id: 5, demand: [1, 1, 1], tenant: 1 };

const CASES: Case[] = [
  ["non-integer demand", (e) => e.place({ ...ok, demand: [1.5, 1, 1] }), "INVALID_INPUT", "request.demand[0]", 1.5],
  ["negative demand", (e) => e.place({ ...ok, demand: [1, -1, 1] }), "INVALID_INPUT", "request.demand[1]", -1],
  ["NaN demand", (e) => e.place({ ...ok, demand: [1, 1, NaN] }), "INVALID_INPUT", "request.demand[2]", NaN],
  ["too-large demand", (e) => e.place({ ...ok, demand: [2 ** 31, 1, 1] }), "INVALID_INPUT", "request.demand[0]", 2 ** 31],
  ["string demand", (e) => e.place({ ...ok, demand: ["1", 1, 1] as unknown as number[] }), "INVALID_INPUT", "request.demand[0]", "1"],
  ["short demand", (e) => e.place({ ...ok, demand: [1, 1] }), "INVALID_INPUT", "request.demand", [1, 1]],
  ["long demand", (e) => e.place({ ...ok, demand: [1, 1, 1, 1] }), "INVALID_INPUT", "request.demand", [1, 1, 1, 1]],
  ["unknown policy", (e) => e.place(ok, { policy: "worst-fit" as never }), "INVALID_INPUT", "policy", "worst-fit"],
  ["maxPerHost 0", (e) => e.place(ok, { maxPerHost: 0 }), "INVALID_INPUT", "maxPerHost", 0],
  ["candidates 0", (e) => e.place(ok, { candidates: 0 }), "INVALID_INPUT", "candidates", 0],
  ["vm id = vmCapacity", (e) => e.place({ ...ok, id: 16 }), "INVALID_INPUT", "request.id", 16],
  ["negative vm id", (e) => e.place({ ...ok, id: -1 }), "INVALID_INPUT", "request.id", -1],
  ["fractional vm id", (e) => e.place({ ...ok, id: 2.5 }), "INVALID_INPUT", "request.id", 2.5],
  ["already placed", (e) => e.place({ ...ok, id: 0 }), "DUPLICATE_VM", "request.id", 0],
  ["negative tenant", (e) => e.place({ ...ok, tenant: -3 }), "INVALID_INPUT", "request.tenant", -3],
  ["tenant 2^32-1", (e) => e.place({ ...ok, tenant: 2 ** 32 - 1 }), "INVALID_INPUT", "request.tenant", 2 ** 32 - 1],
  ["fractional deployment", (e) => e.place({ ...ok, deployment: 0.5 }), "INVALID_INPUT", "request.deployment", 0.5],
  ["placeOn host out of range", (e) => e.placeOn(ok, 3), "INVALID_INPUT", "host", 3],
  ["release unplaced", (e) => e.release(7), "UNKNOWN_VM", "vmId", 7],
  ["release out of range", (e) => e.release(99), "INVALID_INPUT", "vmId", 99],
  ["move unplaced", (e) => e.move(7), "UNKNOWN_VM", "vmId", 7],
  ["move target out of range", (e) => e.move(0, { target: 3 }), "INVALID_INPUT", "target", 3],
  ["move target negative", (e) => e.move(0, { target: -1 }), "INVALID_INPUT", "target", -1],
  ["move target == current host", (e) => e.move(0, { target: e.hostOf(0) }), "INVALID_INPUT", "target"],
  ["move unknown policy", (e) => e.move(0, { policy: "random" as never }), "INVALID_INPUT", "policy", "random"],
  ["service host out of range", (e) => e.setHostInService(9, false), "INVALID_INPUT", "host", 9],
  ["service not boolean", (e) => e.setHostInService(0, 0 as unknown as boolean), "INVALID_INPUT", "inService", 0],
  ["dedicate tenant with VMs", (e) => e.setTenantDedicated(1), "TENANT_HAS_VMS", "tenant", 1],
  ["release batch with unplaced id", (e) => e.releaseBatch([0, 2, 9]), "UNKNOWN_VM", "vmIds[2]", 9],
  ["release batch with repeated id", (e) => e.releaseBatch([0, 2, 0]), "DUPLICATE_VM", "vmIds[2]", 0],
];

const batch = (n: number) => ({
  ids: Array.from({ length: n }, (_, i) => 5 + i),
  demands: Array.from({ length: n * 3 }, () => 1),
  tenants: Array.from({ length: n }, () => 1),
  deployments: Array.from({ length: n }, () => 4),
});
const withLast = (key: "ids" | "demands" | "tenants" | "deployments", v: unknown) => {
  const b = batch(4);
  const arr = b[key] as unknown[];
  arr[arr.length - 1] = v;
  return b as never;
};

const BATCH_CASES: Case[] = [
  ["duplicate id in a batch (last)", (e) => e.placeBatch({ ...batch(4), ids: [5, 6, 7, 5] }), "DUPLICATE_VM", "batch.ids[3]", 5],
  ["already placed id (last)", (e) => e.placeBatch(withLast("ids", 1)), "DUPLICATE_VM", "batch.ids[3]", 1],
  ["id out of range (last)", (e) => e.placeBatch(withLast("ids", 16)), "INVALID_INPUT", "batch.ids[3]", 16],
  ["negative demand (last)", (e) => e.placeBatch(withLast("demands", -2)), "INVALID_INPUT", "batch.demands[11]", -2],
  ["fractional demand (last)", (e) => e.placeBatch(withLast("demands", 0.25)), "INVALID_INPUT", "batch.demands[11]", 0.25],
  ["NaN demand (last)", (e) => e.placeBatch(withLast("demands", NaN)), "INVALID_INPUT", "batch.demands[11]", NaN],
  ["Int32Array negative demand (last)", (e) => e.placeBatch({ ...batch(4), demands: Int32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -5]) }), "INVALID_INPUT", "batch.demands[11]", -5],
  ["bad tenant (last)", (e) => e.placeBatch(withLast("tenants", -1)), "INVALID_INPUT", "batch.tenants[3]", -1],
  ["bad deployment (last)", (e) => e.placeBatch(withLast("deployments", 1.5)), "INVALID_INPUT", "batch.deployments[3]", 1.5],
  ["demands too short", (e) => e.placeBatch({ ...batch(4), demands: [1, 1, 1] }), "INVALID_INPUT", "batch.demands", 3],
  ["tenants too short", (e) => e.placeBatch({ ...batch(4), tenants: [1] }), "INVALID_INPUT", "batch.tenants", 1],
  ["unknown policy", (e) => e.placeBatch(batch(2), { policy: "nope" as never }), "INVALID_INPUT", "policy", "nope"],
  ["unknown size measure", (e) => e.placeBatch(batch(2), { offline: true, sizeMeasure: "median" as never }), "INVALID_INPUT", "sizeMeasure", "median"],
  ["offline not boolean", (e) => e.placeBatch(batch(2), { offline: "yes" as never }), "INVALID_INPUT", "offline", "yes"],
];

describe("bad input throws VmfabricError and changes nothing", () => {
  test.each([...CASES, ...BATCH_CASES])("%s", (_name, call, code, field, value) => {
    const e = engine();
    const before = observeEngine(e, [0, 1, 2, 5]);
    const err = expectError(() => call(e), code, field, value);
    expect(err.field === undefined || err.field.startsWith(field.split("[")[0])).toBe(true);
    expect(observeEngine(e, [0, 1, 2, 5])).toEqual(before);
    // And the engine still works: a good request after the bad one is placed.
    const p = e.place({ id: 15, demand: [0, 0, 0], tenant: 1 });
    expect(p.host).toBeGreaterThanOrEqual(0);
  });

  test("a batch with one bad entry at the end places none of the good ones", () => {
    const e = engine();
    const before = observeEngine(e, [0, 1, 2, 5]);
    const b = batch(6);
    b.demands[b.demands.length - 1] = -1;
    expect(() => e.placeBatch(b)).toThrow(VmfabricError);
    expect(observeEngine(e, [0, 1, 2, 5])).toEqual(before);
    // The same batch without the bad entry is accepted, and the ids were not left marked.
    b.demands[b.demands.length - 1] = 1;
    const r = e.placeBatch(b);
    expect(r.placed + r.rejected).toBe(6);
  });

  test("a rejected duplicate-id batch leaves no ids marked as seen", () => {
    const e = engine();
    expect(() => e.placeBatch({ ...batch(3), ids: [8, 9, 8] })).toThrow(/appears twice/);
    const r = e.placeBatch({ ...batch(3), ids: [8, 9, 10] });
    expect(r.placed + r.rejected).toBe(3);
  });
});

describe("bad host specs and options", () => {
  const create = (hosts: unknown, opts: object = {}) => () => Engine.create(hosts as HostSpec[], { dimensions: ["a", "b"], ...opts });
  test.each<[string, () => unknown, string, unknown?]>([
    ["reservation > capacity", create([{ capacity: [4, 4] }, { capacity: [4, 4], reservation: [1, 5] }]), "hosts[1].reservation[1]", 5],
    ["negative capacity", create([{ capacity: [4, -1] }]), "hosts[0].capacity[1]", -1],
    ["fractional capacity", create([{ capacity: [4.5, 1] }]), "hosts[0].capacity[0]", 4.5],
    ["capacity wrong length", create([{ capacity: [4] }]), "hosts[0].capacity", [4]],
    ["oversubscription 0", create([{ capacity: [4, 4], oversubscription: [1, 0] }]), "hosts[0].oversubscription[1]", 0],
    ["oversubscription negative", create([{ capacity: [4, 4], oversubscription: [-1, 1] }]), "hosts[0].oversubscription[0]", -1],
    ["oversubscription NaN", create([{ capacity: [4, 4], oversubscription: [NaN, 1] }]), "hosts[0].oversubscription[0]", NaN],
    ["oversubscription string", create([{ capacity: [4, 4], oversubscription: ["2", 1] }]), "hosts[0].oversubscription[0]", "2"],
    ["oversubscription wrong length", create([{ capacity: [4, 4], oversubscription: [1] }]), "hosts[0].oversubscription", [1]],
    ["oversubscription overflowing i32", create([{ capacity: [2 ** 30, 4], oversubscription: [4, 1] }]), "hosts[0].oversubscription[0]", 4],
    ["fault domain too large", create([{ capacity: [4, 4], faultDomain: 65536 }]), "hosts[0].faultDomain", 65536],
    ["inService not boolean", create([{ capacity: [4, 4], inService: 1 }]), "hosts[0].inService", 1],
    ["no hosts", create([]), "hosts", 0],
    ["no dimensions", () => Engine.create([{ capacity: [] }], { dimensions: [] }), "dimensions", []],
    ["17 dimensions", () => Engine.create([{ capacity: new Array(17).fill(1) }], { dimensions: Array.from({ length: 17 }, (_, i) => `d${i}`) }), "dimensions"],
    ["repeated dimension", () => Engine.create([{ capacity: [1, 1] }], { dimensions: ["a", "a"] }), "dimensions[1]", "a"],
    ["empty dimension name", () => Engine.create([{ capacity: [1, 1] }], { dimensions: ["a", ""] }), "dimensions[1]", ""],
    ["vmCapacity 0", create([{ capacity: [4, 4] }], { vmCapacity: 0 }), "vmCapacity", 0],
    ["default policy unknown", create([{ capacity: [4, 4] }], { policy: "x" }), "policy", "x"],
    ["default maxPerHost 0", create([{ capacity: [4, 4] }], { maxPerHost: 0 }), "maxPerHost", 0],
  ])("%s", (_n, fn, field, value) => {
    expectError(fn, "INVALID_INPUT", field, value);
  });
});
