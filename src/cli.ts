#!/usr/bin/env node
// vmfabric command line: `vmfabric <command> [options]`. Each command lives in src/commands/.
import { VmfabricError } from "./errors.js";

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  pack: { summary: "pack FILE|DIR... [--policy P] [--online] [--out OUT.json] [--json]", load: () => import("./commands/pack.js") },
  bench: { summary: "bench [--hosts N] [--vms M] [--policy P] [--mix NAME] [--seed S] [--json]", load: () => import("./commands/bench.js") },
  simulate: { summary: "simulate [--racks R] [--servers-per-rack S] [--deployments D] [--instances K] [--fail PERCENT] [--max-healing N] [--image-servers N] [--seed S] [--json]", load: () => import("./commands/simulate.js") },
  replay: { summary: "replay TRACE [--format auto|azure2017|alibaba|generic] [--nodes FILE] [--hosts N] [--host-capacity a,b,...] [--policy P[,P...]] [--baseline kube,nomad|none] [--seed S] [--anti-affinity] [--bucket SECONDS] [--json] [--timeseries OUT.csv] [--report OUT.html] [--quiet]", load: () => import("./commands/replay.js") },
  quota: { summary: "quota [--hosts N] [--vms M] [--ticks T] [--seed S] [--hot-ticks K] [--json]", load: () => import("./commands/quota.js") },
};

function usage(): string {
  return ["usage: vmfabric <command> [options]", "", ...Object.values(COMMANDS).map((c) => "  vmfabric " + c.summary)].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`vmfabric: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  // bench prints its own longer help; the others answer with their summary line.
  if (name !== "bench" && (rest.includes("--help") || rest.includes("-h"))) {
    console.log(`usage: vmfabric ${cmd.summary}`);
    return 0;
  }
  return (await cmd.load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof VmfabricError) {
      console.error(`vmfabric: ${err.message}`);
      process.exitCode = 2;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
