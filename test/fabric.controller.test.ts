// FabricController: server boot on the virtual clock (exact step times, shared image-server
// bandwidth), boot failures and heartbeat loss, guest provisioning and the image cache, the load
// balancer, all-or-nothing deploys, update-domain walks, healing (concurrency, fault-domain
// spread, unhealable instances), the durable journal across a crash, snapshot/restore, and
// determinism. Times are computed by hand from the timing model, not read back from the FC.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { FabricController } from "../src/fabric/controller.js";
import type { ServerSpec } from "../src/fabric/datacenter.js";
import { encodeRecord, type JournalRecord } from "../src/fabric/journal.js";
import { FileJournal } from "../src/fabric/file-journal.js";
import { SERVER_STATE_NAMES, STAGE_NAMES, ServerState, Stage, holdsHost } from "../src/fabric/lifecycle.js";
import type { ServiceModel } from "../src/fabric/model.js";
import type { FabricOptions } from "../src/fabric/options.js";
import { Rec } from "../src/fabric/records.js";
import { DEFAULT_TIMING, type TimingModel } from "../src/fabric/timing.js";
import { vmfabricErrorOf } from "./support/errors.js";

// ---- helpers ----------------------------------------------------------------------------------

const NO_FAIL = { bootStepFailureRate: 0 } as const;

function records(fc: FabricController, from = 0): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (let i = from; i < fc.journal.length; i++) out.push(fc.journal.get(i));
  return out;
}

/** A server's state changes from the journal: [time, state name, consecutive failures]. */
function history(fc: FabricController, s: number): Array<[number, string, number]> {
  return records(fc)
    .filter((r) => r.kind === Rec.ServerState && r.a === s)
    .map((r) => [r.time, SERVER_STATE_NAMES[r.b], r.c]);
}

/** Time of the first ServerState record taking server s to `state`. */
function timeOf(fc: FabricController, s: number, state: number): number {
  const r = records(fc).find((x) => x.kind === Rec.ServerState && x.a === s && x.b === state);
  if (!r) throw new Error(`server ${s} never reached ${SERVER_STATE_NAMES[state]}`);
  return r.time;
}


function expectError(f: () => unknown, code: string, field?: string): VmfabricError {
  const e = vmfabricErrorOf(f);
  expect(e.code).toBe(code);
  if (field !== undefined) expect(e.field).toBe(field);
  return e;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

/** All servers powered on and run until nothing but heartbeat sweeps is pending. */
function booted(options: FabricOptions): FabricController {
  const fc = FabricController.create(options);
  fc.powerOn();
  fc.run();
  return fc;
}

function stagesOf(fc: FabricController, ids: number[]): string[] {
  return ids.map((i) => STAGE_NAMES[fc.state.instStage[i]]);
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, k) => a + k);
}

/** Small numbers that keep every step time an exact binary fraction: a 1000 Mbps NIC is one
 *  megabit per ms, so a 100 MB maintenance OS is 800 ms alone and a 1000 MB VHD 8000 ms. */
const EXACT: Partial<TimingModel> = {
  bootStepFailureRate: 0,
  dhcpMs: 1000,
  maintenanceOsMB: 100,
  hostOsVhdMB: 1000,
  hostPartitionMs: 5000,
  rebootMs: 7000,
  hostOsBootMs: 3000,
  heartbeatIntervalMs: 2000,
};
const NIC_1G: ServerSpec = { cores: 64, memoryGiB: 256, nicMbps: 1000, diskGiB: 16_384 };
const NO_RESERVATION: ServerSpec = { cores: 0, memoryGiB: 0, nicMbps: 0, diskGiB: 0 };

/** Boot step times for a server whose downloads each get `mbPerMs` megabits per ms throughout. */
function bootTimes(t: Partial<TimingModel>, mbPerMs: number) {
  const tm = { ...DEFAULT_TIMING, ...t };
  const networkBoot = 0;
  const maintenanceOs = tm.dhcpMs + (tm.maintenanceOsMB * 8) / mbPerMs;
  const rebooting = maintenanceOs + (tm.hostOsVhdMB * 8) / mbPerMs + tm.hostPartitionMs;
  const hostOsBoot = rebooting + tm.rebootMs;
  const hostReady = hostOsBoot + tm.hostOsBootMs;
  return { networkBoot, maintenanceOs, rebooting, hostOsBoot, hostReady };
}

const BOOT_ORDER = ["NetworkBoot", "MaintenanceOS", "HostPartitioning", "Rebooting", "HostOSBoot", "HostReady", "InService"];

// ---- 1. boot -----------------------------------------------------------------------------------

describe("boot", () => {
  it("one server walks the boot states in order, at the times the default timing model gives", () => {
    const fc = FabricController.create({ datacenter: { racks: 1, serversPerRack: 1 }, timing: NO_FAIL });
    fc.powerOn();
    fc.run();
    const h = history(fc, 0);
    expect(h.map((x) => x[1])).toEqual(BOOT_ORDER);
    expect(h.every((x) => x[2] === 0)).toBe(true);
    // One download at a time: min(25 Gbps NIC, 40 Gbps image server / 1) = 25 megabits per ms.
    const rate = Math.min(25_000, 40_000 / 1) / 1000;
    const T = DEFAULT_TIMING;
    const maintenanceOs = T.dhcpMs + (T.maintenanceOsMB * 8) / rate; // 3000 + 128
    const rebooting = maintenanceOs + (T.hostOsVhdMB * 8) / rate + T.hostPartitionMs; // + 2621.44 + 60000
    const hostReady = rebooting + T.rebootMs + T.hostOsBootMs;
    expect(h[0][0]).toBe(0);
    expect(h[1][0]).toBeCloseTo(maintenanceOs, 6);
    expect(h[2][0]).toBeCloseTo(maintenanceOs, 6); // the maintenance agent starts partitioning at once
    expect(h[3][0]).toBeCloseTo(rebooting, 6);
    expect(h[4][0]).toBeCloseTo(rebooting + T.rebootMs, 6);
    expect(h[5][0]).toBeCloseTo(hostReady, 6);
    // The only host: the heartbeat sweep starts with it, so the first one comes one interval later.
    expect(h[6][0]).toBeCloseTo(hostReady + T.heartbeatIntervalMs, 6);
    expect(hostReady).toBeCloseTo(215_749.44, 6);
    expect(fc.state.serverState[0]).toBe(ServerState.InService);
    expect(fc.counters.lastInServiceAt).toBe(h[6][0]);
  });

  it("step times are exact: alone a server downloads at min(NIC, image server)", () => {
    // imageServerMbps 500 < NIC 1000: the image server is the bottleneck, 0.5 megabit per ms.
    const fc = FabricController.create({
      datacenter: { racks: 1, serversPerRack: 1, server: NIC_1G, imageServerMbps: 500 },
      timing: EXACT,
    });
    fc.powerOn();
    fc.run();
    const e = bootTimes(EXACT, 0.5);
    expect(e).toEqual({ networkBoot: 0, maintenanceOs: 2600, rebooting: 23_600, hostOsBoot: 30_600, hostReady: 33_600 });
    expect(history(fc, 0)).toEqual([
      [0, "NetworkBoot", 0],
      [2600, "MaintenanceOS", 0],
      [2600, "HostPartitioning", 0],
      [23_600, "Rebooting", 0],
      [30_600, "HostOSBoot", 0],
      [33_600, "HostReady", 0],
      [35_600, "InService", 0],
    ]);
  });

  it("two servers on one image server share its bandwidth: each download takes twice as long", () => {
    const fc = FabricController.create({
      datacenter: { racks: 2, serversPerRack: 1, server: NIC_1G, imageServers: 1, imageServerMbps: 500 },
      timing: EXACT,
    });
    fc.powerOn();
    fc.run();
    // 0.25 megabit per ms each: 800 Mb in 3200 ms, 8000 Mb in 32000 ms.
    const e = bootTimes(EXACT, 0.25);
    const alone = bootTimes(EXACT, 0.5);
    expect(e.maintenanceOs - EXACT.dhcpMs!).toBe(2 * (alone.maintenanceOs - EXACT.dhcpMs!));
    for (const s of [0, 1]) {
      expect(history(fc, s)).toEqual([
        [0, "NetworkBoot", 0],
        [4200, "MaintenanceOS", 0],
        [4200, "HostPartitioning", 0],
        [41_200, "Rebooting", 0],
        [48_200, "HostOSBoot", 0],
        [51_200, "HostReady", 0],
        [53_200, "InService", 0],
      ]);
    }
    expect(e.hostReady).toBe(51_200);
  });

  it("the NIC caps a download: a 2000 Mbps image server gives two 1000 Mbps servers full speed each", () => {
    const fc = FabricController.create({
      datacenter: { racks: 1, serversPerRack: 2, server: NIC_1G, imageServers: 1, imageServerMbps: 2000 },
      timing: EXACT,
    });
    fc.powerOn();
    fc.run();
    const e = bootTimes(EXACT, 1); // min(1000, 2000 / 2) Mbps = 1 megabit per ms
    for (const s of [0, 1]) {
      expect(timeOf(fc, s, ServerState.MaintenanceOS)).toBe(1800);
      expect(timeOf(fc, s, ServerState.HostReady)).toBe(e.hostReady);
      expect(timeOf(fc, s, ServerState.InService)).toBe(e.hostReady + 2000);
    }
  });

  it("servers on different image servers do not share bandwidth", () => {
    const fc = FabricController.create({
      datacenter: { racks: 2, serversPerRack: 1, server: NIC_1G, imageServers: 2, imageServerMbps: 500 },
      timing: EXACT,
    });
    fc.powerOn();
    fc.run();
    for (const s of [0, 1]) expect(timeOf(fc, s, ServerState.HostReady)).toBe(33_600);
  });

  it("InService comes with the first heartbeat sweep after HostReady: within one interval", () => {
    // Server 1 powers on later, so its HostReady falls between sweeps that server 0 started.
    const fc = FabricController.create({
      datacenter: { racks: 1, serversPerRack: 2, server: NIC_1G, imageServerMbps: 500 },
      timing: EXACT,
    });
    fc.powerOn([0]);
    fc.run(2600); // server 0's maintenance OS is in; nothing else happened since
    expect(fc.now).toBe(2600);
    fc.powerOn([1]);
    fc.run();
    const I = EXACT.heartbeatIntervalMs!;
    const ready0 = timeOf(fc, 0, ServerState.HostReady);
    const ready1 = timeOf(fc, 1, ServerState.HostReady);
    const in0 = timeOf(fc, 0, ServerState.InService);
    const in1 = timeOf(fc, 1, ServerState.InService);
    expect(in0).toBe(ready0 + I);
    expect(ready1).toBeGreaterThan(ready0);
    // Sweeps run at ready0 + k * I; server 1 goes in service at the first one after its HostReady.
    const expected = ready0 + Math.ceil((ready1 - ready0) / I) * I;
    expect(in1).toBe(expected === ready1 ? ready1 + I : expected);
    expect(in1 - ready1).toBeGreaterThan(0);
    expect(in1 - ready1).toBeLessThanOrEqual(I);
    expect(history(fc, 1).map((x) => x[1])).toEqual(BOOT_ORDER);
  });

  it("maxBootsPerImageServer holds servers powered off until a boot slot on their image server frees", () => {
    const fc = FabricController.create({
      datacenter: { racks: 2, serversPerRack: 2, server: NIC_1G, imageServers: 2, imageServerMbps: 500 },
      timing: EXACT,
      maxBootsPerImageServer: 1,
    });
    fc.powerOn();
    // One server per image server starts; the others wait, still PoweredOff.
    expect(Array.from(fc.state.serverState)).toEqual([ServerState.NetworkBoot, ServerState.PoweredOff, ServerState.NetworkBoot, ServerState.PoweredOff]);
    fc.run();
    // Alone on their image server (0.5 megabit per ms), the first ones boot as in the single case.
    for (const s of [0, 2]) expect(timeOf(fc, s, ServerState.HostReady)).toBe(33_600);
    // The slot frees when the VHD is down (Rebooting at 23600): the second server starts then.
    for (const s of [1, 3]) {
      expect(history(fc, s)).toEqual([
        [23_600, "NetworkBoot", 0],
        [26_200, "MaintenanceOS", 0],
        [26_200, "HostPartitioning", 0],
        [47_200, "Rebooting", 0],
        [54_200, "HostOSBoot", 0],
        [57_200, "HostReady", 0],
        [57_600, "InService", 0], // sweeps run at 33600 + 2000k
      ]);
    }
    expect(fc.inServiceAt[1]).toBe(57_600);
    expectError(() => FabricController.create({ datacenter: { racks: 1, serversPerRack: 1 }, maxBootsPerImageServer: 0 }), "INVALID_INPUT", "maxBootsPerImageServer");
  });

  it("bringing N racks up takes longer the more racks share an image server", () => {
    const upAt = (racks: number, imageServers: number): number => {
      const fc = FabricController.create({
        datacenter: { racks, serversPerRack: 2, server: NIC_1G, imageServers, imageServerMbps: 500 },
        timing: EXACT,
      });
      fc.powerOn();
      fc.run();
      for (let s = 0; s < racks * 2; s++) expect(fc.state.serverState[s]).toBe(ServerState.InService);
      return fc.counters.lastInServiceAt;
    };
    // k servers on one image server download at 0.5 / k megabit per ms, all in lockstep:
    // 1600k ms for the maintenance OS, 16000k ms for the VHD, plus the fixed steps and one sweep.
    const byHand = (k: number) => 1000 + 1600 * k + 16_000 * k + 5000 + 7000 + 3000 + 2000;
    const one = upAt(1, 1);
    const two = upAt(2, 1);
    const four = upAt(4, 1);
    expect([one, two, four]).toEqual([byHand(2), byHand(4), byHand(8)]);
    expect(one).toBeLessThan(two);
    expect(two).toBeLessThan(four);
    // One image server per rack: four racks come up as fast as one.
    expect(upAt(4, 4)).toBe(byHand(2));
    expect(upAt(4, 2)).toBe(byHand(4));
  });
});

// ---- 2. failures ---------------------------------------------------------------------------------

describe("boot failures and lost heartbeats", () => {
  it("a dead server times out in NetworkBoot, is retried, and after maxBootFailures goes OutForRepair", () => {
    const T = 60_000;
    const fc = FabricController.create({ datacenter: { racks: 1, serversPerRack: 2 }, timing: { ...NO_FAIL, networkBootTimeoutMs: T } });
    fc.failServer(0);
    fc.powerOn();
    fc.run();
    expect(history(fc, 0)).toEqual([
      [0, "NetworkBoot", 0],
      [T, "Unhealthy", 1], [T, "PoweredOff", 1], [T, "NetworkBoot", 1],
      [2 * T, "Unhealthy", 2], [2 * T, "PoweredOff", 2], [2 * T, "NetworkBoot", 2],
      [3 * T, "Unhealthy", 3], [3 * T, "OutForRepair", 3],
    ]);
    expect(fc.state.serverState[0]).toBe(ServerState.OutForRepair);
    expect(fc.state.serverState[1]).toBe(ServerState.InService);
    expect(history(fc, 1).map((x) => x[1])).toEqual(BOOT_ORDER);
    // An out-for-repair server is not powered on again by powerOn().
    const n = fc.journal.length;
    fc.powerOn();
    expect(fc.journal.length).toBe(n);
  });

  it("a server dying while partitioning fails at the partition timeout, then at each network-boot timeout", () => {
    const fc = FabricController.create({
      datacenter: { racks: 1, serversPerRack: 1, server: NIC_1G, imageServerMbps: 500 },
      timing: { ...EXACT, hostPartitionTimeoutMs: 100_000, networkBootTimeoutMs: 50_000 },
    });
    fc.powerOn();
    fc.run(2600 + 10);
    expect(fc.state.serverState[0]).toBe(ServerState.HostPartitioning);
    fc.failServer(0);
    fc.run();
    const p = 2600 + 100_000;
    expect(history(fc, 0)).toEqual([
      [0, "NetworkBoot", 0], [2600, "MaintenanceOS", 0], [2600, "HostPartitioning", 0],
      [p, "Unhealthy", 1], [p, "PoweredOff", 1], [p, "NetworkBoot", 1],
      [p + 50_000, "Unhealthy", 2], [p + 50_000, "PoweredOff", 2], [p + 50_000, "NetworkBoot", 2],
      [p + 100_000, "Unhealthy", 3], [p + 100_000, "OutForRepair", 3],
    ]);
  });

  it("a server dying while rebooting fails at the reboot timeout; maxBootFailures 2 gives up after two", () => {
    const fc = FabricController.create({
      datacenter: { racks: 1, serversPerRack: 1, server: NIC_1G, imageServerMbps: 500 },
      timing: { ...EXACT, rebootTimeoutMs: 30_000, networkBootTimeoutMs: 70_000, maxBootFailures: 2 },
    });
    fc.powerOn();
    fc.run(23_600);
    expect(fc.state.serverState[0]).toBe(ServerState.Rebooting);
    fc.failServer(0);
    fc.run();
    const r = 23_600 + 30_000;
    expect(history(fc, 0).slice(3)).toEqual([
      [23_600, "Rebooting", 0],
      [r, "Unhealthy", 1], [r, "PoweredOff", 1], [r, "NetworkBoot", 1],
      [r + 70_000, "Unhealthy", 2], [r + 70_000, "OutForRepair", 2],
    ]);
  });

  it("a failed attempt that succeeds on retry goes back to InService with the failure count reset", () => {
    // Server stalls (bootStepFailureRate) are random; find a server with exactly one failed attempt.
    const fc = FabricController.create({ datacenter: { racks: 4, serversPerRack: 4 }, timing: { bootStepFailureRate: 0.2, maxBootFailures: 5 }, seed: 7 });
    fc.powerOn();
    fc.run();
    let checked = 0;
    for (let s = 0; s < 16; s++) {
      const h = history(fc, s);
      const fails = h.filter((x) => x[1] === "Unhealthy").length;
      if (fc.state.serverState[s] !== ServerState.InService || fails === 0) continue;
      checked++;
      // Every Unhealthy is followed by PoweredOff then NetworkBoot, with the count carried along.
      h.forEach((x, k) => {
        if (x[1] === "Unhealthy") {
          expect(h[k + 1][1]).toBe("PoweredOff");
          expect(h[k + 2][1]).toBe("NetworkBoot");
          expect(h[k + 2][2]).toBe(x[2]);
        }
      });
      expect(h.filter((x) => x[1] === "Unhealthy").map((x) => x[2])).toEqual(range(1, fails + 1));
      expect(h.at(-1)![1]).toBe("InService");
      expect(h.at(-1)![2]).toBe(0);
      expect(fc.state.serverFailures[s]).toBe(0);
      // The last attempt is a clean boot from NetworkBoot.
      const lastBoot = h.map((x) => x[1]).lastIndexOf("NetworkBoot");
      expect(h.slice(lastBoot).map((x) => x[1])).toEqual(BOOT_ORDER);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("with bootStepFailureRate 1 nothing reaches InService and every server ends OutForRepair", () => {
    const T = DEFAULT_TIMING.networkBootTimeoutMs;
    const fc = FabricController.create({ datacenter: { racks: 2, serversPerRack: 3 }, timing: { bootStepFailureRate: 1 } });
    fc.powerOn();
    fc.run();
    for (let s = 0; s < 6; s++) {
      expect(fc.state.serverState[s]).toBe(ServerState.OutForRepair);
      const h = history(fc, s);
      expect(h.some((x) => x[1] === "InService" || x[1] === "MaintenanceOS")).toBe(false);
      expect(h.filter((x) => x[1] === "Unhealthy").map((x) => [x[0], x[2]])).toEqual([[T, 1], [2 * T, 2], [3 * T, 3]]);
      expect(h.at(-1)).toEqual([3 * T, "OutForRepair", 3]);
    }
    expect(fc.counters.lastInServiceAt).toBe(0);
    expect(fc.now).toBe(3 * T);
    expectError(() => fc.deploy({ tenant: 1, roles: [{ name: "w", instances: 1 }] }), "INSUFFICIENT_CAPACITY", "model.roles[0].instances");
  });

  it("a dead InService server is declared failed after missedHeartbeats intervals; its instances heal elsewhere", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL });
    const firstSweep = fc.counters.lastInServiceAt; // all four came up together at a sweep
    const x = fc.deploy({ tenant: 1, roles: [{ name: "x", instances: 1 }] });
    const web = fc.deploy({ tenant: 2, roles: [{ name: "web", instances: 2, endpoints: [80] }] });
    fc.run();
    const vip = web.vip!;
    expect(fc.lbBackends(vip, 80)).toEqual(["10.0.0.1", "10.0.0.2"]);
    // Free the lowest DIP: allocation is next-fit, so the healed instance still gets a fresh one.
    fc.deleteDeployment(x.deployment);
    const victim = 1; // web's first instance, DIP 10.0.0.1
    const dead = fc.state.instHost[victim];
    const other = 2;
    const otherHost = fc.state.instHost[other];
    expect(dead).not.toBe(otherHost);
    const oldDisk = fc.state.instDisk[victim];
    const maxDisk = Math.max(...range(0, 3).map((i) => fc.state.instDisk[i]));
    expect(fc.counters.serversFailed).toBe(0);

    const tf = fc.now;
    fc.failServer(dead);
    const I = DEFAULT_TIMING.heartbeatIntervalMs;
    const M = DEFAULT_TIMING.missedHeartbeats;
    // The last heartbeat it sent was at the last sweep at or before tf.
    const t0 = firstSweep + Math.floor((tf - firstSweep) / I) * I;
    const detect = t0 + (M + 1) * I; // silence must exceed M intervals
    expect(detect - tf).toBeGreaterThanOrEqual(M * I);
    expect(detect - tf).toBeLessThanOrEqual((M + 1) * I);
    fc.run(detect - 1);
    expect(fc.state.serverState[dead]).toBe(ServerState.InService);
    expect(fc.lbBackends(vip, 80)).toEqual(["10.0.0.1", "10.0.0.2"]);
    fc.run(detect + 1);
    const unhealthy = timeOf(fc, dead, ServerState.Unhealthy);
    expect(unhealthy).toBeCloseTo(detect, 3);
    expect(fc.counters.serversFailed).toBe(1);
    expect(fc.counters.evicted).toBe(1);
    const ev = records(fc).filter((r) => r.kind === Rec.InstanceEvicted);
    expect(ev.map((r) => [r.a, r.time])).toEqual([[victim, unhealthy]]);
    // Evicted and re-placed at once (healing has room); the old DIP is out of the LB right away.
    expect(fc.state.instHost[victim]).not.toBe(dead);
    expect(fc.state.instHost[victim]).toBeGreaterThanOrEqual(0);
    expect(fc.dipOf(victim)).toBe("10.0.0.3");
    expect(fc.lbBackends(vip, 80)).toEqual(["10.0.0.2"]);
    expect(fc.reachable("internet", { vip, port: 80 })).toBe(true);
    fc.run();
    expect(fc.state.instStage[victim]).toBe(Stage.Ready);
    expect(fc.lbBackends(vip, 80).sort()).toEqual(["10.0.0.2", "10.0.0.3"]);
    expect(fc.state.instDisk[victim]).toBeGreaterThan(maxDisk);
    expect(fc.state.instDisk[victim]).not.toBe(oldDisk);
    expect(fc.counters.healed).toBe(1);
    expect(fc.state.instHost[other]).toBe(otherHost); // untouched
    // The dead server keeps failing its reboots and is finally sent to repair.
    expect(fc.state.serverState[dead]).toBe(ServerState.OutForRepair);
    expect(history(fc, dead).slice(-2).map((h) => h[1])).toEqual(["Unhealthy", "OutForRepair"]);
  });
});

// ---- 3. provisioning ---------------------------------------------------------------------------

describe("provisioning", () => {
  it("a base image is downloaded once per server; every instance gets its own diff disk; stages in order", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 1 }, timing: NO_FAIL });
    // One instance per role per host: three roles, so three instances on the one server.
    const d = fc.deploy({
      tenant: 1,
      roles: [
        { name: "a", instances: 1 },
        { name: "b", instances: 1 },
        { name: "c", instances: 1, image: "guest-os-core" },
      ],
    });
    expect(d.instances).toBe(3);
    fc.run();
    expect(fc.counters.imageDownloads).toBe(2);
    const cached = () => records(fc).filter((r) => r.kind === Rec.ImageCached).map((r) => [r.a, r.b]);
    expect(cached()).toEqual([[0, 1], [0, 0]]); // the smaller guest-os-core download ends first
    expect(fc.state.serverImages[0]).toBe(0b11);
    const disks = range(0, 3).map((i) => fc.state.instDisk[i]);
    expect(new Set(disks).size).toBe(3);
    expect(disks.every((x) => x > 0)).toBe(true);
    for (const i of range(0, 3)) {
      const rs = records(fc).filter((r) => (r.kind === Rec.InstancePlaced || r.kind === Rec.InstanceStage) && r.a === i);
      expect(rs.map((r) => (r.kind === Rec.InstancePlaced ? "Placed" : STAGE_NAMES[r.b]))).toEqual([
        "Placed", "Partitioned", "ImageReady", "DiskReady", "Deployed", "Ready",
      ]);
      expect(rs[0].b).toBe(0); // placed on server 0
      expect(rs[3].c).toBe(fc.state.instDisk[i]); // DiskReady carries the disk id
      expect(rs[4].c).toBe(1); // Deployed carries the package version
      // Times never go backwards along the stages.
      for (let k = 1; k < rs.length; k++) expect(rs[k].time).toBeGreaterThanOrEqual(rs[k - 1].time);
    }
    // A later deployment of a cached image on the same server downloads nothing.
    const again = fc.deploy({ tenant: 2, roles: [{ name: "a2", instances: 1, image: "guest-os" }] });
    fc.run();
    expect(fc.counters.imageDownloads).toBe(2);
    expect(cached()).toEqual([[0, 1], [0, 0]]);
    const i3 = fc.state.deployments[again.deployment].firstInstance;
    expect(fc.state.instStage[i3]).toBe(Stage.Ready);
    expect(new Set(range(0, 4).map((i) => fc.state.instDisk[i])).size).toBe(4);
    // Without a download: ImageReady right after Partitioned, at the same time.
    const rs = records(fc).filter((r) => r.kind === Rec.InstanceStage && r.a === i3);
    expect(rs[1].time).toBe(rs[0].time);
  });

  it("instances provisioning concurrently on one server share a single download", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 1 }, timing: NO_FAIL });
    fc.deploy({ tenant: 1, roles: range(0, 4).map((k) => ({ name: `r${k}`, instances: 1 })) });
    fc.run();
    expect(fc.counters.imageDownloads).toBe(1);
    expect(records(fc).filter((r) => r.kind === Rec.ImageCached)).toHaveLength(1);
    expect(stagesOf(fc, range(0, 4))).toEqual(["Ready", "Ready", "Ready", "Ready"]);
    // All four waited for the same download: ImageReady at one time.
    const imageReady = records(fc).filter((r) => r.kind === Rec.InstanceStage && r.b === Stage.ImageReady);
    expect(new Set(imageReady.map((r) => r.time)).size).toBe(1);
  });

  it("only Ready instances of a role with that endpoint are load-balancer backends", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL });
    const d = fc.deploy({
      tenant: 1,
      roles: [
        { name: "web", instances: 3, endpoints: [80, 443] },
        { name: "api", instances: 1, endpoints: [8080] },
        { name: "worker", instances: 2 },
      ],
    });
    const vip = d.vip!;
    expect(fc.vipOf(d.deployment)).toBe(vip);
    expect(vip).toBe("100.64.0.0");
    expect(fc.lbBackends(vip, 80)).toEqual([]);
    expect(fc.reachable("internet", { vip, port: 80 })).toBe(false);
    // Step through provisioning: still nothing before GuestReady.
    const readyAt = records(fc).length;
    fc.run(fc.now + 30_000);
    expect(records(fc, readyAt).some((r) => r.kind === Rec.InstanceStage && r.b === Stage.Ready)).toBe(false);
    expect(fc.lbBackends(vip, 80)).toEqual([]);
    fc.run();
    const dips = range(0, 6).map((i) => fc.dipOf(i));
    expect(fc.lbBackends(vip, 80)).toEqual(dips.slice(0, 3));
    expect(fc.lbBackends(vip, 443)).toEqual(dips.slice(0, 3));
    expect(fc.lbBackends(vip, 8080)).toEqual([dips[3]]);
    expect(fc.lbBackends(vip, 22)).toEqual([]);
    expect(fc.lbBackends("100.64.0.1", 80)).toEqual([]);
    expect(fc.reachable("internet", { vip, port: 80 })).toBe(true);
    expect(fc.reachable("internet", { vip, port: 22 })).toBe(false);
    // Network isolation: DIP to DIP inside one deployment only.
    const other = fc.deploy({ tenant: 2, roles: [{ name: "w", instances: 1 }] });
    fc.run();
    const od = fc.dipOf(fc.state.deployments[other.deployment].firstInstance)!;
    expect(other.vip).toBeUndefined();
    expect(fc.reachable({ dip: dips[0] }, { dip: dips[4] })).toBe(true);
    expect(fc.reachable({ dip: dips[0] }, { dip: od })).toBe(false);
    expect(fc.reachable({ dip: od }, { vip, port: 80 })).toBe(true);
  });

  it("deleting a deployment frees engine capacity, DIPs and the VIP; late reports are ignored", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL });
    const zero = [0, 0, 0, 0];
    const d = fc.deploy({ tenant: 1, roles: [{ name: "web", instances: 4, endpoints: [80] }, { name: "w", instances: 2 }] });
    const vip = d.vip!;
    fc.run(fc.now + 6000); // partitions created; image downloads under way
    expect(stagesOf(fc, range(0, 6)).every((s) => s === "Partitioned")).toBe(true);
    expect(range(0, 4).some((s) => fc.state.engine.usedOf(s).some((x) => x > 0))).toBe(true);
    expect(fc.state.dips.inUse).toBe(6);
    expect(fc.state.vips.inUse).toBe(1);
    fc.deleteDeployment(d.deployment);
    const at = fc.journal.length;
    expect(fc.journal.get(at - 1)).toMatchObject({ kind: Rec.DeploymentDeleted, a: d.deployment });
    for (let s = 0; s < 4; s++) expect(fc.state.engine.usedOf(s)).toEqual(zero);
    expect(fc.state.dips.inUse).toBe(0);
    expect(fc.state.vips.inUse).toBe(0);
    expect(stagesOf(fc, range(0, 6)).every((s) => s === "Deleted")).toBe(true);
    expect(range(0, 6).map((i) => fc.dipOf(i))).toEqual(Array(6).fill(undefined));
    expect(fc.lbBackends(vip, 80)).toEqual([]);
    expectError(() => fc.vipOf(d.deployment), "INVALID_INPUT", "deployment");
    expectError(() => fc.deleteDeployment(d.deployment), "INVALID_INPUT", "deployment");
    expectError(() => fc.upgrade(d.deployment), "INVALID_INPUT", "deployment");
    // The agents' reports still arrive (downloads, ...): none of them touches the instances.
    fc.run();
    const late = records(fc, at);
    expect(late.some((r) => r.kind === Rec.InstanceStage || r.kind === Rec.InstancePlaced || r.kind === Rec.InstanceEvicted)).toBe(false);
    expect(stagesOf(fc, range(0, 6)).every((s) => s === "Deleted")).toBe(true);
    for (let s = 0; s < 4; s++) expect(fc.state.engine.usedOf(s)).toEqual(zero);
    expect(fc.state.tenantStorageGiB.size).toBe(0);
    // The slots are free again; addresses are next-fit, so the next ones come after the freed.
    const e = fc.deploy({ tenant: 3, roles: [{ name: "web", instances: 4, endpoints: [80] }, { name: "w", instances: 2 }] });
    expect(e.vip).toBe("100.64.0.1");
    fc.run();
    expect(fc.lbBackends(e.vip!, 80)).toEqual(["10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9"]);
    expect(fc.lbBackends(vip, 80)).toEqual([]);
  });
});

// ---- 4. deploy is all-or-nothing --------------------------------------------------------------

describe("deploy is all-or-nothing", () => {
  const base = (): FabricController => booted({ datacenter: { racks: 1, serversPerRack: 2 }, timing: NO_FAIL });

  it("a model that does not fit throws INSUFFICIENT_CAPACITY naming the role and changes nothing", () => {
    const fc = base();
    fc.deploy({ tenant: 9, roles: [{ name: "old", instances: 1 }] });
    fc.run();
    const before = fc.snapshot();
    const n = fc.journal.length;
    const used = [0, 1].map((s) => fc.state.engine.usedOf(s));
    // Role 0 fits (2 hosts); role 1 wants 3 instances at one per host: anti-affinity stops it.
    const e = expectError(
      () => fc.deploy({ tenant: 1, roles: [{ name: "ok", instances: 2 }, { name: "big", instances: 3 }] }),
      "INSUFFICIENT_CAPACITY",
      "model.roles[1].instances",
    );
    expect(e.value).toBe(3);
    expect(e.message).toContain('"big"');
    expect(e.message).toContain("ANTI_AFFINITY");
    expect(same(fc.snapshot(), before)).toBe(true);
    expect(fc.journal.length).toBe(n);
    expect([0, 1].map((s) => fc.state.engine.usedOf(s))).toEqual(used);
    expect(fc.state.engine.vmsOnHost(0).length + fc.state.engine.vmsOnHost(1).length).toBe(1);
    // The rollback released role 0's placements: the same two instances fit now.
    const ok = fc.deploy({ tenant: 1, roles: [{ name: "ok", instances: 2 }] });
    expect(ok.instances).toBe(2);
    expect(fc.state.deployments[ok.deployment].firstInstance).toBe(1);
  });

  it("capacity: an ExtraLarge role larger than the servers gives NO_CAPACITY inside INSUFFICIENT_CAPACITY", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 2, server: { cores: 4, memoryGiB: 8, nicMbps: 1000, diskGiB: 600 }, hostReservation: NO_RESERVATION }, timing: NO_FAIL });
    const before = fc.snapshot();
    const e = expectError(
      () => fc.deploy({ tenant: 1, roles: [{ name: "s", instances: 1 }, { name: "xl", size: "ExtraLarge", instances: 1 }] }),
      "INSUFFICIENT_CAPACITY",
      "model.roles[1].instances",
    );
    expect(e.message).toContain("NO_CAPACITY");
    expect(same(fc.snapshot(), before)).toBe(true);
    expect([0, 1].map((s) => fc.state.engine.usedOf(s))).toEqual([[0, 0, 0, 0], [0, 0, 0, 0]]);
  });

  it("deploying before any server is in service is refused", () => {
    const fc = FabricController.create({ datacenter: { racks: 1, serversPerRack: 2 }, timing: NO_FAIL });
    const before = fc.snapshot();
    const e = expectError(() => fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 1 }] }), "INSUFFICIENT_CAPACITY", "model.roles[0].instances");
    expect(e.message).toContain("NO_HOST_IN_SERVICE");
    expect(same(fc.snapshot(), before)).toBe(true);
    expect(fc.journal.length).toBe(0);
  });

  it("DIP pool exhaustion throws POOL_EXHAUSTED naming dipPool and changes nothing", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2, dipPool: { base: "10.1.0.0", size: 3 } }, timing: NO_FAIL });
    const before = fc.snapshot();
    const e = expectError(() => fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 4 }] }), "POOL_EXHAUSTED", "dipPool");
    expect(e.message).toContain("dipPool");
    expect(same(fc.snapshot(), before)).toBe(true);
    expect(fc.journal.length).toBe(records(fc).length);
    for (let s = 0; s < 4; s++) expect(fc.state.engine.usedOf(s)).toEqual([0, 0, 0, 0]);
    // Exactly the pool's size fits; then one more does not.
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 3 }] });
    expect(range(0, 3).map((i) => fc.dipOf(i))).toEqual(["10.1.0.0", "10.1.0.1", "10.1.0.2"]);
    const mid = fc.snapshot();
    expectError(() => fc.deploy({ tenant: 2, roles: [{ name: "b", instances: 1 }] }), "POOL_EXHAUSTED", "dipPool");
    expect(same(fc.snapshot(), mid)).toBe(true);
  });

  it("VIP pool exhaustion throws POOL_EXHAUSTED naming vipPool; a worker-only model needs no VIP", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 2, vipPool: { base: "192.0.2.10", size: 1 } }, timing: NO_FAIL });
    const a = fc.deploy({ tenant: 1, roles: [{ name: "web", instances: 1, endpoints: [80] }] });
    expect(a.vip).toBe("192.0.2.10");
    const before = fc.snapshot();
    expectError(() => fc.deploy({ tenant: 2, roles: [{ name: "web", instances: 1, endpoints: [80] }] }), "POOL_EXHAUSTED", "vipPool");
    expect(same(fc.snapshot(), before)).toBe(true);
    const w = fc.deploy({ tenant: 2, roles: [{ name: "worker", instances: 1 }] });
    expect(w.vip).toBeUndefined();
    expect(fc.vipOf(w.deployment)).toBeUndefined();
  });

  it("maxInstances bounds the instance ids an FC hands out (LIMIT)", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 4 }, timing: NO_FAIL, maxInstances: 3 });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 2 }] });
    const before = fc.snapshot();
    expectError(() => fc.deploy({ tenant: 1, roles: [{ name: "b", instances: 2 }] }), "LIMIT", "maxInstances");
    expect(same(fc.snapshot(), before)).toBe(true);
  });

  it("bad models give INVALID_INPUT naming the field and change nothing", () => {
    const fc = base();
    fc.deploy({ tenant: 1, roles: [{ name: "x", instances: 1 }] });
    const before = fc.snapshot();
    const n = fc.journal.length;
    const cases: Array<[unknown, string]> = [
      [{ tenant: 1, roles: [{ name: "a", instances: 1, size: "Huge" }] }, "model.roles[0].size"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1 }], updateDomains: 0 }, "model.updateDomains"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1 }], updateDomains: 21 }, "model.updateDomains"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1.5 }] }, "model.roles[0].instances"],
      [{ tenant: 1, roles: [{ name: "a", instances: 0 }] }, "model.roles[0].instances"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1 }, { name: "a", instances: 1 }] }, "model.roles[1].name"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1, image: "nope" }] }, "model.roles[0].image"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1, endpoints: [0] }] }, "model.roles[0].endpoints[0]"],
      [{ tenant: 1, roles: [{ name: "a", instances: 1, endpoints: [80] }, { name: "b", instances: 1, endpoints: [80] }] }, "model.roles[1].endpoints"],
      [{ tenant: 1, roles: [] }, "model.roles"],
      [{ tenant: -1, roles: [{ name: "a", instances: 1 }] }, "model.tenant"],
      [null, "model"],
    ];
    for (const [m, field] of cases) {
      expectError(() => fc.deploy(m as ServiceModel), "INVALID_INPUT", field);
      expect(same(fc.snapshot(), before)).toBe(true);
      expect(fc.journal.length).toBe(n);
    }
    for (let s = 0; s < 2; s++) expect(fc.state.engine.vmsOnHost(s).length).toBeLessThanOrEqual(1);
  });

  it("bad options and arguments give INVALID_INPUT naming the field", () => {
    const ok = { racks: 1, serversPerRack: 1 };
    const cases: Array<[unknown, string]> = [
      [{ datacenter: { racks: 0, serversPerRack: 1 } }, "datacenter.racks"],
      [{ datacenter: { racks: 1, serversPerRack: 1.5 } }, "datacenter.serversPerRack"],
      [{ datacenter: ok, timing: { heartbeatIntervalMs: 0 } }, "timing.heartbeatIntervalMs"],
      [{ datacenter: ok, timing: { dhcpMs: -1 } }, "timing.dhcpMs"],
      [{ datacenter: ok, timing: { bootStepFailureRate: 1.5 } }, "timing.bootStepFailureRate"],
      [{ datacenter: ok, timing: { maxBootFailures: 0 } }, "timing.maxBootFailures"],
      [{ datacenter: ok, timing: { bogusMs: 1 } }, "timing.bogusMs"],
      [{ datacenter: ok, maxConcurrentHealing: 0 }, "maxConcurrentHealing"],
      [{ datacenter: ok, seed: -1 }, "seed"],
      [{ datacenter: ok, maxInstances: 0 }, "maxInstances"],
      [{ datacenter: { ...ok, hostReservation: { cores: 65, memoryGiB: 0, nicMbps: 0, diskGiB: 0 } } }, "datacenter.hostReservation.cores"],
      [{ datacenter: { ...ok, dipPool: { base: "10.0.0", size: 4 } } }, "datacenter.dipPool.base"],
      [{}, "datacenter"],
    ];
    for (const [o, field] of cases) expectError(() => FabricController.create(o as FabricOptions), "INVALID_INPUT", field);

    const fc = FabricController.create({ datacenter: { racks: 1, serversPerRack: 2 }, timing: NO_FAIL });
    expectError(() => fc.powerOn([0, 2]), "INVALID_INPUT", "servers[1]");
    expect(fc.journal.length).toBe(0); // validated before anything was powered on
    expectError(() => fc.failServer(-1), "INVALID_INPUT", "server");
    expectError(() => fc.deleteDeployment(0), "INVALID_INPUT", "deployment");
    expectError(() => fc.upgrade(0), "INVALID_INPUT", "deployment");
    expectError(() => fc.dipOf(0), "INVALID_INPUT", "instance");
    expectError(() => fc.reachable("internet", { vip: 1 }), "INVALID_INPUT", "to");
    expect(fc.world.alive[0]).toBe(1);
  });
});

// ---- 5. update domains and upgrades -------------------------------------------------------------

describe("update domains and upgrade", () => {
  it("assigns update domains round-robin within each role", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 4 }, timing: NO_FAIL });
    fc.deploy({ tenant: 1, updateDomains: 3, roles: [{ name: "a", instances: 7 }, { name: "b", instances: 2 }] });
    expect(Array.from(fc.state.instUd.subarray(0, 9))).toEqual([0, 1, 2, 0, 1, 2, 0, 0, 1]);
    fc.deploy({ tenant: 1, roles: [{ name: "c", instances: 7 }] }); // default 5 update domains
    expect(Array.from(fc.state.instUd.subarray(9, 16))).toEqual([0, 1, 2, 3, 4, 0, 1]);
  });

  it("an upgrade walks update domains one at a time and ends with every instance at the new version", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 4 }, timing: NO_FAIL });
    const d = fc.deploy({ tenant: 1, updateDomains: 3, roles: [{ name: "web", instances: 5, endpoints: [80] }, { name: "w", instances: 3 }] });
    fc.run();
    const ids = range(0, 8);
    const vip = d.vip!;
    expect(ids.map((i) => fc.state.instVersion[i])).toEqual(Array(8).fill(1));
    const start = fc.journal.length;
    expect(fc.upgrade(d.deployment)).toBe(2);
    expectError(() => fc.upgrade(d.deployment), "BUSY", "deployment");
    // Step the clock: never two update domains with Stopped instances; the LB always has someone.
    let steps = 0;
    let t = fc.now;
    const seenUd = new Set<number>();
    while (fc.state.deployments[d.deployment].upgradeUd !== 255) {
      const stoppedUds = new Set(ids.filter((i) => fc.state.instStage[i] === Stage.Stopped).map((i) => fc.state.instUd[i]));
      expect(stoppedUds.size).toBeLessThanOrEqual(1);
      for (const u of stoppedUds) {
        expect(u).toBe(fc.state.deployments[d.deployment].upgradeUd);
        seenUd.add(u);
      }
      expect(fc.lbBackends(vip, 80).length).toBeGreaterThan(0);
      fc.run((t += 1000));
      if (++steps > 10_000) throw new Error("upgrade did not finish");
    }
    expect([...seenUd]).toEqual([0, 1, 2]);
    fc.run();
    expect(ids.map((i) => fc.state.instVersion[i])).toEqual(Array(8).fill(2));
    expect(stagesOf(fc, ids)).toEqual(Array(8).fill("Ready"));
    expect(fc.state.deployments[d.deployment].version).toBe(2);
    expect(fc.state.deployments[d.deployment].upgradeUd).toBe(255);
    expect(fc.lbBackends(vip, 80)).toHaveLength(5);

    // The same from the journal, record by record: UD records 0, 1, 2, 255 in order; an instance
    // stops only while its UD is the current one, and is back Ready before the next UD starts.
    const rs = records(fc, start);
    expect(rs[0]).toMatchObject({ kind: Rec.UpgradeStarted, a: d.deployment, b: 2 });
    expect(rs.filter((r) => r.kind === Rec.UpgradeDomain).map((r) => r.b)).toEqual([0, 1, 2, 255]);
    let ud = -1;
    const stopped = new Set<number>();
    for (const r of rs) {
      if (r.kind === Rec.UpgradeDomain) {
        expect(stopped.size).toBe(0);
        ud = r.b;
      } else if (r.kind === Rec.InstanceStage && r.b === Stage.Stopped) {
        expect(fc.state.instUd[r.a]).toBe(ud);
        stopped.add(r.a);
      } else if (r.kind === Rec.InstanceStage && r.b === Stage.Ready) {
        expect(stopped.delete(r.a)).toBe(true);
      }
    }
    // Each instance was stopped exactly once (one Stopped record with c = 0, one with the version).
    for (const i of ids) {
      const st = rs.filter((r) => r.kind === Rec.InstanceStage && r.a === i && r.b === Stage.Stopped);
      expect(st.map((r) => r.c)).toEqual([0, 2]);
    }
    // A second upgrade is allowed now, and goes to version 3.
    expect(fc.upgrade(d.deployment)).toBe(3);
    fc.run();
    expect(ids.map((i) => fc.state.instVersion[i])).toEqual(Array(8).fill(3));
  });

  it("a single update domain upgrades everything at once", () => {
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 3 }, timing: NO_FAIL });
    const d = fc.deploy({ tenant: 1, updateDomains: 1, roles: [{ name: "w", instances: 3 }] });
    fc.run();
    const start = fc.journal.length;
    fc.upgrade(d.deployment);
    expect(stagesOf(fc, [0, 1, 2])).toEqual(["Stopped", "Stopped", "Stopped"]);
    fc.run();
    expect(records(fc, start).filter((r) => r.kind === Rec.UpgradeDomain).map((r) => r.b)).toEqual([0, 255]);
    expect([0, 1, 2].map((i) => fc.state.instVersion[i])).toEqual([2, 2, 2]);
  });

  // Instances past DeployRole (DiskReady) when the upgrade starts must not stay on version 1.
  it("an upgrade started while instances are still provisioning still ends with all at the new version", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL });
    const d = fc.deploy({ tenant: 1, updateDomains: 2, roles: [{ name: "web", instances: 4, endpoints: [80] }] });
    fc.run(fc.now + 12_000); // diff disks created, DeployRole (version 1) sent
    expect(stagesOf(fc, range(0, 4))).toEqual(Array(4).fill("DiskReady"));
    fc.upgrade(d.deployment);
    fc.run();
    expect(fc.state.deployments[d.deployment].upgradeUd).toBe(255);
    expect(fc.state.deployments[d.deployment].version).toBe(2);
    expect(stagesOf(fc, range(0, 4))).toEqual(Array(4).fill("Ready"));
    expect(range(0, 4).map((i) => fc.state.instVersion[i])).toEqual([2, 2, 2, 2]);
  });
});

// ---- 6. healing -------------------------------------------------------------------------------

describe("healing", () => {
  it("at most maxConcurrentHealing instances are being healed at once", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL, maxConcurrentHealing: 2 });
    // Six single-instance roles: best-fit stacks them all on one server.
    fc.deploy({ tenant: 1, roles: range(0, 6).map((k) => ({ name: `r${k}`, instances: 1 })) });
    fc.run();
    const ids = range(0, 6);
    const host = fc.state.instHost[0];
    expect(ids.every((i) => fc.state.instHost[i] === host)).toBe(true);
    const start = fc.journal.length;
    fc.failServer(host);
    const inFlight = () => ids.filter((i) => holdsHost(fc.state.instStage[i]) && fc.state.instStage[i] !== Stage.Ready).length;
    let max = 0;
    let steps = 0;
    let t = fc.now;
    while (fc.counters.healed < 6) {
      fc.run((t += 500));
      const n = inFlight();
      expect(n).toBeLessThanOrEqual(2);
      max = Math.max(max, n);
      if (++steps > 10_000) throw new Error("healing did not finish");
    }
    expect(max).toBe(2);
    expect(stagesOf(fc, ids)).toEqual(Array(6).fill("Ready"));
    expect(ids.every((i) => fc.state.instHost[i] !== host && fc.state.instHost[i] >= 0)).toBe(true);
    expect(fc.counters.evicted).toBe(6);
    // Record by record: never more than two placed-but-not-Ready; the first two start at once.
    const rs = records(fc, start);
    const flying = new Set<number>();
    let peak = 0;
    for (const r of rs) {
      if (r.kind === Rec.InstancePlaced) flying.add(r.a);
      if (r.kind === Rec.InstanceStage && r.b === Stage.Ready) flying.delete(r.a);
      peak = Math.max(peak, flying.size);
      expect(flying.size).toBeLessThanOrEqual(2);
    }
    expect(peak).toBe(2);
    const evictedAt = rs.find((r) => r.kind === Rec.InstanceEvicted)!.time;
    expect(rs.filter((r) => r.kind === Rec.InstancePlaced && r.time === evictedAt).map((r) => r.a)).toEqual([0, 1]);
    // The rest go one by one as earlier ones become Ready, in eviction order.
    expect(rs.filter((r) => r.kind === Rec.InstancePlaced).map((r) => r.a)).toEqual(ids);
  });

  it("an instance whose new host dies while it is being healed is healed again (the healing slot is given back)", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL, maxConcurrentHealing: 1 });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 1 }] });
    fc.run();
    const first = fc.state.instHost[0];
    fc.failServer(first);
    let t = fc.now;
    while (fc.state.instHost[0] === first || fc.state.instHost[0] < 0) {
      fc.run((t += 1000));
      if (t > 1e7) throw new Error("never re-placed");
    }
    const second = fc.state.instHost[0];
    expect(fc.state.instStage[0]).not.toBe(Stage.Ready);
    fc.failServer(second); // dies before the healed instance is Ready
    fc.run();
    const third = fc.state.instHost[0];
    expect([first, second]).not.toContain(third);
    expect(third).toBeGreaterThanOrEqual(0);
    expect(fc.state.instStage[0]).toBe(Stage.Ready);
    expect(fc.counters.evicted).toBe(2);
    expect(fc.counters.healed).toBe(1);
    // And healing still has its slot: a further failure heals too.
    fc.failServer(third);
    fc.run();
    expect(fc.state.instStage[0]).toBe(Stage.Ready);
    expect(fc.counters.healed).toBe(2);
  });

  it("keeps fault-domain spread: the healed instance goes to the rack that lost it", () => {
    // first-fit: without spread the lowest free server (rack 0) would be chosen.
    const tiny: ServerSpec = { cores: 2, memoryGiB: 4, nicMbps: 1000, diskGiB: 600 };
    const fc = booted({ datacenter: { racks: 3, serversPerRack: 2, server: tiny, hostReservation: NO_RESERVATION }, timing: NO_FAIL, policy: "first-fit" });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 3 }] });
    fc.run();
    expect([0, 1, 2].map((i) => fc.state.instHost[i])).toEqual([0, 2, 4]);
    fc.failServer(2);
    fc.run();
    expect(fc.state.instHost[1]).toBe(3); // rack 1 again, not server 1 in rack 0
    expect(fc.state.instStage[1]).toBe(Stage.Ready);
    expect(fc.state.spreadRelaxed.size).toBe(0);
    expect(records(fc).some((r) => r.kind === Rec.SpreadRelaxed)).toBe(false);
  });

  it("heals anyway when spread is impossible (listed in spreadRelaxed); unplaceable instances are unhealed with a reason", () => {
    // One Small guest per server. a: servers 0 (rack 0) and 2 (rack 1); b fills server 1.
    const one: ServerSpec = { cores: 1, memoryGiB: 2, nicMbps: 1000, diskGiB: 300 };
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2, server: one, hostReservation: NO_RESERVATION }, timing: NO_FAIL, policy: "first-fit" });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 2 }] });
    const b = fc.deploy({ tenant: 2, roles: [{ name: "b", instances: 1 }] });
    fc.run();
    expect([0, 1, 2].map((i) => fc.state.instHost[i])).toEqual([0, 2, 1]);
    fc.failServer(0);
    fc.run();
    // Rack 0's only other server is full: healed into rack 1, which already has a's share.
    expect(fc.state.instHost[0]).toBe(3);
    expect(fc.state.instStage[0]).toBe(Stage.Ready);
    expect([...fc.state.spreadRelaxed]).toEqual([[0, 1]]);
    expect(records(fc).filter((r) => r.kind === Rec.SpreadRelaxed).map((r) => [r.a, r.b])).toEqual([[0, 1]]);
    expect(fc.unhealed()).toEqual([]);

    // Now server 3 dies too: servers 1 and 2 are full, nowhere to go.
    fc.failServer(3);
    fc.run();
    expect(fc.state.instStage[0]).toBe(Stage.Unhealed);
    expect(fc.state.instHost[0]).toBe(-1);
    expect(fc.dipOf(0)).toBeUndefined();
    expect(fc.state.spreadRelaxed.size).toBe(0); // eviction cleared it
    const u = fc.unhealed();
    expect(u).toHaveLength(1);
    expect(u[0].instance).toBe(0);
    expect(u[0].code).toBe("NO_CAPACITY");
    expect(u[0].message).toMatch(/no in-service host has room/);
    expect(fc.counters.unhealed).toBe(1);
    expect(fc.retryUnhealed()).toBe(1); // still no room: unhealed again
    expect(fc.unhealed().map((x) => x.code)).toEqual(["NO_CAPACITY"]);
    // Free server 1 and retry: healed into rack 0, spread restored.
    fc.deleteDeployment(b.deployment);
    expect(fc.retryUnhealed()).toBe(1);
    fc.run();
    expect(fc.unhealed()).toEqual([]);
    expect(fc.state.instHost[0]).toBe(1);
    expect(fc.state.instStage[0]).toBe(Stage.Ready);
    expect(fc.state.spreadRelaxed.size).toBe(0);
    expect(fc.retryUnhealed()).toBe(0);
  });

  it("an instance that lost its DIP to another deployment while waiting is unhealed with DIP_POOL_EXHAUSTED", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2, dipPool: { base: "10.9.0.0", size: 2 } }, timing: NO_FAIL, maxConcurrentHealing: 1 });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 1 }, { name: "b", instances: 1 }] }); // both on one server
    fc.run();
    const host = fc.state.instHost[0];
    expect(fc.state.instHost[1]).toBe(host);
    fc.failServer(host);
    for (let t = fc.now; fc.state.instStage[0] !== Stage.Placed && t < 1e7; t += 1000) fc.run(t);
    // Instance 0 is being healed (took a DIP); instance 1 waits with none; a deploy takes the last DIP.
    expect(fc.state.instStage[1]).toBe(Stage.Unplaced);
    fc.deploy({ tenant: 2, roles: [{ name: "c", instances: 1 }] });
    fc.run();
    expect(fc.unhealed()).toEqual([{ instance: 1, code: "DIP_POOL_EXHAUSTED", message: expect.stringContaining("dipPool") }]);
    expect(fc.state.instStage[0]).toBe(Stage.Ready);
  });

  // BUG: unhealed() builds the NO_CAPACITY message with dimension index 255 (the short dimension is
  // not recorded), so it reads "... most hosts are short of undefined".
  it("the unhealed NO_CAPACITY message names a real dimension", () => {
    const one: ServerSpec = { cores: 1, memoryGiB: 2, nicMbps: 1000, diskGiB: 300 };
    const fc = booted({ datacenter: { racks: 1, serversPerRack: 2, server: one, hostReservation: NO_RESERVATION }, timing: NO_FAIL });
    fc.deploy({ tenant: 1, roles: [{ name: "a", instances: 1 }] });
    fc.deploy({ tenant: 2, roles: [{ name: "b", instances: 1 }] });
    fc.run();
    fc.failServer(fc.state.instHost[0]);
    fc.run();
    const u = fc.unhealed();
    expect(u.map((x) => x.code)).toEqual(["NO_CAPACITY"]);
    expect(u[0].message).not.toContain("undefined");
  });
});

// ---- 7. durable journal, replay, snapshot/restore ----------------------------------------------

describe("durable journal and snapshots", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmfabric-fc-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const OPTIONS: FabricOptions = { datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL, seed: 3 };
  const MODEL: ServiceModel = { tenant: 4, roles: [{ name: "web", instances: 3, endpoints: [80] }, { name: "w", instances: 2 }] };

  it("after a crash that tears the first unsynced record, replay gives exactly the state at the last sync", () => {
    const file = path.join(dir, "crash.vmfj");
    const { journal } = FileJournal.open(file);
    const fc = FabricController.create(OPTIONS, journal);
    fc.powerOn();
    fc.run();
    fc.deploy(MODEL); // journaled and synced before it returns
    const atDeploy = fc.snapshot();
    const n = journal.length;
    const size = fs.statSync(file).size;
    // Provisioning appends more records (run() syncs them at its end: the crash comes mid-write).
    fc.run();
    const final = fc.snapshot();
    expect(journal.length).toBeGreaterThan(n + 1);
    journal.close();
    const next = journal.get(n);
    const len = encodeRecord(next.kind, next.time, next.a, next.b, next.c, next.blob).length;
    for (const cut of [1, Math.floor(len / 2), len - 1]) {
      const copy = path.join(dir, `crash-${cut}.vmfj`);
      fs.copyFileSync(file, copy);
      fs.truncateSync(copy, size + cut);
      const reopened = FileJournal.open(copy);
      expect(reopened.droppedBytes).toBe(cut);
      expect(reopened.journal.length).toBe(n);
      const back = FabricController.replay(OPTIONS, reopened.journal);
      expect(same(back.snapshot(), atDeploy)).toBe(true);
      expect(back.state.instances).toBe(5);
      expect(stagesOf(back, range(0, 5))).toEqual(Array(5).fill("Placed"));
      reopened.journal.close();
    }
    // The replayed FC carries on from the sync point: its clock resumes there and the instances
    // that were only placed are provisioned to Ready by the new world.
    {
      const copy = path.join(dir, "crash-resume.vmfj");
      fs.copyFileSync(file, copy);
      fs.truncateSync(copy, size + 1);
      const { journal: j } = FileJournal.open(copy);
      const back = FabricController.replay(OPTIONS, j);
      expect(back.now).toBe(back.state.time);
      back.run();
      expect(stagesOf(back, range(0, 5))).toEqual(Array(5).fill("Ready"));
      const after = records(back, n - 1);
      for (let k = 1; k < after.length; k++) expect(after[k].time).toBeGreaterThanOrEqual(after[k - 1].time);
      expect(back.lbBackends("100.64.0.0", 80)).toEqual(["10.0.0.0", "10.0.0.1", "10.0.0.2"]);
      j.close();
    }
    // Untorn, the whole file replays to the final state.
    const whole = FileJournal.open(file);
    expect(whole.droppedBytes).toBe(0);
    const back = FabricController.replay(OPTIONS, whole.journal);
    expect(same(back.snapshot(), final)).toBe(true);
    expect(same(back.snapshot(), atDeploy)).toBe(false);
    whole.journal.close();
  });

  it("every sync point survives: replay of the file cut at each sync equals the snapshot taken there", () => {
    const file = path.join(dir, "syncs.vmfj");
    const { journal } = FileJournal.open(file);
    const fc = FabricController.create(OPTIONS, journal);
    const points: Array<{ size: number; snap: Uint8Array }> = [];
    const mark = () => points.push({ size: fs.statSync(file).size, snap: fc.snapshot() });
    fc.powerOn(); mark();
    fc.run(); mark();
    const d = fc.deploy(MODEL); mark();
    fc.run(); mark();
    fc.upgrade(d.deployment); mark();
    fc.run(); mark();
    fc.failServer(fc.state.instHost[0]);
    fc.run(); mark();
    fc.deleteDeployment(d.deployment); mark();
    journal.close();
    expect(new Set(points.map((p) => p.size)).size).toBe(points.length); // each point wrote something
    points.forEach((p, k) => {
      const copy = path.join(dir, `syncs-${k}.vmfj`);
      fs.copyFileSync(file, copy);
      fs.truncateSync(copy, p.size);
      const { journal: j, droppedBytes } = FileJournal.open(copy);
      expect(droppedBytes).toBe(0);
      expect(same(FabricController.replay(OPTIONS, j).snapshot(), p.snap)).toBe(true);
      j.close();
    });
  });

  it("restore(snapshot, journal) after more operations equals the live FC; restore without a journal equals the snapshot", () => {
    const fc = booted(OPTIONS);
    const d = fc.deploy(MODEL);
    fc.run(fc.now + 20_000);
    const snap = fc.snapshot();
    // Without a journal: the same state, and the snapshot records the same journal position;
    // it then carries on provisioning what was in flight.
    const alone = FabricController.restore(snap);
    expect(same(alone.snapshot(), snap)).toBe(true);
    expect(stagesOf(alone, range(0, 5)).some((x) => x !== "Ready")).toBe(true);
    alone.run();
    expect(stagesOf(alone, range(0, 5))).toEqual(Array(5).fill("Ready"));
    fc.run();
    fc.upgrade(d.deployment);
    fc.run(fc.now + 25_000);
    fc.failServer(fc.state.instHost[1]);
    fc.run();
    const e = fc.deploy({ tenant: 5, roles: [{ name: "x", instances: 2 }] });
    fc.run();
    fc.deleteDeployment(e.deployment);
    const live = fc.snapshot();
    expect(same(live, snap)).toBe(false);
    const restored = FabricController.restore(snap, fc.journal);
    expect(same(restored.snapshot(), live)).toBe(true);
    // The engine was rebuilt too: the same placements, the same free capacity.
    for (let s = 0; s < 4; s++) {
      expect(restored.state.engine.usedOf(s)).toEqual(fc.state.engine.usedOf(s));
      expect(restored.state.engine.vmsOnHost(s).sort()).toEqual(fc.state.engine.vmsOnHost(s).sort());
    }
    expect(restored.lbBackends(d.vip!, 80)).toEqual(fc.lbBackends(d.vip!, 80));
    // A journal shorter than the snapshot's position is refused.
    expectError(() => FabricController.restore(live, new (fc.journal.constructor as new () => typeof fc.journal)()), "INVALID_INPUT", "journal");
    expectError(() => FabricController.restore(new Uint8Array(4)), "SNAPSHOT_INVALID", "snapshot");
  });

  // BUG: after restore (or replay) in the middle of healing, the instances still waiting in the
  // healing queue (Unplaced) are never healed. afterRestore() re-queues them but nothing pumps the
  // queue: the in-flight healed instances are not marked as healing (soft state lost), so their
  // GuestReady does not pump it either. They stay Unplaced until an unrelated event (another
  // failure, a delete, retryUnhealed) happens. Expected: healing resumes, at most
  // maxConcurrentHealing in flight, counting the ones already placed.
  it("a restored FC resumes healing the instances that were still waiting", () => {
    const fc = booted({ datacenter: { racks: 2, serversPerRack: 2 }, timing: NO_FAIL, maxConcurrentHealing: 2 });
    fc.deploy({ tenant: 1, roles: range(0, 6).map((k) => ({ name: `r${k}`, instances: 1 })) });
    fc.run();
    fc.failServer(fc.state.instHost[0]);
    let t = fc.now;
    while (fc.counters.evicted === 0) fc.run((t += 1000));
    expect(stagesOf(fc, range(0, 6))).toEqual(["Placed", "Placed", "Unplaced", "Unplaced", "Unplaced", "Unplaced"]);
    const r = FabricController.restore(fc.snapshot());
    let u = r.now;
    for (let k = 0; k < 2000; k++) {
      r.run((u += 500));
      const inFlight = range(0, 6).filter((i) => holdsHost(r.state.instStage[i]) && r.state.instStage[i] !== Stage.Ready).length;
      expect(inFlight).toBeLessThanOrEqual(2);
    }
    expect(stagesOf(r, range(0, 6))).toEqual(Array(6).fill("Ready"));
  });

  it("replay of the live journal equals the live FC; create refuses a used journal", () => {
    const fc = booted(OPTIONS);
    const d = fc.deploy(MODEL);
    fc.run();
    fc.failServer(fc.state.instHost[0]);
    fc.run();
    fc.upgrade(d.deployment);
    fc.run();
    expect(same(FabricController.replay(OPTIONS, fc.journal).snapshot(), fc.snapshot())).toBe(true);
    expectError(() => FabricController.create(OPTIONS, fc.journal), "INVALID_INPUT", "journal");
  });

  it("a restored FC goes on from the snapshot's time", () => {
    const fc = booted(OPTIONS);
    const snap = fc.snapshot();
    const t = fc.state.time;
    expect(t).toBeGreaterThan(0);
    const r = FabricController.restore(snap);
    r.deploy(MODEL);
    const last = r.journal.get(r.journal.length - 1);
    expect(last.time).toBeGreaterThanOrEqual(t);
  });
});

// ---- 8. determinism -------------------------------------------------------------------------------

describe("determinism", () => {
  function scenario(seed: number, rate: number): { journal: JournalRecord[]; snap: Uint8Array } {
    const fc = FabricController.create({ datacenter: { racks: 3, serversPerRack: 3 }, timing: { bootStepFailureRate: rate }, seed });
    fc.powerOn();
    fc.run();
    const d = fc.deploy({ tenant: 1, updateDomains: 2, roles: [{ name: "web", instances: 3, endpoints: [80] }, { name: "w", instances: 2 }] });
    fc.run(fc.now + 40_000);
    fc.failServer(fc.state.instHost[0]);
    fc.run();
    fc.upgrade(d.deployment);
    fc.run();
    return { journal: records(fc), snap: fc.snapshot() };
  }

  it("the same options, seed and operations give identical journals and snapshots", () => {
    for (const rate of [0, 0.05]) {
      const a = scenario(11, rate);
      const b = scenario(11, rate);
      expect(a.journal.length).toBeGreaterThan(100);
      expect(b.journal).toEqual(a.journal);
      expect(same(a.snap, b.snap)).toBe(true);
    }
  });

  it("a different seed with boot-step failures gives a different history", () => {
    const a = scenario(11, 0.05);
    const b = scenario(12, 0.05);
    expect(b.journal).not.toEqual(a.journal);
    const unhealthy = (j: JournalRecord[]) => j.filter((r) => r.kind === Rec.ServerState && r.b === ServerState.Unhealthy).map((r) => [r.time, r.a]);
    expect(unhealthy(a.journal).length + unhealthy(b.journal).length).toBeGreaterThan(0);
    expect(unhealthy(b.journal)).not.toEqual(unhealthy(a.journal));
    // With no failures the seed does not matter at all.
    expect(scenario(12, 0).journal).toEqual(scenario(11, 0).journal);
  });
});

describe("address pools", () => {
  it("hand out addresses next-fit: a freed address comes back only after the pool wraps around", async () => {
    const { AddressPool } = await import("../src/fabric/pool.js");
    const p = new AddressPool("dipPool", { base: "10.0.0.0", size: 3 });
    p.take(p.peek(), 0);
    p.take(p.peek(), 1);
    p.release(1);
    expect(p.peek()).toBe(3); // not the freed 1
    p.take(3, 2);
    expect(p.peek()).toBe(1); // wrapped
    p.take(1, 3);
    expect(p.peek()).toBe(0); // exhausted
    expect(p.format(3)).toBe("10.0.0.2");
    expect(p.offsetOf("10.0.0.3")).toBe(0);
  });
});
