// The generic trace format, for users' own traces: CSV with a header, or JSON lines.
//
// CSV columns (any order; no quoted fields):
//   arrival            seconds, non-decreasing from line to line (required)
//   end | duration     seconds; at most one of the two; empty = never leaves
//   demand_<dim>       one column per dimension, integers in the engine's units (at least one)
//   tenant, deployment any text (interned to integers per pass); deployment = anti-affinity group
//   expected_end       seconds: a prediction of the departure for the lifetime policy (replay
//                      --lifetime); empty = unknown. Not read by any other run.
//   id                 any text, ignored (for the user's own reference)
//   labels             what the VM requires of host labels, any of per key: gpu=V100M16|V100M32;zone=2
//   tolerates          host taints the VM tolerates: gpu;dedicated=ml
// JSON lines: one object per line with the same keys, `demand` an object {dim: integer},
// `labels` {key: value or [values]}, `tolerates` [strings]; every line must name the first
// line's dimensions.
// Devices: a dimension declared a device dimension (options.devices, --devices gpu=1000) asks
// its demand_<dim> as 0, a fraction of one device or whole devices, checked per line. There is
// no `devices` column: device demands are those demand_<dim> values.
// Labels: each distinct (labels, tolerates) pair is one entry of the source's `constraints`,
// appended as the reader first meets it (see ConstraintTable).
import { VmfabricError } from "../../errors.js";
import { DeviceLayout, MAX_DEVICES, isDeviceDemand } from "../../devices.js";
import { TraceError } from "../errors.js";
import { firstLine, readLineChunks, traceName, type TraceFile } from "../lines.js";
import type { TraceSource, TraceVm } from "../trace.js";
import { numberField, readHeader } from "./csv.js";
import { readGenericNodes, type DeviceDimension } from "./generic-nodes.js";
import { ConstraintTable, keysCell, keysJson, requirementsCell, requirementsJson, type Cell } from "./generic-labels.js";

const PLAIN = ["arrival", "end", "duration", "expected_end", "tenant", "deployment", "id", "labels", "tolerates"] as const;
const MAX_TIME = 2 ** 40;
const MAX_DEMAND = 0x7fffffff;
const NO_DEVICES_FIELD = "must not be given: device demands are demand_<dim> of a dimension declared with --devices (the devices option), e.g. --devices gpu=1000 and demand_gpu 2000 for two GPUs";

export interface GenericOptions {
  /** Device dimensions and the units of one device, e.g. `{ gpu: 1000 }` (the engine's
   *  `devices` option): each must be a dimension of the trace. */
  devices?: Readonly<Record<string, number>>;
  /** The fleet: a nodes CSV (src/replay/formats/generic-nodes.ts), read now. */
  nodes?: TraceFile;
}

export async function generic(input: TraceFile, options: GenericOptions = {}): Promise<TraceSource> {
  const file = traceName(input);
  const first = await firstLine(input);
  if (first === undefined) throw new TraceError(file, 1, "header", "", "must be present (the file is empty)");
  const json = first.trimStart().startsWith("{");
  const cols = json ? undefined : csvHeader(file, first);
  const dims = cols === undefined ? jsonDims(file, first) : [...cols.keys()].filter((c) => c.startsWith("demand_")).map((c) => c.slice("demand_".length));
  const devices = deviceDimensions(file, dims, options.devices);
  const hosts = options.nodes === undefined ? undefined : await readGenericNodes(options.nodes, dims, devices);
  // CSV without labels or tolerates columns has no constraints; JSON lines may bring them on any line.
  const table = cols === undefined || cols.has("labels") || cols.has("tolerates") ? new ConstraintTable() : undefined;
  const notes: Record<string, string> = {};
  if (options.nodes !== undefined) notes.nodes = traceName(options.nodes);
  if (devices.length > 0) notes.devices = `${devices.map((d) => `${d.name} in devices of ${d.size}`).join(", ")}: a fraction fits on one device, whole devices take fully free ones`;
  return {
    name: file, format: "generic", dimensions: dims,
    ...(hosts === undefined ? {} : { hosts }),
    ...(table === undefined ? {} : { constraints: table.specs }),
    ...(devices.length === 0 ? {} : { devices: Object.fromEntries(devices.map((d) => [d.name, d.size])) }),
    ...(Object.keys(notes).length === 0 ? {} : { notes }),
    vms: () => (cols === undefined ? jsonRows(input, dims, devices, table!) : csvRows(input, devices, table)),
  };
}

/** The device dimensions, checked as the engine checks its `devices` option. */
function deviceDimensions(file: string, dims: readonly string[], spec: Readonly<Record<string, number>> | undefined): DeviceDimension[] {
  if (spec === undefined) return [];
  if (typeof spec === "object" && spec !== null && !Array.isArray(spec)) {
    for (const name of Object.keys(spec)) {
      if (!dims.includes(name)) throw new VmfabricError("INVALID_INPUT", `devices names ${JSON.stringify(name)}, not a dimension of ${file} (${dims.join(", ")})`, "devices", name);
    }
  }
  return new DeviceLayout(dims, spec).kinds.map(({ dim, name, size }) => ({ dim, name, size }));
}

/** A device dimension's demand: 0, a fraction of one device, or 1 to 16 whole devices. */
function checkDevices(file: string, line: number, demand: readonly number[], devices: readonly DeviceDimension[], fieldOf: (name: string) => string): void {
  for (const { dim, name, size } of devices) {
    const x = demand[dim];
    if (!isDeviceDemand(x, size)) {
      throw new TraceError(file, line, fieldOf(name), x, `must be 0, a fraction of one ${name} device (below ${size}) or 1 to ${MAX_DEVICES} whole devices (a multiple of ${size}): ${name} is a device dimension`);
    }
  }
}

function csvHeader(file: string, text: string): Map<string, number> {
  if (text.split(",").some((c) => c.trim() === "devices")) throw new TraceError(file, 1, "column", "devices", NO_DEVICES_FIELD);
  const cols = readHeader(file, text, PLAIN, ["arrival"], (n) => /^demand_[A-Za-z][\w.-]*$/.test(n));
  if (cols.has("end") && cols.has("duration")) throw new TraceError(file, 1, "header", text, "must not have both end and duration");
  if (![...cols.keys()].some((c) => c.startsWith("demand_"))) throw new TraceError(file, 1, "header", text, "must have at least one demand_<dimension> column");
  return cols;
}

/** Interns tenant and deployment names to integers, in order of first appearance. */
class Names {
  private readonly ids = new Map<string, number>();
  id(name: string): number {
    let v = this.ids.get(name);
    if (v === undefined) { v = this.ids.size; this.ids.set(name, v); }
    return v;
  }
}

/** The departure time from an `end` or a `duration` field (undefined or empty: never leaves). */
function departureOf(file: string, line: number, arrival: number, end: unknown, duration: unknown): number {
  const blank = (v: unknown) => v === undefined || v === null || v === "";
  if (!blank(end)) {
    const e = typeof end === "number" ? end : Number(end);
    if (!Number.isFinite(e)) throw new TraceError(file, line, "end", end, "must be a number of seconds");
    if (e < arrival) throw new TraceError(file, line, "end", end, `must not be before the arrival (${arrival}): a departure before the arrival`);
    return e === arrival ? arrival + 1 : e;
  }
  if (!blank(duration)) {
    const d = typeof duration === "number" ? duration : Number(duration);
    if (!Number.isFinite(d)) throw new TraceError(file, line, "duration", duration, "must be a number of seconds");
    if (d < 0) throw new TraceError(file, line, "duration", duration, "must not be negative (a negative duration)");
    return arrival + (d === 0 ? 1 : d);
  }
  return Infinity;
}

/** The optional predicted end (undefined or empty: unknown). */
function expectedEndOf(file: string, line: number, v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  const e = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(e) || e < 0 || e > MAX_TIME) throw new TraceError(file, line, "expected_end", v, `must be a number of seconds in [0, ${MAX_TIME}]`);
  return e;
}

/** Runs `parse` on every line of the file and yields its VMs chunk by chunk. */
async function* perLine(input: TraceFile, parse: (text: string, line: number) => TraceVm | undefined): AsyncGenerator<TraceVm[]> {
  for await (const chunk of readLineChunks(input)) {
    const out: TraceVm[] = [];
    for (let k = 0; k < chunk.lines.length; k++) {
      const vm = parse(chunk.lines[k], chunk.first + k);
      if (vm !== undefined) out.push(vm);
    }
    if (out.length > 0) yield out;
  }
}

/** A CSV row's constraint; identical cells skip the checks (traces repeat a few pairs). */
class CsvConstraints {
  private readonly seen = new Map<string, number | undefined>();
  constructor(private readonly table: ConstraintTable) {}
  id(file: string, line: number, labels: string, tolerates: string): number | undefined {
    if (labels === "" && tolerates === "") return undefined;
    const k = `${labels}\n${tolerates}`;
    if (this.seen.has(k)) return this.seen.get(k);
    const labelsAt: Cell = { file, line, field: "labels", raw: labels };
    const toleratesAt: Cell = { file, line, field: "tolerates", raw: tolerates };
    const id = this.table.id(labelsAt, requirementsCell(labelsAt, labels), toleratesAt, keysCell(toleratesAt, tolerates));
    // Bounded: the cells may spell one pair in many orders.
    if (this.seen.size >= 4096) this.seen.clear();
    this.seen.set(k, id);
    return id;
  }
}

function csvRows(input: TraceFile, devices: readonly DeviceDimension[], table: ConstraintTable | undefined): AsyncGenerator<TraceVm[]> {
  const file = traceName(input);
  let cols: Map<string, number> | undefined;
  const dimCols: number[] = [];
  const dimNames: string[] = [];
  const tenants = new Names();
  const deployments = new Names();
  const constraints = table === undefined ? undefined : new CsvConstraints(table);
  let index = 0;
  let previous = -Infinity;
  return perLine(input, (text, line) => {
    if (text.trim().length === 0) return undefined;
    if (cols === undefined) {
      cols = csvHeader(file, text);
      for (const [name, i] of cols) if (name.startsWith("demand_")) { dimCols.push(i); dimNames.push(name); }
      return undefined;
    }
    const f = text.split(",");
    const get = (name: string) => (cols!.has(name) ? f[cols!.get(name)!] : undefined);
    const arrival = numberField(file, line, "arrival", get("arrival"), 0, MAX_TIME, false);
    if (arrival < previous) throw new TraceError(file, line, "arrival", arrival, `must not be before the previous line's arrival (${previous})`);
    previous = arrival;
    const departure = departureOf(file, line, arrival, get("end"), get("duration"));
    const demand = dimCols.map((c, d) => numberField(file, line, dimNames[d], f[c], 0, MAX_DEMAND, true));
    checkDevices(file, line, demand, devices, (name) => `demand_${name}`);
    const constraint = constraints?.id(file, line, get("labels") ?? "", get("tolerates") ?? "");
    const dep = get("deployment");
    const vm: TraceVm = {
      index: index++, line, arrival, departure, demand,
      tenant: tenants.id(get("tenant") ?? ""),
      deployment: dep === undefined || dep === "" ? undefined : deployments.id(dep),
      expectedEnd: expectedEndOf(file, line, get("expected_end")),
    };
    if (constraint !== undefined) vm.constraint = constraint;
    return vm;
  });
}

const JSON_KEYS = new Set(["arrival", "end", "duration", "expected_end", "demand", "tenant", "deployment", "id", "labels", "tolerates"]);

function parseJson(file: string, line: number, text: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new TraceError(file, line, "line", text.length > 60 ? text.slice(0, 57) + "..." : text, `must be one JSON object (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TraceError(file, line, "line", text, "must be one JSON object");
  for (const k of Object.keys(v)) if (k === "devices") throw new TraceError(file, line, "key", k, NO_DEVICES_FIELD);
  for (const k of Object.keys(v)) if (!JSON_KEYS.has(k)) throw new TraceError(file, line, "key", k, `must be one of ${[...JSON_KEYS].join(", ")}`);
  return v as Record<string, unknown>;
}

function jsonDims(file: string, text: string): string[] {
  const o = parseJson(file, 1, text);
  const d = o.demand;
  if (typeof d !== "object" || d === null || Array.isArray(d) || Object.keys(d).length === 0) {
    throw new TraceError(file, 1, "demand", d, "must be an object {dimension: integer} with at least one dimension");
  }
  return Object.keys(d);
}

function jsonRows(input: TraceFile, dims: readonly string[], devices: readonly DeviceDimension[], table: ConstraintTable): AsyncGenerator<TraceVm[]> {
  const file = traceName(input);
  const tenants = new Names();
  const deployments = new Names();
  let index = 0;
  let previous = -Infinity;
  return perLine(input, (text, line) => {
    if (text.trim().length === 0) return undefined;
    const o = parseJson(file, line, text);
    const arrival = o.arrival;
    if (typeof arrival !== "number" || !Number.isFinite(arrival) || arrival < 0 || arrival > MAX_TIME) throw new TraceError(file, line, "arrival", arrival, `must be a number in [0, ${MAX_TIME}]`);
    if (arrival < previous) throw new TraceError(file, line, "arrival", arrival, `must not be before the previous line's arrival (${previous})`);
    previous = arrival;
    if (o.end !== undefined && o.duration !== undefined) throw new TraceError(file, line, "end", o.end, "must not be given together with duration");
    const departure = departureOf(file, line, arrival, o.end, o.duration);
    const dem = o.demand as Record<string, unknown> | undefined;
    if (typeof dem !== "object" || dem === null || Array.isArray(dem)) throw new TraceError(file, line, "demand", dem, "must be an object {dimension: integer}");
    for (const k of Object.keys(dem)) if (!dims.includes(k)) throw new TraceError(file, line, `demand.${k}`, dem[k], `is not a dimension of this trace (${dims.join(", ")})`);
    const demand = dims.map((k) => {
      const x = dem[k];
      if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > MAX_DEMAND) throw new TraceError(file, line, `demand.${k}`, x, `must be an integer in [0, ${MAX_DEMAND}]`);
      return x;
    });
    checkDevices(file, line, demand, devices, (name) => `demand.${name}`);
    const labelsAt: Cell = { file, line, field: "labels", raw: o.labels };
    const toleratesAt: Cell = { file, line, field: "tolerates", raw: o.tolerates };
    const constraint = table.id(labelsAt, requirementsJson(labelsAt, o.labels), toleratesAt, keysJson(toleratesAt, o.tolerates));
    const vm: TraceVm = {
      index: index++, line, arrival, departure, demand,
      tenant: tenants.id(String(o.tenant ?? "")),
      deployment: o.deployment === undefined || o.deployment === null || o.deployment === "" ? undefined : deployments.id(String(o.deployment)),
      expectedEnd: expectedEndOf(file, line, o.expected_end),
    };
    if (constraint !== undefined) vm.constraint = constraint;
    return vm;
  });
}
