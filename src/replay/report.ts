// The HTML report: one self-contained file (inline SVG and CSS, no script, no network), with
// charts drawn by Observable Plot in Node on linkedom's DOM: hosts in use against the lower
// bound over time for every run, utilisation of the hosts in use, rejections, and the summary
// table. Loaded only by `vmfabric replay --report` (the library never imports it).
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import type { ReplayResult } from "./replay.js";
import { runSummary } from "./summary.js";

export interface ReportContext {
  bucketSeconds: number;
  fleet: string;
  command: string;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

interface Point { policy: string; hours: number; hostsInUse: number; lowerBound: number; rejected: number; [util: string]: number | string }

function points(result: ReplayResult): Point[] {
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

function doc() {
  return parseHTML("<!doctype html><html><body></body></html>").document;
}

/** Hosts in use (solid) against the lower bound (dashed), one panel per run. `standalone`: a
 *  bare SVG file (no HTML legend; the axis label says which line is which). */
export function hostsChart(result: ReplayResult, only?: readonly string[], standalone = false): string {
  const data = points(result).filter((p) => !only || only.includes(p.policy));
  const runs = [...new Set(data.map((p) => p.policy))];
  const plot = Plot.plot({
    document: doc(),
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
  const svg = plot.outerHTML;
  return standalone && !svg.includes("xmlns=") ? svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"') : svg;
}

/** Utilisation of the hosts in use in one dimension, a line per run. */
function utilizationChart(result: ReplayResult, dim: string): string {
  return Plot.plot({
    document: doc(),
    width: 900,
    height: 320,
    marginLeft: 60,
    x: { label: "hours since the first arrival" },
    y: { label: `${dim}: demand / capacity of hosts in use`, domain: [0, 1], grid: true },
    color: { legend: true },
    marks: [Plot.lineY(points(result), { x: "hours", y: `util_${dim}`, stroke: "policy" })],
  }).outerHTML;
}

function rejectionsChart(result: ReplayResult): string {
  const data = points(result).filter((p) => p.rejected > 0);
  if (data.length === 0) return "<p>No run rejected any VM.</p>";
  return Plot.plot({
    document: doc(),
    width: 900,
    height: 300,
    marginLeft: 60,
    x: { label: "hours since the first arrival" },
    y: { label: "VMs rejected per bucket", grid: true },
    color: { legend: true },
    marks: [Plot.dot(data, { x: "hours", y: "rejected", stroke: "policy", r: 2 }), Plot.ruleY([0])],
  }).outerHTML;
}

function summaryTable(result: ReplayResult): string {
  const gpu = result.dimensions.includes("gpu") ? "gpu" : undefined;
  const rows = result.runs.map((r) => runSummary(r, gpu));
  const head = ["policy", "placed", "rejected", "peak hosts in use", "avg hosts in use", "avg lower bound", "hosts / bound",
    ...result.dimensions.map((d) => `utilisation ${d}`), "avg empty hosts", ...(gpu ? ["unallocated GPU share (mean)", "unallocated GPU share (end)"] : []), "ops/s", "seconds"];
  const body = rows.map((r) => [r.policy, r.placed, r.rejected + (r.rejected > 0 ? ` (${Object.entries(r.rejectedByReason).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""),
    r.peakHostsInUse, r.avgHostsInUse, r.avgLowerBound, r.hostsOverLowerBound.toFixed(4), ...result.dimensions.map((d) => r.utilizationOfUsedHosts[d].toFixed(3)),
    r.avgEmptyHosts, ...(gpu ? [r.unallocatedGpuShare!.toFixed(4), r.unallocatedGpuShareAtEnd!.toFixed(4)] : []), r.opsPerSecond.toLocaleString("en-US"), r.seconds]);
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c, i) => `<td${i > 0 ? ' class="n"' : ""}>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

export function renderReport(result: ReplayResult, ctx: ReportContext): string {
  const notes = Object.entries(result.notes).map(([k, v]) => `<li>${esc(k)}: ${esc(v)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vmfabric replay: ${esc(result.trace)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 960px; color: #222; }
table { border-collapse: collapse; font-size: 13px; } th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; }
th { text-align: left; background: #f5f5f5; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } code { background: #f5f5f5; padding: 0 3px; }
</style></head><body>
<h1>vmfabric replay</h1>
<ul>
<li>trace: <code>${esc(result.trace)}</code> (${esc(result.format)}), ${result.vms.toLocaleString("en-US")} VMs, ${result.events.toLocaleString("en-US")} events</li>
<li>fleet: ${esc(ctx.fleet)}</li>
<li>command: <code>${esc(ctx.command)}</code>; ${result.runs.length} runs in lockstep on the identical stream, ${result.wallSeconds.toFixed(1)} s wall</li>
${notes}
</ul>
<h2>Summary</h2>
${summaryTable(result)}
<p>Means are time-weighted over the replay; a host is in use while it holds at least one VM; the lower bound is, per dimension, the fewest hosts (largest first) whose capacity covers the live demand, the max over dimensions. ops/s = (placements tried + releases) / the policy's own seconds. Buckets of ${ctx.bucketSeconds} s.</p>
<h2>Hosts in use against the lower bound</h2>
${hostsChart(result)}
<h2>Utilisation of the hosts in use</h2>
${result.dimensions.map((d) => utilizationChart(result, d)).join("\n")}
<h2>Rejections</h2>
${rejectionsChart(result)}
</body></html>
`;
}
