// The replay's charts as Observable Plot specs, on whatever DOM the caller gives: linkedom's in
// Node (the HTML report, report.ts) or the browser's own (the data-center page's replay panel).
// Also the summary table both show. No node: module and no DOM library here, so a page can
// bundle it.
import * as Plot from "@observablehq/plot";
import type { ReplayResult } from "./replay.js";
import { runSummary } from "./summary.js";

/** The DOM types as Plot declares them (the library compiles without the DOM lib). */
type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;
type Chart = ReturnType<typeof Plot.plot>;

interface Point { policy: string; hours: number; hostsInUse: number; lowerBound: number; rejected: number; [util: string]: number | string }

/** The result as the shape the charts need: results that crossed a worker boundary (structured
 *  clone) work too, since only plain fields are read. */
type ChartInput = Pick<ReplayResult, "dimensions" | "runs">;

function points(result: ChartInput): Point[] {
  const out: Point[] = [];
  for (const r of result.runs) {
    const origin = r.series?.[0]?.start ?? 0;
    for (const s of r.series ?? []) {
      if (s.covered === 0) continue;
      const p: Point = { policy: r.policy, hours: (s.start - origin) / 3600, hostsInUse: s.hostsInUse, lowerBound: s.lowerBound, rejected: s.rejected };
      result.dimensions.forEach((d, i) => { p[`util_${d}`] = s.utilization[i]; });
      out.push(p);
    }
  }
  return out;
}

/** Hosts in use (solid) against the lower bound (dashed), one panel per run. `standalone`: a
 *  bare SVG (no HTML legend; the axis label says which line is which). */
export function hostsPlot(document: PlotDocument, result: ChartInput, only?: readonly string[], standalone = false): Chart {
  const data = points(result).filter((p) => !only || only.includes(p.policy));
  const runs = [...new Set(data.map((p) => p.policy))];
  return Plot.plot({
    document,
    width: 900,
    height: 90 + 110 * runs.length,
    marginLeft: 60,
    marginRight: 90,
    x: { label: "hours since the first arrival" },
    y: { label: standalone ? "hosts in use (solid), lower bound (dashed)" : "hosts", grid: true },
    fy: { label: null, domain: runs },
    color: { legend: !standalone, domain: ["hosts in use", "lower bound"], range: ["#1f77b4", "#d62728"] },
    marks: [
      Plot.lineY(data, { x: "hours", y: "lowerBound", fy: "policy", stroke: () => "lower bound", strokeDasharray: "5,3" }),
      Plot.lineY(data, { x: "hours", y: "hostsInUse", fy: "policy", stroke: () => "hosts in use" }),
      Plot.frame({ stroke: "#ccc" }),
    ],
  });
}

/** Utilisation of the hosts in use in one dimension, a line per run. */
export function utilizationPlot(document: PlotDocument, result: ChartInput, dim: string): Chart {
  return Plot.plot({
    document,
    width: 900,
    height: 320,
    marginLeft: 60,
    x: { label: "hours since the first arrival" },
    y: { label: `${dim}: demand / capacity of hosts in use`, domain: [0, 1], grid: true },
    color: { legend: true },
    marks: [Plot.lineY(points(result), { x: "hours", y: `util_${dim}`, stroke: "policy" })],
  });
}

/** VMs rejected per bucket, a dot per run and bucket; undefined when no run rejected any. */
export function rejectionsPlot(document: PlotDocument, result: ChartInput): Chart | undefined {
  const data = points(result).filter((p) => p.rejected > 0);
  if (data.length === 0) return undefined;
  return Plot.plot({
    document,
    width: 900,
    height: 300,
    marginLeft: 60,
    x: { label: "hours since the first arrival" },
    y: { label: "VMs rejected per bucket", grid: true },
    color: { legend: true },
    marks: [Plot.dot(data, { x: "hours", y: "rejected", stroke: "policy", r: 2 }), Plot.ruleY([0])],
  });
}

export const NO_REJECTIONS = "No run rejected any VM.";

export const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The summary table (a row per run) as HTML, every cell escaped. */
export function summaryTableHtml(result: ChartInput): string {
  const gpu = result.dimensions.includes("gpu") ? "gpu" : undefined;
  const rows = result.runs.map((r) => runSummary(r, gpu));
  const head = ["policy", "placed", "rejected", "peak hosts in use", "avg hosts in use", "avg lower bound", "hosts / bound",
    ...result.dimensions.map((d) => `utilisation ${d}`), "avg empty hosts", ...(gpu ? ["unallocated GPU share (mean)", "unallocated GPU share (end)"] : []), "ops/s", "seconds"];
  const body = rows.map((r) => [r.policy, r.placed, r.rejected + (r.rejected > 0 ? ` (${Object.entries(r.rejectedByReason).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""),
    r.peakHostsInUse, r.avgHostsInUse, r.avgLowerBound, r.hostsOverLowerBound.toFixed(4), ...result.dimensions.map((d) => r.utilizationOfUsedHosts[d].toFixed(3)),
    r.avgEmptyHosts, ...(gpu ? [r.unallocatedGpuShare!.toFixed(4), r.unallocatedGpuShareAtEnd!.toFixed(4)] : []), r.opsPerSecond.toLocaleString("en-US"), r.seconds]);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="n"' : ""}>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}
