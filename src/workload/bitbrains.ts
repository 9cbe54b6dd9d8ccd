// Bitbrains GWA-T-12 "Rnd" utilization (../shared/data/bitbrains-rnd, see its SOURCE.txt):
// per-VM monthly summaries (provisioned cores and memory; mean/p95/max CPU and memory use; mean
// and p95 network) and five raw 5-minute series. Used to drive quota enforcement with real demand.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { dataDirCandidates, findDataSet } from "../data.js";

export interface BitbrainsProfile {
  month: string;
  vm: number;
  cores: number;
  memGb: number;
  cpuMhzCap: number;
  cpuMeanMhz: number;
  cpuP95Mhz: number;
  cpuMaxMhz: number;
  memMeanGb: number;
  memP95Gb: number;
  memMaxGb: number;
  netMeanKbs: number;  // rx + tx
  netP95Kbs: number;
}

export interface BitbrainsSeries {
  file: string;
  cores: number;
  /** Per 5-minute sample: CPU use in millicores, memory use in MiB, network rx+tx in Mbps. */
  cpu: Float64Array;
  mem: Float64Array;
  net: Float64Array;
}

export interface Bitbrains {
  dir: string;
  profiles: BitbrainsProfile[];
  series: BitbrainsSeries[];
}

/** Where the data set lives (see src/data.ts). */
export function bitbrainsDir(): string {
  return findDataSet("bitbrains-rnd") ?? join(dataDirCandidates()[0], "bitbrains-rnd");
}

/** Loads the summaries and raw series; undefined when the data set is absent. Rows with no
 *  provisioned cores or memory (broken in the trace) are dropped. */
export function loadBitbrains(dir = bitbrainsDir()): Bitbrains | undefined {
  const summary = join(dir, "rnd_per_vm_month_summary.csv");
  if (!existsSync(summary)) return undefined;
  const lines = readFileSync(summary, "utf8").trim().split(/\r?\n/);
  const head = lines[0].split(",");
  const col = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`${summary}: no column ${name}`);
    return i;
  };
  const c = {
    month: col("month"), vm: col("vm"), cores: col("cores_max"), mem: col("mem_prov_gb_max"), cap: col("cpu_cap_mhz_max"),
    cpuMean: col("cpu_use_mhz_mean"), cpuP95: col("cpu_use_mhz_p95"), cpuMax: col("cpu_use_mhz_max"),
    memMean: col("mem_use_gb_mean"), memP95: col("mem_use_gb_p95"), memMax: col("mem_use_gb_max"),
    rx: col("net_rx_kbs_mean"), tx: col("net_tx_kbs_mean"), netP95: col("net_rxtx_kbs_p95"),
  };
  const profiles: BitbrainsProfile[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    const n = (i: number) => Number(f[i]);
    const p: BitbrainsProfile = {
      month: f[c.month], vm: n(c.vm), cores: n(c.cores), memGb: n(c.mem), cpuMhzCap: n(c.cap),
      cpuMeanMhz: n(c.cpuMean), cpuP95Mhz: n(c.cpuP95), cpuMaxMhz: n(c.cpuMax),
      memMeanGb: n(c.memMean), memP95Gb: n(c.memP95), memMaxGb: n(c.memMax),
      netMeanKbs: n(c.rx) + n(c.tx), netP95Kbs: n(c.netP95),
    };
    if (p.cores > 0 && p.memGb > 0 && p.cpuMhzCap > 0 && Object.values(p).every((x) => typeof x === "string" || Number.isFinite(x))) profiles.push(p);
  }
  const series: BitbrainsSeries[] = [];
  const rawDir = join(dir, "raw_sample_2013-7");
  if (existsSync(rawDir)) {
    for (const file of readdirSync(rawDir).filter((x) => x.endsWith(".csv")).sort()) {
      const rows = readFileSync(join(rawDir, file), "utf8").trim().split(/\r?\n/).slice(1);
      const cpu: number[] = [];
      const mem: number[] = [];
      const net: number[] = [];
      let cores = 0;
      for (const r of rows) {
        const f = r.split(";").map((x) => Number(x.trim()));
        if (f.length < 11 || f.some((x) => !Number.isFinite(x))) continue;
        cores = f[1];
        cpu.push(f[2] > 0 ? (f[3] / f[2]) * f[1] * 1000 : 0); // share of provisioned MHz x cores -> millicores
        mem.push(f[6] / 1024);                               // KB -> MiB
        net.push(((f[9] + f[10]) * 8) / 1000);               // KB/s -> Mbps
      }
      if (cpu.length > 0) series.push({ file, cores, cpu: Float64Array.from(cpu), mem: Float64Array.from(mem), net: Float64Array.from(net) });
    }
  }
  return { dir, profiles, series };
}

/** CPU use of a profile in millicores (MHz use as a share of provisioned MHz, times cores). */
export function millicores(p: BitbrainsProfile, mhz: number): number {
  return (mhz / p.cpuMhzCap) * p.cores * 1000;
}

/** KB/s to Mbps. */
export const kbsToMbps = (kbs: number): number => (kbs * 8) / 1000;
