// `vmfabric replay TRACE`: replays a real trace (arrivals and departures) under each engine
// policy and each baseline, side by side on the identical stream; prints a table or JSON, and
// writes the time series (CSV) and a self-contained HTML report.
import { defineCommand } from "../cli/command.js";
import { printJson, progress, writeOutputFile } from "../cli/output.js";
import { MAX_DEVICES } from "../devices.js";
import { VmfabricError } from "../errors.js";
import { KubeScheduler } from "../replay/baselines/kube.js";
import { LeastWasteScheduler } from "../replay/baselines/least-waste.js";
import { NomadScheduler } from "../replay/baselines/nomad.js";
import { DEFAULT_HEADROOM, defaultHost, defaultHostCount, identicalFleet } from "../replay/fleet.js";
import { stratifiedSample } from "../replay/sample.js";
import { fitsSomeType, replay } from "../replay/replay.js";
import { DEFAULT_DEFRAG_PERIOD } from "../replay/defrag.js";
import { engineRuns, KEEP_SCARCE, type KeepScarce } from "../replay/keep-scarce.js";
import type { RunSpec } from "../replay/run-spec.js";
import { FORMATS, openTrace, parseDevices, type Format } from "../replay/sources.js";
import { seriesCsv, summary, table } from "../replay/summary.js";
import { survey } from "../replay/survey.js";
import { CAPACITY_POLICIES, POLICIES, type FleetSpec, type HostSpec, type Policy } from "../types.js";

const BASELINES = ["kube", "nomad", "least-waste"] as const;
const DEFAULT_BASELINES = "kube,nomad";

export const command = defineCommand({
  name: "replay",
  summary: "replay a real trace (arrivals and departures) under each policy and baseline, side by side",
  positionals: { name: "TRACE", min: 1, max: 1, help: "the trace file: azure2017 CSV, an alibaba pod list (with --nodes), or the generic CSV / JSON-lines format" },
  flags: {
    format: { type: "enum", values: ["auto", ...FORMATS], default: "auto", help: "trace format (auto: by the header line)" },
    nodes: { type: "string", valueName: "FILE", help: "the fleet, in file order: alibaba's node list (openb_node_list*.csv), or for a generic trace a nodes CSV (capacity_<dim> per dimension; optional reservation_<dim>, count, fault_domain, labels key=value;..., taints key;key=value)" },
    devices: { type: "string", valueName: "DIM=SIZE[,...]", unit: "engine units per device", help: "generic: dimensions made of devices (GPUs) and the units of one device; a VM's demand there is 0, a fraction of one device or whole devices (alibaba has gpu=1000 built in)", example: "gpu=1000" },
    sample: { type: "int", min: 1, max: 1 << 22, unit: "nodes", help: "replay on a stratified sample of the --nodes fleet: node types in their real proportions (largest remainder), the first nodes of each type in file order", example: "20" },
    hosts: { type: "int", min: 1, max: 1 << 22, unit: "hosts", help: "identical hosts of --host-capacity", defaultText: `ceil(${DEFAULT_HEADROOM} x the peak lower bound), from a first pass`, example: "800" },
    "host-capacity": { type: "string", valueName: "a,b,...", unit: "engine units", help: "one integer per dimension, comma-separated", defaultText: "Azure Dsv3-Type3: 80 vCPUs / 504 GiB less the host-VM reservation", example: "78000,507904" },
    policy: { type: "string", valueName: "P[,P...]", default: CAPACITY_POLICIES.join(","), help: `engine policies, comma-separated: ${POLICIES.join(", ")}` },
    baseline: { type: "string", valueName: "B[,B...]", default: DEFAULT_BASELINES, help: "baselines, comma-separated: kube, nomad, least-waste (a full scan per VM), or none" },
    "keep-scarce": { type: "enum", values: KEEP_SCARCE, default: "on", help: "engine policies keep scarce hosts free (on, the engine's default), do not (off: runs named <policy>/scarce-off), or run each both ways" },
    seed: { type: "int", min: 0, max: 0x7fffffff, default: 1, help: "seed of the lifetime draws (azure2017) and the baselines' random choices" },
    "anti-affinity": { type: "boolean", help: "azure2017: a batch is a deployment, at most one instance per host" },
    lifetime: { type: "boolean", help: "add a lifetime run (README: Policies) fed the trace's lifetime predictions (azure2017: arrival + the middle of the lifetime bin, never the drawn lifetime; generic: the expected_end column)" },
    bucket: { type: "int", min: 1, max: 2 ** 40, unit: "seconds", help: "time series bucket width", defaultText: "the trace's span / 250, rounded up to a minute" },
    json: { type: "boolean", help: "print one compact JSON object instead of the table" },
    timeseries: { type: "string", valueName: "OUT.csv", help: "write the metrics per time bucket as CSV" },
    report: { type: "string", valueName: "OUT.html", help: "write a self-contained HTML report (charts and the summary table)" },
    defrag: { type: "boolean", help: "consolidate periodically: each run plans and applies migrations that empty hosts (see --budget)" },
    budget: { type: "float", min: 0, max: 100, unit: "migrations per 100 arrivals", help: "--defrag's migration budget; unused allowance carries over", defaultText: "1", example: "0.5" },
    "defrag-period": { type: "int", min: 1, max: 2 ** 40, unit: "trace seconds", help: "time between two --defrag rounds", defaultText: String(DEFAULT_DEFRAG_PERIOD), example: "3600" },
    quiet: { type: "boolean", help: "no progress bar on stderr" },
  },
  description: [
    "Each policy and baseline runs on the identical event stream with its own engine; departures come before arrivals at equal times. " +
    "Demands in engine units: cpu millicores, memory MiB (azure2017: vcpu x 1000, GiB x 1024).",
  ],
  examples: [
    "replay ../shared/data/azure-2017-vm-arrivals/dev_vms.csv --json",
    "replay pods.csv --nodes nodes.csv --policy best-fit --baseline kube --report r.html",
    "replay my-trace.csv --format generic --nodes my-nodes.csv --devices gpu=1000",
  ],
  run({ flags, positionals, given }) {
    for (const f of ["budget", "defrag-period"] as const) {
      if (given.has(f) && !flags.defrag) throw new VmfabricError("INVALID_INPUT", `--${f} applies only with --defrag`, `--${f}`, flags[f]);
    }
    return runReplay(positionals[0], flags);
  },
});

export const run = (argv: readonly string[]): Promise<number> => command.run(argv);

/** Every flag name (for tests of the help text). */
export const FLAGS = Object.keys(command.flags ?? {}).map((name) => ({ name }));

/** Checks before the replay that an output file can be written, so a typo does not cost a
 *  whole replay: writing the empty file now fails the same way the real write would. */
function checkOutput(flag: string, path: string): void {
  writeOutputFile(flag, path, "");
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

/** With device dimensions, a host's capacity there must be whole devices (the engine's rule),
 *  said before the first pass rather than after it. */
function wholeDevices(devices: Readonly<Record<string, number>> | undefined, dims: readonly string[], effective: readonly number[]): void {
  for (const [name, size] of Object.entries(devices ?? {})) {
    const c = effective[dims.indexOf(name)];
    if (c % size !== 0 || c / size > MAX_DEVICES) {
      throw new VmfabricError("INVALID_INPUT", `--host-capacity: ${name} is ${c}, not a whole number of ${name} devices of ${size} (0 to ${MAX_DEVICES} devices, --devices)`, "--host-capacity", c);
    }
  }
}

async function runReplay(file: string, flags: {
  format: string; nodes?: string; devices?: string; sample?: number; hosts?: number; "host-capacity"?: string; policy: string; baseline: string; "keep-scarce": KeepScarce; seed: number;
  "anti-affinity": boolean; lifetime: boolean; bucket?: number; json: boolean; timeseries?: string; report?: string; quiet: boolean;
  defrag: boolean; budget?: number; "defrag-period"?: number;
}): Promise<number> {
  const format = flags.format as Format;
  const seed = flags.seed;
  const hostsFlag = flags.hosts ?? 0;
  const policies = list("policy", flags.policy, POLICIES) as Policy[];
  if (flags.lifetime && !policies.includes("lifetime")) policies.push("lifetime");
  const baselines = list("baseline", flags.baseline, BASELINES);
  const json = flags.json;
  const quiet = flags.quiet;
  const nodes = flags.nodes ?? "";
  const capFlag = flags["host-capacity"] ?? "";
  const seriesFile = flags.timeseries ?? "";
  const reportFile = flags.report ?? "";
  const bucketFlag = flags.bucket ?? 0;
  if (seriesFile) checkOutput("--timeseries", seriesFile);
  if (reportFile) checkOutput("--report", reportFile);
  if (policies.length + baselines.length === 0) throw new VmfabricError("INVALID_INPUT", "nothing to run: give at least one --policy or --baseline", "--policy", "");

  const devices = flags.devices === undefined ? undefined : parseDevices(flags.devices);
  const source = await openTrace(file, { format, seed, antiAffinity: flags["anti-affinity"], nodes: nodes || undefined, devices });
  const dims = source.dimensions;
  const say = (s: string) => { if (!json) console.log(s); };

  // ---- the fleet, and the first pass ----
  let fleet: readonly HostSpec[] | FleetSpec;
  let fleetNote: string;
  let plan;
  if (source.hosts) {
    if (hostsFlag || capFlag) throw new VmfabricError("INVALID_INPUT", `the ${source.format} format brings its fleet (--nodes); --hosts and --host-capacity do not apply`, hostsFlag ? "--hosts" : "--host-capacity", hostsFlag || capFlag);
    const hosts = flags.sample === undefined ? source.hosts : stratifiedSample(source.hosts, flags.sample);
    fleet = hosts;
    // Effective capacities, as the replay's NO_HOST_TYPE check sees them (generic nodes may reserve).
    const effective = (h: HostSpec) => h.capacity.map((c, d) => c - (h.reservation?.[d] ?? 0));
    const types = [...new Map(hosts.map((h) => [effective(h).join(","), effective(h)])).values()];
    plan = await survey(source, (d) => fitsSomeType(types, d));
    fleetNote = flags.sample === undefined ? `${hosts.length} nodes from ${nodes}` : `a stratified sample of ${hosts.length} of the ${source.hosts.length} nodes from ${nodes}`;
  } else {
    if (flags.sample !== undefined) throw new VmfabricError("INVALID_INPUT", "--sample takes a sample of the fleet --nodes gives; this trace has none", "--sample", flags.sample);
    const shape = capFlag ? { capacity: capacity(capFlag, dims), reservation: dims.map(() => 0), source: "--host-capacity" } : defaultHost(dims);
    const effective = shape.capacity.map((c, d) => c - shape.reservation[d]);
    wholeDevices(source.devices, dims, effective);
    plan = await survey(source, (d) => effective.every((x, i) => d[i] <= x));
    const count = hostsFlag || defaultHostCount(plan.peakDemand, effective);
    fleet = identicalFleet(shape, count);
    fleetNote = `${count.toLocaleString("en-US")} hosts of ${shape.source} [${effective.join(", ")}]${hostsFlag ? "" : ` = ceil(${DEFAULT_HEADROOM} x peak lower bound)`}`;
  }
  const span = plan.lastTime - plan.firstTime;
  const bucket = bucketFlag || Math.max(60, Math.ceil(span / 250 / 60) * 60);

  const runs: RunSpec[] = engineRuns(policies, flags["keep-scarce"]);
  for (const b of baselines) runs.push(b === "kube" ? new KubeScheduler(seed) : b === "nomad" ? new NomadScheduler(seed) : new LeastWasteScheduler());
  say(`trace: ${file} (${source.format}, ${plan.vms.toLocaleString("en-US")} VMs, ${plan.events.toLocaleString("en-US")} events, at most ${plan.peakLive.toLocaleString("en-US")} live)`);
  say(`fleet: ${fleetNote}`);
  if (flags.defrag) say(`defrag: every ${flags["defrag-period"] ?? DEFAULT_DEFRAG_PERIOD} trace seconds, at most ${flags.budget ?? 1} migrations per 100 arrivals`);
  for (const [k, v] of Object.entries(source.notes ?? {})) say(`${k}: ${v}`);

  const bar = progress("replay", plan.events, quiet);
  const result = await replay(source, {
    fleet, runs, survey: plan, bucketSeconds: seriesFile || reportFile ? bucket : undefined,
    defrag: flags.defrag ? { per100: flags.budget ?? 1, periodSeconds: flags["defrag-period"] ?? DEFAULT_DEFRAG_PERIOD } : undefined,
    onProgress: (done) => bar.update(done),
  });
  bar.finish();

  const gpu = dims.includes("gpu") ? "gpu" : undefined;
  if (json) printJson(summary(result, gpu));
  else {
    say("");
    say(table(result));
    say(`\nwall ${result.wallSeconds.toFixed(1)} s for ${result.runs.length} runs in lockstep; ops/s = (placements tried + releases) / the policy's own seconds`);
  }
  if (seriesFile) {
    writeOutputFile("--timeseries", seriesFile, seriesCsv(result));
    say(`time series (${bucket} s buckets): ${seriesFile}`);
  }
  if (reportFile) {
    const { renderReport } = await import("../replay/report.js");
    writeOutputFile("--report", reportFile, renderReport(result, { bucketSeconds: bucket, fleet: fleetNote, command: `vmfabric replay ${file}` }));
    say(`report: ${reportFile}`);
  }
  return 0;
}
