// A bad trace line: the file, the line number, the field and the value, all in the message and
// as properties, so a CLI user sees where to look and a program can tell which input failed.
import { VmfabricError, show } from "../errors.js";

export class TraceError extends VmfabricError {
  readonly file: string;
  readonly line: number;

  constructor(file: string, line: number, field: string, value: unknown, expected: string) {
    super("INVALID_TRACE", `${file}:${line}: ${field} ${expected}, got ${show(value)}`, field, value);
    this.name = "TraceError";
    this.file = file;
    this.line = line;
  }
}
