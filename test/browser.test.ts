// The data-center page in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against `vmfabric serve`'s server. Skipped, saying so, when no Chromium is installed
// (`apt-get install chromium`; .ci/run installs it) or the page is not built.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type PageServer } from "../src/commands/serve.js";
import { placementsForSeed } from "../web/src/placements.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PAGE = new URL("../dist/web/index.html", import.meta.url).pathname;
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
});
