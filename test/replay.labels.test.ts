// gpu_spec as labels in the replay: every engine run (keeping scarce hosts free or not) and every
// baseline places a pod only on a node of one of its models; the --keep-scarce variants.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../src/commands/replay.js";
import { KubeScheduler } from "../src/replay/baselines/kube.js";
import { LeastWasteScheduler } from "../src/replay/baselines/least-waste.js";
import { NomadScheduler } from "../src/replay/baselines/nomad.js";
import { alibaba, readNodes } from "../src/replay/formats/alibaba.js";
import { engineRuns } from "../src/replay/keep-scarce.js";
import { replay } from "../src/replay/replay.js";
import { FleetState, type ArrivingVm } from "../src/replay/scheduler.js";
import type { TraceSource } from "../src/replay/trace.js";
import { CAPACITY_POLICIES as POLICIES, type HostSpec } from "../src/types.js";
import { captureRun } from "./support/cli.js";
import { allVms, fixture } from "./support/replay.js";

afterEach(() => { vi.restoreAllMocks(); });

/** Every engine policy both ways, and the three baselines. */
const everyRun = () => [...engineRuns(POLICIES, "both"), new KubeScheduler(1), new NomadScheduler(1), new LeastWasteScheduler()];

describe("alibaba gpu_spec as labels", () => {
  it("GPU nodes are labelled with their model, CPU nodes not; equal gpu_specs share one constraint", async () => {
    const nodes = await readNodes(fixture("nodes-tiny.csv"));
    expect(nodes.hosts.map((h) => h.labels)).toEqual([undefined, { gpu: "T4" }, { gpu: "V100M32" }]);
    expect(nodes.hosts.every((h) => h.taints === undefined)).toBe(true);
    const src = await alibaba(fixture("pods-spec.csv"), fixture("nodes-tiny.csv"));
    // "T4|V100M32" and "V100M32|T4" are one requirement.
    expect(src.constraints).toEqual([{ requires: { gpu: ["T4"] } }, { requires: { gpu: ["T4", "V100M32"] } }]);
    expect((await allVms(src)).map((v) => v.constraint)).toEqual([0, 0, 1, 1, undefined, undefined]);
  });

  it("a pod whose models are all full is rejected NO_MATCHING_HOST, never placed on another model, in every run", async () => {
    // Nodes: n0 CPU only, n1 2 x T4, n2 8 x V100M32. Pod a takes both T4s; pod b wants a T4 and
    // only the V100M32 node has GPUs left: rejected. c and d may use either model; e and f any node.
    const src = await alibaba(fixture("pods-spec.csv"), fixture("nodes-tiny.csv"));
    const hosts = new Map<string, number[]>();
    const r = await replay(src, {
      fleet: src.hosts!, runs: everyRun(),
      onEvent: (e, h) => { if (e.kind === "arrival") (hosts.get(h.name) ?? hosts.set(h.name, []).get(h.name)!)[e.index] = e.host; },
    });
    expect(r.runs.length).toBe(13);
    for (const run of r.runs) {
      const on = hosts.get(run.policy)!;
      expect(on[0], run.policy).toBe(1);
      expect(on[1], run.policy).toBe(-1);
      expect(run.rejectedByReason, run.policy).toEqual({ NO_MATCHING_HOST: 1 });
      expect(on[2], run.policy).toBe(2);   // T4s full: the V100M32 node, which it admits
      expect(on[3], run.policy).toBe(2);
      expect(run.placed, run.policy).toBe(5);
    }
    // Without onEvent engine runs place each instant with one placeBatch (constraint ids).
    const batched = await replay(src, { fleet: src.hosts!, runs: everyRun() });
    for (const run of batched.runs) expect([run.policy, run.placed, run.rejectedByReason]).toEqual([run.policy, 5, { NO_MATCHING_HOST: 1 }]);
  });

  it("the same pods without gpu_spec: b goes to the V100M32 node (the rule, not capacity, rejected it)", async () => {
    const src = await alibaba(fixture("pods-spec.csv"), fixture("nodes-tiny.csv"));
    const bare: TraceSource = { ...src, constraints: [], async *vms() { for await (const c of src.vms()) yield c.map(({ constraint: _, ...v }) => v); } };
    const r = await replay(bare, { fleet: src.hosts!, runs: everyRun() });
    for (const run of r.runs) expect(run.rejected, run.policy).toBe(0);
  });
});

describe("FleetState labels", () => {
  const fleet: HostSpec[] = [{ capacity: [10, 10] }, { capacity: [10, 10], labels: { gpu: "A" } }, { capacity: [10, 10], labels: { gpu: "B" }, taints: ["gpu"] }];
  const vm = (demand: number[], constraint: number): ArrivingVm => ({ slot: 0, index: 0, demands: Int32Array.from(demand), at: 0, tenant: 0, deployment: -1, constraint });

  it("fits: requires any of the values, tolerates taints; reasons in the engine's precedence", () => {
    const f = new FleetState(fleet.map((h) => h.capacity), ["cpu", "memory"], fleet);
    const none = f.constraint({});
    const a = f.constraint({ requires: { gpu: ["A"] } });
    const ab = f.constraint({ requires: { gpu: ["B", "A"] }, tolerates: ["gpu"] });
    expect(f.constraint({ requires: { gpu: ["A", "B"] }, tolerates: ["gpu"] })).toBe(ab);
    expect([0, 1, 2].map((h) => f.fits(h, vm([1, 1], none)))).toEqual([true, true, false]);  // untolerated taint
    expect([0, 1, 2].map((h) => f.fits(h, vm([1, 1], a)))).toEqual([false, true, false]);
    expect([0, 1, 2].map((h) => f.fits(h, vm([1, 1], ab)))).toEqual([false, true, true]);
    f.place(1, vm([10, 10], a));
    expect(f.reasonFor(vm([1, 1], a))).toBe("NO_MATCHING_HOST");
    expect(f.reasonFor(vm([11, 1], a))).toBe("NO_CAPACITY");
  });
});

describe("least-waste", () => {
  // Hosts of three shapes (one without the third dimension), labels A, B or none, partly used.
  const fleetCase = fc.record({
    hosts: fc.array(fc.record({
      cap: fc.constantFrom([64, 256, 0], [32, 128, 8], [16, 64, 2]),
      fill: fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })),
      label: fc.constantFrom(undefined, "A", "B"),
    }), { minLength: 1, maxLength: 40 }),
    demand: fc.tuple(fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 96 }), fc.integer({ min: 0, max: 3 })),
    requires: fc.constantFrom(undefined, ["A"], ["A", "B"]),
  });

  it("chooses the feasible node with the least sum of free/capacity left after placing, lowest index on ties (random fleets)", () => {
    fc.assert(fc.property(fleetCase, ({ hosts, demand, requires }) => {
      const specs: HostSpec[] = hosts.map((h) => ({ capacity: h.cap, ...(h.label ? { labels: { gpu: h.label } } : {}) }));
      const f = new FleetState(specs.map((h) => h.capacity), ["cpu", "memory", "gpu"], specs);
      hosts.forEach((h, i) => h.cap.forEach((c, d) => { f.free[i * 3 + d] -= Math.floor(c * h.fill[d]); }));
      const v: ArrivingVm = { slot: 0, index: 0, demands: Int32Array.from(demand), at: 0, tenant: 0, deployment: -1, constraint: requires ? f.constraint({ requires: { gpu: requires } }) : 0 };
      // The definition, restated: feasible = room in every dimension and a matching label.
      const left = hosts.map((h, i) => {
        const ok = h.cap.every((_, d) => f.free[i * 3 + d] >= demand[d]) && (!requires || (h.label !== undefined && requires.includes(h.label)));
        return ok ? h.cap.reduce((s, c, d) => (c > 0 ? s + (f.free[i * 3 + d] - demand[d]) / c : s), 0) : undefined;
      });
      const got = new LeastWasteScheduler().choose(v, f);
      const feasible = left.flatMap((x, i) => (x === undefined ? [] : [i]));
      if (feasible.length === 0) return got === -1;
      const min = Math.min(...feasible.map((i) => left[i]!));
      return got === feasible.find((i) => left[i] === min);
    }), { numRuns: 300 });
  });
});

describe("--keep-scarce", () => {
  const capture = (argv: string[]) => captureRun(run, argv);

  it("both: each policy twice, named and flagged in the JSON; off: only the scarce-off runs", async () => {
    const base = [fixture("pods-spec.csv"), "--nodes", fixture("nodes-tiny.csv"), "--json", "--quiet", "--baseline", "least-waste"];
    const both = JSON.parse((await capture([...base, "--policy", "best-fit,l2", "--keep-scarce", "both"])).out);
    expect(both.runs.map((r: { policy: string; keepScarceHostsFree?: boolean }) => [r.policy, r.keepScarceHostsFree])).toEqual([
      ["best-fit", true], ["best-fit/scarce-off", false], ["l2", true], ["l2/scarce-off", false], ["least-waste", undefined],
    ]);
    const off = JSON.parse((await capture([...base, "--policy", "first-fit", "--keep-scarce", "off"])).out);
    expect(off.runs.map((r: { policy: string }) => r.policy)).toEqual(["first-fit/scarce-off", "least-waste"]);
    const on = JSON.parse((await capture([...base, "--policy", "first-fit"])).out);
    expect(on.runs[0]).toMatchObject({ policy: "first-fit", keepScarceHostsFree: true });
    await expect(capture([...base, "--keep-scarce", "sometimes"])).rejects.toMatchObject({ field: "--keep-scarce" });
  });

  it("the variant really turns it off: a CPU pod goes to the first GPU node only with scarce-off", async () => {
    const src: TraceSource = {
      name: "cpu-pod", format: "generic", dimensions: ["cpu", "gpu"], hosts: [{ capacity: [8, 4] }, { capacity: [8, 0] }],
      async *vms() { yield [{ index: 0, line: 2, arrival: 0, departure: Infinity, demand: [1, 0], tenant: 0 }]; },
    };
    const hosts: Record<string, number> = {};
    await replay(src, { fleet: src.hosts!, runs: engineRuns(["first-fit"], "both"), onEvent: (e, h) => { hosts[h.name] = e.host; } });
    expect(hosts).toEqual({ "first-fit": 1, "first-fit/scarce-off": 0 });
  });
});
