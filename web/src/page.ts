// The data-center page: controls, a racks x servers picture coloured by server state and
// utilisation, and a summary line, redrawn from the worker's frames as the story runs.
import type { FromWorker, ToWorker } from "./protocol.js";
import { setUpReplayPanel } from "./replay-panel.js";
import type { Frame, StoryOptions } from "./story.js";
import { DEFAULT_STORY } from "./story-defaults.js";

const STATE_NAMES = ["PoweredOff", "NetworkBoot", "MaintenanceOS", "HostPartitioning", "Rebooting", "HostOSBoot", "HostReady", "InService", "Unhealthy", "OutForRepair"];
const BOOTING = "#7aa6d8";
const COLOURS: Record<string, string> = { PoweredOff: "#9a9a9a", Unhealthy: "#e8a33d", OutForRepair: "#c93c3c" };
const SVG = "http://www.w3.org/2000/svg";
const CELL = 18;
const GAP = 3;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
let run = 0;
let picked = new Set<number>();
let cells: SVGRectElement[] = [];
let shape = { racks: 0, serversPerRack: 0 };
let pending: Frame | undefined;
const waiting = new Map<number, (hosts: number[]) => void>();

/** In service: green from pale (empty) to dark (full); other states by name. */
function colour(state: number, utilisation: number): string {
  const name = STATE_NAMES[state];
  if (name === "InService") return `hsl(140, 55%, ${Math.round(88 - 58 * Math.min(1, utilisation))}%)`;
  return COLOURS[name] ?? BOOTING;
}

function options(): StoryOptions {
  const n = (id: string) => Number(($(id) as HTMLInputElement).value);
  return { racks: n("racks"), serversPerRack: n("servers"), services: n("services"), instances: n("instances"), failRack: n("fail-rack"), seed: n("seed"), failServers: [...picked] };
}

function layout(racks: number, serversPerRack: number): void {
  shape = { racks, serversPerRack };
  const svg = $("dc") as unknown as SVGSVGElement;
  svg.replaceChildren();
  const labelH = 16;
  svg.setAttribute("width", String(racks * (CELL + GAP) + GAP));
  svg.setAttribute("height", String(serversPerRack * (CELL + GAP) + GAP + labelH));
  cells = [];
  for (let r = 0; r < racks; r++) {
    const label = document.createElementNS(SVG, "text");
    label.setAttribute("x", String(GAP + r * (CELL + GAP) + CELL / 2));
    label.setAttribute("y", "12");
    label.setAttribute("text-anchor", "middle");
    label.textContent = String(r);
    svg.append(label);
    for (let k = 0; k < serversPerRack; k++) {
      const s = r * serversPerRack + k;
      const rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", String(GAP + r * (CELL + GAP)));
      rect.setAttribute("y", String(labelH + GAP + k * (CELL + GAP)));
      rect.setAttribute("width", String(CELL));
      rect.setAttribute("height", String(CELL));
      rect.setAttribute("rx", "2");
      rect.dataset.server = String(s);
      rect.setAttribute("fill", colour(0, 0));
      rect.classList.toggle("picked", picked.has(s));
      const title = document.createElementNS(SVG, "title");
      rect.append(title);
      rect.addEventListener("click", () => {
        if (picked.has(s)) picked.delete(s);
        else picked.add(s);
        rect.classList.toggle("picked", picked.has(s));
        $("picked").textContent = picked.size ? `${picked.size} server(s) picked to fail: ${[...picked].sort((a, b) => a - b).join(", ")}` : "no servers picked";
      });
      svg.append(rect);
      cells.push(rect);
    }
  }
}

function draw(f: Frame): void {
  for (let s = 0; s < cells.length; s++) {
    const rect = cells[s];
    rect.setAttribute("fill", colour(f.states[s], f.utilisation[s]));
    rect.firstElementChild!.textContent = `server ${s} (rack ${Math.floor(s / shape.serversPerRack)}): ${STATE_NAMES[f.states[s]]}, ${Math.round(100 * f.utilisation[s])}% used`;
  }
  const summary = $("summary");
  summary.textContent = `${f.serversInService} servers in service of ${f.servers} · ${f.guestVmsReady} guest VMs ready of ${f.guestVms} · ${f.phase} at ${f.minutes} virtual min` +
    (f.failedServers ? ` · ${f.failedServers} servers failed, ${f.healed} guest VMs healed, ${f.notHealed} not healed` : "") +
    (f.deploymentsRejected ? ` · ${f.deploymentsRejected} services rejected (no capacity)` : "");
  summary.dataset.phase = f.phase;
  summary.dataset.serversInService = String(f.serversInService);
  summary.dataset.guestVmsReady = String(f.guestVmsReady);
}

function start(): void {
  const o = options();
  $("error").textContent = "";
  picked = new Set([...picked].filter((s) => s < o.racks * o.serversPerRack));
  o.failServers = [...picked];
  layout(o.racks, o.serversPerRack);
  $("summary").dataset.phase = "starting";
  run++;
  const pauseMs = Number(new URLSearchParams(location.search).get("pause") ?? 120);
  worker.postMessage({ type: "story", run, options: o, pauseMs } satisfies ToWorker);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === "placements") {
    waiting.get(m.seed)?.(m.hosts);
    waiting.delete(m.seed);
  } else if (m.type === "error") {
    $("error").textContent = `error: ${m.message}`;
    $("summary").dataset.phase = "error";
  } else if (m.run === run) {
    // Draw at most once per animation frame, the newest state.
    if (!pending) requestAnimationFrame(() => { if (pending) draw(pending); pending = undefined; });
    pending = m.frame;
    if (m.type === "done") {
      draw(m.frame);
      pending = undefined;
    }
  }
};
worker.onerror = (e) => {
  $("error").textContent = `worker error: ${e.message}`;
};

/** For tests and the curious: the placements the engine makes in this browser for a seed. */
(window as unknown as { vmfabricPlacements(seed: number): Promise<number[]> }).vmfabricPlacements = (seed: number) =>
  new Promise((resolve) => {
    waiting.set(seed, resolve);
    worker.postMessage({ type: "placements", seed } satisfies ToWorker);
  });

for (const [id, v] of [["racks", DEFAULT_STORY.racks], ["servers", DEFAULT_STORY.serversPerRack], ["services", DEFAULT_STORY.services], ["instances", DEFAULT_STORY.instances], ["fail-rack", DEFAULT_STORY.failRack], ["seed", DEFAULT_STORY.seed]] as const) {
  ($(id) as HTMLInputElement).value = String(v);
}
$("controls").addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
$("clear").addEventListener("click", () => {
  picked.clear();
  for (const c of cells) c.classList.remove("picked");
  $("picked").textContent = "no servers picked";
});
start();
setUpReplayPanel();
