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
import { Engine } from "../src/engine.js";
import { EFFECTIVE, HOST, catalogSizes, rng, takeRandom } from "./churn-fleet.js";

interface Side {
  file: string;
  engine: Engine;
  rand: () => number;
  live: number[];
  free: number[];
  next: number;
  cpu: number;
  fillMs: number;
  fills: number;
  churnMs: number;
  churns: number;
  releaseMs: number;
  probes: number[];
}

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
  const sizes = catalogSizes(`${values.catalog}.csv`);
  if (!sizes) { console.error("churn-ab: ../shared/data/vm-catalogs not found (set VMFABRIC_DATA)"); process.exitCode = 2; return; }
  const vmCap = H * 40;
  const sides: Side[] = [];
  for (const file of positionals) {
    await init(readFileSync(file)); // engines created from here on use this core; earlier ones keep theirs
    const engine = Engine.create({ hostTypes: [{ ...HOST, count: H, hostsPerFaultDomain: 40 }] }, { dimensions: ["cpu", "memory"], vmCapacity: vmCap });
    sides.push({ file, engine, rand: rng(1), live: [], free: [], next: 0, cpu: 0, fillMs: 0, fills: 0, churnMs: 0, churns: 0, releaseMs: 0, probes: [] });
  }
  const demand = (s: Side) => sizes[Math.floor(s.rand() * sizes.length)];
  const target = 0.8 * H * EFFECTIVE[0];
  for (let open = true; open;) {
    open = false;
    for (const s of sides) {
      for (let i = 0; i < chunk && s.cpu < target; i++) {
        const d = demand(s);
        const t = performance.now();
        const p = s.engine.place({ id: s.next, demand: d, tenant: 1 });
        s.fillMs += performance.now() - t;
        if (p.host < 0) { s.cpu = target; break; }
        s.live.push(s.next++);
        s.cpu += d[0];
        s.fills++;
      }
      if (s.cpu < target) open = true;
    }
  }
  for (const s of sides) {
    for (let i = 0; i < s.live.length / 3; i++) s.engine.release(takeRandom(s.live, s.rand));
    for (let v = vmCap - 1; v >= s.next; v--) s.free.push(v);
    while (s.engine.stats().utilization.cpu < 0.8) {
      const id = s.free.pop()!;
      if (s.engine.place({ id, demand: demand(s), tenant: 1 }).host < 0) { s.free.push(id); break; }
      s.live.push(id);
    }
  }
  for (let done = 0; done < ops; done += chunk) {
    for (const s of sides) {
      for (let i = 0; i < chunk && done + i < ops; i++) {
        const gone = takeRandom(s.live, s.rand);
        const r = performance.now();
        s.engine.release(gone);
        s.releaseMs += performance.now() - r;
        s.free.push(gone);
        const id = s.free.pop()!;
        const d = demand(s);
        const t = performance.now();
        const p = s.engine.place({ id, demand: d, tenant: 1 });
        s.churnMs += performance.now() - t;
        s.churns++;
        if ((done + i) % 1000 === 0) s.probes.push(p.host);
        if (p.host >= 0) s.live.push(id); else s.free.push(id);
      }
    }
  }
  const base = sides[0];
  const rate = (n: number, ms: number) => (1000 * n) / ms;
  console.log(`${values.catalog} catalog, ${H} hosts at 80% cpu, best-fit, ${ops} churn placements, chunks of ${chunk}`);
  console.log("core | fill placements/s | churn placements/s | churn releases/s | fill vs first | churn vs first | releases vs first | places as the first");
  for (const s of sides) {
    const same = s.probes.length === base.probes.length && s.probes.every((h, i) => h === base.probes[i]);
    console.log(`${s.file} | ${(rate(s.fills, s.fillMs) / 1e3).toFixed(0)} k | ${(rate(s.churns, s.churnMs) / 1e3).toFixed(0)} k | ${(rate(s.churns, s.releaseMs) / 1e3).toFixed(0)} k | ` +
      `${(rate(s.fills, s.fillMs) / rate(base.fills, base.fillMs)).toFixed(2)} | ${(rate(s.churns, s.churnMs) / rate(base.churns, base.churnMs)).toFixed(2)} | ` +
      `${(rate(s.churns, s.releaseMs) / rate(base.churns, base.releaseMs)).toFixed(2)} | ${same ? "yes" : "NO"}`);
  }
}

main().catch((e: unknown) => {
  console.error(`churn-ab: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
