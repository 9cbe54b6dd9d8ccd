// `vmfabric replay TRACE`: replays a real trace (arrivals and departures) under each engine
// policy and each baseline, side by side on the identical stream; prints a table or JSON, and
// writes the time series (CSV) and a self-contained HTML report.
import { accessSync, constants, existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { boolFlag, intFlag, onlyFlags, parseArgs, stringFlag } from "../cli/args.js";
import { VmfabricError } from "../errors.js";
import { KubeScheduler } from "../replay/baselines/kube.js";
import { NomadScheduler } from "../replay/baselines/nomad.js";
import { DEFAULT_HEADROOM, defaultHost, defaultHostCount, identicalFleet } from "../replay/fleet.js";
import { fitsSomeType, replay } from "../replay/replay.js";
import type { Scheduler } from "../replay/scheduler.js";
import { FORMATS, openTrace, type Format } from "../replay/sources.js";
import { seriesCsv, summary, table } from "../replay/summary.js";
import { survey } from "../replay/survey.js";
import { POLICIES, type FleetSpec, type HostSpec, type Policy } from "../types.js";
import { Progress } from "../workload/progress.js";

const BASELINES = ["kube", "nomad"] as const;

/** Every flag, as data (name, type, default, unit, help), so it ports to another flag API. */
export const FLAGS = [
  { name: "format", type: "string", default: "auto", unit: "", help: `trace format: ${FORMATS.join(", ")} (auto: by the header line)` },
  { name: "nodes", type: "string", default: "", unit: "file", help: "alibaba: the node list (openb_node_list*.csv), the fleet in file order" },
  { name: "hosts", type: "int", default: 0, unit: "hosts", help: `identical hosts (default: ceil(${DEFAULT_HEADROOM} x the peak lower bound) from a first pass)` },
  { name: "host-capacity", type: "string", default: "", unit: "engine units", help: "one number per dimension, comma-separated (default: Azure Dsv3-Type3, 80 vCPUs / 504 GiB less the host-VM reservation)" },
  { name: "policy", type: "string", default: POLICIES.join(","), unit: "", help: `engine policies, comma-separated: ${POLICIES.join(", ")}` },
  { name: "baseline", type: "string", default: BASELINES.join(","), unit: "", help: "baselines, comma-separated: kube, nomad, or none" },
  { name: "seed", type: "int", default: 1, unit: "", help: "seed of the lifetime draws (azure2017) and the baselines' random choices" },
  { name: "anti-affinity", type: "boolean", default: false, unit: "", help: "azure2017: a batch is a deployment, at most one instance per host" },
  { name: "bucket", type: "int", default: 0, unit: "s", help: "time series bucket width (default: the trace's span / 250, rounded up to a minute)" },
  { name: "json", type: "boolean", default: false, unit: "", help: "print one JSON object instead of the table" },
  { name: "timeseries", type: "string", default: "", unit: "file", help: "write the metrics per time bucket as CSV" },
  { name: "report", type: "string", default: "", unit: "file", help: "write a self-contained HTML report (charts and the summary table)" },
  { name: "quiet", type: "boolean", default: false, unit: "", help: "no progress bar on stderr" },
  { name: "help", type: "boolean", default: false, unit: "", help: "this help" },
] as const;

/** Checks before the replay that an output file can be written (its folder exists and is
 *  writable, the path is not a folder), so a typo does not cost a whole replay. */
function checkOutput(flag: string, path: string): void {
  const problem = (() => {
    try {
      if (existsSync(path) && statSync(path).isDirectory()) return "it is a folder";
      accessSync(dirname(resolve(path)), constants.W_OK);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  })();
  if (problem) throw new VmfabricError("INVALID_INPUT", `${flag}: cannot write ${path}: ${problem}`, flag, path);
}

/** Writes an output file; a path that cannot be written is a one-line VmfabricError. */
function writeOutput(flag: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new VmfabricError("INVALID_INPUT", `${flag}: cannot write ${path}: ${(e as Error).message}`, flag, path);
  }
}

export function help(): string {
  const rows = FLAGS.map((f) => {
    const arg = f.type === "boolean" ? `--${f.name}` : `--${f.name} ${f.unit ? f.unit.toUpperCase().replace(/ /g, "_") : f.type.toUpperCase()}`;
    const def = f.type === "boolean" || f.default === "" || f.default === 0 ? "" : ` (default ${f.default})`;
    return `  ${arg.padEnd(32)} ${f.help}${def}`;
  });
  return ["usage: vmfabric replay TRACE [options]", "", ...rows].join("\n");
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  if (value === "none") return [];
  const items = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  for (const it of items) {
    if (!allowed.includes(it as T)) throw new VmfabricError("INVALID_INPUT", `--${flag}: unknown ${JSON.stringify(it)} (one of ${allowed.join(", ")})`, `--${flag}`, it);
  }
  return items as T[];
}

function capacity(value: string, dims: readonly string[]): number[] {
  const parts = value.split(",");
  const nums = parts.map(Number);
  if (parts.length !== dims.length || nums.some((x) => !Number.isInteger(x) || x < 0 || x > 0x7fffffff)) {
    throw new VmfabricError("INVALID_INPUT", `--host-capacity must be ${dims.length} integers (${dims.join(", ")}), got ${JSON.stringify(value)}`, "--host-capacity", value);
  }
  return nums;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS.filter((f) => f.type === "boolean").map((f) => f.name));
  onlyFlags(args, FLAGS.map((f) => f.name));
  if (boolFlag(args, "help")) { console.log(help()); return 0; }
  if (args.positional.length !== 1) throw new VmfabricError("INVALID_INPUT", `replay needs exactly one TRACE file, got ${args.positional.length}\n${help()}`, "TRACE", args.positional);
  const file = args.positional[0];
  const format = stringFlag(args, "format", "auto", FORMATS) as Format;
  const seed = intFlag(args, "seed", 1, 0, 0x7fffffff);
  const hostsFlag = intFlag(args, "hosts", 0, 1, 1 << 22);
  const policies = list("policy", stringFlag(args, "policy", POLICIES.join(",")), POLICIES) as Policy[];
  const baselines = list("baseline", stringFlag(args, "baseline", BASELINES.join(",")), BASELINES);
  const json = boolFlag(args, "json");
  const quiet = boolFlag(args, "quiet");
  const nodes = stringFlag(args, "nodes", "");
  const capFlag = stringFlag(args, "host-capacity", "");
  const seriesFile = stringFlag(args, "timeseries", "");
  const reportFile = stringFlag(args, "report", "");
  const bucketFlag = intFlag(args, "bucket", 0, 1, 2 ** 40);
  if (seriesFile) checkOutput("--timeseries", seriesFile);
  if (reportFile) checkOutput("--report", reportFile);
  if (policies.length + baselines.length === 0) throw new VmfabricError("INVALID_INPUT", "nothing to run: give at least one --policy or --baseline", "--policy", "");

  const source = await openTrace(file, { format, seed, antiAffinity: boolFlag(args, "anti-affinity"), nodes: nodes || undefined });
  const dims = source.dimensions;
  const say = (s: string) => { if (!json) console.log(s); };

  // ---- the fleet, and the first pass ----
  let fleet: readonly HostSpec[] | FleetSpec;
  let fleetNote: string;
  let plan;
  if (source.hosts) {
    if (hostsFlag || capFlag) throw new VmfabricError("INVALID_INPUT", `the ${source.format} format brings its fleet (--nodes); --hosts and --host-capacity do not apply`, hostsFlag ? "--hosts" : "--host-capacity", hostsFlag || capFlag);
    fleet = source.hosts;
    const types = [...new Map(source.hosts.map((h) => [h.capacity.join(","), [...h.capacity]])).values()];
    plan = await survey(source, (d) => fitsSomeType(types, d));
    fleetNote = `${source.hosts.length} nodes from ${nodes}`;
  } else {
    const shape = capFlag ? { capacity: capacity(capFlag, dims), reservation: dims.map(() => 0), source: "--host-capacity" } : defaultHost(dims);
    const effective = shape.capacity.map((c, d) => c - shape.reservation[d]);
    plan = await survey(source, (d) => effective.every((x, i) => d[i] <= x));
    const count = hostsFlag || defaultHostCount(plan.peakDemand, effective);
    fleet = identicalFleet(shape, count);
    fleetNote = `${count.toLocaleString("en-US")} hosts of ${shape.source} [${effective.join(", ")}]${hostsFlag ? "" : ` = ceil(${DEFAULT_HEADROOM} x peak lower bound)`}`;
  }
  const span = plan.lastTime - plan.firstTime;
  const bucket = bucketFlag || Math.max(60, Math.ceil(span / 250 / 60) * 60);

  const runs: Array<Policy | Scheduler> = [...policies];
  for (const b of baselines) runs.push(b === "kube" ? new KubeScheduler(seed) : new NomadScheduler(seed));
  say(`trace: ${file} (${source.format}, ${plan.vms.toLocaleString("en-US")} VMs, ${plan.events.toLocaleString("en-US")} events, at most ${plan.peakLive.toLocaleString("en-US")} live)`);
  say(`fleet: ${fleetNote}`);
  for (const [k, v] of Object.entries(source.notes ?? {})) say(`${k}: ${v}`);

  const bar = new Progress({ label: "replay", total: plan.events, quiet });
  const result = await replay(source, {
    fleet, runs, survey: plan, bucketSeconds: seriesFile || reportFile ? bucket : undefined,
    onProgress: (done) => bar.update(done),
  });
  bar.finish(result.events);

  const gpu = dims.includes("gpu") ? "gpu" : undefined;
  if (json) console.log(JSON.stringify(summary(result, gpu)));
  else {
    say("");
    say(table(result));
    say(`\nwall ${result.wallSeconds.toFixed(1)} s for ${result.runs.length} runs in lockstep; ops/s = (placements tried + releases) / the policy's own seconds`);
  }
  if (seriesFile) {
    writeOutput("--timeseries", seriesFile, seriesCsv(result));
    say(`time series (${bucket} s buckets): ${seriesFile}`);
  }
  if (reportFile) {
    const { renderReport } = await import("../replay/report.js");
    writeOutput("--report", reportFile, renderReport(result, { bucketSeconds: bucket, fleet: fleetNote, command: `vmfabric replay ${argv.join(" ")}` }));
    say(`report: ${reportFile}`);
  }
  return 0;
}
