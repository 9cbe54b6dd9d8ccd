// Boundary checks. The core trusts its inputs (an i32 parameter would silently truncate 1.9
// to 1 and NaN to 0), so everything is checked here, and a batch is checked whole before
// the core sees any of it.
import { VmfabricError, invalid, show } from "./errors.js";
import { POLICIES, SIZE_MEASURES, type Policy, type SizeMeasure } from "./types.js";

export const I32_MAX = 0x7fffffff;

export function intIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `an integer in [${min}, ${max}]`);
  }
  return value;
}

export function vector(field: string, value: unknown, dims: number, max = I32_MAX): number[] {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw invalid(field, value, `an array of ${dims} integers`);
  const arr = value as ArrayLike<unknown>;
  if (arr.length !== dims) throw invalid(field, value, `an array of ${dims} integers (one per dimension)`);
  const out = new Array<number>(dims);
  for (let d = 0; d < dims; d++) {
    const x = arr[d];
    // intIn's test, inlined, so the entry's field name is built only for an error, not as a
    // string per dimension on every valid demand (this runs on every place).
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x > max) throw invalid(`${field}[${d}]`, x, `an integer in [0, ${max}]`);
    out[d] = x;
  }
  return out;
}

export function policy(field: string, value: unknown): Policy {
  if (!POLICIES.includes(value as Policy)) throw invalid(field, value, `one of ${POLICIES.join(", ")}`);
  return value as Policy;
}

export function sizeMeasure(field: string, value: unknown): SizeMeasure {
  if (!SIZE_MEASURES.includes(value as SizeMeasure)) throw invalid(field, value, `one of ${SIZE_MEASURES.join(", ")}`);
  return value as SizeMeasure;
}

export function dimensionNames(value: unknown): string[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 16) {
    throw invalid("dimensions", value, "an array of 1 to 16 names");
  }
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const n = value[i];
    if (typeof n !== "string" || n.length === 0) throw invalid(`dimensions[${i}]`, n, "a non-empty string");
    if (seen.has(n)) throw new VmfabricError("INVALID_INPUT", `dimensions[${i}] repeats ${show(n)}`, `dimensions[${i}]`, n);
    seen.add(n);
  }
  return [...value];
}

/** Reads element i of a plain array or typed array as an integer field. The field name is
 *  only built on failure: this runs once per VM on million-VM batches. */
export function at(field: string, arr: ArrayLike<unknown>, i: number, min: number, max: number): number {
  const x = arr[i];
  if (typeof x === "number" && Number.isInteger(x) && x >= min && x <= max) return x;
  return intIn(`${field}[${i}]`, x, min, max);
}

export function arrayLike(field: string, value: unknown, length?: number): ArrayLike<unknown> {
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) throw invalid(field, value, "an array or typed array");
  const arr = value as ArrayLike<unknown>;
  if (length !== undefined && arr.length !== length) {
    throw new VmfabricError("INVALID_INPUT", `${field} must have ${length} entries, got ${arr.length}`, field, arr.length);
  }
  return arr;
}

/** Refuses keys an options object does not know: a misspelt option (`updatedomains`) would
 *  otherwise be silently ignored. Keys whose value is undefined count as absent. */
export function onlyKeys(field: string, value: object, keys: readonly string[]): void {
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || keys.includes(k)) continue;
    const f = field ? `${field}.${k}` : k;
    throw new VmfabricError("INVALID_INPUT", `${f} is not a known field (known: ${keys.join(", ")}), got ${show(v)}`, f, v);
  }
}
