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
//   labels, devices    reserved: must be empty until the engine has labels and devices
// JSON lines: one object per line with the same keys, `demand` an object {dim: integer}; every
// line must name the first line's dimensions.
import { TraceError } from "../errors.js";
import { firstLine, readLineChunks, traceName, type TraceFile } from "../lines.js";
import type { TraceSource, TraceVm } from "../trace.js";
import { numberField, readHeader } from "./csv.js";

const PLAIN = ["arrival", "end", "duration", "expected_end", "tenant", "deployment", "id", "labels", "devices"] as const;
const MAX_TIME = 2 ** 40;
const MAX_DEMAND = 0x7fffffff;

export async function generic(input: TraceFile): Promise<TraceSource> {
  const file = traceName(input);
  const first = await firstLine(input);
  if (first === undefined) throw new TraceError(file, 1, "header", "", "must be present (the file is empty)");
  if (first.trimStart().startsWith("{")) {
    const dims = jsonDims(file, first);
    return { name: file, format: "generic", dimensions: dims, vms: () => jsonRows(input, dims) };
  }
  const cols = csvHeader(file, first);
  const dims = [...cols.keys()].filter((c) => c.startsWith("demand_")).map((c) => c.slice("demand_".length));
  return { name: file, format: "generic", dimensions: dims, vms: () => csvRows(input) };
}

function csvHeader(file: string, text: string): Map<string, number> {
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

function reserved(file: string, line: number, field: string, v: unknown): void {
  const empty = v === undefined || v === null || v === "" || (typeof v === "object" && Object.keys(v as object).length === 0);
  if (!empty) throw new TraceError(file, line, field, v, "must be empty: the engine has no labels or devices yet (see README, vmfabric replay)");
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

function csvRows(input: TraceFile): AsyncGenerator<TraceVm[]> {
  const file = traceName(input);
  let cols: Map<string, number> | undefined;
  const dimCols: number[] = [];
  const dimNames: string[] = [];
  const tenants = new Names();
  const deployments = new Names();
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
    reserved(file, line, "labels", get("labels"));
    reserved(file, line, "devices", get("devices"));
    const dep = get("deployment");
    return {
      index: index++, line, arrival, departure, demand,
      tenant: tenants.id(get("tenant") ?? ""),
      deployment: dep === undefined || dep === "" ? undefined : deployments.id(dep),
      expectedEnd: expectedEndOf(file, line, get("expected_end")),
    };
  });
}

const JSON_KEYS = new Set(["arrival", "end", "duration", "expected_end", "demand", "tenant", "deployment", "id", "labels", "devices"]);

function parseJson(file: string, line: number, text: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new TraceError(file, line, "line", text.length > 60 ? text.slice(0, 57) + "..." : text, `must be one JSON object (${(e as Error).message})`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new TraceError(file, line, "line", text, "must be one JSON object");
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

function jsonRows(input: TraceFile, dims: readonly string[]): AsyncGenerator<TraceVm[]> {
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
    reserved(file, line, "labels", o.labels);
    reserved(file, line, "devices", o.devices);
    return {
      index: index++, line, arrival, departure, demand,
      tenant: tenants.id(String(o.tenant ?? "")),
      deployment: o.deployment === undefined || o.deployment === null || o.deployment === "" ? undefined : deployments.id(String(o.deployment)),
      expectedEnd: expectedEndOf(file, line, o.expected_end),
    };
  });
}
