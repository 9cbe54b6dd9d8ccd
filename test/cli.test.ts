// The command line's contract: strict flags with messages naming the flag, generated --help,
// --version, one-line errors (never a stack trace) and output files that fail with a reason.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Command } from "../src/cli/command.js";
import { parseFlags } from "../src/cli/flags.js";
import { requireHeap, requireMemory } from "../src/cli/limits.js";
import { main, report, version } from "../src/cli/main.js";
import { writeOutputFile } from "../src/cli/output.js";
import { VmfabricError } from "../src/errors.js";
import { captureRun } from "./support/cli.js";
import { vmfabricErrorOf } from "./support/errors.js";

const ROOT = new URL("../", import.meta.url).pathname;
const CLI = join(ROOT, "dist/src/cli.js");
const FIX = join(ROOT, "test/fixtures/pack");

afterEach(() => vi.restoreAllMocks());

const TABLE = {
  hosts: { type: "int", min: 1, max: 100, default: 10, help: "hosts" },
  big: { type: "int", min: 1, max: 5, help: "limited", maxReason: "a test allows" },
  rate: { type: "float", min: 0, max: 100, default: 1, help: "percent" },
  policy: { type: "enum", values: ["a", "b"], default: "a", help: "policy" },
  out: { type: "string", help: "file" },
  json: { type: "boolean", help: "json" },
} as const;
const parse = (argv: string[], positionals?: { name: string; help: string; min: number; max: number }) => parseFlags("t", TABLE, positionals, argv);
const err = vmfabricErrorOf;

describe("flags (node:util parseArgs, strict)", () => {
  it("typed values and defaults; --flag=value and --flag value are the same", () => {
    expect(parse([]).flags).toEqual({ hosts: 10, big: undefined, rate: 1, policy: "a", out: undefined, json: false });
    expect(parse(["--hosts=7", "--rate", "2.5", "--policy=b", "--out", "x.json", "--json"]).flags)
      .toEqual({ hosts: 7, big: undefined, rate: 2.5, policy: "b", out: "x.json", json: true });
    expect(parse(["--hosts", "7"]).flags).toEqual(parse(["--hosts=7"]).flags);
    expect([...parse(["--hosts=7"]).given]).toEqual(["hosts"]);
    expect(parse(["--hosts=1_0"]).flags.hosts).toBe(10);
  });

  it("names an unknown option as unknown, with the command's options", () => {
    const e = err(() => parse(["--bogus", "1"]));
    expect(e).toMatchObject({ code: "INVALID_INPUT", field: "--bogus" });
    expect(e.message).toBe("unknown option --bogus for vmfabric t (its options: --help, --hosts, --big, --rate, --policy, --out, --json)");
    expect(err(() => parse(["-x"])).message).toMatch(/^unknown option -x /);
  });

  it("refuses a value on a switch instead of ignoring it", () => {
    for (const v of ["true", "yes", "false"]) {
      expect(err(() => parse([`--json=${v}`])).message).toBe(`--json is a switch and takes no value: write --json, not --json=${v}`);
    }
  });

  it("a missing value, an option-like value, a repeated flag", () => {
    expect(err(() => parse(["--hosts"])).message).toBe("--hosts needs a value (N)");
    expect(err(() => parse(["--hosts", "--json"])).message).toMatch(/^--hosts needs a value, got the option-like "--json"/);
    expect(err(() => parse(["--hosts", "1", "--hosts=2"])).message).toBe("--hosts is given twice; give it once");
  });

  it("ranges and types, naming the flag and the value", () => {
    expect(err(() => parse(["--hosts", "0"]))).toMatchObject({ field: "--hosts", value: "0", message: '--hosts must be an integer in [1, 100], got "0"' });
    expect(err(() => parse(["--hosts", "1.5"])).field).toBe("--hosts");
    expect(err(() => parse(["--hosts", "1e2"])).field).toBe("--hosts");
    expect(err(() => parse(["--rate", "100.5"])).message).toBe('--rate must be a number in [0, 100], got "100.5"');
    expect(err(() => parse(["--rate", "nan"])).field).toBe("--rate");
    expect(err(() => parse(["--policy", "c"])).message).toBe('--policy must be one of a, b, got "c"');
    expect(err(() => parse(["--big", "6"]))).toMatchObject({ code: "LIMIT", message: "--big 6 is more than 5, the most a test allows (LIMIT)" });
  });

  it("stray arguments are refused; positional counts are checked", () => {
    expect(err(() => parse(["stray"]))).toMatchObject({ field: "argument", message: 'unexpected argument "stray": vmfabric t takes no arguments' });
    const files = { name: "FILE", help: "a file", min: 1, max: 2 };
    expect(parse(["a", "--json", "b"], files).positionals).toEqual(["a", "b"]);
    expect(err(() => parse([], files)).message).toBe("t needs FILE: a file; see vmfabric t --help");
    expect(err(() => parse(["a", "b", "c"], files)).message).toBe('unexpected argument "c": t takes at most 2 FILE');
  });
});

const COMMAND_MODULES: Record<string, () => Promise<{ command: Command }>> = {
  bench: () => import("../src/commands/bench.js"),
  pack: () => import("../src/commands/pack.js"),
  quota: () => import("../src/commands/quota.js"),
  simulate: () => import("../src/commands/simulate.js"),
  serve: () => import("../src/commands/serve.js"),
};

describe("vmfabric commands", () => {
  const names = Object.keys(COMMAND_MODULES);

  it("--help of every command lists every flag with its default, and an example", async () => {
    for (const name of names) {
      const { code, out } = await captureRun(main, [name, "--help"]);
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^vmfabric ${name}: `));
      expect(out).toContain(`usage: vmfabric ${name}`);
      expect(out).toMatch(new RegExp(`\\n  vmfabric ${name}( |$)`, "m"));
      const { command } = await COMMAND_MODULES[name]();
      // The block of each flag: its line and the indented continuation lines.
      const blocks = out.split(/\n(?= {2}-)/).filter((b: string) => /^ {2}--/.test(b)).map((b: string) => b.split("\n\n")[0]);
      for (const [flag, spec] of Object.entries(command.flags) as Array<[string, { type: string; unit?: string }]>) {
        const block = blocks.find((b: string) => b.startsWith(`  --${flag} `) || b.trimEnd() === `  --${flag}` || b.startsWith(`  --${flag}\n`));
        expect(block, `${name} --${flag}`).toBeDefined();
        if (spec.type !== "boolean") expect(block, `${name} --${flag}`).toMatch(/default/);
        if (spec.unit) expect(block!.replace(/\s+/g, " "), `${name} --${flag}`).toContain(spec.unit);
      }
      expect(blocks.length).toBe(Object.keys(command.flags).length);
    }
  });

  it("-h is --help; `vmfabric --help` lists every command; no command is a usage error", async () => {
    expect((await captureRun(main, ["quota", "-h"])).out).toBe((await captureRun(main, ["quota", "--help"])).out);
    const top = await captureRun(main, ["--help"]);
    expect(top.code).toBe(0);
    for (const n of names) expect(top.out).toMatch(new RegExp(`^  ${n} +\\S`, "m"));
    const none = await captureRun(main, []);
    expect(none.code).toBe(2);
    expect(none.err).toContain("usage: vmfabric <command>");
  });

  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(version()).toBe(pkg.version);
    expect((await captureRun(main, ["--version"])).out).toBe(pkg.version);
  });

  it("an unknown command is a usage error naming it", async () => {
    await expect(main(["nope"])).rejects.toMatchObject({ field: "command", message: expect.stringContaining('unknown command "nope"') });
  });

  it("report: one line for a user's mistake (exit 2), one line plus a hint for a bug (exit 1), no stack", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a) => void lines.push(a.join(" ")));
    expect(report(new VmfabricError("INVALID_INPUT", "--x must be 1", "--x", 2))).toBe(2);
    expect(lines).toEqual(["vmfabric: --x must be 1"]);
    lines.length = 0;
    const debug = process.env.VMFABRIC_DEBUG;
    delete process.env.VMFABRIC_DEBUG;
    expect(report(new TypeError("x is undefined"))).toBe(1);
    process.env.VMFABRIC_DEBUG = debug;
    expect(lines[0]).toBe("vmfabric: internal error: x is undefined");
    expect(lines.join("\n")).not.toMatch(/\n\s+at /);
    lines.length = 0;
    expect(report(new RangeError("Array buffer allocation failed"))).toBe(1);
    expect(lines[0]).toMatch(/^vmfabric: out of memory/);
  });

  it("size checks name the flag and the limit (LIMIT)", async () => {
    expect(err(() => requireHeap("quota --vms 9", "--vms", 9, 900, 1000))).toMatchObject({ code: "LIMIT", field: "--vms" });
    expect(err(() => requireHeap("quota --vms 9", "--vms", 9, 900, 1000)).message).toMatch(/LIMIT on --vms/);
    requireHeap("ok", "--vms", 1, 800, 1000);
    expect(err(() => requireMemory("x", "--racks", 1, 800, 1000))).toMatchObject({ code: "LIMIT", field: "--racks" });
    await expect(main(["bench", "--hosts", "4000000"])).rejects.toMatchObject({ code: "LIMIT", field: "--hosts", message: expect.stringContaining("2,621,440") });
    await expect(main(["quota", "--hosts", "4194304", "--vms", "16777216"])).rejects.toMatchObject({ code: "LIMIT", field: "--hosts" });
    // 16,777,216 VMs need about 8,000 MiB of heap: refused unless node was given that much.
    if (8000 * 2 ** 20 > 0.8 * (await import("node:v8")).getHeapStatistics().heap_size_limit) {
      await expect(main(["quota", "--vms", "16777216"])).rejects.toMatchObject({ code: "LIMIT", field: "--vms" });
    }
    await expect(main(["simulate", "--racks", "65536", "--servers-per-rack", "4096"])).rejects.toMatchObject({ code: "LIMIT", field: "--racks" });
    await expect(main(["simulate", "--deployments", "4194304", "--instances", "65536"])).rejects.toMatchObject({ code: "LIMIT", field: "--deployments" });
  });
});

describe("output files", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmf-out-"));
  const why = (path: string) => err(() => writeOutputFile("--out", path, "x")).message;

  it("writes a regular file, and replaces it", () => {
    writeOutputFile("--out", join(dir, "a.json"), "one");
    writeOutputFile("--out", join(dir, "a.json"), "two");
    expect(readFileSync(join(dir, "a.json"), "utf8")).toBe("two");
  });

  it("a missing folder, a folder, a device, a path through a file: one line saying why", () => {
    expect(why(join(dir, "missing/a.json"))).toBe(`--out ${join(dir, "missing/a.json")}: cannot write (folder ${join(dir, "missing")} does not exist)`);
    expect(why(dir)).toBe(`--out ${dir}: cannot write (it is a folder)`);
    expect(why("/dev/null")).toBe("--out /dev/null: not a regular file");
    writeFileSync(join(dir, "file"), "");
    expect(why(join(dir, "file/a.json"))).toMatch(/cannot write \(.*is not a folder\)$/);
  });

  it("a named pipe is refused at once (opening it would wait for a reader)", () => {
    const fifo = join(dir, "pipe.json");
    execFileSync("mkfifo", [fifo]);
    expect(why(fifo)).toBe(`--out ${fifo}: not a regular file`);
  });

  it.skipIf(process.getuid?.() === 0)("an unwritable folder (skipped as root: root may write anywhere)", () => {
    const ro = join(dir, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    expect(why(join(ro, "a.json"))).toMatch(/permission denied/);
  });
});

describe.skipIf(!existsSync(CLI))("the built CLI (skipped: dist not built)", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

  it("user mistakes: exit 2, one line on stderr, no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "vmf-cli-"));
    execFileSync("mkfifo", [join(dir, "pipe.vbp")]);
    for (const args of [["quota", "--json=true"], ["simulate", "--online=yes"], ["quota", "--bogus", "1"], ["quota", "stray"],
      ["pack", join(FIX, "tiny.vbp"), "--out", join(dir, "no/such/out.json")], ["pack", join(dir, "pipe.vbp")], ["bench", "--hosts", "4000000"]]) {
      const p = cli(...args);
      expect(p.status, args.join(" ")).toBe(2);
      expect(p.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(p.stderr).toMatch(/^vmfabric: /);
      expect(p.stderr).not.toMatch(/\s+at /);
      expect(p.stdout).toBe("");
    }
  });

  it("--json is one compact line; --version", () => {
    const p = cli("quota", "--hosts", "4", "--vms", "40", "--ticks", "3", "--json");
    expect(p.status).toBe(0);
    expect(p.stdout.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(p.stdout).vms).toBe(40);
    expect(cli("--version").stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version);
  });
});
