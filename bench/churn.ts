// Churn with many VM sizes: place + release on a half-full fleet, per size set, side by side in
// one process (so the ratios hold on a noisy shared machine), and churn on a fragmented fleet.
//
//   node dist/bench/churn.js [--hosts N] [--ops N] [--seed S] [--json]
//   node dist/bench/churn.js --fragmented [--hosts 250000] [--repeat N] [--ids stack|random] ...
//
// --ids: which free id a churn placement takes, the one released last (stack, the default: a
// free-id stack, as the replay keeps) or one at random among all free ids (random: nearly always
// one never placed, so its VM record is a cold line; fragmented-churn.ts).
// --repeat N runs each fragmented case N times on fresh engines (same seed, so the same work)
// and reports the median churn / fill ratio with its range: on a shared machine one run's
// fill and churn phases see different neighbours' load, and a single ratio swung 0.66-1.01.
//
// Size sets: the 16 Azure 2017 sizes; every distinct (vcpu, memory) of the gcp, aws and azure
// catalogs (../shared/data/vm-catalogs) that fits the host; and "random": every VM its own size.
import { parseArgs } from "node:util";
import { AZURE_2017, EFFECTIVE, type Sizes, catalogSizes, demandOf, rng, takeRandom } from "./churn-fleet.js";
import { FragmentedChurn, churnEngine } from "./fragmented-churn.js";

interface ChurnResult { sizes: string; distinct: number; opsPerSecond: number; placed: number; rejected: number }

/** Fill every host to about half its cpu (spread), then churn: release a random VM, place a new one (best-fit). */
function halfFullChurn(H: number, ops: number, s: Sizes, seed: number): ChurnResult {
  const rand = rng(seed);
  const engine = churnEngine(H);
  const vmCap = engine.vmCapacity;
  const live: number[] = [];
  const free: number[] = [];
  for (let v = vmCap - 1; v >= 0; v--) free.push(v);
  // Half full without the policy under test: VMs dealt round the hosts with placeOn.
  const used = new Float64Array(H);
  for (let h = 0, misses = 0; misses < H; h = (h + 1) % H) {
    if (used[h] >= 0.5 * EFFECTIVE[0]) { misses++; continue; }
    const d = demandOf(s, rand);
    const id = free.pop()!;
    if (engine.placeOn({ id, demand: d, tenant: 1 }, h).host < 0) { free.push(id); misses++; continue; }
    misses = 0;
    used[h] += d[0];
    live.push(id);
  }
  const distinct = new Set<string>();
  let placed = 0, rejected = 0;
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) {
    const gone = takeRandom(live, rand);
    engine.release(gone);
    free.push(gone);
    const d = demandOf(s, rand);
    if (i < 10_000) distinct.add(`${d[0]},${d[1]}`);
    const id = free.pop()!;
    const p = engine.place({ id, demand: d, tenant: 1 });
    if (p.host >= 0) { live.push(id); placed++; } else { free.push(id); rejected++; }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { sizes: s.name, distinct: s.sizes === "random" ? distinct.size : s.sizes.length, opsPerSecond: (2 * ops) / seconds, placed, rejected };
}

interface FragResult {
  sizes: string;
  /** Placements/s while filling (the place calls' own time). */
  fillPerSecond: number;
  /** Placements/s during the churn (the place calls' own time) and their ratio to the fill's. */
  churnPerSecond: number;
  ratio: number;
  /** Release + place cycles/s during the churn (wall time of the loop). */
  cyclesPerSecond: number;
  cpuUtil: number;
}

/** Fill to 80% cpu with catalog sizes (best-fit), then churn: release a random VM, place a new
 *  one of `churn` (fragmented-churn.ts). Placements/s of the churn against the fill's, both timed
 *  over the place calls alone; cycles/s is the churn loop's wall time. */
function fragmentedChurn(H: number, ops: number, fill: Sizes, churn: Sizes, seed: number, ids: "stack" | "random"): FragResult {
  const run = new FragmentedChurn(churnEngine(H), H, fill, churn, seed, ids);
  while (run.fillSome(10_000));
  run.fragment();
  const t1 = performance.now();
  run.churnSome(ops);
  const cycleSeconds = (performance.now() - t1) / 1000;
  const fillPerSecond = (1000 * run.fills) / run.fillMs;
  const churnPerSecond = (1000 * ops) / run.churnMs;
  return { sizes: churn.name, fillPerSecond, churnPerSecond, ratio: churnPerSecond / fillPerSecond, cyclesPerSecond: ops / cycleSeconds, cpuUtil: run.engine.stats().utilization.cpu };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      hosts: { type: "string" }, ops: { type: "string" }, seed: { type: "string", default: "1" },
      json: { type: "boolean", default: false }, fragmented: { type: "boolean", default: false },
      only: { type: "string" }, repeat: { type: "string", default: "1" }, ids: { type: "string", default: "stack" },
    },
    strict: true,
  });
  const seed = Number(values.seed);
  const sets: Sizes[] = [{ name: "azure2017-16", sizes: AZURE_2017 }];
  for (const c of ["gcp", "aws", "azure"]) {
    const sizes = catalogSizes(`${c}.csv`);
    if (sizes) sets.push({ name: `${c}-catalog`, sizes });
    else console.error(`skipping ${c}: ../shared/data/vm-catalogs not found`);
  }
  sets.push({ name: "random", sizes: "random" });
  if (values.only) {
    const keep = values.only.split(",");
    for (let i = sets.length - 1; i > 0; i--) if (!keep.some((k) => sets[i].name.startsWith(k))) sets.splice(i, 1);
  }
  const fmt = (x: number) => x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
  if (values.fragmented) {
    const H = Number(values.hosts ?? 250_000), ops = Number(values.ops ?? 100_000);
    // Each catalog fills the fleet and churns with its own sizes; random sizes churn on a fleet
    // filled with the first catalog; and a workload shift: filled with one catalog, churned with
    // another (its sizes must earn classes on a fleet that is already fragmented).
    const catalogs = sets.slice(1).filter((s) => s.sizes !== "random");
    const random = sets.find((s) => s.sizes === "random");
    const first = catalogs[0] ?? sets[0];
    const runs: Array<{ fill: Sizes; churn: Sizes }> = catalogs.map((c) => ({ fill: c, churn: c }));
    if (random) runs.push({ fill: first, churn: random });
    if (catalogs.length > 1) runs.push({ fill: catalogs[0], churn: catalogs[1] });
    const repeat = Number(values.repeat);
    if (!Number.isInteger(repeat) || repeat < 1) {
      console.error(`bench:churn: --repeat: ${values.repeat} is not a whole number >= 1`);
      process.exitCode = 2;
      return;
    }
    const ids = values.ids;
    if (ids !== "stack" && ids !== "random") {
      console.error(`bench:churn: --ids: ${ids} is not stack or random`);
      process.exitCode = 2;
      return;
    }
    const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
    const out = runs.map(({ fill, churn }) => {
      const tries: FragResult[] = [];
      for (let i = 0; i < repeat; i++) tries.push(fragmentedChurn(H, churn.sizes === "random" ? Math.min(ops, 20_000) : ops, fill, churn, seed, ids));
      const ratios = tries.map((t) => t.ratio);
      return {
        fill: fill.name, sizes: churn.name, cpuUtil: tries[0].cpuUtil,
        fillPerSecond: median(tries.map((t) => t.fillPerSecond)), churnPerSecond: median(tries.map((t) => t.churnPerSecond)),
        cyclesPerSecond: median(tries.map((t) => t.cyclesPerSecond)),
        ratio: median(ratios), ratioMin: Math.min(...ratios), ratioMax: Math.max(...ratios), ratios,
      };
    });
    if (values.json) { console.log(JSON.stringify({ hosts: H, ops, repeat, ids, runs: out })); return; }
    console.log(`fragmented fleet: ${H} hosts at 80% cpu, best-fit${repeat > 1 ? `; medians of ${repeat} runs each (ratio range in brackets)` : ""}${ids === "random" ? "; churn ids drawn at random" : ""}`);
    console.log("fill sizes | churn sizes | fill placements/s | churn placements/s | churn / fill | churn cycles/s (release + place) | cpu");
    for (const r of out) {
      const range = repeat > 1 ? ` (${r.ratioMin.toFixed(2)}-${r.ratioMax.toFixed(2)})` : "";
      console.log(`${r.fill} | ${r.sizes} | ${fmt(r.fillPerSecond)} | ${fmt(r.churnPerSecond)} | ${r.ratio.toFixed(2)}${range} | ${fmt(r.cyclesPerSecond)} | ${(100 * r.cpuUtil).toFixed(1)}%`);
    }
    return;
  }
  const H = Number(values.hosts ?? 100_000), ops = Number(values.ops ?? 200_000);
  const out = sets.map((s) => halfFullChurn(H, s.sizes === "random" ? Math.min(ops, 50_000) : ops, s, seed));
  if (values.json) { console.log(JSON.stringify({ hosts: H, ops, runs: out })); return; }
  console.log(`half-full churn: ${H} hosts, best-fit, release + place (ops = both)`);
  console.log("sizes | distinct | ops/s | vs 16 sizes | rejected");
  for (const r of out) console.log(`${r.sizes} | ${r.distinct} | ${fmt(r.opsPerSecond)} | ${(r.opsPerSecond / out[0].opsPerSecond).toFixed(2)}x | ${r.rejected}`);
}

main();
