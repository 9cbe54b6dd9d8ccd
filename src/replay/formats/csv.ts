// Header handling shared by the CSV readers: every column must be known, required ones present.
import { TraceError } from "../errors.js";

/** Column index by name. Unknown or repeated columns and missing required ones are TraceErrors
 *  on line 1, naming the column. */
export function readHeader(file: string, text: string, known: readonly string[], required: readonly string[], isKnown?: (name: string) => boolean): Map<string, number> {
  const cols = new Map<string, number>();
  text.split(",").forEach((raw, i) => {
    const name = raw.trim();
    if (!known.includes(name) && !(isKnown?.(name) ?? false)) {
      throw new TraceError(file, 1, "column", name, `must be one of ${known.join(", ")}${isKnown ? " (or a declared pattern)" : ""}`);
    }
    if (cols.has(name)) throw new TraceError(file, 1, "column", name, "must appear once");
    cols.set(name, i);
  });
  for (const r of required) if (!cols.has(r)) throw new TraceError(file, 1, "header", text, `must have a column ${r}`);
  return cols;
}

/** A field as a finite number in [min, max] (integer when asked), or a TraceError. */
export function numberField(file: string, line: number, field: string, raw: string | undefined, min: number, max: number, integer: boolean): number {
  // Number("") and Number(" ") are 0, not missing.
  const v = raw === undefined || raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new TraceError(file, line, field, raw ?? "(missing)", `must be ${integer ? "an integer" : "a number"} in [${min}, ${max}]`);
  }
  return v;
}
