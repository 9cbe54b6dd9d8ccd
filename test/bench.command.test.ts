// `vmfabric bench` end to end on a tiny fleet (no timing assertions).
import { afterEach, describe, expect, it, vi } from "vitest";
import { formatTable, run, runBench, DEFAULTS } from "../src/commands/bench.js";

afterEach(() => vi.restoreAllMocks());

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => { out += a.join(" ") + "\n"; });
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => { err += a.join(" ") + "\n"; });
  const code = await run(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe("vmfabric bench", () => {
  it("--hosts 200 --vms 1000 --json returns sane fields", async () => {
    const { code, out } = await cli(["--hosts", "200", "--vms", "1000", "--json", "--quiet"]);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.vms).toBe(1000);
    expect(r.hosts).toBe(200);
    expect(r.placed + r.rejected).toBe(1000);
    expect(r.placed).toBeGreaterThan(0);
    expect(r.hostsUsed).toBeGreaterThanOrEqual(r.lowerBound);
    expect(r.hostsUsed).toBeLessThanOrEqual(200);
    expect(r.lowerBound).toBeGreaterThan(0);
    expect(r.lowerBoundAll).toBeGreaterThanOrEqual(r.lowerBound);
    expect(r.hostsOverLowerBound).toBeCloseTo(r.hostsUsed / r.lowerBound, 10);
    expect(r.policy).toBe("best-fit");
    expect(r.mix).toBe("azure");
    expect(r.maxPerHost).toBe(1);
    expect(r.coreBytes).toBeGreaterThan(0);
    expect(r.budgetBytes).toBe(233 * 200 + 44 * 1000);
    expect(r.bytesPerHost).toBeCloseTo((r.coreBytes - 44 * 1000) / 200, 6);
    expect(r.seconds).toBeGreaterThanOrEqual(0);
    expect(Object.values(r.rejectedByReason).reduce((a: number, b) => a + (b as number), 0)).toBe(r.rejected);
    for (const d of ["cpu", "memory", "network", "disk"]) {
      expect(r.utilization[d]).toBeGreaterThan(0);
      expect(r.utilizationOfUsedHosts[d]).toBeLessThanOrEqual(1);
      expect(r.utilizationOfUsedHosts[d]).toBeGreaterThanOrEqual(r.utilization[d]);
    }
  });

  it("is deterministic for a seed (placement outcome) and honours --mix, --policy", () => {
    const base = { ...DEFAULTS, hosts: 300, vms: 2000, progress: false };
    const a = runBench({ ...base, mix: "mixed", policy: "first-fit", seed: 9 });
    const b = runBench({ ...base, mix: "mixed", policy: "first-fit", seed: 9 });
    for (const k of ["placed", "hostsUsed", "lowerBound", "deployments"] as const) expect(a[k]).toBe(b[k]);
    expect(a.mix).toBe("mixed");
    expect(a.policy).toBe("first-fit");
    expect(a.placed + a.rejected).toBe(2000);
    expect(a.hostsUsed).toBeGreaterThanOrEqual(a.lowerBound);
  });

  it("without anti-affinity on a roomy fleet places everything close to the bound", () => {
    const r = runBench({ ...DEFAULTS, hosts: 500, vms: 3000, maxPerHost: 0, progress: false });
    expect(r.rejected).toBe(0);
    expect(r.hostsUsed).toBeGreaterThanOrEqual(r.lowerBound);
    expect(r.hostsUsed).toBeLessThanOrEqual(Math.ceil(r.lowerBound * 1.1) + 1);
  });

  it("prints a readable table by default", async () => {
    const { code, out } = await cli(["--hosts", "100", "--vms", "300", "--quiet", "--mix", "mixed"]);
    expect(code).toBe(0);
    for (const k of ["placed", "rejected", "hosts used", "lower bound", "placements / second", "core memory", "utilisation"]) expect(out).toContain(k);
    const r = runBench({ ...DEFAULTS, hosts: 50, vms: 100, progress: false });
    expect(formatTable(r)).toContain("Dsv3-Type3");
  });

  it("rejects bad flags", async () => {
    await expect(run(["--hosts", "0"])).rejects.toThrow(/--hosts/);
    await expect(run(["--policy", "worst-fit"])).rejects.toThrow(/--policy/);
    await expect(run(["--mix", "nope"])).rejects.toThrow(/--mix/);
    await expect(run(["--bogus", "1"])).rejects.toThrow(/unknown option/);
  });
});
