// A CPU profile of one phase of the fragmented churn (bench/fragmented-churn.ts): the fill or
// the churn alone, so that what a churn placement costs beyond a fill placement can be read
// function by function. Summarise it with bench/profile.ts.
//
//   node dist/bench/profile-churn.js [--catalog gcp|aws|azure] [--phase fill|churn]
//        [--hosts 250000] [--ops 300000] [--interval 100] [--out DIR]
//   node dist/bench/profile.js DIR/azure-churn.cpuprofile names.wat
//
// --interval: the sampling interval in microseconds. V8's default (1,000) leaves a function
// that costs 0.05 us per placement with a few dozen samples, too few to compare two phases.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { catalogSizes } from "./churn-fleet.js";
import { FragmentedChurn, churnEngine } from "./fragmented-churn.js";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      catalog: { type: "string", default: "azure" }, phase: { type: "string", default: "churn" },
      hosts: { type: "string", default: "250000" }, ops: { type: "string", default: "300000" },
      interval: { type: "string", default: "100" },
      out: { type: "string", default: "." },
    },
    strict: true,
  });
  const { catalog, phase, out } = values;
  const H = Number(values.hosts), ops = Number(values.ops);
  if (phase !== "fill" && phase !== "churn") throw new Error(`--phase: ${phase} is not fill or churn`);
  if (!Number.isInteger(H) || H < 1) throw new Error(`--hosts: ${values.hosts} is not a whole number >= 1`);
  if (!Number.isInteger(ops) || ops < 1) throw new Error(`--ops: ${values.ops} is not a whole number >= 1`);
  const interval = Number(values.interval);
  if (!Number.isInteger(interval) || interval < 1) throw new Error(`--interval: ${values.interval} is not a whole number of microseconds >= 1`);
  const sizes = catalogSizes(`${catalog}.csv`);
  if (!sizes) {
    console.error(`profile-churn: ../shared/data/vm-catalogs/${catalog}.csv not found; nothing to profile`);
    return;
  }
  const set = { name: `${catalog}-catalog`, sizes };
  const run = new FragmentedChurn(churnEngine(H), H, set, set, 1);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval });
  const profiled = async (name: string, work: () => void) => {
    if (phase !== name) { work(); return; }
    await session.post("Profiler.start");
    work();
    const { profile } = await session.post("Profiler.stop");
    const file = join(out!, `${catalog}-${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`wrote ${file}`);
  };
  await profiled("fill", () => { while (run.fillSome(10_000)); });
  run.fragment();
  await profiled("churn", () => run.churnSome(ops));
  const us = (ms: number, n: number) => ((1000 * ms) / n).toFixed(3);
  console.log(`${catalog}: ${run.fills} fill placements, ${us(run.fillMs, run.fills)} us each; ${run.churns} churn placements, ${us(run.churnMs, run.churns)} us each; releases ${us(run.releaseMs, run.churns)} us each`);
}

main().catch((e: unknown) => {
  console.error(`profile-churn: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
});
