// bench/latency.ts, the dependent-load timer README's churn figures cite: one row per working
// set it was asked for, and a bad flag is one line naming it, exit 2, no stack trace.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../dist/bench/latency.js", import.meta.url));
const latency = (...args: string[]) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });

describe("bench/latency", () => {
  it("prints a time per dependent load for each working set asked for", () => {
    const r = latency("--sizes", "1,2", "--steps", "20000");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const rows = r.stdout.trim().split("\n").slice(1);
    expect(rows.map((row) => row.split(" | ")[0])).toEqual(["1 MiB", "2 MiB"]);
    for (const row of rows) expect(Number(row.split(" | ")[1])).toBeGreaterThan(0);
  });

  it.each([
    [["--sizes", "1,x"], /--sizes: "x" is not a whole number of MiB/],
    [["--steps", "0"], /--steps: "0" is not a whole number >= 1/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("%j: exit 2, the flag named, no stack trace", (args, message) => {
    const r = latency(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
