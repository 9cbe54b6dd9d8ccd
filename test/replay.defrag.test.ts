// `vmfabric replay --defrag`: periodic consolidation plans within the migration budget; the
// migrations appear in each run's JSON and never exceed the budget. On the Azure dev split
// (when present): fewer hosts in use than without, no rejections added.
import { describe, expect, it } from "vitest";
import { run } from "../src/commands/replay.js";
import { captureRun } from "./support/cli.js";
import { absent, azurePresent, tempTrace } from "./support/replay.js";
import { findDataSet } from "../src/data.js";
import { join } from "node:path";

const capture = (argv: string[]) => captureRun(run, argv);
// Two hosts of 10: a,b on host 0 and c,d on host 1; b and c leave at 10, leaving one VM on each.
// Tiny VMs arrive at 400 and 800 (after a 300 s period), so rounds run at those instants.
const TRACE = tempTrace([
  "arrival,duration,demand_cpu",
  "0,,5", "0,10,5", "0,10,5", "0,,5",
  "400,,0", "800,,0",
].join("\n") + "\n");
const base = [TRACE, "--hosts", "2", "--host-capacity", "10", "--policy", "best-fit", "--baseline", "kube", "--json", "--quiet"];

describe("replay --defrag", () => {
  it("empties the second host with one migration once a round is due, in engine and baseline runs", async () => {
    const off = JSON.parse((await capture(base)).out);
    const on = JSON.parse((await capture([...base, "--defrag", "--budget", "100", "--defrag-period", "300"])).out);
    for (const [i, r] of on.runs.entries()) {
      expect(off.runs[i].migrations).toBe(0);
      expect(r.migrations).toBe(1);
      expect(r.placed).toBe(off.runs[i].placed); // a migration is not a placement
      expect(r.avgHostsInUse).toBeLessThan(off.runs[i].avgHostsInUse);
      expect(r.rejected).toBe(0);
    }
  });

  it("spends at most --budget migrations per 100 arrivals so far: 20 per 100 allows 1 only after the 5th arrival, 10 per 100 none", async () => {
    const at = async (budget: string) => JSON.parse((await capture([...base, "--defrag", "--budget", budget, "--defrag-period", "300"])).out).runs[0].migrations;
    expect(await at("0")).toBe(0);
    expect(await at("10")).toBe(0); // 0.6 migrations after all 6 arrivals
    expect(await at("20")).toBe(1); // 0.8 at the round at 400, 1.0 at the round at 800
    expect(await at("25")).toBe(1); // 1.0 at the round at 400; the tiny VM at 400 then fills no emptied host
  });

  it("--budget and --defrag-period need --defrag", async () => {
    await expect(capture([...base, "--budget", "1"])).rejects.toMatchObject({ field: "--budget" });
    await expect(capture([...base, "--defrag-period", "60"])).rejects.toMatchObject({ field: "--defrag-period" });
    await expect(capture([...base, "--defrag", "--budget", "101"])).rejects.toMatchObject({ field: "--budget" });
  });

  it.skipIf(!azurePresent)(`Azure dev split, best-fit: --defrag (1 per 100 arrivals) uses fewer hosts, no rejections ${absent("azure-2017-vm-arrivals")}`, async () => {
    const file = join(findDataSet("azure-2017-vm-arrivals")!, "dev_vms.csv");
    const args = [file, "--policy", "best-fit", "--baseline", "none", "--json", "--quiet"];
    const off = JSON.parse((await capture(args)).out).runs[0];
    const on = JSON.parse((await capture([...args, "--defrag"])).out).runs[0];
    expect(on.rejected).toBe(off.rejected);
    expect(on.migrations).toBeGreaterThan(0);
    expect(on.migrations).toBeLessThanOrEqual(Math.floor(on.placed / 100));
    expect(on.hostsOverLowerBound).toBeLessThan(off.hostsOverLowerBound - 0.02);
  }, 120_000);
});
