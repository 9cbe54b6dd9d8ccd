// Reads an instance file: `.vbp` (VPSolver) or JSON, by extension, else by the first byte.
import { closeSync, constants, fstatSync, openSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { VmfabricError } from "../errors.js";
import { parseJsonInstance } from "./json.js";
import type { Instance } from "./types.js";
import { parseVbp } from "./vbp.js";

export function loadInstance(file: string): Instance {
  let bytes: Buffer;
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a named pipe must not wait for a writer; fstat then refuses it.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) {
      throw new VmfabricError("INVALID_INPUT", `${file}: is not a regular file (a folder, device or named pipe); give an instance file`, "FILE", file);
    }
    bytes = readFileSync(fd);
  } catch (e) {
    if (e instanceof VmfabricError) throw e;
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new VmfabricError("INVALID_INPUT", `${file}: cannot read the file (${why})`, "FILE", file);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const ext = extname(file).toLowerCase();
  if (ext === ".vbp") return parseVbp(bytes.toString("latin1"), file);
  if (ext === ".json") return parseJsonInstance(bytes, file);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  return bytes[i] === 0x7b ? parseJsonInstance(bytes, file) : parseVbp(bytes.toString("latin1"), file);
}

/** Instance files named on the command line: files as given, folders as their `.vbp` and
 *  `.json` files (not recursive), in natural order (CL_1_25_2 before CL_1_25_10). */
export function instanceFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new VmfabricError("INVALID_INPUT", `${p}: cannot read the file (${why})`, "FILE", p);
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const names = readdirSync(p)
      .filter((n) => /\.(vbp|json)$/i.test(n))
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    if (names.length === 0) throw new VmfabricError("INVALID_INPUT", `${p}: folder holds no .vbp or .json instance files`, "FILE", p);
    for (const n of names) out.push(join(p, n));
  }
  return out;
}
