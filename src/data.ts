// Where the shared public data sets live: $VMFABRIC_DATA, else ../shared/data beside the
// repository. One answer for the CLI, the benchmarks and the tests.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Candidate folders: $VMFABRIC_DATA alone when set (an explicit choice, also how tests make
 *  the data absent), else ../shared/data beside the repository (found from src/ or dist/src/),
 *  then ../shared/data from the working directory. */
export function dataDirCandidates(): string[] {
  if (process.env.VMFABRIC_DATA) return [process.env.VMFABRIC_DATA];
  const out: string[] = [];
  for (const rel of ["../../shared/data", "../../../shared/data"]) out.push(fileURLToPath(new URL(rel, import.meta.url)));
  out.push(join(process.cwd(), "../shared/data"));
  return out;
}

/** The first candidate that holds `sub` (a data set folder), or undefined. */
export function findDataSet(sub: string): string | undefined {
  for (const root of dataDirCandidates()) {
    const dir = join(root, sub);
    if (existsSync(dir)) return dir;
  }
  return undefined;
}
