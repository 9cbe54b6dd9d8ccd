// Labels, taints and tolerations in the generic trace and node files. CSV cells are never
// quoted, so the lists use ';' and '|' instead of commas:
//   a VM's labels (requirements, any of per key)  gpu=V100M16|V100M32;zone=2
//   a host's labels                                gpu=T4;zone=2
//   taints (hosts) and tolerations (VMs)           gpu;dedicated=ml
// Every value is checked by the engine's own rules (src/labels.ts), here, so a bad one is a
// TraceError naming its line and never an engine error in the middle of a replay.
import { VmfabricError } from "../../errors.js";
import { MAX_CONSTRAINTS, constraintKey, constraintOf, signatureOf, type ConstraintSpec, type Signature } from "../../labels.js";
import { TraceError } from "../errors.js";

/** Where a cell came from, for messages. */
export interface Cell {
  file: string;
  line: number;
  field: string;
  /** The value as written (a CSV cell, or the JSON value). */
  raw: unknown;
}

function fail(at: Cell, expected: string): never {
  throw new TraceError(at.file, at.line, at.field, at.raw, expected);
}

/** Runs a check of src/labels.ts, its error becoming a TraceError on the cell. */
function checked<T>(at: Cell, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof VmfabricError && !(e instanceof TraceError)) fail(at, `must be valid labels (${e.message})`);
    throw e;
  }
}

/** `a;b;c` as its entries; an empty cell has none, an empty entry is an error. */
function entries(at: Cell, text: string): string[] {
  if (text === "") return [];
  const parts = text.split(";");
  if (parts.some((p) => p === "")) fail(at, "must not have an empty entry (a stray ';')");
  return parts;
}

/** `key=value;...` as [key, value] pairs, each key once. */
function pairs(at: Cell, text: string, shape: string): Array<[string, string]> {
  const seen = new Set<string>();
  return entries(at, text).map((p) => {
    const eq = p.indexOf("=");
    if (eq < 0) fail(at, `must be ${shape}: the entry ${JSON.stringify(p)} has no '='`);
    const k = p.slice(0, eq);
    if (seen.has(k)) fail(at, `must name each key once (${JSON.stringify(k)} twice)`);
    seen.add(k);
    return [k, p.slice(eq + 1)];
  });
}

/** A VM's `labels` cell: per key, the values any one of which the host must have. */
export function requirementsCell(at: Cell, text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of pairs(at, text, "key=value[|value...] entries separated by ';' (gpu=V100M16|V100M32;zone=2)")) out[k] = v.split("|");
  return out;
}

/** A VM's `labels` key in JSON lines: {key: value or [values]}. */
export function requirementsJson(at: Cell, v: unknown): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) fail(at, 'must be an object {key: value or [values]} (e.g. {"gpu": ["V100M16", "V100M32"], "zone": "2"})');
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "string") out[k] = [x];
    else if (Array.isArray(x) && x.every((s) => typeof s === "string")) out[k] = x as string[];
    else fail(at, `must give each key a string or an array of strings (${JSON.stringify(k)} has ${JSON.stringify(x)})`);
  }
  return out;
}

/** A `tolerates` or `taints` cell: `key;key=value`. */
export function keysCell(at: Cell, text: string): string[] {
  return entries(at, text);
}

/** A `tolerates` key in JSON lines: an array of `key` or `key=value` strings. */
export function keysJson(at: Cell, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) fail(at, 'must be an array of strings, each `key` or `key=value` (e.g. ["gpu", "dedicated=ml"])');
  return v as string[];
}

/** A host's `labels` cell: `key=value;...`. */
export function hostLabelsCell(at: Cell, text: string): Record<string, string> {
  return Object.fromEntries(pairs(at, text, "key=value entries separated by ';' (gpu=T4;zone=2)"));
}

/** A host's labels and taints checked as the engine checks them (its signature). */
export function hostSignature(labelsAt: Cell, labels: Record<string, string>, taintsAt: Cell, taints: string[]): Signature {
  const l = checked(labelsAt, () => signatureOf("labels", labels, undefined));
  const t = checked(taintsAt, () => signatureOf("taints", undefined, taints));
  return { labels: l.labels, taints: t.taints };
}

/** The trace's distinct (labels, tolerates) pairs, numbered as first met. One table per
 *  TraceSource, keyed by the engine's canonical form (sorted, without repeats), so every pass
 *  over the trace gives a VM the same number; `specs` is the source's live `constraints`. */
export class ConstraintTable {
  readonly specs: ConstraintSpec[] = [];
  private readonly index = new Map<string, number>();

  /** The number of a VM's constraint (undefined: it requires and tolerates nothing). */
  id(labelsAt: Cell, requires: Record<string, string[]>, toleratesAt: Cell, tolerates: string[]): number | undefined {
    const r = checked(labelsAt, () => constraintOf("labels", { requires }));
    const t = checked(toleratesAt, () => constraintOf("tolerates", { tolerates }));
    if (r.requires.size === 0 && t.tolerates.length === 0) return undefined;
    const canonical = { requires: r.requires, tolerates: t.tolerates };
    const k = constraintKey(canonical);
    let id = this.index.get(k);
    if (id === undefined) {
      // The engine numbers "none" 0 and holds MAX_CONSTRAINTS in all.
      if (this.specs.length >= MAX_CONSTRAINTS - 1) fail(labelsAt, `must not make more than ${MAX_CONSTRAINTS - 1} distinct (labels, tolerates) pairs in one trace (the engine's limit)`);
      id = this.specs.length;
      this.index.set(k, id);
      const spec: { requires?: Record<string, readonly string[]>; tolerates?: readonly string[] } = {};
      if (r.requires.size > 0) spec.requires = Object.fromEntries(r.requires);
      if (t.tolerates.length > 0) spec.tolerates = t.tolerates;
      this.specs.push(spec);
    }
    return id;
  }
}
