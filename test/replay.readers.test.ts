// Trace readers: the formats on hand-written fixtures and on slices of the real files, and bad
// traces (each a TraceError naming file, line, field and value, or a counted rejection).
import { describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { TraceError } from "../src/replay/errors.js";
import { alibaba, readNodes } from "../src/replay/formats/alibaba.js";
import { azure2017 } from "../src/replay/formats/azure2017.js";
import { generic } from "../src/replay/formats/generic.js";
import { replay } from "../src/replay/replay.js";
import { detectFormat } from "../src/replay/sources.js";
import type { TraceVm } from "../src/replay/trace.js";
import { absent, alibabaPresent, allVms, azurePresent, dataSlice, fixture, tempTrace } from "./support/replay.js";

const AZURE_HEADER = "arrival_s,batch,vcpu,mem_gb,flavour,censored,dur_bin,dur_bin_lo_s,dur_bin_hi_s";

/** The TraceError a trace's full read throws. */
async function traceError(read: () => Promise<unknown>): Promise<TraceError> {
  try {
    await read();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    return e as TraceError;
  }
  throw new Error("expected a TraceError, the trace was read without one");
}

describe("azure2017", () => {
  it("reads demands, batches, lifetimes in their bins, censored VMs that never leave", async () => {
    const vms = await allVms(azure2017(fixture("azure-tiny.csv"), { seed: 7 }));
    expect(vms.map((v) => v.demand)).toEqual([[2000, 3584], [2000, 3584], [1000, 1792], [8000, 14336], [1000, 768]]);
    expect(vms.map((v) => v.arrival)).toEqual([100, 100, 400, 400, 700]);
    expect(vms[0].departure).toBe(400);        // bin [300, 300]
    expect(vms[2].departure).toBe(Infinity);   // censored
    expect(vms[3].departure).toBe(401);        // bin [0, 0]: a lifetime of 0 becomes 1 s
    expect(vms[4].departure).toBeGreaterThanOrEqual(700 + 600);
    expect(vms[4].departure).toBeLessThanOrEqual(700 + 900);
    expect(vms.map((v) => v.tenant)).toEqual([0, 0, 1, 2, 3]);
    expect(vms.every((v) => v.deployment === undefined)).toBe(true);
    const aa = await allVms(azure2017(fixture("azure-tiny.csv"), { seed: 7, antiAffinity: true }));
    expect(aa.map((v) => v.deployment)).toEqual([0, 0, 1, 2, 3]);
  });

  it.skipIf(!azurePresent)(`reads the first 3,000 rows of dev_vms.csv ${absent("azure-2017-vm-arrivals")}`, async () => {
    const text = dataSlice("azure-2017-vm-arrivals", "dev_vms.csv", 3001)!;
    const vms = await allVms(azure2017(tempTrace(text), { seed: 1 }));
    expect(vms.length).toBe(3000);
    const rows = text.trim().split("\n").slice(1).map((l) => l.split(","));
    vms.forEach((v, i) => {
      const r = rows[i];
      expect(v.arrival).toBe(Number(r[0]));
      expect(v.demand).toEqual([Number(r[2]) * 1000, Math.round(Number(r[3]) * 1024)]);
      if (r[5] === "1") expect(v.departure).toBe(Infinity);
      else {
        const life = v.departure - v.arrival;
        expect(life).toBeGreaterThanOrEqual(Math.max(1, Number(r[7])));
        expect(life).toBeLessThanOrEqual(Math.max(1, Number(r[8])));
      }
    });
    expect(await detectFormat(tempTrace(text))).toBe("azure2017");
  });
});

describe("generic", () => {
  it("CSV: dimensions from demand_ columns, end or duration, names interned", async () => {
    const src = await generic(tempTrace("arrival,end,demand_cpu,demand_gpu,tenant,deployment\n0,5,100,1,x,web\n1,,200,0,y,web\n1,9,300,2,x,\n"));
    expect(src.dimensions).toEqual(["cpu", "gpu"]);
    const vms = await allVms(src);
    expect(vms.map((v) => [v.arrival, v.departure, v.demand, v.tenant, v.deployment])).toEqual([
      [0, 5, [100, 1], 0, 0], [1, Infinity, [200, 0], 1, 0], [1, 9, [300, 2], 0, undefined],
    ]);
  });

  it("JSON lines: the first line's dimensions", async () => {
    const src = await generic(fixture("tiny.jsonl"));
    expect(src.dimensions).toEqual(["cpu", "memory"]);
    const vms = await allVms(src);
    expect(vms.map((v) => v.departure)).toEqual([10, 4, 8, 8]);
    expect(await detectFormat(fixture("tiny.jsonl"))).toBe("generic");
  });
});

describe("alibaba", () => {
  it("nodes are the fleet; pods sorted by creation; GPU demand; the last instant stays", async () => {
    const nodes = await readNodes(fixture("nodes-tiny.csv"));
    expect(nodes.hosts.map((h) => h.capacity)).toEqual([[32000, 131072, 0], [64000, 262144, 2000], [96000, 393216, 8000]]);
    expect([...nodes.models]).toEqual(["T4", "V100M32"]);
    const src = await alibaba(fixture("pods-tiny.csv"), fixture("nodes-tiny.csv"));
    expect(src.dimensions).toEqual(["cpu", "memory", "gpu"]);
    expect(Object.keys(src.notes!)).toEqual(["nodes", "gpuSpec", "gpuDevices"]);
    const vms = await allVms(src);
    // p1 (t=10), p2 (20), p3 (20), p0 (50); 300 is the last deletion: p1 and p2 stay.
    expect(vms.map((v) => [v.index, v.arrival, v.departure, v.demand[2]])).toEqual([
      [1, 10, Infinity, 460], [2, 20, Infinity, 2000], [3, 20, 21, 1000], [0, 50, 200, 0],
    ]);
  });

  it.skipIf(!alibabaPresent)(`reads slices of a pod list and the real node list ${absent("alibaba-gpu-2023")}`, async () => {
    const pods = tempTrace(dataSlice("alibaba-gpu-2023", "openb_pod_list_gpushare40.csv", 1501)!);
    const nodes = tempTrace(dataSlice("alibaba-gpu-2023", "openb_node_list_all_node.csv", 1524)!);
    const src = await alibaba(pods, nodes);
    expect(src.hosts!.length).toBe(1523);
    const vms = await allVms(src);
    expect(vms.length).toBe(1500);
    for (let i = 1; i < vms.length; i++) expect(vms[i].arrival).toBeGreaterThanOrEqual(vms[i - 1].arrival);
    expect(vms.every((v) => v.demand[2] >= 0 && v.demand[2] <= 8000 && v.departure > v.arrival)).toBe(true);
    expect(vms.some((v) => v.demand[2] > 0 && v.demand[2] < 1000)).toBe(true); // GPU sharing pods
    expect(await detectFormat(pods)).toBe("alibaba");
    // The multi-GPU lists have no times: pods arrive one per second in file order and stay.
    const multi = await allVms(await alibaba(tempTrace(dataSlice("alibaba-gpu-2023", "openb_pod_list_multigpu20.csv", 51)!), nodes));
    expect(multi.map((v) => v.arrival)).toEqual([...Array(50).keys()]);
    expect(multi.every((v) => v.departure === Infinity)).toBe(true);
  });
});

describe("bad traces", () => {
  const where = (e: TraceError, file: string, line: number, field: string, value: unknown) => {
    expect(e).toBeInstanceOf(VmfabricError);
    expect(e).toMatchObject({ code: "INVALID_TRACE", file, line, field, value });
    expect(e.message).toContain(`${file}:${line}`);
    expect(e.message).toContain(field);
  };

  it("a negative duration", async () => {
    const f = tempTrace("arrival,duration,demand_cpu\n0,5,1\n3,-2,1\n");
    where(await traceError(async () => allVms(await generic(f))), f, 3, "duration", "-2");
    const a = tempTrace(`${AZURE_HEADER}\n0,0,1,1,b,0,1,300,300\n0,1,1,1,b,0,1,-300,300\n`);
    where(await traceError(() => allVms(azure2017(a, { seed: 1 }))), a, 3, "dur_bin_lo_s", "-300");
  });

  it("a departure before the arrival", async () => {
    const f = tempTrace("arrival,end,demand_cpu\n10,5,1\n");
    where(await traceError(async () => allVms(await generic(f))), f, 2, "end", "5");
    const p = tempTrace("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\np0,1000,1024,0,0,,LS,Running,100,50,100\n");
    where(await traceError(() => alibaba(p, fixture("nodes-tiny.csv"))), p, 2, "deletion_time", "50");
  });

  it("an arrival before the previous line's", async () => {
    const f = tempTrace("arrival,demand_cpu\n10,1\n5,1\n");
    where(await traceError(async () => allVms(await generic(f))), f, 3, "arrival", 5);
  });

  it("an unknown column", async () => {
    const a = tempTrace(`${AZURE_HEADER},priority\n0,0,1,1,b,0,1,300,300,7\n`);
    where(await traceError(() => allVms(azure2017(a, { seed: 1 }))), a, 1, "column", "priority");
    const g = tempTrace("arrival,duration,cpu\n0,1,1\n");
    where(await traceError(() => generic(g)), g, 1, "column", "cpu");
    const j = tempTrace('{"arrival": 0, "demand": {"cpu": 1}, "priority": 3}\n', "jsonl");
    where(await traceError(() => generic(j)), j, 1, "key", "priority");
  });

  it("an unknown GPU model", async () => {
    const p = tempTrace("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np0,1000,1024,1,1000,T4|H100\n");
    where(await traceError(() => alibaba(p, fixture("nodes-tiny.csv"))), p, 2, "gpu_spec", "H100");
  });

  it("a bad label or a devices column (device demands are demand_<dim> of a --devices dimension)", async () => {
    const g = tempTrace("arrival,demand_cpu,labels\n0,1,zone=a\n1,1,zone=a b\n");
    where(await traceError(async () => allVms(await generic(g))), g, 3, "labels", "zone=a b");
    const d = tempTrace("arrival,demand_cpu,devices\n0,1,\n");
    const e = await traceError(() => generic(d));
    where(e, d, 1, "column", "devices");
    expect(e.message).toContain("demand_<dim> of a dimension declared with --devices");
  });

  it("a demand no host type can ever hold is a counted rejection (NO_HOST_TYPE), in every run", async () => {
    const f = tempTrace("arrival,duration,demand_cpu,demand_memory\n0,5,2,2\n1,5,9,1\n2,5,1,1\n");
    const r = await replay(await generic(f), { fleet: { hostTypes: [{ capacity: [4, 4], count: 1 }, { capacity: [8, 2], count: 1 }] }, runs: ["best-fit", "first-fit"] });
    for (const run of r.runs) expect(run).toMatchObject({ placed: 2, rejected: 1, rejectedByReason: { NO_HOST_TYPE: 1 } });
    // [8, 1] would fit the second type: not a NO_HOST_TYPE.
    const g = tempTrace("arrival,duration,demand_cpu,demand_memory\n0,5,8,1\n");
    const r2 = await replay(await generic(g), { fleet: { hostTypes: [{ capacity: [4, 4], count: 1 }, { capacity: [8, 2], count: 1 }] }, runs: ["best-fit"] });
    expect(r2.runs[0]).toMatchObject({ placed: 1, rejected: 0 });
  });

  it("departures go before arrivals at the same instant", async () => {
    // One host [4000, 8192]: rows 0-1 fill its cpu until t=400; row 2 arrives at 400 and fits
    // only because they leave first. Row 3 (8 vCPUs) fits no host type.
    const r = await replay(azure2017(fixture("azure-tiny.csv"), { seed: 1 }), { fleet: { hostTypes: [{ capacity: [4000, 8192], count: 1 }] }, runs: ["first-fit"] });
    expect(r.runs[0]).toMatchObject({ placed: 4, rejected: 1, rejectedByReason: { NO_HOST_TYPE: 1 } });
  });
});

export type { TraceVm };
