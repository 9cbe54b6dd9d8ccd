// Loader errors: always name the file, the line when known, and the field.
import { VmfabricError, show } from "../errors.js";

export function loadError(file: string, line: number | undefined, field: string, message: string, value?: unknown): VmfabricError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new VmfabricError("INVALID_INPUT", `${where}: ${field} ${message}`, field, value);
}

export function mustBe(file: string, line: number | undefined, field: string, expected: string, value: unknown): VmfabricError {
  return loadError(file, line, field, `must be ${expected}, got ${show(value)}`, value);
}

/** A size the engine cannot hold: the limit and the field, before anything of that size is
 *  allocated. */
export function limitError(file: string, line: number | undefined, field: string, message: string, value: unknown): VmfabricError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new VmfabricError("LIMIT", `${where}: ${field} ${message}`, field, value);
}
