// The generic format's labels, tolerations and device dimensions, and its nodes file: what the
// readers make of them, and every bad value as a TraceError naming file, line, field and value.
import { describe, expect, it } from "vitest";
import { VmfabricError } from "../src/errors.js";
import { TraceError } from "../src/replay/errors.js";
import { generic } from "../src/replay/formats/generic.js";
import { readGenericNodes } from "../src/replay/formats/generic-nodes.js";
import { allVms, tempTrace } from "./support/replay.js";

async function thrown(read: () => Promise<unknown>): Promise<VmfabricError> {
  try {
    await read();
  } catch (e) {
    expect(e).toBeInstanceOf(VmfabricError);
    return e as VmfabricError;
  }
  throw new Error("expected an error, the input was read without one");
}

/** The TraceError of a full read, checked to name file, line, field and value. */
async function traceError(read: () => Promise<unknown>, file: string, line: number, field: string, value: unknown): Promise<TraceError> {
  const e = await thrown(read);
  expect(e).toBeInstanceOf(TraceError);
  expect(e).toMatchObject({ code: "INVALID_TRACE", file, line, field, value });
  expect(e.message).toContain(`${file}:${line}: ${field}`);
  return e as TraceError;
}

const readAll = (file: string, o?: Parameters<typeof generic>[1]) => async () => allVms(await generic(file, o));

describe("generic labels and tolerations", () => {
  it("CSV: requirements any-of per key, tolerations; one constraint per distinct pair in canonical form", async () => {
    const f = tempTrace([
      "arrival,demand_cpu,labels,tolerates",
      "0,1,gpu=V100M16|V100M32;zone=2,",
      "1,1,,",
      "2,1,zone=2;gpu=V100M32|V100M16|V100M16,",   // the first pair, spelled otherwise
      "3,1,gpu=T4,gpu;dedicated=ml",
      "4,1,,dedicated=ml;gpu",                       // tolerates only
      "5,1,gpu=T4,dedicated=ml;gpu",                 // line 4's pair
    ].join("\n") + "\n");
    const src = await generic(f);
    // Live: empty until a pass meets them.
    expect(src.constraints).toEqual([]);
    const vms = await allVms(src);
    expect(vms.map((v) => v.constraint)).toEqual([0, undefined, 0, 1, 2, 1]);
    expect(src.constraints).toEqual([
      { requires: { gpu: ["V100M16", "V100M32"], zone: ["2"] } },
      { requires: { gpu: ["T4"] }, tolerates: ["dedicated=ml", "gpu"] },
      { tolerates: ["dedicated=ml", "gpu"] },
    ]);
    // A second pass numbers them the same and adds none.
    expect((await allVms(src)).map((v) => v.constraint)).toEqual([0, undefined, 0, 1, 2, 1]);
    expect(src.constraints!.length).toBe(3);
  });

  it("CSV without labels or tolerates columns has no constraints at all", async () => {
    const src = await generic(tempTrace("arrival,demand_cpu\n0,1\n"));
    expect(src.constraints).toBeUndefined();
    expect((await allVms(src))[0].constraint).toBeUndefined();
  });

  it("JSON lines: a string or an array per key; tolerates an array", async () => {
    const f = tempTrace([
      '{"arrival": 0, "demand": {"cpu": 1}, "labels": {"gpu": ["V100M16", "V100M32"], "zone": "2"}}',
      '{"arrival": 1, "demand": {"cpu": 1}}',
      '{"arrival": 2, "demand": {"cpu": 1}, "labels": {"zone": ["2"], "gpu": ["V100M32", "V100M16"]}, "tolerates": []}',
      '{"arrival": 3, "demand": {"cpu": 1}, "labels": {}, "tolerates": ["gpu", "dedicated=ml"]}',
    ].join("\n"), "jsonl");
    const src = await generic(f);
    expect((await allVms(src)).map((v) => v.constraint)).toEqual([0, undefined, 0, 1]);
    expect(src.constraints).toEqual([
      { requires: { gpu: ["V100M16", "V100M32"], zone: ["2"] } },
      { tolerates: ["dedicated=ml", "gpu"] },
    ]);
  });

  it("a bad label, toleration or syntax is a TraceError on its line and field", async () => {
    const csv = async (labels: string, tolerates: string, field: string, value: string) => {
      const f = tempTrace(`arrival,demand_cpu,labels,tolerates\n0,1,,\n1,1,${labels},${tolerates}\n`);
      return traceError(readAll(f), f, 3, field, value);
    };
    expect((await csv("gpu=a b", "", "labels", "gpu=a b")).message).toContain("label value");
    expect((await csv("-gpu=a", "", "labels", "-gpu=a")).message).toContain("label key");
    expect((await csv("gpu", "", "labels", "gpu")).message).toContain("has no '='");
    expect((await csv("gpu=a;;zone=1", "", "labels", "gpu=a;;zone=1")).message).toContain("empty entry");
    expect((await csv("gpu=a;gpu=b", "", "labels", "gpu=a;gpu=b")).message).toContain("each key once");
    expect((await csv("", "x y", "tolerates", "x y")).message).toContain("label key");
    await csv("", "gpu;", "tolerates", "gpu;");

    const json = async (rest: string, field: string, value: unknown) => {
      const f = tempTrace(`{"arrival": 0, "demand": {"cpu": 1}}\n{"arrival": 1, "demand": {"cpu": 1}, ${rest}}\n`, "jsonl");
      return traceError(readAll(f), f, 2, field, value);
    };
    await json('"labels": ["gpu=T4"]', "labels", ["gpu=T4"]);
    await json('"labels": {"gpu": 4}', "labels", { gpu: 4 });
    await json('"labels": {"gpu": []}', "labels", { gpu: [] });
    await json('"labels": {"gpu": "a b"}', "labels", { gpu: "a b" });
    await json('"tolerates": "gpu"', "tolerates", "gpu");
    await json('"tolerates": ["gpu", 3]', "tolerates", ["gpu", 3]);
    await json('"devices": {"gpu": 1}', "key", "devices");
  });

  it("more distinct pairs than the engine holds (1,023) is a TraceError on the first one too many", async () => {
    const rows = Array.from({ length: 1024 }, (_, i) => `${i},1,zone=z${i}`);
    const f = tempTrace(`arrival,demand_cpu,labels\n${rows.join("\n")}\n`);
    const e = await traceError(readAll(f), f, 1025, "labels", "zone=z1023");
    expect(e.message).toContain("1023 distinct");
    // 1,023 of them are fine.
    const g = tempTrace(`arrival,demand_cpu,labels\n${rows.slice(0, 1023).join("\n")}\n`);
    expect((await allVms(await generic(g))).length).toBe(1023);
  });
});

describe("generic device dimensions", () => {
  it("a device demand is 0, a fraction of one device, or 1 to 16 whole devices; anything else a TraceError", async () => {
    const good = tempTrace("arrival,demand_cpu,demand_gpu\n0,1,0\n1,1,1\n2,1,999\n3,1,1000\n4,1,16000\n5,5000,3000\n");
    const src = await generic(good, { devices: { gpu: 1000 } });
    expect(src.devices).toEqual({ gpu: 1000 });
    expect((await allVms(src)).map((v) => v.demand[1])).toEqual([0, 1, 999, 1000, 16000, 3000]);
    for (const bad of [1001, 1500, 17000, 2500]) {
      const f = tempTrace(`arrival,demand_cpu,demand_gpu\n0,1,500\n1,1,${bad}\n`);
      const e = await traceError(readAll(f, { devices: { gpu: 1000 } }), f, 3, "demand_gpu", bad);
      expect(e.message).toContain("device dimension");
      // The same lines without --devices are plain demands.
      expect((await allVms(await generic(f))).length).toBe(2);
    }
    const j = tempTrace('{"arrival": 0, "demand": {"cpu": 1, "gpu": 2000}}\n{"arrival": 0, "demand": {"cpu": 1, "gpu": 1200}}\n', "jsonl");
    await traceError(readAll(j, { devices: { gpu: 1000 } }), j, 2, "demand.gpu", 1200);
  });

  it("the devices option: dimensions of the trace, sizes the engine allows", async () => {
    const f = tempTrace("arrival,demand_cpu,demand_gpu\n0,1,0\n");
    expect(await thrown(() => generic(f, { devices: { fpga: 10 } }))).toMatchObject({ code: "INVALID_INPUT", field: "devices", value: "fpga" });
    expect(await thrown(() => generic(f, { devices: { gpu: 0 } }))).toMatchObject({ code: "INVALID_INPUT", field: "devices.gpu" });
    expect(await thrown(() => generic(f, { devices: { gpu: 70000 } }))).toMatchObject({ code: "INVALID_INPUT", field: "devices.gpu" });
  });
});

describe("generic nodes file", () => {
  it("reads capacities, reservations, counts, fault domains, labels and taints, in file order", async () => {
    const f = tempTrace([
      "id,capacity_cpu,capacity_gpu,reservation_cpu,count,fault_domain,labels,taints",
      "a100,64000,8000,2000,2,3,gpu=A100;zone=b,gpu;dedicated=ml",
      "cpu,32000,0,,,,,",
    ].join("\n") + "\n");
    const hosts = await readGenericNodes(f, ["cpu", "gpu"], [{ dim: 1, name: "gpu", size: 1000 }]);
    const a100 = { capacity: [64000, 8000], reservation: [2000, 0], faultDomain: 3, labels: { gpu: "A100", zone: "b" }, taints: ["dedicated=ml", "gpu"] };
    expect(hosts).toEqual([a100, a100, { capacity: [32000, 0] }]);
    // Through the trace reader: the source's fleet.
    const src = await generic(tempTrace("arrival,demand_cpu,demand_gpu\n0,1,0\n"), { nodes: f, devices: { gpu: 1000 } });
    expect(src.hosts).toEqual(hosts);
    expect(src.notes).toMatchObject({ nodes: f });
  });

  it("bad nodes files: TraceErrors with file, line, field and value", async () => {
    const dims = ["cpu", "gpu"];
    const gpu = [{ dim: 1, name: "gpu", size: 1000 }];
    const nodes = (text: string) => tempTrace(text);
    let f = nodes("capacity_cpu,capacity_gpu,capacity_disk\n1,0,1\n");
    await traceError(() => readGenericNodes(f, dims), f, 1, "column", "capacity_disk");
    f = nodes("capacity_cpu,count\n1,1\n");
    await traceError(() => readGenericNodes(f, dims), f, 1, "header", "capacity_cpu,count");
    f = nodes("capacity_cpu,capacity_gpu\n1,0\n1,1500\n");
    await traceError(() => readGenericNodes(f, dims, gpu), f, 3, "capacity_gpu", "1500");
    expect((await readGenericNodes(f, dims)).length).toBe(2); // without devices, any capacity
    f = nodes("capacity_cpu,capacity_gpu,reservation_gpu\n1,2000,500\n");
    await traceError(() => readGenericNodes(f, dims, gpu), f, 2, "capacity_gpu", "2000");
    f = nodes("capacity_cpu,capacity_gpu\n1,17000\n");
    await traceError(() => readGenericNodes(f, dims, gpu), f, 2, "capacity_gpu", "17000");
    f = nodes("capacity_cpu,capacity_gpu,reservation_cpu\n1,0,2\n");
    await traceError(() => readGenericNodes(f, dims), f, 2, "reservation_cpu", "2");
    f = nodes("capacity_cpu,capacity_gpu,count\n1,0,4194304\n1,0,1\n");
    await traceError(() => readGenericNodes(f, dims), f, 3, "count", "1");
    f = nodes("capacity_cpu,capacity_gpu,count\n1,0,-1\n");
    await traceError(() => readGenericNodes(f, dims), f, 2, "count", "-1");
    f = nodes("capacity_cpu,capacity_gpu,fault_domain\n1,0,65536\n");
    await traceError(() => readGenericNodes(f, dims), f, 2, "fault_domain", "65536");
    f = nodes("capacity_cpu,capacity_gpu,labels\n1,0,gpu=T4\n1,0,gpu=T 4\n");
    await traceError(() => readGenericNodes(f, dims), f, 3, "labels", "gpu=T 4");
    f = nodes("capacity_cpu,capacity_gpu,labels\n1,0,gpu\n");
    await traceError(() => readGenericNodes(f, dims), f, 2, "labels", "gpu");
    f = nodes("capacity_cpu,capacity_gpu,taints\n1,0,gpu=\n1,0,=x\n");
    await traceError(() => readGenericNodes(f, dims), f, 3, "taints", "=x");
    f = nodes("capacity_cpu,capacity_gpu\n");
    await traceError(() => readGenericNodes(f, dims), f, 2, "nodes", "");
    f = nodes("");
    await traceError(() => readGenericNodes(f, dims), f, 1, "header", "");
  });

  it("more distinct label-and-taint sets than the engine holds (1,023) is a TraceError", async () => {
    const rows = Array.from({ length: 1024 }, (_, i) => `1,0,zone=z${i}`);
    const f = tempTrace(`capacity_cpu,capacity_gpu,labels\n${rows.join("\n")}\n`);
    await traceError(() => readGenericNodes(f, ["cpu", "gpu"]), f, 1025, "labels", "zone=z1023");
    const g = tempTrace(`capacity_cpu,capacity_gpu,labels\n${rows.slice(0, 1023).join("\n")}\n`);
    expect((await readGenericNodes(g, ["cpu", "gpu"])).length).toBe(1023);
  });
});
