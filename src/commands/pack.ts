// `vmfabric pack FILE|DIR... [--policy P] [--online] [--out OUT.json] [--json]`
// Packs an instance (JSON or VPSolver .vbp, see src/instance/) onto its hosts and reports hosts
// used against a lower bound. Offline by default (the best of the core's first-fit-decreasing
// variants and, for small pure packing instances, a local search: src/offline/best.ts); --online
// places VMs one by one in input order. Several files or a folder:
// one summary line (or JSON object) per file; a file that fails to load is reported on stderr
// and the others still run (exit status 2 at the end).
import { statSync } from "node:fs";
import { VmfabricError } from "../errors.js";
import { defineCommand } from "../cli/command.js";
import { printJson, progress, writeOutputFile } from "../cli/output.js";
import { instanceFiles, loadInstance } from "../instance/load.js";
import type { Instance } from "../instance/types.js";
import { lowerBound } from "../offline/bound.js";
import { packOffline, packOnline, type PackResult } from "../offline/best.js";
import { POLICIES, type Policy } from "../types.js";

export interface PackSummary {
  file: string;
  vms: number;
  hosts: number;
  hostsUsed: number;
  placed: number;
  rejected: number;
  lowerBound: number;
  seconds: number;
  method: string;
}

export interface PackOutcome {
  instance: Instance;
  result: PackResult;
  lowerBound: number;
  summary: PackSummary;
}

/** Loads and packs one file (the library form of the command). */
export function packFile(file: string, opts: { policy?: Policy; online?: boolean; onMethod?: (done: number, total: number) => void } = {}): PackOutcome {
  const instance = loadInstance(file);
  let result: PackResult;
  try {
    result = opts.online ? packOnline(instance, { policy: opts.policy }) : packOffline(instance, { policy: opts.policy, onMethod: opts.onMethod });
  } catch (e) {
    if (e instanceof VmfabricError) throw new VmfabricError(e.code, `${file}: ${e.message}`, e.field, e.value);
    throw e;
  }
  const lb = lowerBound(instance);
  return {
    instance,
    result,
    lowerBound: lb,
    summary: {
      file,
      vms: instance.vmCount,
      hosts: instance.hostCount,
      hostsUsed: result.hostsUsed,
      placed: result.placed,
      rejected: result.rejected,
      lowerBound: lb,
      seconds: Number(result.seconds.toFixed(6)),
      method: result.tried > 1 ? `${result.method} (best of ${result.tried})` : result.method,
    },
  };
}

/** The --out document; assignment written in chunks so a million entries need no giant array. */
export function outJson(o: PackOutcome): string {
  const a = o.result.assignment;
  const parts: string[] = ['{"assignment": ['];
  const CHUNK = 65536;
  for (let i = 0; i < a.length; i += CHUNK) {
    parts.push((i > 0 ? "," : "") + Array.prototype.join.call(a.subarray(i, Math.min(i + CHUNK, a.length)), ","));
  }
  const { hostsUsed, placed, rejected, seconds } = o.result;
  parts.push(`], "hostsUsed": ${hostsUsed}, "placed": ${placed}, "rejected": ${rejected}, "lowerBound": ${o.lowerBound}, "seconds": ${Number(seconds.toFixed(6))}}\n`);
  return parts.join("");
}

export function summaryLine(s: PackSummary): string {
  const gap = s.lowerBound > 0 ? ` (+${(((s.hostsUsed - s.lowerBound) / s.lowerBound) * 100).toFixed(1)}%)` : "";
  const rej = s.rejected > 0 ? `, ${s.rejected} REJECTED` : "";
  return `${s.file}: ${s.placed}/${s.vms} VMs on ${s.hostsUsed} of ${s.hosts} hosts, lower bound ${s.lowerBound}${gap}${rej}, ${s.seconds.toFixed(3)} s, ${s.method}`;
}

export const command = defineCommand({
  name: "pack",
  summary: "packs JSON or VPSolver .vbp instances onto their hosts and compares hosts used with a lower bound",
  positionals: { name: "FILE|DIR", min: 1, max: Infinity, help: "instance files (.json or .vbp), or folders of them (not recursive)" },
  flags: {
    policy: { type: "enum", values: POLICIES, help: "use only this policy (offline: the size measures still vary)", defaultText: "every policy and, for pure packing instances, the local search" },
    online: { type: "boolean", help: "place VMs one by one in input order, as a live scheduler would (default: offline, best of several methods)" },
    out: { type: "string", valueName: "OUT.json", help: "write the assignment document (one instance FILE only)", example: "/tmp/assignment.json" },
    json: { type: "boolean", help: "one compact JSON object per file instead of a summary line" },
  },
  description: [
    "Units are the instance's own. The lower bound per dimension is the fewest hosts (largest first) whose effective " +
    "capacity covers the total demand, and at least the largest deployment's instance count / maxPerHost.",
    "Several files: a file that cannot be read or packed is reported on stderr, the others still run, exit status 2.",
  ],
  examples: ["pack test/fixtures/pack/CL_1_25_1.vbp", "pack instances/ --online --policy first-fit --json", "pack big.json --out /tmp/assignment.json"],
  run({ flags, positionals }) {
    let files: string[];
    try {
      files = instanceFiles(positionals);
    } catch (e) {
      // A folder that cannot be listed is the user's path, not a bug.
      if (e instanceof VmfabricError || !(e as NodeJS.ErrnoException).code) throw e;
      throw new VmfabricError("INVALID_INPUT", `${(e as NodeJS.ErrnoException).path ?? positionals.join(" ")}: cannot read (${(e as NodeJS.ErrnoException).code})`, "FILE", positionals);
    }
    const out = flags.out;
    if (out !== undefined && files.length !== 1) {
      throw new VmfabricError("INVALID_INPUT", `--out takes exactly one instance FILE, got ${files.length}`, "--out", out);
    }
    const opts = { policy: flags.policy as Policy | undefined, online: flags.online };
    if (files.length === 1) {
      let bar: ReturnType<typeof progress> | undefined;
      const onMethod = (done: number, total: number) => (bar ??= progress(`packing ${files[0]} (methods tried)`, total)).update(done);
      const o = packFile(requireRegularFile(files[0]), { ...opts, onMethod });
      bar?.finish();
      if (out !== undefined) writeOutputFile("--out", out, outJson(o));
      if (flags.json) printJson(o.summary);
      else if (out === undefined) console.log(summaryLine(o.summary));
      return 0;
    }
    let status = 0;
    const bar = progress(`packing ${files.length} files`, files.length);
    for (const [i, f] of files.entries()) {
      try {
        const o = packFile(requireRegularFile(f), opts);
        console.log(flags.json ? JSON.stringify(o.summary) : summaryLine(o.summary));
      } catch (e) {
        // One file's failure, even an internal error, does not cost the others their result.
        console.error(e instanceof VmfabricError ? `vmfabric: ${e.message}` : `vmfabric: ${f}: internal error: ${(e as Error)?.message ?? String(e)}`);
        status = 2;
      }
      bar.update(i + 1);
    }
    bar.finish(files.length);
    return status;
  },
});

/** A device or named pipe would block or never end, so only regular files are read. */
function requireRegularFile(file: string): string {
  let ok: boolean;
  try {
    ok = statSync(file).isFile();
  } catch (e) {
    throw new VmfabricError("INVALID_INPUT", `${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, "FILE", file);
  }
  if (!ok) throw new VmfabricError("INVALID_INPUT", `${file}: not a regular file`, "FILE", file);
  return file;
}

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);
