// Where the fragmented churn's placements spend their time, and where they land: the workload of
// bench/churn.ts (fill to 80% cpu, fragment, churn), then the churn again in groups of 1,000
// releases and 1,000 placements ("churn grouped"), then as many placements with no releases
// ("place only"). Each placement's search is timed apart from its commit
// on a core built here with one extra export, `probe` (assembly/measure/probe.ts: the search of
// `place` alone): per placement, `probe` (the search, cold), `probe` again (the same search,
// its lines now cached), then the core's `place` (that search once more, and the commit). The
// rest of `Engine.place`'s time is outside the core: the facade, and these timer calls (about
// three of them land inside each placement's time, ~47 ns each on the 2-core Xeon VM). Locality: the share of placements that
// land on a host one of the previous 8 (64) placements of the same phase chose.
//
//   node dist/bench/churn-split.js [--catalog azure|gcp|aws] [--hosts 250000] [--ops 100000] [--runs 3]
//
// The probes count as lookups for shape-class admission (8 asks earn a class), so classes come
// sooner than in bench/churn.ts; placements are the same (both search paths are exact).
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { init, type CoreExports } from "../src/core.js";
import { buildProbeCore, replaceCoreExport } from "./probe-core.js";
import type { Engine } from "../src/engine.js";
import { type Sizes, catalogSizes, demandOf, rng } from "./churn-fleet.js";
import { FragmentedChurn, churnEngine } from "./fragmented-churn.js";

type ProbeCore = CoreExports & { probe(tenant: number, dep: number, con: number, k: number, policy: number, window: number, end: number): number };

/** Time spent per part of the place calls of one phase (ms), and the hosts chosen. */
class Split {
  cold = 0;
  again = 0;
  core = 0;
  n = 0;
  readonly hosts: number[] = [];
  us(ms: number): string { return ((1000 * ms) / this.n).toFixed(3); }
}

/** Replaces the engine's core with one whose `place` first probes twice, timing each part. */
function instrument(e: Engine): { phase: Split } {
  const state = { phase: new Split() };
  replaceCoreExport<ProbeCore>(e, "place", (core) => (v: number, tenant: number, dep: number, con: number, k: number, policy: number, window: number, end: number): number => {
    const p = state.phase;
    let t = performance.now();
    core.probe(tenant, dep, con, k, policy, window, end);
    let u = performance.now();
    p.cold += u - t;
    t = u;
    core.probe(tenant, dep, con, k, policy, window, end);
    u = performance.now();
    p.again += u - t;
    t = u;
    const h = core.place(v, tenant, dep, con, k, policy, window, end);
    p.core += performance.now() - t;
    p.n++;
    p.hosts.push(h);
    return h;
  });
  return state;
}

/** Shares of placements on a host one of the previous k placements chose. */
function locality(hosts: readonly number[], ks: readonly number[]): number[] {
  const last = new Map<number, number>();
  const hit = ks.map(() => 0);
  hosts.forEach((h, i) => {
    const p = last.get(h);
    if (p !== undefined) ks.forEach((k, j) => { if (i - p <= k) hit[j]++; });
    last.set(h, i);
  });
  return hit.map((n) => n / hosts.length);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      catalog: { type: "string", default: "azure" }, hosts: { type: "string", default: "250000" },
      ops: { type: "string", default: "100000" }, runs: { type: "string", default: "3" },
    },
    strict: true,
  });
  const H = Number(values.hosts), ops = Number(values.ops), runs = Number(values.runs);
  for (const [name, v] of [["hosts", H], ["ops", ops], ["runs", runs]] as const) {
    if (!Number.isInteger(v) || v < 1) { console.error(`churn-split: --${name}: ${v} is not a whole number >= 1`); return 2; }
  }
  const list = catalogSizes(`${values.catalog}.csv`);
  if (!list) { console.error("churn-split: ../shared/data/vm-catalogs not found (set VMFABRIC_DATA); nothing to measure"); return 0; }
  const sizes: Sizes = { name: `${values.catalog}-catalog`, sizes: list };
  await init(await buildProbeCore(fileURLToPath(new URL("../..", import.meta.url))));
  console.log(`${values.catalog} catalog, ${H} hosts filled to 80% cpu (best-fit), ${ops} churn placements, ${ops} more in groups of 1,000 releases and 1,000 placements, then ${ops} with no releases; ${runs} runs`);
  console.log("run | phase | Engine.place us | search cold us | search again us | core place after both us | outside the core us | on a host of the last 8 / 64 placements");
  for (let r = 1; r <= runs; r++) {
    const e = churnEngine(H);
    const probe = instrument(e);
    const run = new FragmentedChurn(e, H, sizes, sizes, 1);
    const fill = probe.phase;
    while (run.fillSome(10_000));
    probe.phase = new Split();
    run.fragment();
    const churn = (probe.phase = new Split());
    run.churnSome(ops);
    const grouped = (probe.phase = new Split());
    const churnMs = run.churnMs;
    run.churnGrouped(ops, 1000);
    const groupedMs = run.churnMs - churnMs;
    const only = (probe.phase = new Split());
    const rand = rng(2);
    let onlyMs = 0;
    for (let i = 0, id = e.vmCapacity - 1; i < ops; i++, id--) {
      const d = demandOf(sizes, rand);
      const t = performance.now();
      e.place({ id, demand: d, tenant: 1 });
      onlyMs += performance.now() - t;
    }
    const row = (name: string, s: Split, totalMs: number) => {
      const [l8, l64] = locality(s.hosts, [8, 64]);
      const facade = (totalMs - s.cold - s.again - s.core);
      console.log(`${r} | ${name} | ${s.us(totalMs)} | ${s.us(s.cold)} | ${s.us(s.again)} | ${s.us(s.core)} | ${s.us(facade)} | ${(100 * l8).toFixed(1)}% / ${(100 * l64).toFixed(1)}%`);
    };
    row("fill", fill, run.fillMs);
    row("churn", churn, churnMs);
    row("churn grouped", grouped, groupedMs);
    row("place only", only, onlyMs);
  }
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e: unknown) => {
  console.error(`churn-split: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
