/** Every error vmfabric throws on purpose. `code` is stable; `field` and `value` name the
 *  offending input when there is one. */
export class VmfabricError extends Error {
  readonly code: string;
  readonly field?: string;
  readonly value?: unknown;

  constructor(code: string, message: string, field?: string, value?: unknown) {
    super(message);
    this.name = "VmfabricError";
    this.code = code;
    this.field = field;
    this.value = value;
  }
}

/** Renders a value for an error message as the caller wrote it (a BigInt keeps its `n`, so
 *  `1n` is never shown as the number 1), without dumping huge arrays. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  try {
    // JSON has no BigInt, NaN, Infinity or undefined: mark them, then drop the marker's quotes.
    const s = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === "bigint") return `\u0000${v}n\u0000`;
      if (typeof v === "number" && !Number.isFinite(v)) return `\u0000${v}\u0000`;
      if (v === undefined) return "\u0000undefined\u0000";
      return v;
    });
    if (s === undefined) return Object.prototype.toString.call(value);
    const shown = s.replace(/"\\u0000(-?\w+)\\u0000"/g, "$1");
    return shown.length > 80 ? shown.slice(0, 77) + "..." : shown;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function invalid(field: string, value: unknown, expected: string): VmfabricError {
  return new VmfabricError("INVALID_INPUT", `${field} must be ${expected}, got ${show(value)}`, field, value);
}
