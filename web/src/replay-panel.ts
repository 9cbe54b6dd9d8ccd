// The "Replay a trace" panel: the user picks a trace file on this computer (read in the page
// with the File API, never sent anywhere), chooses policies and baselines, and a Web Worker
// replays it while a bar shows progress; then the HTML report's charts (the same Plot specs,
// src/replay/charts.ts, loaded only now) and summary table are drawn here.
import { CAPACITY_POLICIES } from "../../src/types.js";
import type { PageReplay } from "./replay-job.js";
import { BASELINES, DEFAULT_RUNS, PAGE_FORMATS, type PageReplayOptions } from "./replay-options.js";
import type { FromReplayWorker, ReplayRequest } from "./replay-protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker: Worker | undefined;

function setState(state: "idle" | "running" | "done" | "error", text: string): void {
  const status = $("replay-status");
  status.dataset.state = state;
  status.textContent = text;
  $<HTMLButtonElement>("replay-cancel").disabled = state !== "running";
  if (state !== "running") $<HTMLProgressElement>("replay-progress").hidden = true;
}

function stop(): void {
  worker?.terminate();
  worker = undefined;
}

function h(tag: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

async function draw(r: PageReplay, seconds: number): Promise<void> {
  const charts = await import("../../src/replay/charts.js");
  const { result } = r;
  const out = $("replay-out");
  const about = h("ul");
  about.append(
    h("li", `trace: ${result.trace} (${result.format}), ${result.vms.toLocaleString("en-US")} VMs, ${result.events.toLocaleString("en-US")} events, at most ${r.survey.peakLive.toLocaleString("en-US")} live`),
    h("li", `fleet: ${r.fleet}`),
    h("li", `${result.runs.length} runs in lockstep on the identical stream, ${result.wallSeconds.toFixed(2)} s replay, ${seconds.toFixed(2)} s in all; buckets of ${r.bucketSeconds} s`),
    ...Object.entries(result.notes).map(([k, v]) => h("li", `${k}: ${v}`)),
  );
  const table = h("div");
  table.id = "replay-summary";
  table.innerHTML = charts.summaryTableHtml(result); // every cell escaped by summaryTableHtml
  const figure = (id: string, node: Node) => { const f = h("figure"); f.id = id; f.append(node); return f; };
  const rejections = charts.rejectionsPlot(document, result);
  out.replaceChildren(
    h("h3", "Summary"), about, table,
    h("h3", "Hosts in use against the lower bound"), figure("replay-hosts", charts.hostsPlot(document, result)),
    h("h3", "Utilisation of the hosts in use"), ...result.dimensions.map((d) => figure(`replay-util-${d}`, charts.utilizationPlot(document, result, d))),
    h("h3", "Rejections"), figure("replay-rejections", rejections ?? h("p", charts.NO_REJECTIONS)),
  );
}

function options(): PageReplayOptions {
  const runs = [...document.querySelectorAll<HTMLInputElement>("#replay-runs input:checked")].map((c) => c.value as PageReplayOptions["runs"][number]);
  const hosts = $<HTMLInputElement>("replay-hosts").value.trim();
  return {
    format: $<HTMLSelectElement>("replay-format").value as PageReplayOptions["format"],
    runs,
    hosts: hosts === "" ? 0 : Number(hosts),
    seed: Number($<HTMLInputElement>("replay-seed").value),
  };
}

function start(): void {
  const file = $<HTMLInputElement>("replay-file").files?.[0];
  $("replay-error").textContent = "";
  if (!file) {
    setState("error", "pick a trace file first");
    return;
  }
  stop();
  const t0 = performance.now();
  const bar = $<HTMLProgressElement>("replay-progress");
  bar.hidden = false;
  bar.removeAttribute("value");
  setState("running", `reading ${file.name}...`);
  const w = new Worker(new URL("./replay-worker.js", import.meta.url), { type: "module" });
  worker = w;
  w.onmessage = async (e: MessageEvent<FromReplayWorker>) => {
    if (worker !== w) return;
    const m = e.data;
    if (m.type === "progress") {
      if (m.phase === "survey") {
        bar.removeAttribute("value");
        $("replay-status").textContent = `first pass over ${file.name} (counting VMs, the peak demand and events)...`;
      } else {
        bar.max = Math.max(1, m.total);
        bar.value = m.done;
        $("replay-status").textContent = `replaying: ${m.done.toLocaleString("en-US")} of ${m.total.toLocaleString("en-US")} events`;
      }
    } else if (m.type === "error") {
      stop();
      $("replay-error").textContent = `error: ${m.message}`;
      setState("error", "the replay stopped");
    } else {
      stop();
      try {
        await draw(m.replay, (performance.now() - t0) / 1000);
        setState("done", `done: ${m.replay.result.runs.length} runs, ${m.replay.result.events.toLocaleString("en-US")} events`);
      } catch (err) {
        $("replay-error").textContent = `error drawing the charts: ${err instanceof Error ? err.message : String(err)}`;
        setState("error", "the charts could not be drawn");
      }
    }
  };
  w.onerror = (e) => {
    if (worker !== w) return;
    stop();
    $("replay-error").textContent = `worker error: ${e.message}`;
    setState("error", "the replay stopped");
  };
  w.postMessage({ file, options: options() } satisfies ReplayRequest);
}

export function setUpReplayPanel(): void {
  const runs = $("replay-runs");
  for (const name of [...CAPACITY_POLICIES, ...BASELINES]) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = name;
    box.checked = DEFAULT_RUNS.includes(name);
    const label = h("label");
    label.append(box, ` ${name}${(BASELINES as readonly string[]).includes(name) ? " (baseline)" : ""}`);
    runs.append(label);
  }
  const format = $<HTMLSelectElement>("replay-format");
  for (const f of PAGE_FORMATS) format.append(new Option(f, f));
  $("replay-form").addEventListener("submit", (e) => {
    e.preventDefault();
    start();
  });
  $("replay-cancel").addEventListener("click", () => {
    stop();
    setState("idle", "cancelled");
  });
  setState("idle", "no trace replayed yet");
}
