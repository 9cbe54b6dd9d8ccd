// azure2017: the Azure 2017 VM arrivals CSV (../shared/data/azure-2017-vm-arrivals/dev_vms.csv):
// `arrival_s,batch,vcpu,mem_gb,flavour,censored,dur_bin,dur_bin_lo_s,dur_bin_hi_s`.
//
// Demand [vcpu x 1000 millicores, mem_gb x 1024 MiB]. A lifetime lies in the row's bin
// [dur_bin_lo_s, dur_bin_hi_s]; the reader draws it uniformly from a hash of (seed, row index),
// so it never depends on processing order; a draw of 0 becomes 1 s; `censored = 1` never leaves.
// `batch` (VMs one tenant started together) is the tenant, and with anti-affinity the deployment.
// The lifetime policy's prediction is arrival + the middle of the bin, never the drawn lifetime,
// so it knows only what a bin-level lifetime predictor would (censored rows: unknown).
import { TraceError } from "../errors.js";
import { readLineChunks, traceName, type TraceFile } from "../lines.js";
import { drawLifetime } from "../lifetime.js";
import type { TraceSource, TraceVm } from "../trace.js";
import { numberField, readHeader } from "./csv.js";

const COLUMNS = ["arrival_s", "batch", "vcpu", "mem_gb", "flavour", "censored", "dur_bin", "dur_bin_lo_s", "dur_bin_hi_s"] as const;
const REQUIRED = ["arrival_s", "batch", "vcpu", "mem_gb", "censored", "dur_bin_lo_s", "dur_bin_hi_s"] as const;
const MAX_TIME = 2 ** 40;

export interface Azure2017Options {
  seed: number;
  /** Make `batch` the deployment (at most one instance of a batch per host). */
  antiAffinity?: boolean;
}

export function azure2017(file: TraceFile, options: Azure2017Options): TraceSource {
  const { seed, antiAffinity = false } = options;
  return {
    name: traceName(file),
    format: "azure2017",
    dimensions: ["cpu", "memory"],
    vms: () => rows(file, seed, antiAffinity),
  };
}

async function* rows(input: TraceFile, seed: number, antiAffinity: boolean): AsyncGenerator<TraceVm[]> {
  const file = traceName(input);
  let header = false;
  let cArrival = 0, cBatch = 0, cVcpu = 0, cMem = 0, cCensored = 0, cLo = 0, cHi = 0;
  let index = 0;
  let previous = -Infinity;
  for await (const chunk of readLineChunks(input)) {
    const out: TraceVm[] = [];
    for (let k = 0; k < chunk.lines.length; k++) {
      const text = chunk.lines[k];
      const line = chunk.first + k;
      if (!header) {
        const cols = readHeader(file, text, COLUMNS, REQUIRED);
        [cArrival, cBatch, cVcpu, cMem, cCensored, cLo, cHi] = REQUIRED.map((c) => cols.get(c)!);
        header = true;
        continue;
      }
      if (text.length === 0) continue;
      const f = text.split(",");
      const arrival = numberField(file, line, "arrival_s", f[cArrival], 0, MAX_TIME, true);
      if (arrival < previous) throw new TraceError(file, line, "arrival_s", arrival, `must not be before the previous line's arrival (${previous})`);
      previous = arrival;
      const batch = numberField(file, line, "batch", f[cBatch], 0, 0xfffffffe, true);
      const vcpu = numberField(file, line, "vcpu", f[cVcpu], 0, 1e6, false);
      const memGb = numberField(file, line, "mem_gb", f[cMem], 0, 1e7, false);
      const censored = numberField(file, line, "censored", f[cCensored], 0, 1, true);
      if (Number(f[cLo]) < 0) throw new TraceError(file, line, "dur_bin_lo_s", f[cLo], "must not be negative (a negative duration)");
      if (Number(f[cHi]) < 0) throw new TraceError(file, line, "dur_bin_hi_s", f[cHi], "must not be negative (a negative duration)");
      const lo = numberField(file, line, "dur_bin_lo_s", f[cLo], 0, MAX_TIME, true);
      const hi = numberField(file, line, "dur_bin_hi_s", f[cHi], 0, MAX_TIME, true);
      if (hi < lo) throw new TraceError(file, line, "dur_bin_hi_s", hi, `must not be below dur_bin_lo_s (${lo})`);
      out.push({
        index,
        line,
        arrival,
        departure: censored === 1 ? Infinity : arrival + drawLifetime(seed, index, lo, hi),
        demand: [Math.round(vcpu * 1000), Math.round(memGb * 1024)],
        tenant: batch,
        deployment: antiAffinity ? batch : undefined,
        expectedEnd: censored === 1 ? undefined : arrival + Math.floor((lo + hi) / 2),
      });
      index++;
    }
    if (out.length > 0) yield out;
  }
  if (!header) throw new TraceError(file, 1, "header", "", "must be present (the file is empty)");
}
