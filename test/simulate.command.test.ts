// `vmfabric simulate` end to end on a small fleet: every phase happens and the numbers add up.
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../src/commands/simulate.js";
import { captureRun } from "./support/cli.js";
import { runScenario } from "../src/fabric/scenario.js";

const capture = (argv: string[]) => captureRun(run, argv);

afterEach(() => { vi.restoreAllMocks(); });

describe("vmfabric simulate", () => {
  it("boots, deploys, fails 10% of servers and heals every evicted guest, as one JSON object", async () => {
    const { code, out } = await capture(["--racks", "5", "--servers-per-rack", "8", "--deployments", "30", "--instances", "6", "--fail", "10", "--seed", "4", "--json"]);
    expect(code).toBe(0);
    const t = JSON.parse(out);
    expect(t.servers).toBe(40);
    expect(t.guestVms).toBe(180);
    expect(t.failedServers).toBe(4);
    expect(t.serversByState.OutForRepair).toBeGreaterThanOrEqual(4);
    expect(t.evicted).toBeGreaterThan(0);
    expect(t.healed + t.notHealed).toBe(t.evicted);
    expect(t.instancesReady).toBe(180 - t.notHealed);
    expect(t.bootMinutes.p50).toBeGreaterThan(0);
    expect(t.bootMinutes.all).toBeGreaterThanOrEqual(t.bootMinutes.p99);
    expect(t.deployMinutes).toBeGreaterThan(0);
    expect(t.healMinutes).toBeGreaterThan(0);
    expect(t.utilization.cpu).toBeGreaterThan(0);
    expect(t.journalRecords).toBeGreaterThan(180 * 6);
  });

  it("prints a timeline table by default; phase lines on stderr only when it is a terminal", async () => {
    const argv = ["--racks", "2", "--servers-per-rack", "4", "--deployments", "3", "--instances", "2"];
    const { code, out, err } = await capture(argv);
    expect(code).toBe(0);
    for (const k of ["fleet online", "deploy", "failed servers", "healing", "utilization", "wall time"]) expect(out).toContain(k);
    expect(err).toBe("");
    const tty = process.stderr.isTTY;
    process.stderr.isTTY = true;
    try {
      expect((await capture(argv)).err).toContain("boot:");
    } finally {
      process.stderr.isTTY = tty;
    }
  });

  it("is deterministic: the same seed gives the same timeline", () => {
    const o = { racks: 3, serversPerRack: 5, deployments: 10, instances: 4, failPercent: 20, seed: 9, maxConcurrentHealing: 3 };
    const strip = (t: ReturnType<typeof runScenario>) => ({ ...t, wallSeconds: 0, heapMiB: 0, rssMiB: 0 });
    expect(strip(runScenario(o))).toEqual(strip(runScenario(o)));
  });

  it("--defrag: churn, then periods of live migrations that empty servers; the timeline shows them", async () => {
    const argv = ["--racks", "2", "--servers-per-rack", "6", "--deployments", "24", "--instances", "4", "--fail", "0", "--defrag", "--defrag-periods", "3", "--defrag-budget", "20", "--seed", "3"];
    const { code, out } = await capture([...argv, "--json"]);
    expect(code).toBe(0);
    const d = JSON.parse(out).defrag;
    expect(d.deploymentsDeleted).toBe(7); // 30% of 24, rounded
    expect(d.migrations).toBeGreaterThan(0);
    expect(d.migrations).toBeLessThanOrEqual(3 * 20);
    expect(d.migrationsAborted).toBe(0);
    expect(d.emptyServersAfter - d.emptyServersBefore).toBe(d.serversChosen);
    // Every blackout is the 100 ms switch-over plus the last dirty pages over 10 Gbps.
    expect(d.blackoutMsMean).toBeGreaterThanOrEqual(100);
    expect(d.blackoutMsMax).toBeLessThan(200);
    const text = (await capture(argv)).out;
    for (const k of ["churn", "defragmentation", "blackout", "hosts freed"]) expect(text).toContain(k);
    const plain = JSON.parse((await capture(["--racks", "2", "--servers-per-rack", "6", "--deployments", "24", "--instances", "4", "--fail", "0", "--json"])).out);
    expect(plain.defrag).toBeUndefined();
  });

  it("rejects bad options naming them", async () => {
    await expect(run(["--defrag-budget", "-1"])).rejects.toMatchObject({ field: "--defrag-budget" });
    await expect(run(["--delete", "101"])).rejects.toMatchObject({ field: "--delete" });
    await expect(run(["--fail", "101"])).rejects.toMatchObject({ field: "--fail" });
    await expect(run(["--racks", "0"])).rejects.toMatchObject({ field: "--racks" });
    await expect(run(["--servers-per-rack", "1.5"])).rejects.toMatchObject({ field: "--servers-per-rack" });
    await expect(run(["--bogus", "1"])).rejects.toMatchObject({ field: "--bogus" });
    await expect(run(["extra"])).rejects.toMatchObject({ field: "argument" });
  });
});
