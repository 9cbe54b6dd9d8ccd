// The fuzz runner (`npm run fuzz`, test/fuzz/run.ts) as a fuzzer uses it: a short run over every
// fleet kind passes and says which kinds it drew; bad flags are one line and a usage, no stack.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const RUNNER = fileURLToPath(new URL("../dist/test/fuzz/run.js", import.meta.url));
const fuzz = (...args: string[]) => spawnSync(process.execPath, [RUNNER, ...args], { encoding: "utf8" });

describe("npm run fuzz", () => {
  it("a short run draws every fleet kind in turn and matches the reference", () => {
    const r = fuzz("--ops", "4000", "--seed", "7", "--chunk-ops", "300");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    for (const kind of ["plain", "labels", "devices", "devices+labels"]) expect(r.stdout).toMatch(new RegExp(`[:;] ${kind.replace("+", "\\+")} \\d+ chunks, [1-9]\\d* ops`));
    expect(r.stdout).toMatch(/ok: \d+ operations matched the reference model/);
    expect(r.stdout).toMatch(/NO_MATCHING_HOST/);
  });

  it.each([
    [["--ops", "1.5"], /--ops: "1.5" is not a whole number >= 1/],
    [["--fleets", "plain,gpu"], /--fleets: "gpu" is not one of plain, labels, devices, devices\+labels/],
    [["--bogus"], /Unknown option '--bogus'/],
  ])("%j: exit 2, the flag named, no stack trace", (args, message) => {
    const r = fuzz(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^usage: npm run fuzz/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
