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

/** Renders a value for an error message without dumping huge arrays. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? s.slice(0, 77) + "..." : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function invalid(field: string, value: unknown, expected: string): VmfabricError {
  return new VmfabricError("INVALID_INPUT", `${field} must be ${expected}, got ${show(value)}`, field, value);
}
