// `vmfabric replay` end to end on hand-written traces: the JSON summary's keys, the time series
// and report files, --help, and mistakes as one-line errors.
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FLAGS, run } from "../src/commands/replay.js";
import { captureRun } from "./support/cli.js";
import { fixture, tempTrace } from "./support/replay.js";

const capture = (argv: string[]) => captureRun(run, argv);
afterEach(() => { vi.restoreAllMocks(); });

const RUN_KEYS = ["policy", "placed", "rejected", "rejectedByReason", "peakHostsInUse", "avgHostsInUse", "avgLowerBound", "hostsOverLowerBound", "utilizationOfUsedHosts", "avgEmptyHosts", "migrations", "seconds", "opsPerSecond"];

describe("vmfabric replay", () => {
  it("--json prints one object with the issue's keys, every policy and baseline", async () => {
    const { code, out } = await capture([fixture("tiny.csv"), "--hosts", "2", "--host-capacity", "4,4", "--json", "--quiet"]);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(Object.keys(j)).toEqual(["trace", "format", "hosts", "vms", "events", "runs"]);
    expect(j).toMatchObject({ format: "generic", hosts: 2, vms: 4, events: 8 });
    expect(j.runs.map((r: { policy: string }) => r.policy)).toEqual(["first-fit", "best-fit", "spread", "dot-product", "l2", "kube", "nomad"]);
    // Engine runs say whether they kept scarce hosts free; baselines have no such choice.
    for (const r of j.runs.slice(0, 5)) expect(Object.keys(r)).toEqual(["policy", "keepScarceHostsFree", ...RUN_KEYS.slice(1)]);
    for (const r of j.runs.slice(5)) expect(Object.keys(r)).toEqual(RUN_KEYS);
    expect(j.runs[0]).toMatchObject({ placed: 4, avgHostsInUse: 1.6, avgLowerBound: 1.6, hostsOverLowerBound: 1, migrations: 0 });
  });

  it("sizes the default fleet at ceil(1.3 x the peak lower bound) of Dsv3-Type3 hosts", async () => {
    // Peak live demand 8,000 + 2,000 mcpu... of one host's 78,000: bound 1, fleet ceil(1.3) = 2.
    const { out } = await capture([fixture("azure-tiny.csv"), "--json", "--quiet", "--policy", "best-fit", "--baseline", "none"]);
    const j = JSON.parse(out);
    expect(j).toMatchObject({ format: "azure2017", hosts: 2, vms: 5 });
    expect(j.runs.length).toBe(1);
  });

  it("--sample replays on a stratified sample of the node list; without a node list, or too large, a clear error", async () => {
    const { code, out } = await capture([fixture("pods-tiny.csv"), "--nodes", fixture("nodes-tiny.csv"), "--sample", "2", "--json", "--quiet", "--policy", "best-fit", "--baseline", "none"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ format: "alibaba", hosts: 2, vms: 4 });
    // Mistakes are VmfabricErrors naming the flag and the value (the CLI prints them as one line).
    await expect(capture([fixture("pods-tiny.csv"), "--nodes", fixture("nodes-tiny.csv"), "--sample", "4", "--quiet"]))
      .rejects.toMatchObject({ field: "--sample", value: 4, message: expect.stringMatching(/--sample: 4 is not a whole number of nodes from 1 to the fleet's 3/) });
    await expect(capture([fixture("tiny.csv"), "--sample", "2", "--quiet"]))
      .rejects.toMatchObject({ field: "--sample", message: expect.stringMatching(/--sample takes a sample of the fleet --nodes gives/) });
  });

  it("alibaba: the node list is the fleet; gpu_spec enforced and GPUs tracked as devices, said so; the unallocated GPU share", async () => {
    const { out } = await capture([fixture("pods-tiny.csv"), "--nodes", fixture("nodes-tiny.csv"), "--json", "--quiet", "--policy", "best-fit", "--baseline", "kube"]);
    const j = JSON.parse(out);
    expect(j).toMatchObject({ format: "alibaba", hosts: 3, vms: 4 });
    expect(j.gpuSpec).toMatch(/^enforced/);
    expect(j.gpuDevices).toMatch(/^tracked per GPU/);
    expect(j.gpuModel).toBeUndefined();
    // GPU thousandths live: 460 on [10,20), 3,460 on [20,21), 2,460 on [21,200), of 10,000:
    // 1 - (4,600 + 3,460 + 440,340) / (10,000 x 190) = 0.764.
    expect(j.runs[0].unallocatedGpuShare).toBe(0.764);
    // At the end p1 (460) and p2 (2,000) stay, of 10,000 GPU thousandths: 0.754 unallocated.
    expect(j.runs[0].unallocatedGpuShareAtEnd).toBe(0.754);
  });

  it("alibaba: GPUs are devices in every run: a share fits on one GPU, a multi-GPU pod takes whole free GPUs", async () => {
    const nodes = tempTrace("sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,2,T4\n");
    // Summed, the node's 2,000 thousandths would hold all three 600 shares (1,800); per GPU,
    // two shares take one GPU each (400 left on each) and the third (p2) fits on neither. The
    // 2-GPU pod p3 is rejected either way. At t=30 p0 and p1 have left: one whole GPU (p4) is
    // free per GPU as summed. So summed GPUs would reject 1 pod (p3), devices reject 2 (p2, p3).
    const pods = tempTrace([
      "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time",
      "p0,1000,1024,1,600,,LS,Running,0,20,0",
      "p1,1000,1024,1,600,,LS,Running,1,20,1",
      "p2,1000,1024,1,600,,LS,Running,2,40,2",
      "p3,1000,1024,2,1000,,LS,Running,3,40,3",
      "p4,1000,1024,1,1000,,LS,Running,30,40,30",
      "p5,1000,1024,0,0,,LS,Running,0,100,0",
    ].join("\n") + "\n");
    const { code, out } = await capture([pods, "--nodes", nodes, "--json", "--quiet", "--policy", "best-fit,first-fit", "--baseline", "kube,nomad,least-waste"]);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    for (const r of j.runs) {
      expect(r.rejected, r.policy).toBe(2);
      expect(r.rejectedByReason, r.policy).toEqual({ NO_CAPACITY: 2 });
      expect(r.placed, r.policy).toBe(4);
    }
  });

  it("generic: --nodes brings a labelled, tainted fleet and --devices makes gpu a device dimension, in every run", async () => {
    const nodes = tempTrace("id,capacity_cpu,capacity_gpu,count,labels,taints\na100,64000,1000,1,gpu=A100,gpu\nt4,64000,2000,1,gpu=T4,\ncpu,64000,0,2,,\n");
    // u requires an A100 without tolerating its taint: NO_MATCHING_HOST; g tolerates it and fills
    // the A100. a, x, b: 500 each on the T4 node (a and x share T4 #0, b takes #1); x leaves at 6,
    // so at 7 each T4 has 500 free and s (600) fits on neither: NO_CAPACITY, though the node has
    // 1,000 free in all.
    const trace = tempTrace("arrival,end,demand_cpu,demand_gpu,labels,tolerates\n1,,1000,1000,gpu=A100,\n2,,1000,1000,gpu=A100,gpu\n3,,1000,500,gpu=T4,\n4,6,1000,500,,\n5,,1000,500,,\n7,,1000,600,,\n");
    const { code, out } = await capture([trace, "--nodes", nodes, "--devices", "gpu=1000", "--json", "--quiet", "--keep-scarce", "both", "--baseline", "kube,nomad,least-waste"]);
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j).toMatchObject({ format: "generic", hosts: 4, vms: 6, nodes });
    expect(j.devices).toMatch(/^gpu in devices of 1000/);
    expect(j.runs.length).toBe(13);
    for (const r of j.runs) {
      expect([r.policy, r.placed, r.rejectedByReason]).toEqual([r.policy, 4, { NO_MATCHING_HOST: 1, NO_CAPACITY: 1 }]);
      expect(r.unallocatedGpuShare, r.policy).toBeGreaterThan(0);
    }
    await expect(capture([trace, "--nodes", nodes, "--hosts", "3"])).rejects.toMatchObject({ field: "--hosts" });
  });

  it("--devices: generic only, DIM=SIZE of the trace's dimensions, host capacities in whole devices", async () => {
    const trace = tempTrace("arrival,demand_cpu,demand_gpu\n0,1,500\n");
    await expect(capture([fixture("azure-tiny.csv"), "--devices", "gpu=1000"])).rejects.toMatchObject({ field: "--devices", message: expect.stringContaining("generic format only") });
    await expect(capture([fixture("pods-tiny.csv"), "--nodes", fixture("nodes-tiny.csv"), "--devices", "gpu=1000"])).rejects.toMatchObject({ field: "--devices", message: expect.stringContaining("already devices") });
    await expect(capture([trace, "--devices", "gpu"])).rejects.toMatchObject({ field: "--devices" });
    await expect(capture([trace, "--devices", "gpu=1000,gpu=10"])).rejects.toMatchObject({ field: "--devices" });
    await expect(capture([trace, "--devices", "fpga=10"])).rejects.toMatchObject({ field: "--devices", message: expect.stringContaining("not a dimension") });
    await expect(capture([trace, "--devices", "gpu=0"])).rejects.toMatchObject({ field: "--devices" });
    await expect(capture([trace, "--devices", "gpu=1000", "--hosts", "1", "--host-capacity", "8,1500"])).rejects.toMatchObject({ field: "--host-capacity" });
    await expect(capture([fixture("azure-tiny.csv"), "--nodes", fixture("nodes-tiny.csv")])).rejects.toMatchObject({ field: "--nodes" });
    const { code, out } = await capture([trace, "--devices", "gpu=1000", "--hosts", "1", "--host-capacity", "8,2000", "--json", "--quiet", "--baseline", "none", "--policy", "best-fit"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).runs[0]).toMatchObject({ placed: 1, rejected: 0 });
  });

  it("writes the time series CSV and a self-contained HTML report", async () => {
    const ts = tempTrace("", "csv");
    const html = tempTrace("", "html");
    const { code, out } = await capture([fixture("tiny.csv"), "--hosts", "2", "--host-capacity", "4,4", "--bucket", "5", "--timeseries", ts, "--report", html, "--quiet", "--baseline", "none", "--policy", "first-fit,spread"]);
    expect(code).toBe(0);
    expect(out).toContain("hosts/bound");
    const rows = readFileSync(ts, "utf8").trim().split("\n");
    expect(rows[0]).toBe("policy,start_s,covered_s,hosts_in_use,lower_bound,util_cpu,util_memory,rejected");
    expect(rows.slice(1).map((r) => r.split(",").slice(0, 5).join(","))).toEqual([
      "first-fit,0,5,1.600,1.600", "first-fit,5,5,1.600,1.600", "spread,0,5,2.000,1.000", "spread,5,5,1.600,1.000",
    ]);
    expect(rows[3].endsWith(",1")).toBe(true); // spread rejected v2 at t=2
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<svg");
    expect(page).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(page).toContain("Hosts in use against the lower bound");
  });

  it("--help lists every flag", async () => {
    const { out } = await capture(["--help"]);
    for (const f of FLAGS) expect(out).toContain(`--${f.name}`);
  });

  it("mistakes are one-line VmfabricErrors naming the flag", async () => {
    await expect(capture([fixture("tiny.csv"), "--bogus"])).rejects.toMatchObject({ field: "--bogus" });
    await expect(capture([fixture("tiny.csv"), "--host-capacity", "4"])).rejects.toMatchObject({ field: "--host-capacity" });
    // The default host has cpu, memory, network and disk: another dimension needs --host-capacity.
    await expect(capture([tempTrace("arrival,demand_gpu\n0,1\n"), "--quiet"])).rejects.toMatchObject({ field: "--host-capacity" });
    await expect(capture([fixture("pods-tiny.csv"), "--format", "alibaba"])).rejects.toMatchObject({ field: "--nodes" });
    await expect(capture([fixture("tiny.csv"), "--policy", "worst-fit"])).rejects.toMatchObject({ field: "--policy" });
    await expect(capture([fixture("tiny.csv"), "--hosts", "2", "--host-capacity", "4,4", "--quiet", "--report", "/nonexistent/dir/r.html"])).rejects.toMatchObject({ field: "--report" });
    await expect(capture(["/nonexistent/trace.csv"])).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(existsSync("/nonexistent/dir/r.html")).toBe(false);
  });
});
