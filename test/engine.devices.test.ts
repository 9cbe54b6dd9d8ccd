// Devices (README, "Devices (GPUs)"): a dimension split into equal devices. Hand-computed
// cases run against both the Engine and the reference model; validation against the Engine;
// then model-based runs (fc.commands) comparing the two on fleets mixing device counts, with
// devicesOf of every live VM and deviceFreeOf of every host compared after every command, also
// through core rebuilds (addHosts past hostCapacity) and trap recovery.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Engine, REASON_CODES, VmfabricError } from "../src/index.js";
import type { EngineOptions, HostSpec } from "../src/types.js";
import { DEFAULT_WEIGHTS, type OpWeights, SMALL, opArb } from "./support/arbitraries.js";
import { type DeviceFleet, deviceFleetArb, deviceReqArb, deviceSources } from "./support/device-arbitraries.js";
import { observeEngine, vmfabricErrorOf } from "./support/errors.js";
import { NO_DEP, RefEngine, deviceAsk } from "./support/reference.js";
import { World, applyOp, commandArbs, compareFull, doBatch, doMove, doPlace, doRelease } from "./fuzz/model.js";

const RUNS = Number(process.env.RUNS ?? 200);

// ---- the same hand-computed steps against the Engine and the reference model ----

interface Outcome { host: number; code?: string; dimension?: string }

/** What the hand-computed cases need of an engine, by dimension name. */
interface Subject {
  place(id: number, demand: number[]): Outcome;
  placeOn(id: number, demand: number[], host: number): Outcome;
  release(id: number): void;
  move(id: number, target?: number): Outcome;
  devicesOf(id: number): Record<string, number[]>;
  deviceFreeOf(host: number): Record<string, number[]>;
  freeOf(host: number): number[];
}

type Fleet = { hosts: HostSpec[]; dimensions: string[]; devices: Record<string, number> };

function engineSubject(f: Fleet): Subject {
  const e = Engine.create(f.hosts, { dimensions: f.dimensions, devices: f.devices, vmCapacity: 64, policy: "first-fit" });
  const out = (p: ReturnType<Engine["place"]>): Outcome =>
    p.placed ? { host: p.host } : { host: -1, code: p.rejection.code, ...(p.rejection.dimension === undefined ? {} : { dimension: p.rejection.dimension }) };
  return {
    place: (id, demand) => out(e.place({ id, demand, tenant: 0 })),
    placeOn: (id, demand, host) => out(e.placeOn({ id, demand, tenant: 0 }, host)),
    release: (id) => e.release(id),
    move: (id, target) => out(target === undefined ? e.move(id) : e.move(id, { target })),
    devicesOf: (id) => e.devicesOf(id),
    deviceFreeOf: (h) => e.deviceFreeOf(h),
    freeOf: (h) => e.freeOf(h),
  };
}

function modelSubject(f: Fleet): Subject {
  const devices = Object.fromEntries(Object.entries(f.devices).map(([name, size]) => [f.dimensions.indexOf(name), size]));
  const r = new RefEngine(f.hosts, { dims: f.dimensions.length, vmCapacity: 64, policy: "first-fit", devices });
  const named = (x: Record<number, number[]>) => Object.fromEntries(Object.entries(x).map(([d, v]) => [f.dimensions[Number(d)], v]));
  const out = (o: { host: number; reason: number; dim: number }): Outcome =>
    o.host >= 0 ? { host: o.host } : { host: -1, code: REASON_CODES[o.reason], ...(o.dim === 255 ? {} : { dimension: f.dimensions[o.dim] }) };
  return {
    place: (id, demand) => out(r.place({ id, demand, tenant: 0 })),
    placeOn: (id, demand, host) => out(r.placeOn({ id, demand, tenant: 0 }, host)),
    release: (id) => r.release(id),
    move: (id, target) => out(r.move(id, target === undefined ? undefined : { target })),
    devicesOf: (id) => named(r.devicesOf(id)),
    deviceFreeOf: (h) => named(r.deviceFreeOf(h)),
    freeOf: (h) => r.freeOf(h),
  };
}

const GPU_DIMS = ["cpu", "memory", "gpu"];
const GPU8: HostSpec = { capacity: [64000, 262144, 8000] };
const K = 1000;

describe.each([
  ["engine", engineSubject],
  ["reference model", modelSubject],
] as const)("devices, hand-computed (%s)", (_name, make) => {
  test("fractions go to the device with the least free that still fits; whole devices to the lowest fully free", () => {
    const s = make({ hosts: [GPU8], dimensions: GPU_DIMS, devices: { gpu: K } });
    const place = (id: number, gpu: number) => {
      expect(s.place(id, [1000, 1024, gpu])).toEqual({ host: 0 });
      return s.devicesOf(id).gpu;
    };
    expect(place(0, 300)).toEqual([0]);            // all 8 tie at 1000: lowest index
    expect(place(1, 500)).toEqual([0]);            // device 0 (700) is the least free still >= 500
    expect(place(2, 600)).toEqual([1]);            // device 0 has 200 < 600; devices 1..7 tie at 1000
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [200, 400, K, K, K, K, K, K] });
    expect(place(3, 2000)).toEqual([2, 3]);        // two whole: the two lowest fully free
    expect(place(4, 400)).toEqual([1]);            // exact fit: device 1 has exactly 400
    expect(place(5, 200)).toEqual([0]);            // exact fit on device 0
    expect(place(6, 0)).toEqual([]);               // asks no GPU: holds none
    expect(place(7, 4000)).toEqual([4, 5, 6, 7]);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [0, 0, 0, 0, 0, 0, 0, 0] });
    expect(s.freeOf(0)[2]).toBe(0);
    expect(s.place(8, [1, 1, 1])).toMatchObject({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    // Release gives back exactly what each VM held.
    s.release(3);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [0, 0, K, K, 0, 0, 0, 0] });
    s.release(1);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [500, 0, K, K, 0, 0, 0, 0] });
    s.release(7);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [500, 0, K, K, K, K, K, K] });
    expect(s.freeOf(0)[2]).toBe(6500);
    // 0.3 again: device 0 (500) is the tightest that fits, not a fully free one.
    expect(place(9, 300)).toEqual([0]);
    // A whole device never takes a partly used one, even the lowest-indexed.
    expect(place(10, 1000)).toEqual([2]);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [200, 0, 0, K, K, K, K, K] });
  });

  test("summed free 1000 spread 500 + 500 over two devices: a 0.6 fraction and a whole GPU are NO_CAPACITY gpu", () => {
    const s = make({ hosts: [{ capacity: [64000, 262144, 2000] }], dimensions: GPU_DIMS, devices: { gpu: K } });
    expect(s.place(0, [1, 1, 500])).toEqual({ host: 0 });
    expect(s.place(1, [1, 1, 500])).toEqual({ host: 0 });
    expect(s.devicesOf(1).gpu).toEqual([0]);       // device 0 had exactly 500 left
    expect(s.place(2, [1, 1, 500])).toEqual({ host: 0 });
    expect(s.devicesOf(2).gpu).toEqual([1]);
    s.release(0);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [500, 500] });
    expect(s.freeOf(0)[2]).toBe(1000);
    expect(s.place(3, [1, 1, 600])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    expect(s.place(4, [1, 1, 1000])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    expect(s.placeOn(5, [1, 1, 1000], 0)).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [500, 500] });
    expect(s.place(6, [1, 1, 500])).toEqual({ host: 0 });
    expect(s.devicesOf(6).gpu).toEqual([0]);       // tie at 500: lowest index
  });

  test("NO_CAPACITY counts short hosts over [cpu, gpu, W_gpu, F_gpu]; W and F are reported as gpu", () => {
    const s = make({ hosts: [{ capacity: [4, 20] }, { capacity: [4, 20] }, { capacity: [4, 20] }], dimensions: ["cpu", "gpu"], devices: { gpu: 10 } });
    // Hosts 0 and 1: devices (5, 5), no CPU used.
    let id = 0;
    for (const h of [0, 1]) {
      const a = id++;
      expect(s.placeOn(a, [0, 5], h)).toEqual({ host: h });   // (5, 10)
      expect(s.placeOn(id++, [0, 5], h)).toEqual({ host: h }); // (0, 10)
      expect(s.placeOn(id++, [0, 5], h)).toEqual({ host: h }); // (0, 5)
      s.release(a);                                            // (5, 5)
      expect(s.deviceFreeOf(h)).toEqual({ gpu: [5, 5] });
    }
    // Host 2: CPU full, both devices free.
    expect(s.placeOn(id++, [4, 0], 2)).toEqual({ host: 2 });
    // Short: cpu 1 host (2), summed gpu none, F 2 hosts (0, 1): gpu although summed gpu fits everywhere.
    expect(s.place(50, [1, 6])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    // Whole 1: W short on hosts 0 and 1.
    expect(s.place(51, [1, 10])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    // CPU full on host 1 too: cpu 2 hosts ties F 2 hosts: the lower index, cpu.
    expect(s.placeOn(id++, [4, 0], 1)).toEqual({ host: 1 });
    expect(s.place(52, [1, 6])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "cpu" });
  });

  test("two device dimensions: the lanes count in the order [W_gpu, F_gpu, W_fpga, F_fpga]", () => {
    const s = make({ hosts: [{ capacity: [10, 20, 20] }], dimensions: ["cpu", "gpu", "fpga"], devices: { gpu: 10, fpga: 10 } });
    // Both dimensions' devices at (5, 5).
    expect(s.place(0, [0, 5, 5])).toEqual({ host: 0 });
    expect(s.place(1, [0, 5, 5])).toEqual({ host: 0 });
    expect(s.place(2, [0, 5, 5])).toEqual({ host: 0 });
    expect(s.devicesOf(2)).toEqual({ gpu: [1], fpga: [1] });
    s.release(0);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [5, 5], fpga: [5, 5] });
    // F_gpu and W_fpga each short on the one host: F_gpu comes first.
    expect(s.place(3, [0, 6, 10])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    // W_fpga alone.
    expect(s.place(4, [0, 5, 10])).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "fpga" });
    // Both fit on one device each.
    expect(s.place(5, [0, 5, 5])).toEqual({ host: 0 });
    expect(s.devicesOf(5)).toEqual({ gpu: [0], fpga: [0] });
  });

  test("a move gives the devices back on the source and chooses anew on the target", () => {
    const s = make({ hosts: [GPU8, GPU8], dimensions: GPU_DIMS, devices: { gpu: K } });
    expect(s.placeOn(0, [1, 1, 2000], 0)).toEqual({ host: 0 });
    expect(s.devicesOf(0).gpu).toEqual([0, 1]);
    expect(s.placeOn(1, [1, 1, 300], 1)).toEqual({ host: 1 });
    expect(s.move(0, 1)).toEqual({ host: 1 });
    expect(s.devicesOf(0).gpu).toEqual([1, 2]);    // device 0 of host 1 is partly used
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [K, K, K, K, K, K, K, K] });
    expect(s.deviceFreeOf(1)).toEqual({ gpu: [700, 0, 0, K, K, K, K, K] });
    expect(s.move(1, 0)).toEqual({ host: 0 });
    expect(s.devicesOf(1).gpu).toEqual([0]);
    expect(s.deviceFreeOf(1)).toEqual({ gpu: [K, 0, 0, K, K, K, K, K] });
    // Policy move (first-fit, the only other host): whole 2 skips host 0's partly used device 0.
    expect(s.move(0)).toEqual({ host: 0 });
    expect(s.devicesOf(0).gpu).toEqual([1, 2]);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [700, 0, 0, K, K, K, K, K] });
    expect(s.deviceFreeOf(1)).toEqual({ gpu: [K, K, K, K, K, K, K, K] });
    // A rejected move changes no device (host 1 is now full).
    expect(s.placeOn(2, [1, 1, 8000], 1)).toEqual({ host: 1 });
    expect(s.move(1, 1)).toEqual({ host: -1, code: "NO_CAPACITY", dimension: "gpu" });
    expect(s.devicesOf(1).gpu).toEqual([0]);
    expect(s.deviceFreeOf(0)).toEqual({ gpu: [700, 0, 0, K, K, K, K, K] });
  });
});

// ---- validation (the engine) ----

function expectRefused(e: Engine, f: () => unknown, code: string, field: string, value?: unknown): VmfabricError {
  const before = { ...observeEngine(e), devices: [...Array(e.hostCount).keys()].map((h) => e.deviceFreeOf(h)) };
  const err = vmfabricErrorOf(f);
  expect({ code: err.code, field: err.field }).toEqual({ code, field });
  if (value !== undefined) expect(err.value).toEqual(value);
  expect(err.message).toContain(field);
  expect({ ...observeEngine(e), devices: [...Array(e.hostCount).keys()].map((h) => e.deviceFreeOf(h)) }).toEqual(before);
  return err;
}

function createError(hosts: HostSpec[] | { hostTypes: Array<HostSpec & { count: number }> }, options: EngineOptions): VmfabricError {
  return vmfabricErrorOf(() => Engine.create(hosts, options));
}

describe("devices: bad input is INVALID_INPUT and changes nothing", () => {
  const opts = { dimensions: GPU_DIMS, devices: { gpu: K }, vmCapacity: 16 };
  const busy = () => {
    const e = Engine.create([GPU8, GPU8], opts);
    e.place({ id: 0, demand: [1, 1, 300], tenant: 0 });
    e.place({ id: 1, demand: [1, 1, 2000], tenant: 0 });
    return e;
  };

  test("a demand neither 0, a fraction of one device, nor whole devices", () => {
    const e = busy();
    expectRefused(e, () => e.place({ id: 2, demand: [1, 1, 1500], tenant: 0 }), "INVALID_INPUT", "request.demand[2]", 1500);
    expectRefused(e, () => e.place({ id: 2, demand: [1, 1, 17000], tenant: 0 }), "INVALID_INPUT", "request.demand[2]", 17000);
    expectRefused(e, () => e.placeOn({ id: 2, demand: [1, 1, 2500], tenant: 0 }, 1), "INVALID_INPUT", "request.demand[2]", 2500);
    // A batch: one bad entry, nothing placed (entry 1's gpu is flat index 5).
    expectRefused(e, () => e.placeBatch({ ids: [2, 3], demands: [1, 1, 1000, 1, 1, 1001], tenants: [0, 0] }), "INVALID_INPUT", "batch.demands[5]", 1001);
    expect(e.hostOf(2)).toBe(-1);
    // The boundaries themselves are fine: 999 (a fraction), 16 whole (rejected for room, not input).
    expect(e.place({ id: 2, demand: [1, 1, 999], tenant: 0 }).placed).toBe(true);
    expect(e.place({ id: 3, demand: [1, 1, 16000], tenant: 0 }).rejection?.code).toBe("NO_CAPACITY");
  });

  test("a host whose effective capacity is not whole devices, or more than 16 of them", () => {
    expect(createError([GPU8, { capacity: [1, 1, 7500] }], opts)).toMatchObject({ code: "INVALID_INPUT", field: "hosts[1].capacity[2]" });
    expect(createError([{ capacity: [1, 1, 17000] }], opts)).toMatchObject({ code: "INVALID_INPUT", field: "hosts[0].capacity[2]" });
    expect(createError({ hostTypes: [{ capacity: [1, 1, 8000], reservation: [0, 0, 500], count: 2 }] }, opts))
      .toMatchObject({ code: "INVALID_INPUT", field: "hostTypes[0].capacity[2]" });
    // 16 devices, and 17 with one reserved, are fine.
    expect(Engine.create([{ capacity: [1, 1, 16000] }, { capacity: [1, 1, 17000], reservation: [0, 0, 1000] }], opts).deviceFreeOf(1).gpu).toHaveLength(16);
    const e = busy();
    expectRefused(e, () => e.addHosts([{ capacity: [1, 1, 7500] }]), "INVALID_INPUT", "hosts[0].capacity[2]");
    expectRefused(e, () => e.addHosts([{ capacity: [1, 1, 17000] }]), "INVALID_INPUT", "hosts[0].capacity[2]");
    expect(e.hostCount).toBe(2);
  });

  test("the devices option itself", () => {
    expect(createError([GPU8], { ...opts, devices: { tpu: K } })).toMatchObject({ code: "INVALID_INPUT", field: "devices.tpu" });
    expect(createError([GPU8], { ...opts, devices: { gpu: 0 } })).toMatchObject({ code: "INVALID_INPUT", field: "devices.gpu" });
    expect(createError([GPU8], { ...opts, devices: { gpu: 65536 } })).toMatchObject({ code: "INVALID_INPUT", field: "devices.gpu" });
    expect(createError([GPU8], { ...opts, devices: { gpu: 1.5 } })).toMatchObject({ code: "INVALID_INPUT", field: "devices.gpu" });
    const five = ["a", "b", "c", "d", "e"];
    expect(createError([{ capacity: [1, 1, 1, 1, 1] }], { dimensions: five, devices: { a: 1, b: 1, c: 1, d: 1, e: 1 } }).code).toBe("INVALID_INPUT");
    expect(Engine.create([{ capacity: [1, 1, 1, 1, 1] }], { dimensions: five, devices: { a: 1, b: 1, c: 1, d: 1 } }).deviceFreeOf(0)).toEqual({ a: [1], b: [1], c: [1], d: [1] });
  });

  test("devicesOf a VM not placed is UNKNOWN_VM; deviceFreeOf a host out of range is INVALID_INPUT", () => {
    const e = busy();
    expectRefused(e, () => e.devicesOf(5), "UNKNOWN_VM", "vmId", 5);
    e.release(0);
    expectRefused(e, () => e.devicesOf(0), "UNKNOWN_VM", "vmId", 0);
    expectRefused(e, () => e.deviceFreeOf(2), "INVALID_INPUT", "host", 2);
    // Best-fit put VM 1 on host 0 too, past VM 0's partly used device 0; releasing VM 0 moves nothing.
    expect(e.hostOf(1)).toBe(0);
    expect(e.devicesOf(1)).toEqual({ gpu: [1, 2] });
  });

  test("without the devices option nothing changes: devicesOf is empty, any demand is fine", () => {
    const e = Engine.create([GPU8], { dimensions: GPU_DIMS, vmCapacity: 4 });
    expect(e.place({ id: 0, demand: [1, 1, 1500], tenant: 0 }).placed).toBe(true);
    expect(e.devicesOf(0)).toEqual({});
    expect(e.deviceFreeOf(0)).toEqual({});
  });
});

// ---- model-based: the Engine against the reference model ----

/** Fragmenting runs fill few hosts with fractions and leave service alone, so rejections are
 *  mostly NO_CAPACITY with every host's devices partly used. */
const FRAGMENTING_WEIGHTS: OpWeights = { place: 6, batch: 3, release: 3, move: 4, service: 1, dedicate: 0, addHosts: 0, retire: 0 };

function deviceRuns(opts: { rebuilds?: boolean; fragmenting?: boolean }, runs: number): void {
  // Without rebuilds, AddHosts stays within the engine's room (growth in place).
  const weights = opts.fragmenting ? FRAGMENTING_WEIGHTS : opts.rebuilds ? { ...DEFAULT_WEIGHTS, addHosts: 2 } : DEFAULT_WEIGHTS;
  fc.assert(
    fc.property(
      deviceFleetArb({ fragmenting: opts.fragmenting }).chain((fleet) => fc.tuple(
        fc.constant(opts.rebuilds ? { ...fleet, options: { ...fleet.options, hostCapacity: fleet.hosts.length } } : fleet),
        // Long runs ("max" size): devices are only fragmented after many placements and releases.
        fc.commands(commandArbs(fleet.dims, SMALL, weights, deviceSources(fleet)), { maxCommands: 40, size: "max" }),
      )),
      ([fleet, cmds]) => {
        const world = new World(fleet, { fullEvery: 1, rebuilds: opts.rebuilds ?? false });
        const engine = world.createEngine();
        compareFull(world, engine, "fresh engine");
        fc.modelRun(() => ({ model: world, real: engine }), cmds);
      },
    ),
    { numRuns: runs },
  );
}

/** Every live VM's devices and every host's device free units, from the engine. */
function deviceState(e: Engine) {
  const vms = [...Array(e.vmCapacity).keys()].filter((v) => e.hostOf(v) >= 0);
  return {
    devicesOf: vms.map((v) => [v, e.devicesOf(v)]),
    deviceFreeOf: [...Array(e.hostCount).keys()].map((h) => e.deviceFreeOf(h)),
  };
}

describe("devices: Engine vs reference model (fc.commands)", () => {
  test("same host, reason, devicesOf, deviceFreeOf and freeOf after every command", () => {
    deviceRuns({ rebuilds: false }, RUNS);
  });

  // Here NO_CAPACITY is often decided by the per-device lanes alone (summed room on a host but
  // no device with enough): the dimension count over [user dims, W_j, F_j] is what differs.
  test("fragmenting fleets (few hosts, fractions over half a device): same reasons and dimensions", () => {
    deviceRuns({ fragmenting: true }, RUNS);
  });

  // Past 64 hosts the core's bit trees and free-capacity trees have more than one level.
  test("larger fleets (up to 150 hosts, 200-400 operations, batches up to 40): the same after every 25 operations", () => {
    fc.assert(
      fc.property(
        deviceFleetArb({ maxHosts: 150 }).chain((fleet) => fc.record({
          fleet: fc.constant({ ...fleet, options: { ...fleet.options, vmCapacity: 2000 } }),
          ops: fc.array(opArb(fleet.dims, { ...SMALL, maxBatch: 40 }, { ...DEFAULT_WEIGHTS, place: 8, batch: 4 }, deviceSources(fleet)), { minLength: 200, maxLength: 400 }),
        })),
        ({ fleet, ops }) => {
          const w = new World(fleet, { fullEvery: 25 });
          const e = w.createEngine();
          for (const op of ops) applyOp(w, e, op);
          compareFull(w, e, "at the end");
        },
      ),
      { numRuns: Math.ceil(RUNS / 20) },
    );
  });

  // Shape classes are admitted after 8 asks of one demand; their per-class short counts must
  // follow the derived device lanes through commits and releases as the trees do.
  test("the same device demand asked 1..40 times in a row (shape classes and the trees together)", () => {
    let mostBuilds = 0;
    fc.assert(
      fc.property(
        deviceFleetArb({ maxHosts: 20 }).chain((fleet) => fc.record({
          fleet: fc.constant({ ...fleet, options: { ...fleet.options, vmCapacity: 1024 } }),
          pool: fc.array(deviceSources(fleet).req, { minLength: 1, maxLength: 8 }),
          steps: fc.array(fc.record({
            pick: fc.nat(), times: fc.integer({ min: 1, max: 40 }), batch: fc.boolean(), releases: fc.nat(30), sel: fc.nat(),
          }), { minLength: 40, maxLength: 80 }),
        })),
        ({ fleet, pool, steps }) => {
          const w = new World(fleet, { fullEvery: 10 });
          const e = w.createEngine();
          for (const s of steps) {
            const req = pool[s.pick % pool.length];
            if (s.batch) {
              if (w.freeIds.length >= s.times) doBatch(w, e, Array.from({ length: s.times }, () => req));
            } else {
              for (let i = 0; i < s.times && w.freeIds.length > 0; i++) doPlace(w, e, req);
            }
            for (let i = 0; i < s.releases && w.placed.length > 0; i++) doRelease(w, e, s.sel + i * 7);
            if (s.sel % 5 === 0 && w.placed.length > 0) doMove(w, e, s.sel);
          }
          compareFull(w, e, "end of stream");
          mostBuilds = Math.max(mostBuilds, e.runCore((core) => core.shapeClassBuilds()));
        },
      ),
      { numRuns: Math.ceil(RUNS / 10) },
    );
    // Classes were really built (the class path answered).
    expect(mostBuilds).toBeGreaterThan(0);
  });

  test("every addHosts past hostCapacity rebuilds the core: every VM keeps its devices exactly", () => {
    deviceRuns({ rebuilds: true }, Math.ceil(RUNS / 2));
  });

  test("a rebuild keeps devices exactly (a fixed case, devicesOf compared before and after)", () => {
    const e = Engine.create([GPU8, GPU8], { dimensions: GPU_DIMS, devices: { gpu: K }, vmCapacity: 16, hostCapacity: 2, policy: "first-fit" });
    [300, 500, 600, 2000, 400, 1000].forEach((g, id) => e.place({ id, demand: [1, 1, g], tenant: 0 }));
    e.release(1);
    const before = deviceState(e);
    expect(before.deviceFreeOf[0]).toEqual({ gpu: [700, 0, 0, 0, 0, K, K, K] });
    e.addHosts([GPU8, GPU8, GPU8]);
    const after = deviceState(e);
    expect(after.devicesOf).toEqual(before.devicesOf);
    expect(after.deviceFreeOf.slice(0, 2)).toEqual(before.deviceFreeOf);
    expect(after.deviceFreeOf[4]).toEqual({ gpu: [K, K, K, K, K, K, K, K] });
    // The rebuilt core keeps choosing by the same rule: device 0 (700) for a 0.5.
    expect(e.place({ id: 1, demand: [1, 1, 500], tenant: 0 }).host).toBe(0);
    expect(e.devicesOf(1)).toEqual({ gpu: [0] });
  });

  test("CORE_TRAP mid-batch: devices exactly as before the batch, and the engine keeps matching the reference", () => {
    fc.assert(
      fc.property(
        deviceFleetArb().chain((fleet) => {
          const src = deviceSources(fleet);
          const ops = opArb(fleet.dims, SMALL, DEFAULT_WEIGHTS, src);
          return fc.record({
            fleet: fc.constant(fleet),
            before: fc.array(ops, { maxLength: 20, size: "max" }),
            batch: fc.array(src.req, { minLength: 1, maxLength: 8 }),
            offline: fc.boolean(),
            sel: fc.nat(),
            after: fc.array(ops, { minLength: 1, maxLength: 10 }),
          });
        }),
        ({ fleet, before, batch, offline, sel, after }) => {
          const w = new World(fleet, { fullEvery: 1 });
          const e = w.createEngine();
          for (const op of before) applyOp(w, e, op);
          if (w.freeIds.length < batch.length) return;
          const ids = w.freeIds.slice(-batch.length).reverse();
          const would = w.ref.clone().placeBatch(batch.map((q, i) => ({ id: ids[i], ...q })), { offline }).filter((r) => r.host >= 0).length;
          fc.pre(would > 0);
          const state = deviceState(e);
          e.injectTrapAfter(sel % would);
          const err = vmfabricErrorOf(() => e.placeBatch({
            ids,
            demands: batch.flatMap((q) => q.demand),
            tenants: batch.map((q) => q.tenant),
            deployments: batch.map((q) => q.deployment ?? NO_DEP),
          }, { offline }));
          expect(err.code).toBe("CORE_TRAP");
          expect(deviceState(e)).toEqual(state);
          compareFull(w, e, "after CORE_TRAP");
          for (const op of after) applyOp(w, e, op);
          if (w.freeIds.length >= batch.length) applyOp(w, e, { t: "batch", reqs: batch, opts: { offline } });
        },
      ),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

// ---- the reference model alone (its own invariants; runs without the engine) ----

describe("devices: the reference model's own invariants", () => {
  function refOf(fleet: DeviceFleet): RefEngine {
    return new RefEngine(fleet.hosts, {
      dims: fleet.dims, vmCapacity: fleet.options.vmCapacity, policy: fleet.options.policy,
      maxPerHost: fleet.options.maxPerHost, candidates: fleet.options.candidates, devices: Object.fromEntries(fleet.sizes),
    });
  }

  /** Per host and device dimension: each device's free in [0, size], used == what its VMs hold,
   *  the summed free == the dimension's free; a whole VM holds k distinct devices, a fraction one. */
  function checkRef(r: RefEngine): void {
    for (let h = 0; h < r.H; h++) {
      r.devDims.forEach((d, j) => {
        const size = r.devSize[j];
        const free = r.devFree[h][j];
        const used = free.map(() => 0);
        for (let vm = 0; vm < r.vmCapacity; vm++) {
          if (r.vmHost[vm] !== h) continue;
          const { k, f } = deviceAsk(r.vmDemand[vm * r.D + d], size);
          const held = r.devicesOf(vm)[d];
          expect(held).toEqual([...new Set(held)].sort((a, b) => a - b));
          expect(held.length).toBe(k > 0 ? k : f > 0 ? 1 : 0);
          for (const i of held) used[i] += k > 0 ? size : f;
        }
        free.forEach((x, i) => { expect(x).toBeGreaterThanOrEqual(0); expect(size - x).toBe(used[i]); });
        expect(free.reduce((a, b) => a + b, 0)).toBe(r.free[h * r.D + d]);
      });
    }
  }

  test("random streams keep per-device bookkeeping whole", () => {
    fc.assert(
      fc.property(
        deviceFleetArb().chain((fleet) => fc.record({
          fleet: fc.constant(fleet),
          reqs: fc.array(fc.tuple(deviceReqArb(fleet.dims, fleet.sizes), fc.nat(), fc.constantFrom("place", "release", "move")), { maxLength: 40 }),
        })),
        ({ fleet, reqs }) => {
          const r = refOf(fleet);
          let id = 0;
          const live: number[] = [];
          for (const [q, sel, what] of reqs) {
            if (what === "place" || live.length === 0) {
              if (r.place({ id, ...q }).host >= 0) live.push(id);
              id++;
            } else if (what === "release") {
              r.release(live.splice(sel % live.length, 1)[0]);
            } else {
              r.move(live[sel % live.length]);
            }
            checkRef(r);
          }
          for (const vm of live) r.release(vm);
          for (let h = 0; h < r.H; h++) r.devDims.forEach((_, j) => expect(r.devFree[h][j].every((x) => x === r.devSize[j])).toBe(true));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test("without the devices option the model holds no devices", () => {
    const r = new RefEngine([GPU8], { dims: 3, vmCapacity: 4 });
    expect(r.place({ id: 0, demand: [1, 1, 1500], tenant: 0 }).host).toBe(0);
    expect(r.devicesOf(0)).toEqual({});
    expect(r.deviceFreeOf(0)).toEqual({});
  });
});

describe("devices through a trap in releaseBatch", () => {
  test("a releaseBatch that traps part-way is rolled back with every VM on exactly its devices", () => {
    const e = Engine.create([{ capacity: [64000, 262144, 4000] }, { capacity: [64000, 262144, 4000] }], { dimensions: ["cpu", "memory", "gpu"], devices: { gpu: 1000 }, vmCapacity: 16 });
    const demands = [300, 2000, 600, 1000, 400, 700, 0, 2000];
    demands.forEach((g, id) => expect(e.place({ id, demand: [1000, 1024, g], tenant: 1 }).placed).toBe(true));
    const before = demands.map((_, id) => e.devicesOf(id));
    const free = [e.deviceFreeOf(0), e.deviceFreeOf(1)];
    e.injectTrapAfter(3);
    expect(() => e.releaseBatch([0, 1, 2, 3, 4, 5])).toThrow(/CORE_TRAP|trapped/);
    expect(demands.map((_, id) => e.devicesOf(id))).toEqual(before);
    expect([e.deviceFreeOf(0), e.deviceFreeOf(1)]).toEqual(free);
    // And the engine goes on working from there.
    e.releaseBatch([0, 1]);
    expect(e.place({ id: 9, demand: [1000, 1024, 2000], tenant: 1 }).placed).toBe(true);
  });
});
