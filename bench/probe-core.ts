// A measurement core: the release core plus `probe` (assembly/measure/probe.ts), the search of
// `place` without its commit. Built on demand by bench/churn-split.ts; never shipped. And the
// way the split reaches it: an engine's core exports, one of them replaced.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The AssemblyScript compiler's API, imported by a computed name: its own type declarations
 *  would bring the AssemblyScript standard library's globals into this TypeScript program. */
interface Asc { main(argv: string[]): Promise<{ error: Error | null; stderr: { toString(): string } }> }

/** The core with `probe` (assembly/measure/probe.ts), compiled from the sources under `root`
 *  (the repository) with the release settings of asconfig.json. */
export async function buildProbeCore(root: string): Promise<Uint8Array> {
  const compiler = "assemblyscript/asc";
  const asc = ((await import(compiler)) as { default: Asc }).default;
  const dir = mkdtempSync(join(tmpdir(), "vmfabric-split-"));
  try {
    const out = join(dir, "probe.wasm");
    const { error, stderr } = await asc.main([join(root, "assembly/measure/probe.ts"), "--config", join(root, "asconfig.json"), "--target", "release", "--outFile", out]);
    if (error) throw new Error(`building the probe core failed: ${error.message}\n${stderr.toString()}`);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


/** Gives engine `e` a copy of its core's exports with `name` replaced by `make(original)` (the
 *  exports object itself is frozen). Returns the original exports. */
export function replaceCoreExport<C extends object>(e: object, name: string, make: (core: C) => unknown): C {
  const holder = e as { core: C };
  const core = holder.core;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(core)) copy[k] = (core as Record<string, unknown>)[k];
  copy[name] = make(core);
  holder.core = copy as C;
  return core;
}
