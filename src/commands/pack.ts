// `vmfabric pack FILE|DIR... [--policy P] [--online] [--out OUT.json] [--json]`
// Packs an instance (JSON or VPSolver .vbp, see src/instance/) onto its hosts and reports hosts
// used against a lower bound. Offline by default (the best of the core's first-fit-decreasing
// variants and, for small pure packing instances, a local search: src/offline/best.ts); --online
// places VMs one by one in input order. Several files or a folder:
// one summary line (or JSON object) per file; a file that fails to load is reported on stderr
// and the others still run (exit status 2 at the end).
import { writeFileSync } from "node:fs";
import { VmfabricError } from "../errors.js";
import { boolFlag, onlyFlags, parseArgs, stringFlag } from "../cli/args.js";
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
export function packFile(file: string, opts: { policy?: Policy; online?: boolean } = {}): PackOutcome {
  const instance = loadInstance(file);
  let result: PackResult;
  try {
    result = opts.online ? packOnline(instance, { policy: opts.policy }) : packOffline(instance, { policy: opts.policy });
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

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ["json", "online"]);
  onlyFlags(args, ["policy", "out", "json", "online"]);
  const policyFlag = args.flags.get("policy");
  const policy = policyFlag === undefined ? undefined : (stringFlag(args, "policy", "", POLICIES) as Policy);
  const online = boolFlag(args, "online");
  const json = boolFlag(args, "json");
  const out = args.flags.get("out");
  if (out === true) throw new VmfabricError("INVALID_INPUT", "--out needs a file name", "--out", out);
  if (args.positional.length === 0) throw new VmfabricError("INVALID_INPUT", "pack needs an instance FILE (JSON or .vbp) or a folder of them", "FILE");
  const files = instanceFiles(args.positional);
  if (out !== undefined && files.length !== 1) {
    throw new VmfabricError("INVALID_INPUT", `--out takes exactly one instance FILE, got ${files.length}`, "--out", out);
  }
  if (files.length === 1) {
    const o = packFile(files[0], { policy, online });
    if (out !== undefined) writeFileSync(out, outJson(o));
    if (json) console.log(JSON.stringify(o.summary));
    else if (out === undefined) console.log(summaryLine(o.summary));
    return 0;
  }
  let status = 0;
  for (const f of files) {
    try {
      const o = packFile(f, { policy, online });
      console.log(json ? JSON.stringify(o.summary) : summaryLine(o.summary));
    } catch (e) {
      if (!(e instanceof VmfabricError)) throw e;
      console.error(`vmfabric: ${e.message}`);
      status = 2;
    }
  }
  return status;
}
