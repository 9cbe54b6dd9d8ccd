// The HTML report: one self-contained file (inline SVG and CSS, no script, no network), with
// charts drawn by Observable Plot (specs in charts.ts, shared with the page) in Node on linkedom's DOM: hosts in use against the lower
// bound over time for every run, utilisation of the hosts in use, rejections, and the summary
// table. Loaded only by `vmfabric replay --report` (the library never imports it).
import { parseHTML } from "linkedom";
import { NO_REJECTIONS, esc, hostsPlot, rejectionsPlot, summaryTableHtml, utilizationPlot } from "./charts.js";
import type { ReplayResult } from "./replay.js";

export interface ReportContext {
  bucketSeconds: number;
  fleet: string;
  command: string;
}

function doc(): Parameters<typeof hostsPlot>[0] {
  return parseHTML("<!doctype html><html><body></body></html>").document as unknown as Parameters<typeof hostsPlot>[0];
}

/** The hosts chart as SVG/HTML text (`standalone`: a bare SVG file, for bench:replay --chart). */
export function hostsChart(result: ReplayResult, only?: readonly string[], standalone = false): string {
  const svg = hostsPlot(doc(), result, only, standalone).outerHTML;
  return standalone && !svg.includes("xmlns=") ? svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"') : svg;
}

const utilizationChart = (result: ReplayResult, dim: string): string => utilizationPlot(doc(), result, dim).outerHTML;

const rejectionsChart = (result: ReplayResult): string => rejectionsPlot(doc(), result)?.outerHTML ?? `<p>${NO_REJECTIONS}</p>`;

const summaryTable = summaryTableHtml;

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
