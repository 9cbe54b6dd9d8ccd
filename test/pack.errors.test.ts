// `vmfabric pack` over a folder: a file that cannot be read (a named pipe) or that hits an
// internal error fails alone; the other files still get their result, and the exit status is 2.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../src/commands/pack.js";
import { captureRun } from "./support/cli.js";

// An internal error (not a VmfabricError) for the one instance with exactly 3 VMs.
vi.mock("../src/offline/best.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/offline/best.js")>();
  return {
    ...real,
    packOffline: (inst: { vmCount: number }, opts: object) => {
      if (inst.vmCount === 3) throw new TypeError("simulated bug");
      return real.packOffline(inst as Parameters<typeof real.packOffline>[0], opts);
    },
  };
});

afterEach(() => vi.restoreAllMocks());

describe("pack over a folder: one bad file does not stop the others", () => {
  it("a named pipe is refused as not a regular file, at once; an internal error is reported as one line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vmf-pack-"));
    writeFileSync(join(dir, "a.vbp"), "1\n10\n1\n4 2\n");
    execFileSync("mkfifo", [join(dir, "b.json")]);
    writeFileSync(join(dir, "c.json"), `{"hosts": [{"capacity": [3]}], "vms": [{"demand": [1], "count": 3}]}`);
    writeFileSync(join(dir, "d.json"), `{"hosts": [{"capacity": [3]}], "vms": [{"demand": [1]}]}`);
    const { code, out, err } = await captureRun(run, [dir]);
    expect(code).toBe(2);
    expect(out.split("\n").map((l) => l.split(":")[0])).toEqual([join(dir, "a.vbp"), join(dir, "d.json")]);
    expect(err.split("\n")).toEqual([
      `vmfabric: ${join(dir, "b.json")}: not a regular file`,
      `vmfabric: ${join(dir, "c.json")}: internal error: simulated bug`,
    ]);
  });

  it("one named pipe given alone is refused (exit 2 through the CLI)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vmf-pack-"));
    execFileSync("mkfifo", [join(dir, "p.vbp")]);
    await expect(run([join(dir, "p.vbp")])).rejects.toMatchObject({ field: "FILE", message: `${join(dir, "p.vbp")}: not a regular file` });
  });
});
