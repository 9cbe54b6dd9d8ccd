// The page's replay job (web/src/replay-job.ts, what the replay worker runs) in Node: for a
// picked file (a Blob) it gives the numbers `vmfabric replay` gives for the same file and runs,
// and it refuses what the page cannot do with the reason.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run as replayCommand } from "../src/commands/replay.js";
import { summary, type ReplaySummary } from "../src/replay/summary.js";
import { replayPicked } from "../web/src/replay-job.js";
import type { PageReplayOptions } from "../web/src/replay-options.js";
import { captureRun } from "./support/cli.js";

const fixture = (name: string) => new URL(`fixtures/replay/${name}`, import.meta.url).pathname;
const picked = (name: string) => new File([readFileSync(fixture(name))], name);
/** Everything but the timings. */
const stable = (s: ReplaySummary) => ({ ...s, trace: undefined, runs: s.runs.map((r) => ({ ...r, seconds: undefined, opsPerSecond: undefined })) });

afterEach(() => { vi.restoreAllMocks(); });

describe("the page's replay job", () => {
  const cases: Array<[string, PageReplayOptions, string[]]> = [
    ["page-small.csv", { format: "auto", runs: ["best-fit", "first-fit", "kube"], hosts: 0, seed: 1 }, ["--policy", "best-fit,first-fit", "--baseline", "kube"]],
    ["page-small.csv", { format: "generic", runs: ["spread", "nomad"], hosts: 2, seed: 3 }, ["--policy", "spread", "--baseline", "nomad", "--hosts", "2", "--seed", "3"]],
    ["tiny.jsonl", { format: "auto", runs: ["best-fit"], hosts: 0, seed: 1 }, ["--policy", "best-fit", "--baseline", "none"]],
    ["azure-tiny.csv", { format: "auto", runs: ["l2", "kube"], hosts: 0, seed: 9 }, ["--policy", "l2", "--baseline", "kube", "--seed", "9"]],
  ];
  for (const [name, options, flags] of cases) {
    it(`${name} ${options.runs.join(",")}: the CLI's summary`, async () => {
      const page = await replayPicked(picked(name), options, () => undefined);
      const cli = await captureRun(replayCommand, [fixture(name), ...flags, "--json", "--quiet"]);
      expect(cli.code).toBe(0);
      expect(stable(summary(page.result))).toEqual(stable(JSON.parse(cli.out)));
      expect(page.result.trace).toBe(name);
      expect(page.result.runs.every((r) => (r.series ?? []).length > 0)).toBe(true); // the charts' data
    });
  }

  it("reports the first pass, then replay progress up to every event", async () => {
    const seen: string[] = [];
    const r = await replayPicked(picked("page-small.csv"), { format: "auto", runs: ["best-fit"], hosts: 0, seed: 1 }, (phase, done, total) => seen.push(`${phase} ${done}/${total}`));
    expect(seen[0]).toBe("survey 0/0");
    expect(seen.at(-1)).toBe(`replay ${r.result.events}/${r.result.events}`);
  });

  it("refuses an alibaba pod list (it needs the node list, read by path) and bad choices", async () => {
    await expect(replayPicked(picked("pods-tiny.csv"), { format: "auto", runs: ["best-fit"], hosts: 0, seed: 1 }, () => undefined)).rejects.toThrow(/alibaba pod lists need their node list/);
    await expect(replayPicked(picked("tiny.csv"), { format: "auto", runs: [], hosts: 0, seed: 1 }, () => undefined)).rejects.toThrow(/at least one policy or baseline/);
    await expect(replayPicked(picked("tiny.csv"), { format: "auto", runs: ["best-fit"], hosts: 1.5, seed: 1 }, () => undefined)).rejects.toMatchObject({ field: "hosts" });
  });
});
