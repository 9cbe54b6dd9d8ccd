// `vmfabric quota` on a small fleet: real Bitbrains demand when the data set is present.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../src/commands/quota.js";
import { captureRun } from "./support/cli.js";
import { bitbrainsDir, loadBitbrains } from "../src/workload/bitbrains.js";

const capture = (argv: string[]) => captureRun(run, argv);

afterEach(() => { vi.restoreAllMocks(); delete process.env.VMFABRIC_DATA; });

const present = existsSync(bitbrainsDir());

describe("vmfabric quota", () => {
  it.skipIf(!present)("loads the Bitbrains summaries and raw series", () => {
    const b = loadBitbrains()!;
    expect(b.profiles.length).toBeGreaterThan(1000);
    expect(b.series.length).toBe(5);
    expect(b.series[0].cpu.length).toBeGreaterThan(8000);
    expect(b.profiles.every((p) => p.cores > 0 && p.memGb > 0)).toBe(true);
  });

  it.skipIf(!present)("reports throttling, contention and hottest hosts as JSON from real demand", async () => {
    const { code, out } = await capture(["--hosts", "12", "--vms", "300", "--ticks", "24", "--json"]);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.source).toMatch(/^Bitbrains/);
    expect(r.throttling.map((x: { dimension: string }) => x.dimension)).toEqual(["cpu", "memory", "network"]);
    for (const x of r.throttling) expect(x.throttledVmTickShare).toBeGreaterThanOrEqual(0);
    expect(r.hottest.length).toBeGreaterThan(0);
    expect(r.placed).toBeGreaterThan(0);
  });

  it("falls back to synthetic demand, saying so, when the data set is absent", async () => {
    process.env.VMFABRIC_DATA = "/nonexistent-vmfabric-data";
    const { code, out, err } = await capture(["--hosts", "4", "--vms", "40", "--ticks", "5"]);
    expect(code).toBe(0);
    expect(err).toMatch(/SYNTHETIC demand: Bitbrains data not found/);
    expect(out).toMatch(/throttled in/);
  });

  it("rejects bad flags", async () => {
    await expect(run(["--hosts", "0"])).rejects.toThrow(/--hosts/);
    await expect(run(["--bogus", "1"])).rejects.toThrow(/unknown option/);
  });
});
