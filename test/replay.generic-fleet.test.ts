// Generic traces with their own fleet (--nodes), labels, taints and device dimensions, replayed
// end to end in every run and baseline, with placements and rejections computed by hand; and
// label constraints that first appear deep in a stream, after the runs were made.
import { describe, expect, it } from "vitest";
import { KubeScheduler } from "../src/replay/baselines/kube.js";
import { LeastWasteScheduler } from "../src/replay/baselines/least-waste.js";
import { NomadScheduler } from "../src/replay/baselines/nomad.js";
import { generic } from "../src/replay/formats/generic.js";
import { engineRuns } from "../src/replay/keep-scarce.js";
import { replay, type ReplayOptions } from "../src/replay/replay.js";
import { survey } from "../src/replay/survey.js";
import type { TraceSource } from "../src/replay/trace.js";
import { CAPACITY_POLICIES } from "../src/types.js";
import { blobInPieces, tempTrace } from "./support/replay.js";

/** Every engine policy both ways, and the three baselines: 13 runs. */
const everyRun = () => [...engineRuns(CAPACITY_POLICIES, "both"), new KubeScheduler(1), new NomadScheduler(1), new LeastWasteScheduler()];

// Host 0: one A100, tainted gpu. Host 1: two T4s. Host 2: no GPU.
const NODES = [
  "id,capacity_cpu,capacity_gpu,labels,taints",
  "a100,64000,1000,gpu=A100,gpu",
  "t4,64000,2000,gpu=T4,",
  "cpu,64000,0,,",
].join("\n") + "\n";

/** Per run, the host of each trace row (-1: rejected), from both ways engine runs place (VM by
 *  VM with onEvent, and one placeBatch per instant without). */
async function hostsPerRun(src: TraceSource, extra: Partial<ReplayOptions> = {}) {
  const hosts = new Map<string, number[]>();
  const perVm = await replay(src, {
    fleet: src.hosts!, runs: everyRun(), ...extra,
    onEvent: (e, run) => { if (e.kind === "arrival") (hosts.get(run.name) ?? hosts.set(run.name, []).get(run.name)!)[e.index] = e.host; },
  });
  const batched = await replay(src, { fleet: src.hosts!, runs: everyRun(), ...extra });
  return { hosts, perVm, batched };
}

describe("generic trace on its own labelled, tainted GPU fleet", () => {
  it("labels, taints and per-device shares decide every run and baseline alike (hand-computed)", async () => {
    const trace = tempTrace([
      "arrival,end,demand_cpu,demand_gpu,labels,tolerates",
      "0,,1000,0,,",                      // 0 c: CPU only; never on host 0, whose taint it does not tolerate
      "1,,1000,1000,gpu=A100,",           // 1 u: host 0 has room, but u does not tolerate gpu: NO_MATCHING_HOST
      "2,,1000,1000,gpu=A100,gpu",        // 2 g: host 0 (its only A100)
      "3,,1000,500,gpu=T4,",              // 3 a: host 1, T4 #0 (500 left)
      "4,6,1000,500,gpu=T4,",             // 4 x: host 1, T4 #0 (the fullest that holds it: 0 left); leaves at 6
      "5,,1000,500,,",                    // 5 b: host 1, T4 #1 (500 left); host 0 is full and tainted
      "7,,1000,600,,",                    // 6 s: x left: 500 free on each T4, 1,000 in all, but 600 fits on neither: NO_CAPACITY
      "8,,1000,200,gpu=A100,gpu",         // 7 d: only the T4s have room: NO_MATCHING_HOST
      "9,,1000,300,gpu=T4|A100,gpu",      // 8 e: host 1 (T4 #1, 200 left)
    ].join("\n") + "\n");
    const src = await generic(trace, { nodes: tempTrace(NODES), devices: { gpu: 1000 } });
    const { hosts, perVm, batched } = await hostsPerRun(src);
    expect(perVm.runs.length).toBe(13);
    for (const run of perVm.runs) {
      const on = hosts.get(run.policy)!;
      expect(on[0], run.policy).not.toBe(0);
      expect(on.slice(1), run.policy).toEqual([-1, 0, 1, 1, 1, -1, -1, 1]);
      expect(run.rejectedByReason, run.policy).toEqual({ NO_MATCHING_HOST: 2, NO_CAPACITY: 1 });
    }
    for (const run of batched.runs) expect([run.policy, run.placed, run.rejectedByReason]).toEqual([run.policy, 6, { NO_MATCHING_HOST: 2, NO_CAPACITY: 1 }]);
  });

  it("the same trace without --devices: the 600 share fits the T4 node's summed 1,000 (devices, not capacity, rejected it)", async () => {
    const trace = tempTrace("arrival,end,demand_cpu,demand_gpu\n3,,1000,500\n4,6,1000,500\n5,,1000,500\n7,,1000,600\n");
    const nodes = tempTrace("capacity_cpu,capacity_gpu,labels\n64000,2000,gpu=T4\n");
    const summed = await replay(await generic(trace, { nodes }), { fleet: (await generic(trace, { nodes })).hosts!, runs: everyRun() });
    for (const run of summed.runs) expect([run.policy, run.rejected]).toEqual([run.policy, 0]);
    const devices = await generic(trace, { nodes, devices: { gpu: 1000 } });
    const r = await replay(devices, { fleet: devices.hosts!, runs: everyRun() });
    for (const run of r.runs) expect([run.policy, run.rejectedByReason]).toEqual([run.policy, { NO_CAPACITY: 1 }]);
  });
});

describe("constraints first met deep in the stream", () => {
  // Lines 2-4999: CPU-only VMs without labels, one a second, each living 1 s (they go to host 1:
  // host 0 is tainted). Line 5000 is the trace's first labelled VM.
  const lines = ["arrival,duration,demand_cpu,demand_gpu,labels,tolerates"];
  for (let t = 0; t < 4998; t++) lines.push(`${t},1,1,0,,`);
  lines.push(
    "5000,,1000,1000,gpu=A100,gpu",   // line 5000: tolerates host 0's taint: host 0 (without its constraint: host 1)
    "5001,,1000,500,gpu=A100,",        // line 5001: does not: NO_MATCHING_HOST (without: host 1)
    "5002,,1000,500,gpu=T4,",          // line 5002: host 1
  );
  const text = lines.join("\n") + "\n";
  const nodes = tempTrace("id,capacity_cpu,capacity_gpu,labels,taints\na100,64000,1000,gpu=A100,gpu\nt4,64000,2000,gpu=T4,\n");
  const expectLate = (hosts: Map<string, number[]>, runs: Array<{ policy: string; placed: number; rejectedByReason: Record<string, number> }>) => {
    expect(runs.length).toBe(13);
    for (const run of runs) {
      expect([run.policy, run.placed, run.rejectedByReason]).toEqual([run.policy, 5000, { NO_MATCHING_HOST: 1 }]);
      if (hosts.size > 0) expect([run.policy, ...hosts.get(run.policy)!.slice(4998)]).toEqual([run.policy, 0, -1, 1]);
    }
  };

  it("the line numbers are as the comments say", async () => {
    const src = await generic(tempTrace(text), { nodes });
    const vms: Array<{ line: number; constraint?: number }> = [];
    for await (const chunk of src.vms()) vms.push(...chunk);
    expect(vms.slice(4998).map((v) => [v.line, v.constraint])).toEqual([[5000, 0], [5001, 1], [5002, 2]]);
    expect(vms.slice(0, 4998).every((v) => v.constraint === undefined)).toBe(true);
  });

  it("from a file, surveyed first (as the command does): every run and baseline honours them", async () => {
    const src = await generic(tempTrace(text), { nodes, devices: { gpu: 1000 } });
    const { hosts, perVm, batched } = await hostsPerRun(src);
    expectLate(hosts, perVm.runs);
    expectLate(new Map(), batched.runs);
  });

  it("streamed in 64-byte pieces with a survey of another pass: the runs were made before any constraint existed", async () => {
    const file = blobInPieces("late.csv", new TextEncoder().encode(text), 64);
    const opts = { nodes, devices: { gpu: 1000 } };
    const plan = await survey(await generic(file, opts));
    const src = await generic(file, opts);
    // What makes this the hard case: no constraint is known when replay() makes its runs.
    expect(src.constraints).toEqual([]);
    const { hosts, perVm } = await hostsPerRun(src, { survey: plan });
    expectLate(hosts, perVm.runs);
    const fresh = await generic(file, opts);
    const batched = await replay(fresh, { fleet: fresh.hosts!, runs: everyRun(), survey: plan });
    expectLate(new Map(), batched.runs);
    expect(fresh.constraints!.length).toBe(3);
  });
});
