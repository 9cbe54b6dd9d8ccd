// alibaba: a pod list of the Alibaba GPU cluster trace 2023 (openb_pod_list_*.csv) and its
// node list (openb_node_list_*.csv, the fleet: those nodes in file order).
//
// Dimensions: cpu (millicores), memory (MiB), gpu (thousandths of a device). A pod asks for
// num_gpu x 1000, or gpu_milli of one device when num_gpu = 1 and gpu_milli < 1000.
// GPU models are labels: a node with GPUs carries `gpu=<model>`, a pod with a gpu_spec requires
// `gpu` in its models (the engine's rule 6, so every run and baseline enforces it). GPU nodes
// get no taint: CPU-only pods may use them (as in the traced cluster, whose CPU pods fragment
// GPU nodes); the engine's "keep scarce hosts free" keeps them off GPU nodes while a CPU node
// has room. GPUs are DEVICES (the engine's `devices: { gpu: 1000 }`): a sharing pod's gpu_milli
// must fit on one GPU, a multi-GPU pod takes whole free GPUs, and every run (baselines too)
// tracks each GPU. At most 16 GPUs per node and per pod (the engine's device limit).
// Times: a pod arrives at creation_time and leaves at deletion_time; pods deleted at the
// trace's last instant (the largest deletion_time) stay. Lists without times (multigpu*) are
// FGD's inflation workload: pods arrive one per second in file order and stay.
// The pod lists are not in creation order (gpushare40: 3,518 of 8,152 rows are earlier than the
// row before), so this reader holds one list (at most ~10k pods) and sorts it, stably; the
// other readers stream.
import { readFile } from "node:fs/promises";
import { VmfabricError } from "../../errors.js";
import type { ConstraintSpec } from "../../labels.js";
import type { HostSpec } from "../../types.js";
import { TraceError } from "../errors.js";
import type { TraceSource, TraceVm } from "../trace.js";
import { numberField, readHeader } from "./csv.js";

const NODE_COLUMNS = ["sn", "cpu_milli", "memory_mib", "gpu", "model"] as const;
const POD_COLUMNS = ["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli", "gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"] as const;
const POD_REQUIRED = ["name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"] as const;
const MAX = 0x7fffffff;
const MAX_TIME = 2 ** 40;
/** A model must be usable as a label value (labels.ts). */
const MODEL = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** The label key of a node's GPU model. */
export const GPU_LABEL = "gpu";

export const ALIBABA_DIMENSIONS = ["cpu", "memory", "gpu"] as const;
/** One GPU is 1000 units of the gpu dimension (gpu_milli). */
export const ALIBABA_DEVICES = Object.freeze({ gpu: 1000 });
/** GPUs per node and per pod: the engine's limit of devices per host. */
const MAX_GPUS = 16;

export interface AlibabaNodes {
  hosts: HostSpec[];
  models: Set<string>;
}

async function lines(file: string): Promise<string[]> {
  try {
    return (await readFile(file, "utf8")).split(/\r?\n/);
  } catch (e) {
    throw new VmfabricError("NOT_FOUND", `cannot read ${file}: ${(e as Error).message}`, "file", file);
  }
}

export async function readNodes(file: string): Promise<AlibabaNodes> {
  const text = await lines(file);
  const cols = readHeader(file, text[0] ?? "", NODE_COLUMNS, NODE_COLUMNS);
  const hosts: HostSpec[] = [];
  const models = new Set<string>();
  for (let i = 1; i < text.length; i++) {
    if (text[i].length === 0) continue;
    const f = text[i].split(",");
    const line = i + 1;
    const get = (n: string) => f[cols.get(n)!];
    const cpu = numberField(file, line, "cpu_milli", get("cpu_milli"), 0, MAX, true);
    const mem = numberField(file, line, "memory_mib", get("memory_mib"), 0, MAX, true);
    const gpu = numberField(file, line, "gpu", get("gpu"), 0, MAX_GPUS, true);
    const model = (get("model") ?? "").trim();
    if (gpu > 0 && model === "") throw new TraceError(file, line, "model", model, "must name the GPU model of a node with GPUs");
    if (model !== "" && !MODEL.test(model)) throw new TraceError(file, line, "model", model, "must be 1 to 63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit (it becomes a label value)");
    if (model !== "" && gpu > 0) models.add(model);
    hosts.push(gpu > 0 ? { capacity: [cpu, mem, gpu * 1000], labels: { [GPU_LABEL]: model } } : { capacity: [cpu, mem, gpu * 1000] });
  }
  if (hosts.length === 0) throw new TraceError(file, 2, "nodes", "", "must list at least one node");
  return { hosts, models };
}

export async function alibaba(podFile: string, nodeFile: string): Promise<TraceSource> {
  const nodes = await readNodes(nodeFile);
  const { pods, constraints } = await readPods(podFile, nodes.models);
  return {
    name: podFile,
    format: "alibaba",
    dimensions: ALIBABA_DIMENSIONS,
    devices: ALIBABA_DEVICES,
    hosts: nodes.hosts,
    constraints,
    notes: {
      nodes: nodeFile,
      gpuSpec: `enforced: GPU nodes are labelled ${GPU_LABEL}=<model> (no taint), a pod with a gpu_spec requires ${GPU_LABEL} in its models`,
      gpuDevices: "tracked per GPU: a gpu_milli share fits on one GPU, num_gpu > 1 takes whole free GPUs",
    },
    async *vms() { yield pods; },
  };
}

async function readPods(file: string, models: ReadonlySet<string>): Promise<{ pods: TraceVm[]; constraints: ConstraintSpec[] }> {
  const constraints: ConstraintSpec[] = [];
  const constraintOf = new Map<string, number>();
  const text = await lines(file);
  const cols = readHeader(file, text[0] ?? "", POD_COLUMNS, POD_REQUIRED);
  const timed = cols.has("creation_time") && cols.has("deletion_time");
  const rows: Array<TraceVm & { deletion: number }> = [];
  for (let i = 1; i < text.length; i++) {
    if (text[i].length === 0) continue;
    const f = text[i].split(",");
    const line = i + 1;
    const get = (n: string) => (cols.has(n) ? f[cols.get(n)!] : undefined);
    const cpu = numberField(file, line, "cpu_milli", get("cpu_milli"), 0, MAX, true);
    const mem = numberField(file, line, "memory_mib", get("memory_mib"), 0, MAX, true);
    const numGpu = numberField(file, line, "num_gpu", get("num_gpu"), 0, MAX_GPUS, true);
    const gpuMilli = numberField(file, line, "gpu_milli", get("gpu_milli"), 0, 1000, true);
    if (numGpu === 0 && gpuMilli !== 0) throw new TraceError(file, line, "gpu_milli", gpuMilli, "must be 0 when num_gpu is 0");
    if (numGpu > 0 && gpuMilli === 0) throw new TraceError(file, line, "gpu_milli", gpuMilli, "must be above 0 when num_gpu is above 0");
    if (numGpu > 1 && gpuMilli !== 1000) throw new TraceError(file, line, "gpu_milli", gpuMilli, "must be 1000 when num_gpu is above 1 (a pod shares at most one GPU)");
    const gpu = numGpu === 1 && gpuMilli < 1000 ? gpuMilli : numGpu * 1000;
    const spec = [...new Set((get("gpu_spec") ?? "").split("|").filter((m) => m !== ""))].sort();
    for (const m of spec) {
      if (!models.has(m)) throw new TraceError(file, line, "gpu_spec", m, `must name a GPU model of the node list's GPU nodes (${[...models].join(", ")}): an unknown GPU model`);
    }
    let constraint: number | undefined;
    if (spec.length > 0) {
      const key = spec.join("|");
      constraint = constraintOf.get(key);
      if (constraint === undefined) {
        constraint = constraints.length;
        constraintOf.set(key, constraint);
        constraints.push({ requires: { [GPU_LABEL]: spec } });
      }
    }
    let arrival = rows.length;
    let deletion = Infinity;
    if (timed) {
      arrival = numberField(file, line, "creation_time", get("creation_time"), 0, MAX_TIME, true);
      const delRaw = get("deletion_time");
      deletion = numberField(file, line, "deletion_time", delRaw, 0, MAX_TIME, true);
      if (deletion < arrival) throw new TraceError(file, line, "deletion_time", delRaw, `must not be before creation_time (${arrival}): a departure before the arrival`);
    }
    rows.push({ index: rows.length, line, arrival, departure: Infinity, deletion, demand: [cpu, mem, gpu], tenant: 0, constraint });
  }
  let last = -Infinity;
  for (const r of rows) if (r.deletion !== Infinity && r.deletion > last) last = r.deletion;
  for (const r of rows) r.departure = r.deletion === Infinity || r.deletion === last ? Infinity : r.deletion === r.arrival ? r.arrival + 1 : r.deletion;
  rows.sort((a, b) => a.arrival - b.arrival || a.index - b.index);
  return { pods: rows.map(({ deletion: _, constraint, ...vm }) => (constraint === undefined ? vm : { ...vm, constraint })), constraints };
}
