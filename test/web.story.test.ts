// The page's story and server without a browser: the story reaches its end with the numbers the
// page prints, bad options are refused, and the server serves only its folder on 127.0.0.1.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run as serve, startServer } from "../src/commands/serve.js";
import { ServerState } from "../src/index.js";
import { checkStory, DEFAULT_STORY, runStory, type Frame } from "../web/src/story.js";

describe("the page's FC story", () => {
  it("boots every server, deploys, fails the rack and heals every guest VM, frame by frame", async () => {
    const frames: Frame[] = [];
    const last = await runStory(DEFAULT_STORY, (f) => frames.push(f));
    const servers = DEFAULT_STORY.racks * DEFAULT_STORY.serversPerRack;
    expect(frames[0].phase).toBe("boot");
    expect(frames[0].states.every((s) => s === ServerState.PoweredOff)).toBe(true);
    expect([...new Set(frames.map((f) => f.phase))]).toEqual(["boot", "deploy", "fail", "heal", "done"]);
    for (let k = 1; k < frames.length; k++) expect(frames[k].minutes).toBeGreaterThanOrEqual(frames[k - 1].minutes);
    const deployed = frames.filter((f) => f.phase === "deploy").at(-1)!;
    expect(deployed.serversInService).toBe(servers);
    expect(deployed.guestVmsReady).toBe(DEFAULT_STORY.services * DEFAULT_STORY.instances);
    expect(last).toMatchObject({ phase: "done", servers, serversInService: servers - DEFAULT_STORY.serversPerRack, failedServers: DEFAULT_STORY.serversPerRack, notHealed: 0 });
    expect(last.guestVmsReady).toBe(last.guestVms);
    expect(last.healed).toBeGreaterThan(0);
    const rack = DEFAULT_STORY.failRack * DEFAULT_STORY.serversPerRack;
    for (let s = 0; s < servers; s++) {
      const inRack = s >= rack && s < rack + DEFAULT_STORY.serversPerRack;
      expect(last.states[s], `server ${s}`).toBe(inRack ? ServerState.OutForRepair : ServerState.InService);
      if (inRack) expect(last.utilisation[s]).toBe(0);
    }
    expect(Math.max(...last.utilisation)).toBeLessThanOrEqual(1);
  });

  it("is deterministic for a seed and fails the servers picked", async () => {
    const o = { ...DEFAULT_STORY, racks: 2, serversPerRack: 3, services: 3, instances: 2, failRack: -1, failServers: [4, 4, 1] };
    const a = await runStory(o, () => {});
    const b = await runStory(o, () => {});
    expect(a).toEqual(b);
    expect(a.failedServers).toBe(2);
    expect([...a.states].map((s, i) => (s === ServerState.OutForRepair ? i : -1)).filter((i) => i >= 0)).toEqual([1, 4]);
  });

  it("refuses options out of range, naming them", () => {
    expect(() => checkStory({ ...DEFAULT_STORY, racks: 0 })).toThrow(/racks must be an integer in \[1, 64\], got 0/);
    expect(() => checkStory({ ...DEFAULT_STORY, failRack: 6 })).toThrow(/failRack/);
    expect(() => checkStory({ ...DEFAULT_STORY, failServers: [60] })).toThrow(/failServers/);
    expect(() => checkStory({ ...DEFAULT_STORY, instances: 1.5 })).toThrow(/instances/);
  });
});

describe("vmfabric serve", () => {
  const root = mkdtempSync(join(tmpdir(), "vmf-web-"));
  writeFileSync(join(root, "index.html"), "<p>hi</p>");
  writeFileSync(join(root, "a.wasm"), "\0asm");
  writeFileSync(join(tmpdir(), "vmf-secret.txt"), "secret");

  it("serves its folder on 127.0.0.1 with types and a same-origin CSP; nothing outside it", async () => {
    const s = await startServer(0, root);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(s.url);
      expect(index.status).toBe(200);
      expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(index.headers.get("content-security-policy")).toMatch(/^default-src 'self'/);
      expect(await index.text()).toBe("<p>hi</p>");
      expect((await fetch(s.url + "a.wasm")).headers.get("content-type")).toBe("application/wasm");
      expect((await fetch(s.url + "missing.js")).status).toBe(404);
      expect((await fetch(s.url + "..%2fvmf-secret.txt")).status).toBe(404);
      expect((await fetch(s.url + "%2e%2e/vmf-secret.txt")).status).toBe(404);
      expect((await fetch(s.url, { method: "POST" })).status).toBe(405);
    } finally {
      await s.close();
    }
  });

  it("a port in use is a one-line error naming --port", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startServer(port, root)).rejects.toMatchObject({ field: "--port", message: `--port ${port}: the port is in use; pick another, or --port 0 for any free one` });
    } finally {
      blocker.close();
    }
    await expect(serve(["--port", "70000"])).rejects.toMatchObject({ field: "--port" });
  });

  const CLI = new URL("../dist/src/cli.js", import.meta.url).pathname;
  it.skipIf(!existsSync(CLI) || !existsSync(new URL("../dist/web/index.html", import.meta.url).pathname))("the built command prints its address, serves the page, and stops on Ctrl-C with status 0 (skipped: not built)", async () => {
    const p = spawn(process.execPath, [CLI, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    const url = await new Promise<string>((resolve, reject) => {
      p.stdout.on("data", (d: Buffer) => {
        const m = d.toString().match(/^vmfabric serve: (http:\/\/127\.0\.0\.1:\d+\/) \(Ctrl-C to stop\)/);
        if (m) resolve(m[1]);
      });
      p.once("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const page = await (await fetch(url)).text();
    expect(page).toContain('<script type="module" src="page.js"></script>');
    expect((await fetch(url + "worker.js")).status).toBe(200);
    expect((await fetch(url + "vmfabric.wasm")).headers.get("content-type")).toBe("application/wasm");
    const exit = new Promise<number | null>((resolve) => p.once("exit", resolve));
    p.kill("SIGINT");
    expect(await exit).toBe(0);
  });
});
