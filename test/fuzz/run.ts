// `npm run fuzz [-- --ops N --seed S --fleets K,...]`: the model comparisons of test/model.test.ts,
// test/model.labels.test.ts and the device tests at length.
//
// The run is split in chunks. Chunk c uses seed S + c: a fleet drawn with that seed, of the
// kind c mod the --fleets list (plain: fleetArb(LARGE), 100-400 hosts; labels: the same with
// labels, taints and constraints; devices: up to 300 hosts with device dimensions;
// devices+labels: both), and one fc.commands sequence (Place, PlaceBatch, Release, Move,
// SetInService, SetDedicated, AddHosts, RetireHost) checked against the reference model, with the
// touched hosts compared after every command and the full state every --full-every commands
// and at the end of the chunk. Chunks run until N operations have been executed.
//
// On failure fast-check shrinks the chunk's command sequence; the runner prints the shrunk
// counterexample (one command per line) and the exact command line that replays it:
//   npm run fuzz -- --seed S --fleets K,... --chunk C --path P --replay-path R
// (--path is fast-check's shrink path, --replay-path the fc.commands replayPath).

import { parseArgs } from "node:util";
import fc from "fast-check";
import { LARGE, SMALL, type FleetCase, type OpSources, fleetArb, hostArb, reqArb } from "../support/arbitraries.js";
import { deviceFleetArb, deviceSources } from "../support/device-arbitraries.js";
import { labelSources, withLabels } from "../support/label-arbitraries.js";
import { World, commandArbs, compareFull } from "./model.js";

/** The fleets a chunk may draw; chunk c draws kind c mod (the kinds asked for). */
const FLEET_KINDS = ["plain", "labels", "devices", "devices+labels"] as const;
type FleetKind = (typeof FLEET_KINDS)[number];

interface Args {
  ops: number;
  seed: number;
  chunkOps: number;
  fullEvery: number;
  fleets: FleetKind[];
  chunk?: number;
  path?: string;
  replayPath?: string;
  quiet: boolean;
}

const USAGE = "usage: npm run fuzz -- [--ops N] [--seed S] [--chunk-ops L] [--full-every K] [--fleets plain,labels,devices,devices+labels] [--chunk C --path P --replay-path R] [--quiet]";

class UsageError extends Error {}

function integer(flag: string, v: string | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === "" || !Number.isInteger(n) || n < min) throw new UsageError(`--${flag}: ${JSON.stringify(v)} is not a whole number >= ${min}`);
  return n;
}

function readArgs(argv: string[]): Args | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ops: { type: "string" }, seed: { type: "string" }, "chunk-ops": { type: "string" }, "full-every": { type: "string" },
        fleets: { type: "string" }, chunk: { type: "string" }, path: { type: "string" }, "replay-path": { type: "string" },
        quiet: { type: "boolean" }, help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return undefined;
  const fleets = (values.fleets ?? FLEET_KINDS.join(",")).split(",").map((k) => k.trim());
  for (const k of fleets) {
    if (!(FLEET_KINDS as readonly string[]).includes(k)) throw new UsageError(`--fleets: ${JSON.stringify(k)} is not one of ${FLEET_KINDS.join(", ")}`);
  }
  return {
    ops: integer("ops", values.ops, 1_000_000, 1),
    seed: integer("seed", values.seed, Date.now() ^ (process.pid << 8), -(2 ** 53)) | 0,
    chunkOps: integer("chunk-ops", values["chunk-ops"], 2000, 1),
    fullEvery: integer("full-every", values["full-every"], 500, 0),
    fleets: fleets as FleetKind[],
    ...(values.chunk === undefined ? {} : { chunk: integer("chunk", values.chunk, 0, 0) }),
    ...(values.path === undefined ? {} : { path: values.path }),
    ...(values["replay-path"] === undefined ? {} : { replayPath: values["replay-path"] }),
    quiet: values.quiet === true,
  };
}

/** Chunk c's fleet (drawn with `seed`) and the sources of its requests and added hosts. */
function chunkFleet(kind: FleetKind, seed: number): { fleet: FleetCase; sources: OpSources; scale: typeof LARGE } {
  const sample = <T>(arb: fc.Arbitrary<T>): T => fc.sample(arb, { seed, numRuns: 1 })[0];
  const large = (f: FleetCase) => ({ ...f, options: { ...f.options, vmCapacity: LARGE.vmCapacity } });
  const largeSources = (f: FleetCase): Required<OpSources> => ({ req: reqArb(f.dims, LARGE), host: hostArb(f.dims, LARGE) });
  // Device fleets keep the small scale's tenants and deployments (their requests come from the
  // device arbitraries) with long batches; their hosts number up to 300.
  const deviceScale = { ...SMALL, maxBatch: LARGE.maxBatch };
  switch (kind) {
    case "plain": {
      const fleet = sample(fleetArb(LARGE));
      return { fleet, sources: {}, scale: LARGE };
    }
    case "labels": {
      const fleet = sample(withLabels(fleetArb(LARGE)));
      return { fleet, sources: labelSources(fleet, largeSources(fleet)), scale: LARGE };
    }
    case "devices": {
      const fleet = sample(deviceFleetArb({ maxHosts: 300 }));
      return { fleet: large(fleet), sources: deviceSources(fleet), scale: deviceScale };
    }
    case "devices+labels": {
      const fleet = sample(withLabels(deviceFleetArb({ maxHosts: 300 })));
      return { fleet: large(fleet), sources: labelSources(fleet, deviceSources(fleet)), scale: deviceScale };
    }
  }
}

interface ChunkOutcome {
  ops: number;
  hosts: number;
  kind: FleetKind;
  failed: boolean;
  tally: Record<string, number>;
}

function runChunk(a: Args, c: number, replay: boolean): ChunkOutcome {
  const seed = (a.seed + c) | 0;
  const kind = a.fleets[c % a.fleets.length];
  const { fleet, sources, scale } = chunkFleet(kind, seed);
  let executed = 0;
  let tally: Record<string, number> = {};
  const cmds = fc.commands(commandArbs(fleet.dims, scale, undefined, sources), {
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
  if (!details.failed) return { ops: executed, hosts: fleet.hosts.length, kind, failed: false, tally };

  const ce = details.counterexample?.[0];
  console.error(`\nFAILED in chunk ${c} (seed ${seed}, ${kind} fleet) after ${details.numShrinks} shrinks`);
  console.error(`fleet (${fleet.hosts.length} hosts, ${fleet.dims} dims): ${JSON.stringify(fleet)}`);
  const err = details.errorInstance as Error | undefined;
  console.error(`error: ${err?.message ?? String(details.errorInstance)}`);
  if (ce) {
    const text = String(ce);
    const rp = /replayPath="([^"]*)"/.exec(text)?.[1];
    console.error("counterexample (commands run in order):");
    for (const line of text.replace(/\s*\/\*replayPath=.*\*\//, "").split(/,(?=(?:Place|PlaceBatch|Release|Move|SetInService|SetDedicated|AddHosts|RetireHost)\()/)) {
      console.error(`  ${line.trim()}`);
    }
    console.error(`replay: npm run fuzz -- --seed ${a.seed} --fleets ${a.fleets.join(",")} --chunk ${c} --path "${details.counterexample ? details.counterexamplePath : ""}"` +
      (rp !== undefined ? ` --replay-path "${rp}"` : ""));
  }
  return { ops: executed, hosts: fleet.hosts.length, kind, failed: true, tally };
}

function main(): void {
  let a: Args | undefined;
  try {
    a = readArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`fuzz: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (a === undefined) {
    console.log(USAGE);
    return;
  }
  console.log(`vmfabric fuzz: seed ${a.seed}, ${a.ops} operations, chunks of up to ${a.chunkOps} commands, fleets ${a.fleets.join(", ")}`);
  if (a.chunk !== undefined) {
    const r = runChunk(a, a.chunk, true);
    console.log(r.failed ? "replay: still failing" : `replay: chunk ${a.chunk} passed (${r.ops} commands)`);
    process.exit(r.failed ? 1 : 0);
  }
  const t0 = Date.now();
  let done = 0;
  let lastReport = t0;
  const total: Record<string, number> = {};
  const byKind = new Map<FleetKind, { chunks: number; ops: number }>();
  for (let c = 0; done < a.ops; c++) {
    const r = runChunk(a, c, false);
    done += r.ops;
    const k = byKind.get(r.kind) ?? { chunks: 0, ops: 0 };
    byKind.set(r.kind, { chunks: k.chunks + 1, ops: k.ops + r.ops });
    for (const [k, n] of Object.entries(r.tally)) total[k] = (total[k] ?? 0) + n;
    if (r.failed) process.exit(1);
    const now = Date.now();
    if (!a.quiet && (now - lastReport > 2000 || done >= a.ops)) {
      lastReport = now;
      const rate = Math.round(done / ((now - t0) / 1000));
      console.log(`  ${done.toLocaleString("en")} / ${a.ops.toLocaleString("en")} ops, chunk ${c} (${r.kind}, ${r.hosts} hosts), ${rate.toLocaleString("en")} ops/s`);
    }
  }
  console.log(`fleets: ${[...byKind].map(([kind, k]) => `${kind} ${k.chunks} chunks, ${k.ops} ops`).join("; ")}`);
  console.log(`outcomes: ${Object.entries(total).sort().map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`ok: ${done} operations matched the reference model in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${a.seed})`);
}

main();
