// The data-center page in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against `vmfabric serve`'s server. Skipped, saying so, when no Chromium is installed
// (`apt-get install chromium`; .ci/run installs it) or the page is not built.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run as replayCommand } from "../src/commands/replay.js";
import { startServer, type PageServer } from "../src/commands/serve.js";
import { hostsChart } from "../src/replay/report.js";
import type { ReplaySummary } from "../src/replay/summary.js";
import { placementsForSeed } from "../web/src/placements.js";
import { replayPicked } from "../web/src/replay-job.js";
import { DEFAULT_RUNS } from "../web/src/replay-options.js";
import { captureRun } from "./support/cli.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PAGE = new URL("../dist/web/index.html", import.meta.url).pathname;
const fixture = (name: string) => new URL(`fixtures/replay/${name}`, import.meta.url).pathname;
const why = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)` : !existsSync(PAGE) ? "the page is not built (npm run build)" : "";
if (why) console.warn(`browser tests SKIPPED: ${why}`);

// Flags for a sandbox-less container with no network: no first-run UI, no background fetches.
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

type Context = Awaited<ReturnType<typeof import("playwright-core")["chromium"]["launchPersistentContext"]>>;

describe.skipIf(why !== "")(`the page in headless Chromium${why ? ` (SKIPPED: ${why})` : ""}`, () => {
  let server: PageServer;
  let context: Context;
  let profile: string;

  beforeAll(async () => {
    const { chromium } = await import("playwright-core");
    server = await startServer(0);
    profile = mkdtempSync(join(tmpdir(), "vmf-chromium-"));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the page, collecting console errors, page errors and requests to other origins. */
  async function open(query = "") {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console.${m.type()}: ${m.text()}`); });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => { if (!r.url().startsWith(server.url) && !r.url().startsWith("data:")) problems.push(`request elsewhere: ${r.url()}`); });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
    await page.goto(server.url + query);
    return { page, problems };
  }

  it("runs the FC story to the end with no console errors and no request beyond its own server", async () => {
    const { page, problems } = await open("?pause=0");
    await page.waitForSelector('#summary[data-phase="done"]', { timeout: 60_000 });
    const summary = (await page.textContent("#summary"))!;
    expect(summary).toMatch(/^\d+ servers in service of 60 · \d+ guest VMs ready of \d+ · done/);
    const inService = Number(await page.getAttribute("#summary", "data-servers-in-service"));
    const ready = Number(await page.getAttribute("#summary", "data-guest-vms-ready"));
    expect(summary).toContain(`${inService} servers in service`);
    expect(summary).toContain(`${ready} guest VMs ready`);
    // Rack 2 (10 servers) failed: the other 50 are in service and every guest VM was healed.
    expect(inService).toBe(50);
    expect(summary).toMatch(/10 servers failed, [1-9]\d* guest VMs healed, 0 not healed/);
    expect(ready).toBe(Number(summary.match(/guest VMs ready of (\d+)/)![1]));
    expect(await page.locator("#dc rect").count()).toBe(60);
    const fills = await page.locator("#dc rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("fill")));
    expect(fills.filter((f) => f === "#c93c3c" || f === "#e8a33d").length).toBe(10); // the failed rack
    expect(new Set(fills.filter((f) => f!.startsWith("hsl(140")))).not.toEqual(new Set(["hsl(140, 55%, 88%)"])); // some servers are loaded
    expect(await page.textContent("#error")).toBe("");
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("changing the data center, picking servers to fail and running again redraws and fails them", async () => {
    const { page, problems } = await open("?pause=0");
    await page.waitForSelector('#summary[data-phase="done"]', { timeout: 60_000 });
    await page.fill("#racks", "3");
    await page.fill("#servers", "4");
    await page.fill("#services", "5");
    await page.fill("#fail-rack", "-1");
    await page.click('#dc rect[data-server="1"]'); // picked in the old layout: servers 1 and 5 exist in 3 x 4 too
    await page.click('#dc rect[data-server="5"]');
    expect(await page.textContent("#picked")).toBe("2 server(s) picked to fail: 1, 5");
    await page.click("#run");
    await page.waitForSelector('#summary[data-phase="done"]', { timeout: 60_000 });
    expect(await page.locator("#dc rect").count()).toBe(12);
    const summary = (await page.textContent("#summary"))!;
    expect(summary).toMatch(/^10 servers in service of 12 · \d+ guest VMs ready of \d+ · done .* · 2 servers failed/);
    const failed = await page.locator("#dc rect").evaluateAll((rs) => rs.filter((r) => r.getAttribute("fill") === "#c93c3c").map((r) => r.getAttribute("data-server")));
    expect(failed).toEqual(["1", "5"]);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("the engine in the browser makes exactly the Node engine's placements for the same seed", async () => {
    const { page, problems } = await open("?pause=0");
    for (const seed of [1, 2026]) {
      const inBrowser = await page.evaluate((s) => (window as unknown as { vmfabricPlacements(s: number): Promise<number[]> }).vmfabricPlacements(s), seed);
      const inNode = placementsForSeed(seed);
      expect(inBrowser.length).toBe(inNode.length);
      expect(inBrowser).toEqual(inNode);
    }
    expect(placementsForSeed(1)).not.toEqual(placementsForSeed(2026)); // the seed matters
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  /** The summary table's rows as the page shows them, keyed by policy. */
  async function tableRows(page: Awaited<ReturnType<typeof open>>["page"]): Promise<Map<string, string[]>> {
    const rows = await page.locator("#replay-summary tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent ?? "")));
    return new Map(rows.map((r) => [r[0], r]));
  }

  /** `d` of every path in a chart (SVG text from Node, or the page's DOM). */
  const pathsOf = (svg: string) => [...svg.matchAll(/<path[^>]* d="([^"]+)"/g)].map((m) => m[1]);

  it("replays a picked trace in a worker and shows the report's charts and table with exactly Node's numbers", async () => {
    const trace = fixture("page-small.csv");
    const { page, problems } = await open("?pause=0");
    expect(await page.textContent("#replay-status")).toBe("no trace replayed yet");
    const checked = await page.locator("#replay-runs input:checked").evaluateAll((bs) => bs.map((b) => (b as HTMLInputElement).value));
    expect([...checked].sort()).toEqual([...DEFAULT_RUNS].sort());
    await page.setInputFiles("#replay-file", trace);
    await page.click("#replay-run");
    await page.waitForSelector('#replay-status[data-state="done"]', { timeout: 60_000 });
    expect(await page.textContent("#replay-error")).toBe("");

    // Node: the CLI on the same file with the same runs (its defaults otherwise).
    const cli = await captureRun(replayCommand, [trace, "--policy", "best-fit,first-fit", "--baseline", "kube", "--json", "--quiet"]);
    vi.restoreAllMocks();
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.out) as ReplaySummary;
    const rows = await tableRows(page);
    expect([...rows.keys()].sort()).toEqual(["best-fit", "first-fit", "kube"]);
    for (const r of json.runs) {
      const reasons = Object.entries(r.rejectedByReason).map(([k, v]) => `${k} ${v}`).join(", ");
      expect(rows.get(r.policy)!.slice(0, 10)).toEqual([
        r.policy, String(r.placed), r.rejected > 0 ? `${r.rejected} (${reasons})` : "0", String(r.peakHostsInUse),
        String(r.avgHostsInUse), String(r.avgLowerBound), r.hostsOverLowerBound.toFixed(4),
        r.utilizationOfUsedHosts.cpu.toFixed(3), r.utilizationOfUsedHosts.memory.toFixed(3), String(r.avgEmptyHosts),
      ]);
    }
    // The trace's VM too large for any host is rejected by every run; best-fit and first-fit differ.
    expect(json.runs.every((r) => r.rejectedByReason.NO_HOST_TYPE === 1)).toBe(true);
    expect(rows.get("best-fit")![4]).not.toBe(rows.get("first-fit")![4]);
    const about = (await page.textContent("#replay-out ul"))!;
    expect(about).toContain(`trace: page-small.csv (generic), ${json.vms} VMs, ${json.events} events`);
    expect(about).toContain(`fleet: ${json.hosts} hosts of Dsv3-Type3`);

    // The charts: real SVG in the page, the very paths Node's report draws for the same replay.
    const node = await replayPicked(trace, { format: "auto", runs: checked as typeof DEFAULT_RUNS[number][], hosts: 0, seed: 1 }, () => undefined);
    const inPage = await page.locator("#replay-hosts svg").evaluateAll((svgs) => svgs.map((s) => s.outerHTML).join(""));
    const hostPaths = pathsOf(inPage);
    expect(hostPaths.length).toBeGreaterThanOrEqual(2 * 3); // hosts in use and the bound, per run
    expect(hostPaths).toEqual(pathsOf(hostsChart(node.result)));
    for (const run of ["best-fit", "first-fit", "kube"]) expect(await page.locator("#replay-hosts svg text", { hasText: run }).count()).toBeGreaterThan(0);
    for (const dim of ["cpu", "memory"]) {
      expect(await page.locator(`#replay-util-${dim} svg`).count()).toBeGreaterThan(0);
      expect(await page.locator(`#replay-util-${dim} svg path`).count()).toBeGreaterThanOrEqual(3);
    }
    expect(await page.locator("#replay-rejections svg circle").count()).toBe(3); // one bucket with a rejection, per run
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it("replay panel: other runs and a host count, an azure2017 trace, progress while the page stays responsive, and alibaba refused on the page", async () => {
    const { page, problems } = await open("?pause=0");
    // Two hosts, best-fit and nomad only: capacity rejections, same numbers as the CLI.
    for (const name of ["first-fit", "kube"]) await page.uncheck(`#replay-runs input[value="${name}"]`);
    await page.check('#replay-runs input[value="nomad"]');
    await page.fill("#replay-hosts", "2");
    const trace = fixture("page-small.csv");
    await page.setInputFiles("#replay-file", trace);
    await page.click("#replay-run");
    await page.waitForSelector('#replay-status[data-state="done"]', { timeout: 60_000 });
    const cli = await captureRun(replayCommand, [trace, "--policy", "best-fit", "--baseline", "nomad", "--hosts", "2", "--json", "--quiet"]);
    vi.restoreAllMocks();
    const json = JSON.parse(cli.out) as ReplaySummary;
    const rows = await tableRows(page);
    expect([...rows.keys()]).toEqual(["best-fit", "nomad"]);
    for (const r of json.runs) {
      expect(r.rejected).toBeGreaterThan(1);
      const row = rows.get(r.policy)!;
      expect([row[1], row[3], row[4], row[6]]).toEqual([String(r.placed), String(r.peakHostsInUse), String(r.avgHostsInUse), r.hostsOverLowerBound.toFixed(4)]);
      expect(row[2]).toMatch(new RegExp(`^${r.rejected} \\(`));
    }

    // azure2017, detected from the header.
    await page.setInputFiles("#replay-file", fixture("azure-tiny.csv"));
    await page.click("#replay-run");
    await page.waitForSelector('#replay-status[data-state="done"]', { timeout: 60_000 });
    expect(await page.textContent("#replay-out ul")).toContain("trace: azure-tiny.csv (azure2017), 5 VMs");

    // A larger trace (made here, 60,000 VMs): the bar moves and the page's own timers keep firing.
    const lines = ["arrival,duration,demand_cpu,demand_memory"];
    for (let i = 0; i < 60_000; i++) lines.push(`${i},${100 + ((i * 7919) % 5000)},${1000 * (1 + (i % 8))},${2048 * (1 + (i % 5))}`);
    await page.evaluate(() => {
      const seen = ((window as unknown as { seen: string[] }).seen = []);
      const ticks = ((window as unknown as { ticks: number[] }).ticks = [0]);
      new MutationObserver(() => seen.push(document.getElementById("replay-status")!.textContent ?? "")).observe(document.getElementById("replay-status")!, { childList: true, characterData: true, subtree: true });
      setInterval(() => { if (document.getElementById("replay-status")!.dataset.state === "running") ticks[0]++; }, 5);
    });
    await page.uncheck('#replay-runs input[value="nomad"]');
    await page.fill("#replay-hosts", "");
    await page.setInputFiles("#replay-file", { name: "big.csv", mimeType: "text/csv", buffer: Buffer.from(lines.join("\n")) });
    await page.click("#replay-run");
    await page.waitForSelector('#replay-status[data-state="done"]', { timeout: 120_000 });
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const moving = seen.map((t) => t.match(/^replaying: ([\d,]+) of ([\d,]+) events$/)).filter((m) => m !== null).map((m) => [Number(m![1].replace(/,/g, "")), Number(m![2].replace(/,/g, ""))]);
    expect(moving.some(([done, total]) => done > 0 && done < total)).toBe(true);
    expect(seen.some((t) => t.startsWith("first pass over big.csv"))).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { ticks: number[] }).ticks[0])).toBeGreaterThan(0);
    expect((await tableRows(page)).get("best-fit")![1]).toBe("60000");

    // alibaba: refused with the reason, nothing drawn over the last result's heading.
    await page.setInputFiles("#replay-file", fixture("pods-tiny.csv"));
    await page.click("#replay-run");
    await page.waitForSelector('#replay-status[data-state="error"]', { timeout: 60_000 });
    expect(await page.textContent("#replay-error")).toMatch(/^error: alibaba pod lists need their node list.*vmfabric replay PODS\.csv --nodes NODES\.csv/);
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
