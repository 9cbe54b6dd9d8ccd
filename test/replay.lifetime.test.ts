// replay --lifetime: the lifetime run is fed predictions (azure2017: arrival + the middle of the
// lifetime bin), never the drawn lifetimes, and the default runs stay the five capacity policies.
import { describe, expect, it } from "vitest";
import { run } from "../src/commands/replay.js";
import { azure2017 } from "../src/replay/formats/azure2017.js";
import { replay } from "../src/replay/replay.js";
import { CAPACITY_POLICIES } from "../src/types.js";
import { captureRun } from "./support/cli.js";
import { allVms, fixture, tempTrace } from "./support/replay.js";

const AZURE_HEADER = "arrival_s,batch,vcpu,mem_gb,flavour,censored,dur_bin,dur_bin_lo_s,dur_bin_hi_s";

describe("replay --lifetime", () => {
  it("azure2017 predicts arrival + the bin's middle, the same for every seed; censored rows: unknown", async () => {
    const [a, b] = await Promise.all([7, 8].map((seed) => allVms(azure2017(fixture("azure-tiny.csv"), { seed }))));
    expect(a.map((v) => v.expectedEnd)).toEqual([400, 400, undefined, 400, 1450]);
    expect(b.map((v) => v.expectedEnd)).toEqual(a.map((v) => v.expectedEnd));
    // the draw moves with the seed, the prediction does not
    expect(a[4].departure).not.toBe(a[4].expectedEnd);
  });

  it("the lifetime run's engine holds each VM's prediction, not its departure; batch and VM-by-VM place alike", async () => {
    // Wide bins, so a drawn lifetime is almost never the bin's middle.
    const rows = Array.from({ length: 40 }, (_, i) => `${i * 10},${i},${1 + (i % 4)},2,x,${i % 9 === 0 ? 1 : 0},1,${100 + i},${50_000 + 7 * i}`);
    const file = tempTrace([AZURE_HEADER, ...rows].join("\n") + "\n");
    const fleet = Array.from({ length: 16 }, () => ({ capacity: [8000, 20480] }));
    const seen: Array<[number, number]> = [];
    const viaEvents = await replay(azure2017(file, { seed: 3 }), {
      fleet, runs: ["lifetime"],
      onEvent: (ev, h) => { if (ev.kind === "arrival" && ev.host >= 0) seen.push([ev.index, h.engine.expectedEndOf(ev.slot)]); },
    });
    const vms = await allVms(azure2017(file, { seed: 3 }));
    expect(seen.length).toBe(40);
    for (const [index, end] of seen) {
      const vm = vms[index];
      expect(end).toBe(vm.expectedEnd ?? 0);
      if (vm.departure !== Infinity) expect(end).not.toBe(vm.departure);
    }
    const batched = await replay(azure2017(file, { seed: 3 }), { fleet, runs: ["lifetime"] });
    const { series: _a, seconds: _b, opsPerSecond: _c, ...x } = viaEvents.runs[0];
    const { series: _d, seconds: _e, opsPerSecond: _f, ...y } = batched.runs[0];
    expect(y).toEqual(x);
  });

  it("the default runs are the five capacity policies; --lifetime adds a lifetime run", async () => {
    const base = JSON.parse((await captureRun(run, [fixture("azure-tiny.csv"), "--json", "--quiet", "--baseline", "none"])).out);
    expect(base.runs.map((r: { policy: string }) => r.policy)).toEqual([...CAPACITY_POLICIES]);
    const withLifetime = JSON.parse((await captureRun(run, [fixture("azure-tiny.csv"), "--json", "--quiet", "--baseline", "none", "--policy", "best-fit", "--lifetime"])).out);
    expect(withLifetime.runs.map((r: { policy: string }) => r.policy)).toEqual(["best-fit", "lifetime"]);
    const once = JSON.parse((await captureRun(run, [fixture("azure-tiny.csv"), "--json", "--quiet", "--baseline", "none", "--policy", "lifetime", "--lifetime"])).out);
    expect(once.runs.length).toBe(1);
  });
});

describe("generic format: expected_end", () => {
  it("CSV and JSON lines carry the prediction (empty: unknown); a bad one names line and field", async () => {
    const { generic } = await import("../src/replay/formats/generic.js");
    const csv = tempTrace("arrival,end,expected_end,demand_cpu\n0,10,12,1\n5,20,,1\n");
    expect((await allVms(await generic(csv))).map((v) => v.expectedEnd)).toEqual([12, undefined]);
    const jl = tempTrace('{"arrival":0,"end":10,"expected_end":9,"demand":{"cpu":1}}\n{"arrival":1,"demand":{"cpu":1}}\n', "jsonl");
    expect((await allVms(await generic(jl))).map((v) => v.expectedEnd)).toEqual([9, undefined]);
    const bad = tempTrace("arrival,expected_end,demand_cpu\n0,soon,1\n");
    await expect(allVms(await generic(bad))).rejects.toMatchObject({ field: "expected_end", line: 2 });
  });
});
