// Exact replay metrics on a trace small enough to compute by hand: two hosts of [4, 4], four
// VMs (test/fixtures/replay/tiny.csv):
//   v0 t=0..10 (2,2)   v1 t=0..4 (2,2)   v2 t=2..8 (3,1)   v3 t=4..8 (2,2)
// first-fit: v0, v1 -> h0; v2 -> h1; at t=4 v1 leaves before v3 arrives, v3 -> h0; t=8 h1
//   empties; t=10 all gone. Hosts in use 1 on [0,2), 2 on [2,8), 1 on [8,10): mean 1.6. Lower
//   bound 1 (demand 4,4), 2 (7,5), 1 (2,2) over the same spans: mean 1.6.
// spread: v0 -> h0, v1 -> h1, v2 fits neither (rejected), v3 -> h1 (emptier) after v1 left.
//   Hosts in use 2 on [0,8), 1 on [8,10): mean 1.8; lower bound 1 throughout.
import { describe, expect, it } from "vitest";
import { generic } from "../src/replay/formats/generic.js";
import { replay, type ReplayResult } from "../src/replay/replay.js";
import { LowerBound } from "../src/replay/lower-bound.js";
import { MetricTracker } from "../src/replay/metrics.js";
import type { Scheduler } from "../src/replay/scheduler.js";
import type { TraceSource } from "../src/replay/trace.js";
import { fixture } from "./support/replay.js";

const fleet = { hostTypes: [{ capacity: [4, 4], count: 2 }] };
const byPolicy = (r: ReplayResult, p: string) => r.runs.find((x) => x.policy === p)!;

describe("replay metrics on a hand-computed trace", () => {
  it("first-fit and spread: time-weighted means, utilisation, rejections", async () => {
    const r = await replay(await generic(fixture("tiny.csv")), { fleet, runs: ["first-fit", "spread"] });
    expect(r.vms).toBe(4);
    expect(r.events).toBe(8); // 4 arrivals and 4 departures (v2 leaves the trace even where a run rejected it)
    expect(r.hosts).toBe(2);
    const ff = byPolicy(r, "first-fit");
    expect(ff).toMatchObject({ placed: 4, rejected: 0, peakHostsInUse: 2, span: 10 });
    expect(ff.avgHostsInUse).toBeCloseTo(1.6, 12);
    expect(ff.avgLowerBound).toBeCloseTo(1.6, 12);
    expect(ff.hostsOverLowerBound).toBeCloseTo(1, 12);
    expect(ff.avgEmptyHosts).toBeCloseTo(0.4, 12);
    // cpu demand integral 4*2 + 7*6 + 2*2 = 54 over used capacity 4*2 + 8*6 + 4*2 = 64.
    expect(ff.utilizationOfUsedHosts.cpu).toBeCloseTo(54 / 64, 12);
    expect(ff.utilizationOfUsedHosts.memory).toBeCloseTo(42 / 64, 12);
    const sp = byPolicy(r, "spread");
    expect(sp).toMatchObject({ placed: 3, rejected: 1, rejectedByReason: { NO_CAPACITY: 1 }, peakHostsInUse: 2 });
    expect(sp.avgHostsInUse).toBeCloseTo(1.8, 12);
    expect(sp.avgLowerBound).toBeCloseTo(1, 12);
    expect(sp.hostsOverLowerBound).toBeCloseTo(1.8, 12);
    expect(sp.utilizationOfUsedHosts.cpu).toBeCloseTo(36 / 72, 12);
    expect(sp.ops).toBe(4 + 3);
  });

  it("the JSON-lines form of the same trace gives the same numbers", async () => {
    const a = await replay(await generic(fixture("tiny.csv")), { fleet, runs: ["first-fit", "spread"] });
    const b = await replay(await generic(fixture("tiny.jsonl")), { fleet, runs: ["first-fit", "spread"] });
    const strip = (r: ReplayResult) => r.runs.map(({ seconds: _s, opsPerSecond: _o, ...rest }) => rest);
    expect(strip(b)).toEqual(strip(a));
  });

  it("time series buckets hold the time-weighted means per bucket", async () => {
    const r = await replay(await generic(fixture("tiny.csv")), { fleet, runs: ["first-fit"], bucketSeconds: 5 });
    const s = r.runs[0].series!;
    expect(s.map((b) => b.start)).toEqual([0, 5]);
    // [0,5): 1 host for 2 s, 2 for 3 s -> 1.6; [5,10): 2 for 3 s, 1 for 2 s -> 1.6.
    expect(s[0].hostsInUse).toBeCloseTo(8 / 5, 12);
    expect(s[1].hostsInUse).toBeCloseTo(8 / 5, 12);
    expect(s[0].lowerBound).toBeCloseTo(8 / 5, 12);
    expect(s.reduce((a, b) => a + b.covered, 0)).toBe(10);
  });

  it("an onEvent hook sees every arrival and departure of every run, and may migrate", async () => {
    const seen: string[] = [];
    const slots = new Map<number, number>();
    const r = await replay(await generic(fixture("tiny.csv")), {
      fleet, runs: ["first-fit"],
      onEvent: (e, run) => {
        seen.push(`${e.kind}@${e.time}:${e.index}->${e.host}`);
        if (e.kind === "arrival") slots.set(e.index, e.slot);
        // v3 arrives on h0; h1 holds v2 (3,1) and has no cpu for it.
        if (e.kind === "arrival" && e.index === 3) expect(run.migrate(e.slot, 1)).toBe(false);
        // Once v2 has left h1, v3 may move there.
        if (e.kind === "departure" && e.index === 2) expect(run.migrate(slots.get(3)!, 1)).toBe(true);
      },
    });
    expect(seen).toEqual([
      "arrival@0:0->0", "arrival@0:1->0", "arrival@2:2->1",
      "departure@4:1->0", "arrival@4:3->0",
      "departure@8:2->1", "departure@8:3->1",
      "departure@10:0->0",
    ]);
    expect(r.runs[0].migrations).toBe(1);
    expect(r.runs[0].avgHostsInUse).toBeCloseTo(1.6, 12);
  });
});

describe("an embedder's own scheduler and trace source", () => {
  const lastFit: Scheduler = {
    name: "last-fit",
    choose(vm, fleet) {
      for (let h = fleet.hosts - 1; h >= 0; h--) if (fleet.fits(h, vm)) return h;
      return -1;
    },
  };

  it("replays itself through the Scheduler hook, checked by the engine", async () => {
    const seen: string[] = [];
    const r = await replay(await generic(fixture("tiny.csv")), { fleet, runs: [lastFit], onEvent: (e) => seen.push(`${e.kind}:${e.index}->${e.host}`) });
    // last-fit mirrors first-fit: v0, v1 -> h1; v2 -> h0; v3 -> h1 after v1 left.
    expect(seen.slice(0, 5)).toEqual(["arrival:0->1", "arrival:1->1", "arrival:2->0", "departure:1->1", "arrival:3->1"]);
    expect(r.runs[0]).toMatchObject({ policy: "last-fit", placed: 4, avgHostsInUse: 1.6 });
  });

  it("a choice the engine refuses, or a host outside the fleet, is an error", async () => {
    const liar: Scheduler = { name: "liar", choose: () => 0 };
    await expect(replay(await generic(fixture("tiny.csv")), { fleet, runs: [liar] })).rejects.toMatchObject({ code: "SCHEDULER_CHOICE" });
    const lost: Scheduler = { name: "lost", choose: () => 7 };
    await expect(replay(await generic(fixture("tiny.csv")), { fleet, runs: [lost] })).rejects.toMatchObject({ field: "host", value: 7 });
  });

  it("a trace source of its own is checked like the readers", async () => {
    const source: TraceSource = {
      name: "mine", format: "own", dimensions: ["cpu", "memory"],
      async *vms() { yield [{ index: 0, line: 1, arrival: 5, departure: 5, demand: [1, 1], tenant: 0 }]; },
    };
    await expect(replay(source, { fleet, runs: ["best-fit"] })).rejects.toMatchObject({ code: "INVALID_TRACE", file: "mine", line: 1, field: "departure" });
  });
});

describe("lower bound for a mixed fleet", () => {
  it("per dimension the fewest hosts, largest first, covering the demand", () => {
    const lb = new LowerBound([[10, 1], [5, 1], [5, 8]], 2);
    expect(lb.of([0, 0])).toBe(0);
    expect(lb.of([10, 0])).toBe(1);
    expect(lb.of([12, 0])).toBe(2);
    expect(lb.of([20, 0])).toBe(3);
    expect(lb.of([21, 0])).toBe(Infinity);
    expect(lb.of([1, 9])).toBe(2); // memory: 8 + 1
  });

  it("the tracker's means equal a direct integration of a hand-made event list", () => {
    const t = new MetricTracker([[4, 4], [8, 8]], ["cpu", "memory"]);
    t.advance(0);
    t.placed(1, [6, 2]);           // [0,3): h1 in use, demand (6,2): bound 1
    t.advance(3);
    t.placed(0, [4, 1]);           // [3,5): both, demand (10,3): bound 2 (8 + 4 >= 10)
    t.advance(5);
    t.released(1, [6, 2]);         // [5,9): h0 only, demand (4,1): bound 1
    t.advance(9);
    const m = t.result();
    expect(m.span).toBe(9);
    expect(m.avgHostsInUse).toBeCloseTo((3 + 4 + 4) / 9, 12);
    expect(m.avgLowerBound).toBeCloseTo((3 + 4 + 4) / 9, 12);
    expect(m.utilizationOfUsedHosts.cpu).toBeCloseTo((6 * 3 + 10 * 2 + 4 * 4) / (8 * 3 + 12 * 2 + 4 * 4), 12);
    expect(m.peakHostsInUse).toBe(2);
    expect(m.peakLowerBound).toBe(2);
  });
});
