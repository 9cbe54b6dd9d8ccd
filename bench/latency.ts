// What one cold line costs on this machine: a chain of dependent loads, one 64-byte line per
// step, in a random cycle over working sets of growing size. The fragmented churn's placements
// land on hosts no recent placement touched (README, Benchmark: many sizes), so each round of
// reads whose addresses wait on the previous round pays about this much; a fill placement,
// whose host is in the cache, pays the small-set figure.
//
//   node dist/bench/latency.js [--sizes 1,4,16,64,256] [--steps 3000000]
//
// Sizes are MiB. The figure includes the TLB misses a set of that size causes with 4 KiB pages.
import { parseArgs } from "node:util";

const LINE_INTS = 16; // i32 per 64-byte line

/** Nanoseconds per dependent load over `bytes` of lines in a random cycle. */
function chase(bytes: number, steps: number): number {
  const lines = Math.floor(bytes / 64);
  const a = new Int32Array(lines * LINE_INTS);
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  let s = 12345;
  for (let i = lines - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  for (let i = 0; i < lines; i++) a[order[i] * LINE_INTS] = order[(i + 1) % lines] * LINE_INTS;
  let p = 0;
  for (let i = 0; i < 100_000; i++) p = a[p]; // warm the code and the first lines
  const t = performance.now();
  for (let i = 0; i < steps; i++) p = a[p];
  const ns = ((performance.now() - t) * 1e6) / steps;
  if (p < 0) console.log(p); // keeps the chain live
  return ns;
}

function main(): number {
  let values: { sizes: string; steps: string };
  try {
    values = parseArgs({ options: { sizes: { type: "string", default: "1,4,16,64,256" }, steps: { type: "string", default: "3000000" } }, strict: true }).values;
  } catch (e) {
    console.error(`latency: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) { console.error(`latency: --steps: "${values.steps}" is not a whole number >= 1`); return 2; }
  const given = values.sizes.split(",");
  const bad = given.find((x) => { const m = Number(x); return !(x.trim() !== "" && Number.isInteger(m) && m >= 1 && m <= 1024); });
  if (bad !== undefined) { console.error(`latency: --sizes: "${bad}" is not a whole number of MiB in 1..1024`); return 2; }
  const sizes = given.map(Number);
  console.log("working set | ns per dependent load");
  for (const mb of sizes) console.log(`${mb} MiB | ${chase(mb * 2 ** 20, steps).toFixed(1)}`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(`latency: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
