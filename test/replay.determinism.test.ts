// Determinism: the lifetime draw depends on (seed, row) alone; a replay is the same for a seed
// whichever way it is driven; the departure heap orders by (time, seq).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KubeScheduler } from "../src/replay/baselines/kube.js";
import { NomadScheduler } from "../src/replay/baselines/nomad.js";
import { azure2017 } from "../src/replay/formats/azure2017.js";
import { generic } from "../src/replay/formats/generic.js";
import { DepartureHeap } from "../src/replay/heap.js";
import { drawLifetime, uniformInt } from "../src/replay/lifetime.js";
import { replay, type ReplayResult } from "../src/replay/replay.js";
import { CAPACITY_POLICIES as POLICIES } from "../src/types.js";
import { absent, allVms, azurePresent, dataSlice, fixture, tempTrace } from "./support/replay.js";

const stripTimes = (r: ReplayResult) => r.runs.map(({ seconds: _s, opsPerSecond: _o, series: _x, ...rest }) => rest);

describe("lifetime draw", () => {
  it("is a uniform integer in [lo, hi], independent of the order rows are drawn in", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0x7fffffff }), fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 400_000 }), (seed, rows, lo, span) => {
      const hi = lo + span;
      const forward = rows.map((i) => uniformInt(seed, i, lo, hi));
      const backward = [...rows].reverse().map((i) => uniformInt(seed, i, lo, hi)).reverse();
      expect(backward).toEqual(forward);
      for (const x of forward) { expect(Number.isInteger(x)).toBe(true); expect(x).toBeGreaterThanOrEqual(lo); expect(x).toBeLessThanOrEqual(hi); }
    }));
  });

  it("covers the bin evenly and turns 0 into 1", () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[uniformInt(3, i, 0, 9)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    expect(drawLifetime(3, 5, 0, 0)).toBe(1);
    expect(new Set(Array.from({ length: 50 }, (_, i) => uniformInt(i, 0, 0, 1_000_000))).size).toBeGreaterThan(45); // seeds differ
  });

  it("a row's lifetime does not depend on the rows after it", async () => {
    const head = "arrival_s,batch,vcpu,mem_gb,flavour,censored,dur_bin,dur_bin_lo_s,dur_bin_hi_s\n";
    const rows = Array.from({ length: 40 }, (_, i) => `${i * 10},${i},1,1.75,b,0,3,300,3600`);
    const short = await allVms(azure2017(tempTrace(head + rows.slice(0, 20).join("\n")), { seed: 9 }));
    const long = await allVms(azure2017(tempTrace(head + rows.join("\n")), { seed: 9 }));
    expect(long.slice(0, 20).map((v) => v.departure)).toEqual(short.map((v) => v.departure));
    const other = await allVms(azure2017(tempTrace(head + rows.join("\n")), { seed: 10 }));
    expect(other.map((v) => v.departure)).not.toEqual(long.map((v) => v.departure));
  });
});

describe("departure heap", () => {
  it("pops in (time, seq) order", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1e6 })), { maxLength: 3000 }), (items) => {
      const h = new DepartureHeap();
      const uniq = [...new Map(items.map(([t, s]) => [s, t])).entries()].map(([s, t]) => ({ t, s }));
      uniq.forEach(({ t, s }, i) => h.push(t, s, i));
      const out: number[] = [];
      while (h.size > 0) out.push(h.pop());
      const want = uniq.map((x, i) => ({ ...x, i })).sort((a, b) => a.t - b.t || a.s - b.s).map((x) => x.i);
      expect(out).toEqual(want);
    }));
  });
});

describe("memory in proportion to live VMs", () => {
  it("a long trace with few VMs live at once runs on engines sized for the live VMs", async () => {
    // 20,000 VMs, each living 3 s, one every 2 s: at most 2 live at once.
    const lines = ["arrival,duration,demand_cpu,demand_memory"];
    for (let i = 0; i < 20000; i++) lines.push(`${2 * i},3,1,1`);
    const src = await generic(tempTrace(lines.join("\n")));
    let vmCapacity = 0;
    const r = await replay(src, {
      fleet: { hostTypes: [{ capacity: [4, 4], count: 3 }] }, runs: ["best-fit"],
      onEvent: (_e, run) => { vmCapacity = run.engine.vmCapacity; },
    });
    expect(vmCapacity).toBe(2);
    expect(r.runs[0]).toMatchObject({ placed: 20000, rejected: 0, peakHostsInUse: 1 });
    expect(r.events).toBe(40000);
  });
});

describe("replay determinism", () => {
  const fleet = { hostTypes: [{ capacity: [80000, 516096], reservation: [2000, 8192], count: 40 }] };
  const runsFor = (seed: number) => [...POLICIES, new KubeScheduler(seed), new NomadScheduler(seed)];

  it.skipIf(!azurePresent)(`is the same for a seed, differs across seeds, batch = VM by VM ${absent("azure-2017-vm-arrivals")}`, async () => {
    const file = tempTrace(dataSlice("azure-2017-vm-arrivals", "dev_vms.csv", 4001)!);
    const a = await replay(azure2017(file, { seed: 5 }), { fleet, runs: runsFor(5) });
    const b = await replay(azure2017(file, { seed: 5 }), { fleet, runs: runsFor(5) });
    expect(stripTimes(b)).toEqual(stripTimes(a));
    expect(a.runs.every((r) => r.placed > 3000)).toBe(true);
    const c = await replay(azure2017(file, { seed: 6 }), { fleet, runs: runsFor(6) });
    expect(stripTimes(c)).not.toEqual(stripTimes(a));
    // One placeBatch per instant places exactly as engine.place VM by VM.
    const d = await replay(azure2017(file, { seed: 5 }), { fleet, runs: runsFor(5), perVm: true });
    expect(stripTimes(d)).toEqual(stripTimes(a));
    // With anti-affinity too (deployments in the batch, all hosts in one fault domain).
    const e = await replay(azure2017(file, { seed: 5, antiAffinity: true }), { fleet, runs: [...POLICIES] });
    const f = await replay(azure2017(file, { seed: 5, antiAffinity: true }), { fleet, runs: [...POLICIES], perVm: true });
    expect(stripTimes(f)).toEqual(stripTimes(e));
    expect(stripTimes(e)).not.toEqual(stripTimes(a).slice(0, 5));
  });

  it("on the hand-written azure fixture, every run reports the same trace-level counts", async () => {
    const r = await replay(azure2017(fixture("azure-tiny.csv"), { seed: 1 }), { fleet, runs: runsFor(1) });
    expect(r.vms).toBe(5);
    expect(r.events).toBe(5 + 4); // one censored VM never leaves
    for (const run of r.runs) expect(run).toMatchObject({ placed: 5, rejected: 0 });
    // spread: h0, h1 at t=100; both leave at 400 before rows 2-3 arrive, and both go to h0
    // (a host holding 1 of 78 vCPUs is still in the top free level, lowest index wins).
    const peak = Object.fromEntries(r.runs.map((x) => [x.policy, x.peakHostsInUse]));
    expect(peak).toMatchObject({ "best-fit": 1, "first-fit": 1, spread: 2, kube: 1 });
  });
});
