// Cores side by side: the fragmented churn of bench/churn.ts (fill, churn placements and
// releases each timed alone) on engines built from different wasm files (say, the builds of
// two commits), in one process, the same workload interleaved in chunks so that the machine's
// load falls on every core alike. Use it to judge a change to the
// core; the ratios between cores are what it measures (the interleaving disturbs each engine's
// caches, so its churn / fill ratio is not bench/churn.ts's).
//
//   node dist/bench/churn-ab.js A.wasm B.wasm [...] [--catalog gcp|aws|azure] [--hosts 250000]
//        [--ops 100000] [--chunk 5000]
//
// Every engine draws the same sizes and releases the same VMs (one seed), so as long as the cores
// place alike (checked: the hosts chosen every 1,000 churn placements), the work is identical.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { init } from "../src/core.js";
import { type Sizes, catalogSizes } from "./churn-fleet.js";
import { FragmentedChurn, churnEngine } from "./fragmented-churn.js";

interface Side { file: string; run: FragmentedChurn; probes: number[] }

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { catalog: { type: "string", default: "gcp" }, hosts: { type: "string", default: "250000" }, ops: { type: "string", default: "100000" }, chunk: { type: "string", default: "5000" } },
    strict: true,
  });
  const H = Number(values.hosts), ops = Number(values.ops), chunk = Number(values.chunk);
  for (const [name, v] of [["hosts", H], ["ops", ops], ["chunk", chunk]] as const) {
    if (!Number.isInteger(v) || v < 1) { console.error(`churn-ab: --${name}: ${v} is not a whole number >= 1`); process.exitCode = 2; return; }
  }
  if (positionals.length < 2) { console.error("churn-ab: give two or more wasm files"); process.exitCode = 2; return; }
  const list = catalogSizes(`${values.catalog}.csv`);
  if (!list) { console.error("churn-ab: ../shared/data/vm-catalogs not found (set VMFABRIC_DATA)"); process.exitCode = 2; return; }
  const sizes: Sizes = { name: `${values.catalog}-catalog`, sizes: list };
  const sides: Side[] = [];
  for (const file of positionals) {
    await init(readFileSync(file)); // engines created from here on use this core; earlier ones keep theirs
    sides.push({ file, run: new FragmentedChurn(churnEngine(H), H, sizes, sizes, 1), probes: [] });
  }
  for (let open = true; open;) {
    open = false;
    for (const s of sides) if (s.run.fillSome(chunk)) open = true;
  }
  for (const s of sides) s.run.fragment();
  for (let done = 0; done < ops; done += chunk) {
    for (const s of sides) s.run.churnSome(Math.min(chunk, ops - done), (k, host) => { if (k % 1000 === 0) s.probes.push(host); });
  }
  const base = sides[0];
  const rate = (n: number, ms: number) => (1000 * n) / ms;
  console.log(`${values.catalog} catalog, ${H} hosts at 80% cpu, best-fit, ${ops} churn placements, chunks of ${chunk}`);
  console.log("core | fill placements/s | churn placements/s | churn releases/s | fill vs first | churn vs first | releases vs first | places as the first");
  const b = base.run;
  for (const { file, run: r, probes } of sides) {
    const same = probes.length === base.probes.length && probes.every((h, i) => h === base.probes[i]);
    console.log(`${file} | ${(rate(r.fills, r.fillMs) / 1e3).toFixed(0)} k | ${(rate(r.churns, r.churnMs) / 1e3).toFixed(0)} k | ${(rate(r.churns, r.releaseMs) / 1e3).toFixed(0)} k | ` +
      `${(rate(r.fills, r.fillMs) / rate(b.fills, b.fillMs)).toFixed(2)} | ${(rate(r.churns, r.churnMs) / rate(b.churns, b.churnMs)).toFixed(2)} | ` +
      `${(rate(r.churns, r.releaseMs) / rate(b.churns, b.releaseMs)).toFixed(2)} | ${same ? "yes" : "NO"}`);
  }
}

main().catch((e: unknown) => {
  console.error(`churn-ab: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
