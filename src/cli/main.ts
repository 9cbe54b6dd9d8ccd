// The vmfabric command line without the process around it (src/cli.ts runs it): the command
// table, --version, the top-level help and how errors are reported. Each command lives in
// src/commands/ and is one line in COMMANDS; it is loaded only when used (or listed by --help).
import { readFileSync } from "node:fs";
import type { Command } from "./command.js";
import { VmfabricError } from "../errors.js";

const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  bench: () => import("../commands/bench.js"),
  pack: () => import("../commands/pack.js"),
  quota: () => import("../commands/quota.js"),
  simulate: () => import("../commands/simulate.js"),
  serve: () => import("../commands/serve.js"),
  replay: () => import("../commands/replay.js"),
};

/** The package's version, from the package.json above src/ or dist/src/. */
export function version(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "vmfabric" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}

async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).command));
  const w = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "usage: vmfabric <command> [options]",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    "",
    "options: -h, --help (this help; `vmfabric <command> --help` for a command's flags), --version",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    console.log(version());
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const text = await usage();
    if (name === undefined) console.error(text);
    else console.log(text);
    return name === undefined ? 2 : 0;
  }
  const load = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) throw new VmfabricError("INVALID_INPUT", `unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")}; see vmfabric --help)`, "command", name);
  return (await load()).command.run(rest);
}

/** One line for any error; a stack trace only on request (VMFABRIC_DEBUG=1). */
export function report(err: unknown): number {
  if (err instanceof VmfabricError) {
    console.error(`vmfabric: ${err.message}`);
    return 2;
  }
  const e = err as Error;
  if (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer|out of memory/i.test(e.message)) {
    console.error(`vmfabric: out of memory (${e.message}); try a smaller run or raise node's --max-old-space-size`);
    return 1;
  }
  console.error(`vmfabric: internal error: ${e?.message ?? String(err)}`);
  if (process.env.VMFABRIC_DEBUG) console.error(e?.stack ?? err);
  else console.error("vmfabric: this is a bug in vmfabric; VMFABRIC_DEBUG=1 shows the stack trace");
  return 1;
}
