// The fleet and workload of the churn benchmarks (bench/churn.ts, bench/churn-ab.ts): host
// type, VM size sets, the random stream.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findDataSet } from "../src/data.js";

export const HOST = { capacity: [80_000, 516_096], reservation: [2_000, 8_192] };
export const EFFECTIVE = HOST.capacity.map((c, d) => c - HOST.reservation[d]);
export const AZURE_2017: Array<[number, number]> = [
  [1, 0.75], [1, 1.75], [1, 3.5], [2, 3.5], [2, 7], [2, 14], [4, 7], [4, 14], [4, 28], [8, 14], [8, 28], [8, 56],
  [16, 28], [16, 56], [16, 112], [32, 448],
].map(([c, m]) => [c * 1000, Math.round(m * 1024)]);

// xorshift32, shared with bench/quota.ts: the README's churn and quota figures were measured
// with its stream (src/workload/rng.ts would draw other sizes).
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** Removes and returns a random element of `live` (order is not kept). */
export function takeRandom(live: number[], rand: () => number): number {
  const j = Math.floor(rand() * live.length);
  const gone = live[j];
  live[j] = live[live.length - 1];
  live.pop();
  return gone;
}

export type Sizes = { name: string; sizes: Array<[number, number]> | "random" };

export function catalogSizes(file: string): Array<[number, number]> | undefined {
  const dir = findDataSet("vm-catalogs");
  if (!dir) return undefined;
  const lines = readFileSync(join(dir, file), "utf8").trim().split("\n");
  const head = lines[0].split(",");
  const iv = head.indexOf("vcpu"), im = head.indexOf("memory");
  const seen = new Set<string>();
  const out: Array<[number, number]> = [];
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    const cpu = Math.round(Number(f[iv]) * 1000), mem = Math.round(Number(f[im]) * 1024);
    if (!(cpu > 0 && mem > 0) || cpu > EFFECTIVE[0] || mem > EFFECTIVE[1]) continue;
    const k = `${cpu},${mem}`;
    if (!seen.has(k)) { seen.add(k); out.push([cpu, mem]); }
  }
  return out;
}

export function demandOf(s: Sizes, rand: () => number): [number, number] {
  if (s.sizes === "random") {
    // Kubernetes-style arbitrary requests: 0.25 to 16 cores, 1 to 8 GiB per core.
    const cpu = 250 + Math.floor(rand() * 15_750);
    return [cpu, Math.floor((cpu / 1000) * (1024 + rand() * 7 * 1024))];
  }
  return s.sizes[Math.floor(rand() * s.sizes.length)];
}
