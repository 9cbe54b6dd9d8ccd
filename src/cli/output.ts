// What commands print: results on stdout (one compact JSON line with --json), everything else
// (progress, notes) on stderr, and files written with errors a user can act on.
import { closeSync, fstatSync, openSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { VmfabricError } from "../errors.js";
import { Progress } from "../workload/progress.js";

/** One compact JSON document on one line of stdout. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value));
}

/** A note for the user on stderr, prefixed with the command. */
export function note(command: string, message: string): void {
  console.error(`vmfabric ${command}: ${message}`);
}

/** Progress on stderr, drawn only when stderr is a terminal (logs and pipes stay clean). */
export function progress(label: string, total: number, quiet = false): Progress {
  return new Progress({ label, total, quiet: quiet || !process.stderr.isTTY });
}

/** Writes `text` to the file named by `flag`, or explains in one line why it cannot. The file
 *  must be a regular file or not exist yet (writing into a device or a pipe is refused). */
export function writeOutputFile(flag: string, path: string, text: string): void {
  // Checked before opening: opening a named pipe for writing would wait for a reader.
  let existing: ReturnType<typeof statSync> | undefined;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw new VmfabricError("INVALID_INPUT", `${flag} ${path}: cannot write (it is a folder)`, flag, path);
  if (existing && !existing.isFile()) throw new VmfabricError("INVALID_INPUT", `${flag} ${path}: not a regular file`, flag, path);
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (e) {
    throw new VmfabricError("INVALID_INPUT", `${flag} ${path}: cannot write (${whyNotWritable(path, e)})`, flag, path);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new VmfabricError("INVALID_INPUT", `${flag} ${path}: not a regular file`, flag, path);
    writeSync(fd, text);
  } catch (e) {
    if (e instanceof VmfabricError) throw e;
    throw new VmfabricError("INVALID_INPUT", `${flag} ${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, flag, path);
  } finally {
    closeSync(fd);
  }
}

function whyNotWritable(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return `folder ${dirname(path)} does not exist`;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "it is a folder";
  if (code === "ENOTDIR") {
    try {
      return statSync(dirname(path)).isDirectory() ? "ENOTDIR" : `${dirname(path)} is not a folder`;
    } catch {
      return `a part of ${dirname(path)} is not a folder`;
    }
  }
  return code ?? (e as Error).message;
}
