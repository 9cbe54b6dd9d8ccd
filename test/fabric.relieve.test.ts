// Hot-spot relief on the FC: the QuotaEnforcer's verdict (built here by hand: measured demand
// over a server's physical capacity) becomes the fewest live migrations off the hot server.
import { describe, expect, it } from "vitest";
import { FabricController } from "../src/fabric/controller.js";
import { reliefRefusal } from "../src/fabric/relieve.js";
import { MemoryJournal } from "../src/fabric/journal.js";
import { Rec } from "../src/fabric/records.js";
import { vmfabricErrorOf } from "./support/errors.js";

// Tiny servers: 4 Small each (4000 millicores of guest cpu), so best fit packs four one-instance
// roles onto one server.
const server = { cores: 5, memoryGiB: 10, nicMbps: 500, diskGiB: 1100 };
const hostReservation = { cores: 1, memoryGiB: 2, nicMbps: 100, diskGiB: 100 };

function packed(): FabricController {
  const fc = FabricController.create({ datacenter: { racks: 1, serversPerRack: 3, server, hostReservation }, timing: { bootStepFailureRate: 0 }, maxInstances: 64 }, new MemoryJournal(1 << 12));
  fc.powerOn();
  fc.run();
  for (let k = 0; k < 4; k++) fc.deploy({ tenant: 1, roles: [{ name: `r${k}`, instances: 1 }] });
  fc.run();
  return fc;
}

/** Measured cpu per engine VM (the other dimensions measure 0), as the enforcer's buffer. */
function verdict(fc: FabricController, hot: number, cpu: Map<number, number>) {
  const e = fc.state.engine;
  const stride = e.dimensions.length;
  const demands = new Int32Array(e.vmCapacity * stride);
  for (const [vm, x] of cpu) demands[vm * stride] = x;
  return { hotHosts: [hot], demands, stride };
}

function physicalCpu(fc: FabricController, s: number): number {
  const ty = fc.state.engine.hostTypeOf(s);
  return ty.capacity[0] - ty.reservation[0];
}

const measuredOn = (fc: FabricController, s: number, cpu: Map<number, number>) =>
  fc.state.engine.vmsOnHost(s).reduce((sum, vm) => sum + (cpu.get(vm) ?? 0), 0);

/** Fewest VMs whose removal brings the host's measured cpu within `cap`, by trying every subset. */
function fewestByBruteForce(xs: number[], cap: number): number {
  const total = xs.reduce((a, b) => a + b, 0);
  let best = Infinity;
  for (let mask = 0; mask < 1 << xs.length; mask++) {
    let removed = 0;
    let n = 0;
    for (let k = 0; k < xs.length; k++) if (mask & (1 << k)) { removed += xs[k]; n++; }
    if (total - removed <= cap) best = Math.min(best, n);
  }
  return best;
}

describe("fc.relieve: hot-spot relief from quota", () => {
  it("migrates the fewest instances off the hot server, one at a time, keeping their DIPs", () => {
    const fc = packed();
    const st = fc.state;
    const hot = st.instHost[0];
    const guests = st.engine.vmsOnHost(hot).sort((a, b) => a - b);
    expect(guests).toEqual([0, 1, 2, 3]);
    const cpu = new Map([[0, 2000], [1, 1500], [2, 1500], [3, 1500]]);
    const cap = physicalCpu(fc, hot);
    expect(measuredOn(fc, hot, cpu)).toBeGreaterThan(cap);
    const dips = guests.map((i) => fc.dipOf(i));
    const r = fc.relieve(verdict(fc, hot, cpu));
    const fewest = fewestByBruteForce([...cpu.values()], cap);
    expect(fewest).toBe(2);
    expect(r.started.length + r.waiting.length).toBe(fewest);
    // Both moves leave the same server: the second waits for the first (one per server).
    expect(r.started).toHaveLength(1);
    expect(r.waiting).toHaveLength(1);
    expect(r.skipped).toEqual([]);
    expect(r.left).toEqual([]);
    expect(fc.migrations()).toHaveLength(1);
    expect(fc.reliefs().waiting).toEqual(r.waiting);
    fc.run();
    expect(fc.migrations()).toEqual([]);
    expect(fc.reliefs()).toEqual({ waiting: [], skipped: [] });
    for (const m of [...r.started, ...r.waiting]) {
      expect(st.instHost[m.vm]).toBe(m.to);
      expect(m.from).toBe(hot);
    }
    expect(measuredOn(fc, hot, cpu)).toBeLessThanOrEqual(cap);
    for (let s = 0; s < 3; s++) expect(measuredOn(fc, s, cpu)).toBeLessThanOrEqual(physicalCpu(fc, s));
    expect(guests.map((i) => fc.dipOf(i))).toEqual(dips);
    let done = 0;
    for (let k = 0; k < fc.journal.length; k++) if (fc.journal.kind(k) === Rec.MigrationDone) done++;
    expect(done).toBe(fewest);
  });

  it("skips a planned move of a migration placeholder and reports it", () => {
    const fc = packed();
    const st = fc.state;
    const hot = st.instHost[0];
    const other = (hot + 1) % 3;
    fc.migrate(0, other);
    fc.run();
    // Instance 0 comes back: its placeholder now holds room on the hot server.
    fc.migrate(0, hot);
    const ph = st.engine.vmsOnHost(hot).find((vm) => st.isPlaceholder(vm))!;
    expect(ph).toBeGreaterThanOrEqual(st.maxInstances);
    const cpu = new Map([[ph, 3000], [1, 1000], [2, 1000], [3, 1000]]);
    const before = fc.journal.length;
    const r = fc.relieve(verdict(fc, hot, cpu));
    expect(r.started).toEqual([]);
    expect(r.waiting).toEqual([]);
    expect(r.skipped).toEqual([expect.objectContaining({ vm: ph, from: hot, code: "NOT_AN_INSTANCE" })]);
    expect(fc.journal.length).toBe(before);
    expect(fc.migrations()).toHaveLength(1);
  });

  it("refuses a target that is draining or out of service", () => {
    const fc = packed();
    const st = fc.state;
    const hot = st.instHost[0];
    const empty = [0, 1, 2].find((s) => s !== hot)!;
    fc.drain(empty);
    fc.run();
    expect(reliefRefusal(st, { vm: 1, from: hot, to: empty })).toEqual(expect.objectContaining({ code: "TARGET_UNAVAILABLE" }));
    expect(reliefRefusal(st, { vm: 1, from: hot, to: 3 - hot - empty })).toBeUndefined();
  });

  it("rejects bad input and changes nothing", () => {
    const fc = packed();
    const hot = fc.state.instHost[0];
    const before = fc.journal.length;
    const good = verdict(fc, hot, new Map([[0, 9000]]));
    expect(vmfabricErrorOf(() => fc.relieve({ ...good, hotHosts: [99] })).field).toBe("hotHosts[0]");
    expect(vmfabricErrorOf(() => fc.relieve({ ...good, demands: [1] })).field).toBe("demands");
    expect(vmfabricErrorOf(() => fc.relieve(good, { maxPerHost: 2 } as never)).field).toBe("options.maxPerHost");
    expect(fc.journal.length).toBe(before);
    expect(fc.migrations()).toEqual([]);
  });
});
