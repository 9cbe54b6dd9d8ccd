// The replay's outputs: the JSON summary (keys as the issue lists them), a text table, and the
// time series as CSV.
import type { ReplayResult, RunResult } from "./replay.js";

export interface RunSummary {
  policy: string;
  /** Engine runs: whether the policy kept scarce hosts free (README "Keeping scarce hosts free"). */
  keepScarceHostsFree?: boolean;
  placed: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  peakHostsInUse: number;
  avgHostsInUse: number;
  avgLowerBound: number;
  hostsOverLowerBound: number;
  utilizationOfUsedHosts: Record<string, number>;
  avgEmptyHosts: number;
  migrations: number;
  seconds: number;
  opsPerSecond: number;
  /** GPU traces: time-weighted mean share of the fleet's GPU capacity left unallocated. */
  unallocatedGpuShare?: number;
  /** GPU traces: the share left unallocated at the end (FGD's measure for arrival-only lists). */
  unallocatedGpuShareAtEnd?: number;
}

export interface ReplaySummary {
  trace: string;
  format: string;
  hosts: number;
  vms: number;
  events: number;
  runs: RunSummary[];
  [note: string]: unknown;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function runSummary(r: RunResult, gpuDimension?: string): RunSummary {
  const util: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.utilizationOfUsedHosts)) util[k] = round(v, 4);
  const out: RunSummary = {
    policy: r.policy,
    ...(r.keepScarceHostsFree === undefined ? {} : { keepScarceHostsFree: r.keepScarceHostsFree }),
    placed: r.placed,
    rejected: r.rejected,
    rejectedByReason: r.rejectedByReason,
    peakHostsInUse: r.peakHostsInUse,
    avgHostsInUse: round(r.avgHostsInUse, 2),
    avgLowerBound: round(r.avgLowerBound, 2),
    hostsOverLowerBound: round(r.hostsOverLowerBound, 4),
    utilizationOfUsedHosts: util,
    avgEmptyHosts: round(r.avgEmptyHosts, 2),
    migrations: r.migrations,
    seconds: round(r.seconds, 3),
    opsPerSecond: Math.round(r.opsPerSecond),
  };
  if (gpuDimension !== undefined) {
    out.unallocatedGpuShare = round(r.unallocatedShare[gpuDimension] ?? 0, 4);
    out.unallocatedGpuShareAtEnd = round(r.unallocatedShareAtEnd[gpuDimension] ?? 0, 4);
  }
  return out;
}

export function summary(result: ReplayResult, gpuDimension?: string): ReplaySummary {
  return {
    trace: result.trace,
    format: result.format,
    hosts: result.hosts,
    vms: result.vms,
    events: result.events,
    ...result.notes,
    runs: result.runs.map((r) => runSummary(r, gpuDimension)),
  };
}

const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: 0 });

export function table(result: ReplayResult): string {
  const dims = result.dimensions;
  const head = ["policy", "placed", "rejected", "peak hosts", "avg hosts", "avg bound", "hosts/bound", ...dims.map((d) => `util ${d}`), "ops/s", "seconds"];
  const rows = result.runs.map((r) => [
    r.policy, fmt(r.placed), fmt(r.rejected), fmt(r.peakHostsInUse), r.avgHostsInUse.toFixed(1), r.avgLowerBound.toFixed(1),
    r.hostsOverLowerBound.toFixed(4), ...dims.map((d) => r.utilizationOfUsedHosts[d].toFixed(3)), fmt(r.opsPerSecond), r.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

export function seriesCsv(result: ReplayResult): string {
  const dims = result.dimensions;
  const out = [["policy", "start_s", "covered_s", "hosts_in_use", "lower_bound", ...dims.map((d) => `util_${d}`), "rejected"].join(",")];
  for (const r of result.runs) {
    for (const s of r.series ?? []) {
      out.push([r.policy, s.start, s.covered, s.hostsInUse.toFixed(3), s.lowerBound.toFixed(3), ...s.utilization.map((u) => u.toFixed(5)), s.rejected].join(","));
    }
  }
  return out.join("\n") + "\n";
}
