// `npm run fuzz [-- --ops N --seed S]`: the model comparison of test/model.test.ts at length.
//
// The run is split in chunks. Chunk c uses seed S + c: a fleet of a few hundred hosts drawn
// from fleetArb(LARGE) with that seed, and one fc.commands sequence (Place, PlaceBatch,
// Release, Move, SetInService, SetDedicated) checked against the reference model, with the
// touched hosts compared after every command and the full state every --full-every commands
// and at the end of the chunk. Chunks run until N operations have been executed.
//
// On failure fast-check shrinks the chunk's command sequence; the runner prints the shrunk
// counterexample (one command per line) and the exact command line that replays it:
//   npm run fuzz -- --seed S --chunk C --path P --replay-path R
// (--path is fast-check's shrink path, --replay-path the fc.commands replayPath).

import fc from "fast-check";
import { LARGE, fleetArb } from "../support/arbitraries.js";
import { World, commandArbs, compareFull } from "./model.js";

interface Args {
  ops: number;
  seed: number;
  chunkOps: number;
  fullEvery: number;
  chunk?: number;
  path?: string;
  replayPath?: string;
  quiet: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { ops: 1_000_000, seed: Date.now() ^ (process.pid << 8), chunkOps: 2000, fullEvery: 500, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    const num = () => {
      const n = Number(v);
      if (!Number.isInteger(n)) throw new Error(`${k} needs an integer, got ${v}`);
      i++;
      return n;
    };
    switch (k) {
      case "--ops": a.ops = num(); break;
      case "--seed": a.seed = num() | 0; break;
      case "--chunk-ops": a.chunkOps = Math.max(1, num()); break;
      case "--full-every": a.fullEvery = num(); break;
      case "--chunk": a.chunk = num(); break;
      case "--path": a.path = v; i++; break;
      case "--replay-path": a.replayPath = v; i++; break;
      case "--quiet": a.quiet = true; break;
      case "--help":
        console.log("usage: run.js [--ops N] [--seed S] [--chunk-ops L] [--full-every K] [--chunk C --path P --replay-path R]");
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${k}`);
    }
  }
  a.seed |= 0;
  return a;
}

interface ChunkOutcome {
  ops: number;
  hosts: number;
  failed: boolean;
  tally: Record<string, number>;
}

function runChunk(a: Args, c: number, replay: boolean): ChunkOutcome {
  const seed = (a.seed + c) | 0;
  const [fleet] = fc.sample(fleetArb(LARGE), { seed, numRuns: 1 });
  let executed = 0;
  let tally: Record<string, number> = {};
  const cmds = fc.commands(commandArbs(fleet.dims, LARGE), {
    maxCommands: a.chunkOps,
    size: "max",
    ...(a.replayPath !== undefined ? { replayPath: a.replayPath } : {}),
  });
  const prop = fc.property(cmds, (cs) => {
    const world = new World(fleet, { fullEvery: a.fullEvery, invariants: true });
    const engine = world.createEngine();
    fc.modelRun(() => ({ model: world, real: engine }), cs);
    compareFull(world, engine, "end of chunk");
    executed = Math.max(executed, world.steps);
    tally = world.tally;
  });
  const details = fc.check(prop, {
    seed,
    numRuns: 1,
    ...(replay && a.path !== undefined ? { path: a.path, endOnFailure: true } : {}),
  });
  if (!details.failed) return { ops: executed, hosts: fleet.hosts.length, failed: false, tally };

  const ce = details.counterexample?.[0];
  console.error(`\nFAILED in chunk ${c} (seed ${seed}) after ${details.numShrinks} shrinks`);
  console.error(`fleet (${fleet.hosts.length} hosts, ${fleet.dims} dims): ${JSON.stringify(fleet)}`);
  const err = details.errorInstance as Error | undefined;
  console.error(`error: ${err?.message ?? String(details.errorInstance)}`);
  if (ce) {
    const text = String(ce);
    const rp = /replayPath="([^"]*)"/.exec(text)?.[1];
    console.error("counterexample (commands run in order):");
    for (const line of text.replace(/\s*\/\*replayPath=.*\*\//, "").split(/,(?=(?:Place|PlaceBatch|Release|Move|SetInService|SetDedicated)\()/)) {
      console.error(`  ${line.trim()}`);
    }
    console.error(`replay: npm run fuzz -- --seed ${a.seed} --chunk ${c} --path "${details.counterexample ? details.counterexamplePath : ""}"` +
      (rp !== undefined ? ` --replay-path "${rp}"` : ""));
  }
  return { ops: executed, hosts: fleet.hosts.length, failed: true, tally };
}

function main(): void {
  const a = parseArgs(process.argv.slice(2));
  console.log(`vmfabric fuzz: seed ${a.seed}, ${a.ops} operations, chunks of up to ${a.chunkOps} commands`);
  if (a.chunk !== undefined) {
    const r = runChunk(a, a.chunk, true);
    console.log(r.failed ? "replay: still failing" : `replay: chunk ${a.chunk} passed (${r.ops} commands)`);
    process.exit(r.failed ? 1 : 0);
  }
  const t0 = Date.now();
  let done = 0;
  let lastReport = t0;
  const total: Record<string, number> = {};
  for (let c = 0; done < a.ops; c++) {
    const r = runChunk(a, c, false);
    done += r.ops;
    for (const [k, n] of Object.entries(r.tally)) total[k] = (total[k] ?? 0) + n;
    if (r.failed) process.exit(1);
    const now = Date.now();
    if (!a.quiet && (now - lastReport > 2000 || done >= a.ops)) {
      lastReport = now;
      const rate = Math.round(done / ((now - t0) / 1000));
      console.log(`  ${done.toLocaleString("en")} / ${a.ops.toLocaleString("en")} ops, chunk ${c} (${r.hosts} hosts), ${rate.toLocaleString("en")} ops/s`);
    }
  }
  console.log(`outcomes: ${Object.entries(total).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`ok: ${done} operations matched the reference model in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${a.seed})`);
}

main();
